/**
 * When a file-backed trust source (a certificate store, a password file) re-reads its files:
 * on demand, and before answering when the last read began at least `checkInterval`
 * milliseconds ago. Reads never overlap: each one waits for the one before.
 *
 * @module
 */

/** Options shared by the file-backed trust sources. */
export interface RefreshOptions {
  /** Least time in milliseconds between two reads made by lookups (default 1000; 0: every lookup). */
  readonly checkInterval?: number;
  /** The clock in milliseconds (default `Date.now`); inject one in tests. */
  readonly clock?: () => number;
}

const DEFAULT_CHECK_INTERVAL = 1000;

/** Runs a read on demand, or when due, one at a time. */
export class Refresher<T> {
  private readonly checkInterval: number;
  private readonly clock: () => number;
  private lastRead = -Infinity;
  private queue: Promise<unknown> = Promise.resolve();

  /** @throws {@link RangeError} when `checkInterval` is negative or not a number */
  constructor(
    private readonly read: () => Promise<T>,
    options: RefreshOptions = {},
  ) {
    const interval = options.checkInterval ?? DEFAULT_CHECK_INTERVAL;
    if (typeof interval !== 'number' || !(interval >= 0)) {
      throw new RangeError(`"checkInterval" expected a number >= 0, got ${String(interval)}`);
    }
    this.checkInterval = interval;
    this.clock = options.clock ?? Date.now;
  }

  /** Reads now, after any read already running. */
  now(): Promise<T> {
    this.lastRead = this.clock();
    const read = this.queue.then(() => this.read());
    this.queue = read.catch(() => undefined);
    return read;
  }

  /** Reads if the last read began `checkInterval` ms ago or more; otherwise waits for any running read. */
  async fresh(): Promise<void> {
    if (this.clock() - this.lastRead >= this.checkInterval) await this.now();
    else await this.queue;
  }
}
