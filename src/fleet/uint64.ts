/**
 * 64-bit big-endian numbers as CHP (sequences) and the journal (sequences, expiry times) write
 * them, held in a `number`: 2^53 - 1 is the largest one a number holds exactly.
 *
 * @module
 */

/** Writes `n` (a safe integer, at least 0) at `at`. */
export function setUint64(view: DataView, at: number, n: number): void {
  view.setUint32(at, Math.floor(n / 0x1_0000_0000));
  view.setUint32(at + 4, n >>> 0);
}

/** Reads the number at `at`; `undefined` when it is above 2^53 - 1. */
export function getUint64(view: DataView, at: number): number | undefined {
  const high = view.getUint32(at);
  return high > 0x1fffff ? undefined : high * 0x1_0000_0000 + view.getUint32(at + 4);
}
