/**
 * One client session as the server keeps it: its mechanism, its current route and its timer.
 *
 * @module
 */
import type { Mechanism } from '../../mechanism';

/** Which socket a session's outgoing messages use; fixed by the first send. */
export type SendChannel = 'route' | 'pub';

/**
 * A server-side session. The route is the Router envelope to reach the client (its routing id,
 * plus the empty delimiter when the client is a Request socket); it changes only when an
 * authenticated MESSAGE arrives from another route.
 */
export class ServerSession {
  /** `'handshaking'` until the mechanism is ready. */
  state: 'handshaking' | 'ready' = 'handshaking';
  /** True while a handshake step (maybe a slow decision) is in flight. */
  busy = false;
  /** True once dropped; late decisions and sends for it are ignored. */
  closed = false;
  /** Fixed by the first `send()` or `publish()`. */
  channel: SendChannel | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly id: Buffer,
    readonly key: string,
    readonly mechanism: Mechanism,
    public route: Buffer[],
  ) {}

  /** (Re)arms the session's single timer: handshake deadline, then idle time-to-live. */
  arm(ms: number, onExpire: () => void): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(onExpire, ms);
    // The sockets keep the process alive while the server runs; a timer alone must not.
    this.timer.unref();
  }

  /** Restarts the idle timer after activity. */
  touch(): void {
    this.timer?.refresh();
  }

  /** Stops the timer and wipes the mechanism. */
  dispose(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.mechanism.destroy();
  }
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
