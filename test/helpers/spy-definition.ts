/**
 * A mechanism definition that wraps another and records what the adapters do with its server
 * factories: how many sessions they made and how often they closed them.
 */
import type { Mechanism, MechanismDefinition, MechanismOptions, ServerSessions } from '../../src';

/** Wraps `inner`, counting server sessions made and `close()` calls on its server factories. */
export class SpyDefinition<O extends MechanismOptions> implements MechanismDefinition<O> {
  readonly name: string;
  /** Server sessions made, over every server factory. */
  made = 0;
  /** `close()` calls, over every server factory. */
  closes = 0;
  /** The inner server factories, to check that they were really closed. */
  readonly servers: ServerSessions[] = [];

  constructor(private readonly inner: MechanismDefinition<O>) {
    this.name = inner.name;
  }

  client(options: O): Mechanism {
    return this.inner.client(options);
  }

  server(options: O): ServerSessions {
    const sessions = this.inner.server(options);
    this.servers.push(sessions);
    const make = (): Mechanism => {
      this.made += 1;
      return sessions();
    };
    return Object.assign(make, {
      close: () => {
        this.closes += 1;
        sessions.close?.();
      },
    });
  }
}
