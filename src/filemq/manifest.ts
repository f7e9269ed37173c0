/**
 * Resync: what the server holds, what the client says it holds, and the transfers that follow.
 * Pure: the file-system scan lives in `./fs-source.ts`.
 *
 * @module
 */
import { equalBytes } from '../bytes';
import type { CacheEntry } from './commands';
import { isUnder } from './paths';

/** One file the server offers. */
export interface ManifestEntry {
  /** Relative, `/`-separated. */
  readonly path: string;
  readonly size: number;
  readonly sha256: Uint8Array;
}

/** One file to send, from `offset` to its end. */
export interface Transfer extends ManifestEntry {
  /** Where sending starts: 0, or the size of the client's partial copy of this very content. */
  readonly offset: number;
}

/**
 * The transfers that bring a client holding `cache` up to date with `manifest` under
 * `subscription` (`''` = everything), in path order:
 * - a complete copy with the same SHA-256 and size is skipped;
 * - a partial copy of the same content (same announced SHA-256, no longer than the file)
 *   resumes where it stops, so completed chunks are not sent again;
 * - anything else is sent whole.
 */
export function planTransfers(
  manifest: readonly ManifestEntry[],
  subscription: string,
  cache: readonly CacheEntry[],
): Transfer[] {
  const held = new Map(cache.map((entry) => [entry.path, entry]));
  const transfers: Transfer[] = [];
  for (const entry of [...manifest].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    if (!isUnder(entry.path, subscription)) continue;
    const copy = held.get(entry.path);
    const same = copy !== undefined && equalBytes(copy.sha256, entry.sha256);
    if (same && copy.complete && copy.size === entry.size) continue;
    const offset = same && !copy.complete && copy.size <= entry.size ? copy.size : 0;
    transfers.push({ ...entry, offset });
  }
  return transfers;
}

/** File bytes that `transfers` will send. */
export function bytesToSend(transfers: readonly Transfer[]): number {
  return transfers.reduce((sum, transfer) => sum + transfer.size - transfer.offset, 0);
}
