/**
 * The client's heartbeat timers (ZMTP 3.1's `ZMQ_HEARTBEAT_IVL` and `ZMQ_HEARTBEAT_TIMEOUT`):
 * a PING after `interval` ms without traffic, and a failure when nothing at all arrives within
 * `timeout` ms of a PING. ZeroMQ hides connections, so a crashed server is otherwise just
 * silence.
 *
 * @module
 */

/** Settings of {@link Heartbeat}, in milliseconds. */
export interface HeartbeatSettings {
  readonly interval: number;
  readonly timeout: number;
}

/** Heartbeat timers for one ready session; owns no socket, only calls back. */
export class Heartbeat {
  private idleTimer: NodeJS.Timeout | undefined;
  private deadline: NodeJS.Timeout | undefined;

  /**
   * @param ping - sends one PING (errors are the owner's to handle)
   * @param expire - the peer stayed silent `timeout` ms after a PING
   */
  constructor(
    private readonly settings: HeartbeatSettings,
    private readonly ping: () => void,
    private readonly expire: () => void,
  ) {}

  /** Milliseconds the peer may stay silent after a PING. */
  get timeout(): number {
    return this.settings.timeout;
  }

  /** Starts counting idle time (the handshake just completed). */
  start(): void {
    this.idleTimer = unref(setTimeout(() => this.onIdle(), this.settings.interval));
  }

  /** Something authentic arrived: the peer is alive. */
  alive(): void {
    clearTimeout(this.deadline);
    this.deadline = undefined;
    this.idleTimer?.refresh();
  }

  /** Clears both timers, so a closed client holds no timer. */
  stop(): void {
    clearTimeout(this.idleTimer);
    clearTimeout(this.deadline);
    this.idleTimer = undefined;
    this.deadline = undefined;
  }

  /** Pings again every interval while silent; the deadline runs from the first unanswered PING. */
  private onIdle(): void {
    this.idleTimer?.refresh();
    this.deadline ??= unref(setTimeout(() => this.expire(), this.settings.timeout));
    this.ping();
  }
}

/** The sockets keep the process alive while the client runs; a timer alone must not. */
function unref(timer: NodeJS.Timeout): NodeJS.Timeout {
  timer.unref();
  return timer;
}
