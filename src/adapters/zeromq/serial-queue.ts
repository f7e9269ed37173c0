/**
 * A FIFO of async tasks: ZeroMQ sockets take one send at a time, and nonces are assigned when a
 * part is encoded, so encoding and sending in one FIFO keeps nonces in wire order. (The queue
 * between a reader and `receive()` is the shared `src/channel/inbox.ts`.)
 *
 * @module
 */

/** Runs tasks one after another. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  /** Queues `task`; the result settles with the task's. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
