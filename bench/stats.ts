/**
 * Measuring helpers: time-boxed loops and medians. Every figure the benchmark reports is the
 * median of several rounds, and rounds of different subjects are interleaved so that a burst
 * of load from elsewhere on the machine hits them all alike.
 */

export { median, now, rate } from '../cli/measure';

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
