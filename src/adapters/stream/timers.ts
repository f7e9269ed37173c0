/**
 * The stream's three timers (handshake deadline, idle timeout, keepalive) and their re-arming.
 * Durations are checked in `src/channel/limits.ts`, like every adapter's; this file only arms.
 *
 * @module
 */

/** What the timers call back: the stream that owns them. */
export interface TimerOwner {
  onHandshakeTimeout(): void;
  onIdleTimeout(): void;
  onKeepAlive(): void;
}

/**
 * Re-arms a one-shot timer: clears `previous`, then, unless `ms` is 0, schedules
 * `onFire(arg)` in `ms` milliseconds. The callback is a shared function given its owner as an
 * argument, so a stream's timers make no closures (they count in the heap per connection).
 *
 * @returns the new timer, or `undefined` for 0
 */
function restartTimer<T>(previous: NodeJS.Timeout | undefined, ms: number, onFire: (arg: T) => void, arg: T): NodeJS.Timeout | undefined {
  if (previous !== undefined) clearTimeout(previous);
  return ms > 0 ? setTimeout(onFire, ms, arg) : undefined;
}

/** The timers of one stream. Each fires once, into its owner; the owner re-arms as it needs. */
export class StreamTimers {
  private readonly owner: TimerOwner;
  private handshake: NodeJS.Timeout | undefined;
  private idle: NodeJS.Timeout | undefined;
  private keepAlive: NodeJS.Timeout | undefined;
  /** The keepalive period (0 = none), kept until the handshake completes to start it then. */
  keepAliveMs: number;

  constructor(owner: TimerOwner, handshakeMs: number, idleMs: number, keepAliveMs: number) {
    this.owner = owner;
    this.keepAliveMs = keepAliveMs;
    this.handshake = restartTimer(undefined, handshakeMs, StreamTimers.onHandshake, this);
    this.idle = restartTimer(undefined, idleMs, StreamTimers.onIdle, this);
  }

  /** The handshake completed: no deadline any more; the keepalive starts. */
  secured(): void {
    clearTimeout(this.handshake);
    this.handshake = undefined;
    this.startKeepAlive();
  }

  /** Something arrived from the peer: the idle timeout starts over. */
  received(): void {
    this.idle?.refresh();
  }

  /** Something was sent: the keepalive period starts over. */
  sent(): void {
    this.keepAlive?.refresh();
  }

  /** Sets the idle timeout (0 = none), counting from now. */
  setIdle(ms: number): void {
    this.idle = restartTimer(this.idle, ms, StreamTimers.onIdle, this);
  }

  /** Arms the keepalive for {@link keepAliveMs} (or stops it, for 0). */
  startKeepAlive(): void {
    this.keepAlive = restartTimer(this.keepAlive, this.keepAliveMs, StreamTimers.onKeepAlive, this);
  }

  /** Clears every timer (the stream is destroyed). */
  clear(): void {
    clearTimeout(this.handshake);
    clearTimeout(this.idle);
    clearTimeout(this.keepAlive);
    this.handshake = this.idle = this.keepAlive = undefined;
  }

  // Shared callbacks, given their timers as argument (no closure per stream).
  private static onHandshake(timers: StreamTimers): void {
    timers.handshake = undefined;
    timers.owner.onHandshakeTimeout();
  }

  private static onIdle(timers: StreamTimers): void {
    timers.idle = undefined;
    timers.owner.onIdleTimeout();
  }

  private static onKeepAlive(timers: StreamTimers): void {
    timers.keepAlive = undefined;
    timers.owner.onKeepAlive();
  }
}
