/**
 * Memory measurements for the "nothing unbounded before authentication" tests: the peak growth
 * of this process's `rss` and `arrayBuffers` while an attack runs, sampled every few
 * milliseconds, so that memory held for a moment and released counts too. The attacker writes
 * with backpressure from one reused chunk ({@link flood}), so its own share is one chunk.
 *
 * @module
 */
import type { Socket } from 'node:net';

/** Peak growth over the baseline taken just before the attack, in bytes. */
export interface MemoryGrowth {
  readonly rss: number;
  readonly arrayBuffers: number;
}

/** 8 MiB: what the issue allows a server to grow by while one unauthenticated peer attacks. */
export const ALLOWED_GROWTH = 8 * 1024 * 1024;

/**
 * Runs `attack` and returns its result with the peak growth of `rss` and `arrayBuffers` seen
 * while it ran (sampled every `everyMs`).
 */
export async function peakGrowth<T>(attack: () => Promise<T>, everyMs = 5): Promise<{ result: T; growth: MemoryGrowth }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakBuffers = base.arrayBuffers;
  const sample = (): void => {
    const now = process.memoryUsage();
    peakRss = Math.max(peakRss, now.rss);
    peakBuffers = Math.max(peakBuffers, now.arrayBuffers);
  };
  const timer = setInterval(sample, everyMs);
  try {
    const result = await attack();
    sample();
    return { result, growth: { rss: peakRss - base.rss, arrayBuffers: peakBuffers - base.arrayBuffers } };
  } finally {
    clearInterval(timer);
  }
}

/** How a {@link flood} ended. */
export interface FloodResult {
  /** Bytes the socket accepted (the kernel may have dropped the tail once the peer closed). */
  readonly written: number;
  /** True when the peer closed or reset the connection before all bytes were written. */
  readonly cutOff: boolean;
}

/**
 * Writes `bytes` bytes of `fill` to `socket` in chunks of `chunkSize`, one reused buffer,
 * waiting for `'drain'` whenever the socket asks to: the writer never holds more than a chunk
 * and the socket's own buffer. Ends when all is written or the peer cut the connection.
 */
export function flood(socket: Socket, bytes: number, fill = 0x41, chunkSize = 64 * 1024): Promise<FloodResult> {
  const chunk = Buffer.alloc(chunkSize, fill);
  return new Promise((resolve) => {
    let written = 0;
    let done = false;
    const finish = (cutOff: boolean): void => {
      if (done) return;
      done = true;
      socket.off('drain', pump);
      socket.off('close', onClose);
      socket.off('error', onClose);
      resolve({ written, cutOff });
    };
    const onClose = (): void => finish(written < bytes);
    const pump = (): void => {
      while (!done && written < bytes) {
        if (socket.destroyed || !socket.writable) return finish(true);
        const take = Math.min(chunkSize, bytes - written);
        const ok = socket.write(take === chunkSize ? chunk : chunk.subarray(0, take));
        written += take;
        if (!ok) return;
      }
      if (!done) finish(false);
    };
    socket.on('drain', pump);
    socket.on('close', onClose);
    socket.on('error', onClose);
    pump();
  });
}

/** Formats a growth for a test's message: `rss +1.2 MiB, arrayBuffers +0.1 MiB`. */
export function describeGrowth(growth: MemoryGrowth): string {
  const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
  return `rss +${mib(growth.rss)}, arrayBuffers +${mib(growth.arrayBuffers)}`;
}
