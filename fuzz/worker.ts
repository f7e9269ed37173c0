/**
 * One fuzz worker thread: runs {@link runFuzz} with the parent's options and posts the report.
 * Every few hundred executions it stores the index it is about to run in shared memory, so that
 * the parent can tell a hang from slow progress and name the execution that hung.
 *
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runFuzz } from './engine';

/** What the parent passes to a worker. */
export interface WorkerInput {
  readonly seed: number;
  readonly seconds: number;
  readonly worker: number;
  readonly only?: readonly string[];
  /** One Int32 slot per worker: the index of the last heartbeat. */
  readonly beats: SharedArrayBuffer;
}

const input = workerData as WorkerInput;
const beats = new Int32Array(input.beats);
const report = runFuzz({
  seed: input.seed,
  seconds: input.seconds,
  worker: input.worker,
  ...(input.only === undefined ? {} : { only: input.only }),
  onBeat: (index) => Atomics.store(beats, input.worker, index),
});
parentPort!.postMessage(report);
