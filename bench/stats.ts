/**
 * Measuring helpers: time-boxed loops and medians. Every figure the benchmark reports is the
 * median of several rounds, and rounds of different subjects are interleaved so that a burst
 * of load from elsewhere on the machine hits them all alike.
 */

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Seconds since an arbitrary origin, with nanosecond resolution. */
export function now(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

/**
 * Calls `fn` in batches until `seconds` have passed and returns calls per second. The batch
 * grows so the clock is read rarely for fast functions.
 */
export function rate(fn: () => void, seconds: number): number {
  let calls = 0;
  let batch = 1;
  const start = now();
  let elapsed = 0;
  while (elapsed < seconds) {
    for (let i = 0; i < batch; i++) fn();
    calls += batch;
    elapsed = now() - start;
    if (elapsed < seconds / 20) batch *= 2;
  }
  return calls / elapsed;
}

/** Formats a rate: 1234567 → "1.23 M", 12345 → "12.3 k". */
export function formatRate(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)} M`;
  if (value >= 1e4) return `${(value / 1e3).toFixed(1)} k`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(2)} k`;
  return value.toFixed(0);
}

/** Formats bytes per second as MB/s (10^6). */
export function formatMBps(value: number): string {
  return `${(value / 1e6).toFixed(value >= 1e8 ? 0 : 1)} MB/s`;
}
