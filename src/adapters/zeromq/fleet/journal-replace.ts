/**
 * A passive server's journal after it takes a snapshot of the active peer: the snapshot replaces
 * the whole file (written beside it, fsynced, renamed over it, directory fsynced), so a restart
 * never mixes the two servers' histories. The journal's own compaction does the same on open;
 * it is not exported, hence this file.
 *
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Journal } from '../../../fleet/journal';
import { encodeRecord } from '../../../fleet/journal-record';
import type { MapEntry } from '../../../fleet/key-map';

/** Rewrites `file` as `entries` and `sequence`, then opens it. */
export function replaceJournal(file: string, entries: readonly MapEntry[], sequence: number): Journal {
  const temp = `${file}.snapshot`;
  const fd = fs.openSync(temp, 'w');
  try {
    // The journal requires strictly increasing sequences.
    const sorted = [...entries].sort((a, b) => a.sequence - b.sequence);
    for (const e of sorted) {
      const bytes = encodeRecord({ type: 'update', sequence: e.sequence, key: e.key, uuid: e.uuid, properties: e.properties, value: e.value, ...(e.expiresAt === undefined ? {} : { expiresAt: e.expiresAt }) });
      for (let at = 0; at < bytes.length; ) at += fs.writeSync(fd, bytes, at);
    }
    if (sequence > (sorted.at(-1)?.sequence ?? 0)) {
      const mark = encodeRecord({ type: 'mark', sequence });
      for (let at = 0; at < mark.length; ) at += fs.writeSync(fd, mark, at);
    }
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
  const dir = fs.openSync(path.dirname(file), 'r');
  try {
    fs.fsyncSync(dir);
  } finally {
    fs.closeSync(dir);
  }
  // Opening compacts once more; the records just written are already compact.
  return Journal.open(file).journal;
}
