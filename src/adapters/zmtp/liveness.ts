/**
 * The two timers of a ready ZMTP connection, on one re-armed timeout: `keepAlive` (send an
 * RFC 37 PING after that long without sending, so that a peer with a heartbeat timeout, and
 * NAT boxes on the way, see traffic) and `idleTimeout` (close after that long without
 * receiving). The durations were checked by `src/channel/limits.ts`; 0 means never.
 *
 * @module
 */

/** What the connection does when a timer is due. */
export interface LivenessActions {
  /** Send a PING now. */
  ping(): void;
  /** The peer has been silent for `idleTimeout` ms: end the connection. */
  idle(): void;
}

/** Tracks the last traffic each way and fires {@link LivenessActions} when due. */
export class Liveness {
  private lastSent = Date.now();
  private lastReceived = Date.now();
  /** While this side stops reading (backpressure) the silence is ours, not the peer's. */
  private suspended = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly keepAlive: number,
    private readonly idleTimeout: number,
    private readonly actions: LivenessActions,
  ) {}

  /** Starts the timers (nothing happens when both durations are 0). */
  start(): void {
    this.lastSent = this.lastReceived = Date.now();
    this.arm();
  }

  /** Something was sent. */
  sent(): void {
    this.lastSent = Date.now();
  }

  /** Something was received. */
  received(): void {
    this.lastReceived = Date.now();
  }

  /** Reading paused (true) or resumed (false) by this side. */
  suspend(paused: boolean): void {
    this.suspended = paused;
    if (!paused) this.lastReceived = Date.now();
  }

  /** Stops for good. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private arm(): void {
    if (this.stopped) return;
    const now = Date.now();
    const due: number[] = [];
    if (this.keepAlive > 0) due.push(this.lastSent + this.keepAlive - now);
    // While suspended the idle check waits a whole period rather than spinning on a past due time.
    if (this.idleTimeout > 0) due.push(this.suspended ? this.idleTimeout : this.lastReceived + this.idleTimeout - now);
    if (due.length === 0) return;
    this.timer = setTimeout(() => this.fire(), Math.max(1, Math.min(...due)));
    // The connection's socket keeps the process alive, not its timers.
    this.timer.unref();
  }

  private fire(): void {
    const now = Date.now();
    if (this.idleTimeout > 0 && !this.suspended && now - this.lastReceived >= this.idleTimeout) {
      this.stop();
      this.actions.idle();
      return;
    }
    if (this.keepAlive > 0 && now - this.lastSent >= this.keepAlive) {
      this.actions.ping();
      this.sent();
    }
    this.arm();
  }
}
