/**
 * The queue between a socket's reader loop and the user's `receive()` / `for await`.
 *
 * @module
 */

interface Waiter<T> {
  resolve(item: T): void;
  reject(error: Error): void;
}

/**
 * An unbounded FIFO with a high-water mark for backpressure: the reader loop awaits
 * {@link Inbox.drained} once `highWaterMark` items wait, so a slow consumer slows the socket
 * (and ZeroMQ's own high-water marks take over) instead of growing memory.
 */
export class Inbox<T> {
  private readonly items: T[] = [];
  private readonly waiters: Waiter<T>[] = [];
  private endError: Error | undefined;
  private endQuietly = false;
  private drainWaiters: Array<() => void> = [];

  constructor(private readonly highWaterMark: number) {}

  /** True once {@link end} was called. */
  get ended(): boolean {
    return this.endError !== undefined;
  }

  /** True when the reader should wait for {@link drained}. */
  get full(): boolean {
    return this.items.length >= this.highWaterMark;
  }

  /** Adds an item (ignored after {@link end}). */
  push(item: T): void {
    if (this.ended) return;
    const waiter = this.waiters.shift();
    if (waiter === undefined) this.items.push(item);
    else waiter.resolve(item);
  }

  /**
   * The next item; rejects with the end error once ended and empty.
   *
   * @param timeout - when given, rejects with `timeout.error()` after `timeout.ms` without an item
   */
  pull(timeout?: { readonly ms: number; readonly error: () => Error }): Promise<T> {
    if (this.items.length > 0) {
      const item = this.items.shift()!;
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

  /** Resolves when fewer than `highWaterMark` items wait (or the inbox ended). */
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

/**
 * Runs tasks one after another: ZeroMQ sockets take one send at a time, and nonces are
 * assigned when a part is encoded, so encoding and sending in one FIFO keeps nonces in wire
 * order.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  /** Queues `task`; the result settles with the task's. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
