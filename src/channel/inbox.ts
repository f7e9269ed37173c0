/**
 * The queue between an adapter's reader and the user's `receive()` / `for await`, shared by
 * every adapter that offers them (ZeroMQ, ZMTP). It is capped in items and in bytes: once either
 * cap is reached, {@link Inbox.full} tells the reader to stop reading and wait for
 * {@link Inbox.drained}, so a slow consumer slows the peer instead of growing memory.
 *
 * @module
 */

interface Waiter<T> {
  resolve(item: T): void;
  reject(error: Error): void;
}

/** Caps of an {@link Inbox}. */
export interface InboxLimits<T> {
  /** Items that may wait before the inbox is full. */
  readonly maxItems: number;
  /** Bytes that may wait before the inbox is full (as `sizeOf` counts them); default no cap. */
  readonly maxBytes?: number;
  /** The size of one item in bytes (default 0: only items count). */
  readonly sizeOf?: (item: T) => number;
}

/**
 * A FIFO with two high-water marks for backpressure: the reader awaits {@link Inbox.drained}
 * once `maxItems` items or `maxBytes` bytes wait. One item may take it over the byte mark (it
 * was already received); the reader then stops until the consumer has taken enough.
 */
export class Inbox<T> {
  private readonly items: T[] = [];
  private readonly waiters: Waiter<T>[] = [];
  private endError: Error | undefined;
  private endQuietly = false;
  private drainWaiters: Array<() => void> = [];
  private readonly maxItems: number;
  private readonly maxBytes: number;
  private readonly sizeOf: ((item: T) => number) | undefined;
  private queuedBytes = 0;

  /** @param limits - the caps, or a number of items alone */
  constructor(limits: InboxLimits<T> | number) {
    const caps = typeof limits === 'number' ? { maxItems: limits } : limits;
    this.maxItems = caps.maxItems;
    this.maxBytes = caps.maxBytes ?? Infinity;
    this.sizeOf = caps.sizeOf;
  }

  /** Bytes waiting (as `sizeOf` counts them). */
  get bytes(): number {
    return this.queuedBytes;
  }

  /** True once {@link end} was called. */
  get ended(): boolean {
    return this.endError !== undefined;
  }

  /** True when the reader should wait for {@link drained}. */
  get full(): boolean {
    return this.items.length >= this.maxItems || this.queuedBytes >= this.maxBytes;
  }

  /** Adds an item (ignored after {@link end}). */
  push(item: T): void {
    if (this.ended) return;
    const waiter = this.waiters.shift();
    if (waiter !== undefined) return waiter.resolve(item);
    this.items.push(item);
    if (this.sizeOf !== undefined) this.queuedBytes += this.sizeOf(item);
  }

  /**
   * The next item; rejects with the end error once ended and empty.
   *
   * @param timeout - when given, rejects with `timeout.error()` after `timeout.ms` without an item
   */
  pull(timeout?: { readonly ms: number; readonly error: () => Error }): Promise<T> {
    if (this.items.length > 0) {
      const item = this.items.shift()!;
      if (this.sizeOf !== undefined) this.queuedBytes -= this.sizeOf(item);
      if (!this.full) this.releaseDrainWaiters();
      return Promise.resolve(item);
    }
    if (this.endError !== undefined) return Promise.reject(this.endError);
    return new Promise((resolve, reject) => {
      const timer = timeout && setTimeout(() => this.expire(waiter, timeout.error()), timeout.ms);
      const settle = (): void => clearTimeout(timer);
      const waiter: Waiter<T> = {
        resolve: (item) => (settle(), resolve(item)),
        reject: (error) => (settle(), reject(error)),
      };
      this.waiters.push(waiter);
    });
  }

  /** Resolves when the inbox is no longer {@link full} (or it ended). */
  drained(): Promise<void> {
    if (!this.full || this.ended) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /**
   * Ends the inbox. Items already queued can still be pulled; then `pull()` rejects with
   * `error`. `quiet` makes the async iterator return instead of throwing (a normal close).
   */
  end(error: Error, quiet: boolean): void {
    if (this.ended) return;
    this.endError = error;
    this.endQuietly = quiet;
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
    this.releaseDrainWaiters();
  }

  /** Yields items until the inbox ends; throws the end error unless it ended quietly. */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      try {
        yield await this.pull();
      } catch (error) {
        if (this.endQuietly && error === this.endError) return;
        throw error;
      }
    }
  }

  private expire(waiter: Waiter<T>, error: Error): void {
    const index = this.waiters.indexOf(waiter);
    if (index === -1) return;
    this.waiters.splice(index, 1);
    waiter.reject(error);
  }

  private releaseDrainWaiters(): void {
    for (const resolve of this.drainWaiters.splice(0)) resolve();
  }
}

