/**
 * What the load scenarios measure: event-loop lag, heap, time, and latency percentiles. Figures
 * are reported, never asserted against a clock.
 *
 * @module
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

/** Event-loop delay over a period, in milliseconds. */
export interface Lag {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** Starts measuring event-loop delay; `stop()` returns the figures. */
export function lagMonitor(): { stop(): Lag } {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  return {
    stop() {
      histogram.disable();
      const ms = (ns: number) => ns / 1e6;
      return { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max) };
    },
  };
}

/** Heap in use after a full collection when `--expose-gc` is on (the scripts run with it). */
export function settledHeap(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const memory = process.memoryUsage();
  return memory.heapUsed + memory.arrayBuffers;
}

/** The `p`-th percentile (0-100) of `values`, or 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Milliseconds since `start` (a `performance.now()` reading). */
export function since(start: number): number {
  return performance.now() - start;
}

/** `n` bytes in MiB, one decimal. */
export function mib(n: number): string {
  return `${(n / 2 ** 20).toFixed(1)} MiB`;
}

/** Formats a lag reading. */
export function formatLag(lag: Lag): string {
  return `event-loop lag p50 ${lag.p50.toFixed(1)} ms, p99 ${lag.p99.toFixed(1)} ms, max ${lag.max.toFixed(1)} ms`;
}

/** Runs `tasks` with at most `limit` in flight at once; resolves with their results in order. */
export async function pool<T>(count: number, limit: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      results[index] = await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return results;
}

/** Rejects after `ms` with a message naming `what`, so that a scenario always ends by itself. */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** What a half-open run of one adapter measured (`load/halfopen-*.ts`). */
export interface HalfOpenFigures {
  /** Peers opened, each of which sent its first handshake command and went quiet. */
  readonly count: number;
  /** Handshakes the server held once all were open (at most its `maxHandshakes`). */
  readonly heldByServer: number;
  /** Growth of this process's `rss` (libzmq's native memory too), both ends in this process. */
  readonly rssGrowthBytes: number;
  /** Growth of `arrayBuffers` over the same span. */
  readonly arrayBuffersGrowthBytes: number;
  /** `rssGrowthBytes / count`: both ends of one half-open connection. */
  readonly perConnectionBytes: number;
  /** Settled JavaScript heap plus `arrayBuffers` growth per connection, both ends. */
  readonly heapPerConnectionBytes: number;
}

/** Memory after two full collections when `--expose-gc` is on (the load script runs with it). */
export function settledMemory(): NodeJS.MemoryUsage {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  return process.memoryUsage();
}

/** The figures of a half-open run from the memory before and after opening `count` peers. */
export function halfOpenFigures(count: number, heldByServer: number, before: NodeJS.MemoryUsage, after: NodeJS.MemoryUsage): HalfOpenFigures {
  const rssGrowthBytes = after.rss - before.rss;
  return {
    count,
    heldByServer,
    rssGrowthBytes,
    arrayBuffersGrowthBytes: after.arrayBuffers - before.arrayBuffers,
    perConnectionBytes: Math.round(rssGrowthBytes / count),
    heapPerConnectionBytes: Math.round((after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / count),
  };
}

/**
 * Opens a raw TCP connection to a server on 127.0.0.1 for a half-open run and resolves once it
 * is connected. Errors are ignored (the server may cut a peer off: that is what is measured),
 * and the socket joins `sockets`, which the run destroys at its end.
 */
export async function connectRaw(port: number, sockets: import('node:net').Socket[]): Promise<import('node:net').Socket> {
  const net = await import('node:net');
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  sockets.push(socket);
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  return socket;
}
