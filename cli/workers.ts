/**
 * `curvezmq serve --workers N`: N `node:cluster` workers, each running the same `serve`, share
 * one listening port, and the kernel (or the primary, round-robin) hands each connection to one
 * of them. Every handshake runs whole on the worker that accepted it, so each worker's own
 * cookie keys, replay record and sessions are all it needs (docs/scaling.md says why that is
 * safe). The primary serves nothing itself: it starts the workers, says where they listen,
 * and on SIGINT or SIGTERM stops them and waits for each.
 *
 * @module
 */
import cluster, { type Worker } from 'node:cluster';
import type { AddressInfo } from 'node:net';
import { EXIT } from './exit-codes';
import type { Log, ServeContext } from './transports/types';

/** True in a process that `serveWorkers` started. */
export function isWorker(): boolean {
  return cluster.isWorker;
}

/** Where a worker's log lines go: the primary's stderr, each line naming the worker. */
export function workerLog(log: Log): Log {
  const id = cluster.worker?.id;
  return id === undefined ? log : (line) => log(`worker ${id}: ${line}`);
}

/** Called by a worker once its `serve` returned: lets the process end (the IPC channel holds it). */
export function workerDone(): void {
  cluster.worker?.disconnect();
}

/**
 * Runs in the primary: forks `context.workers` copies of this command line (the process's own
 * `argv`, so it must run as the `curvezmq` bin) and waits.
 *
 * @returns 0 when every worker stopped cleanly after the signal; 1 when one failed (its
 *   reason is in its log line), which stops the rest
 */
export function serveWorkers(context: ServeContext): Promise<number> {
  const count = context.workers ?? 1;
  const scheme = /^[a-z+]+:\/\//.exec(context.endpoint)![0];
  const workers = new Set<Worker>();
  let listening = 0;
  let stopping = false;
  let failed = false;
  return new Promise((resolve) => {
    const stop = () => {
      stopping = true;
      for (const worker of workers) worker.process.kill('SIGTERM');
    };
    const onListening = (_worker: Worker, address: AddressInfo | { address: string | null; port: number }) => {
      if (++listening !== count) return;
      const host = address.address ?? '0.0.0.0';
      context.log(`listening on ${scheme}${host.includes(':') ? `[${host}]` : host}:${address.port} (${context.mechanism}, ${count} workers)`);
    };
    const onExit = (worker: Worker, code: number | null, signal: string | null) => {
      workers.delete(worker);
      if (!stopping || code !== 0) {
        // A worker that fails (its port taken, say) stops the others: half a service hides it.
        if (!stopping) context.log(`error: worker ${worker.id} exited (${code ?? signal}); stopping the others`);
        failed = true;
        stop();
      }
      if (workers.size > 0) return;
      cluster.off('listening', onListening).off('exit', onExit);
      context.signal.removeEventListener('abort', stop);
      resolve(failed ? EXIT.FAILURE : EXIT.OK);
    };
    cluster.on('listening', onListening).on('exit', onExit);
    for (let i = 0; i < count; i++) workers.add(cluster.fork());
    if (context.signal.aborted) stop();
    else context.signal.addEventListener('abort', stop, { once: true });
  });
}
