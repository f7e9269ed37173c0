/**
 * One client session as the server keeps it: its handshake driver (then its mechanism), its
 * current route and its timer.
 *
 * @module
 */
import type { HandshakeDriver } from '../../channel/handshake';
import type { Mechanism } from '../../mechanism';

/** Which socket a session's outgoing messages use; fixed by the first send. */
export type SendChannel = 'route' | 'pub';

/**
 * A server-side session. The route is the Router envelope to reach the client (its routing id,
 * plus the empty delimiter when the client is a Request socket); it changes only when an
 * authenticated MESSAGE arrives from another route.
 */
export class ServerSession {
  /** `'handshaking'` until the driver is ready. */
  state: 'handshaking' | 'ready' = 'handshaking';
  /** True once dropped; late sends for it are ignored. */
  closed = false;
  /** Fixed by the first `send()` or `publish()`. */
  channel: SendChannel | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly id: Buffer,
    readonly key: string,
    readonly driver: HandshakeDriver,
    public route: Buffer[],
  ) {}

  /** The mechanism: the driver's, which encodes and decodes once ready. */
  get mechanism(): Mechanism {
    return this.driver.mechanism;
  }

  /** True while the authorizer has not answered: such a session is never evicted. */
  get deciding(): boolean {
    return this.driver.state === 'deciding';
  }

  /** (Re)arms the session's single timer: handshake deadline, then idle time-to-live (0: none). */
  arm(ms: number, onExpire: () => void): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (ms === 0) return;
    this.timer = setTimeout(onExpire, ms);
    // The sockets keep the process alive while the server runs; a timer alone must not.
    this.timer.unref();
  }

  /** Restarts the idle timer after activity. */
  touch(): void {
    this.timer?.refresh();
  }

  /**
   * Stops the timer and wipes the mechanism: the driver's close() ignores a decision still on
   * its way; a ready mechanism is the session's to destroy.
   */
  dispose(): void {
    this.closed = true;
    clearTimeout(this.timer);
    if (this.driver.pending) this.driver.close();
    else this.driver.mechanism.destroy();
  }
}

/** Whether a batch's route is its session's: the session route it was compared with, and the answer. */
export interface RouteCheck {
  known: Buffer[] | undefined;
  same: boolean;
}

/** True when two routes are the same frames. */
export function sameRoute(a: readonly Buffer[], b: readonly Buffer[]): boolean {
  return a.length === b.length && a.every((frame, index) => frame.equals(b[index]!));
}

/**
 * Splits a Router message into the route (routing id, and the empty delimiter a Request socket
 * adds) and the envelope frames.
 */
export function splitRoute(frames: Buffer[]): { route: Buffer[]; body: Buffer[] } | undefined {
  const [routingId, ...rest] = frames;
  if (routingId === undefined) return undefined;
  if (rest[0]?.length === 0) return { route: [routingId, rest[0]], body: rest.slice(1) };
  return { route: [routingId], body: rest };
}
