/**
 * The fleet server's journal: an append-only file of updates, so the map survives a restart.
 * Each update is written and fsynced before it is published (so nothing a replica saw can be
 * lost); on open the file is read up to the first torn or corrupt record, the tail is cut, and
 * the file is compacted (one record per live entry, then a mark of the sequence reached),
 * written beside it, fsynced and renamed over it. Node-only: the one fleet file using `node:fs`.
 *
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Kvpub } from './codec';
import type { ChpError } from './errors';
import { decodeRecords, encodeRecord, type JournalRecord } from './journal-record';
import type { MapEntry } from './key-map';

/** What {@link Journal.open} found. */
export interface JournalLoad {
  readonly journal: Journal;
  /** The live entries, oldest change first. */
  readonly entries: MapEntry[];
  /** The highest sequence recorded (0 for a new journal). */
  readonly sequence: number;
  /** Set when a torn or corrupt tail was cut: how many bytes, and why. */
  readonly cut?: { readonly bytes: number; readonly error: ChpError };
}

/** An open journal. */
export class Journal {
  private constructor(private fd: number | undefined) {}

  /**
   * Replaces the whole file with `entries` and `sequence` (written beside it, fsynced, renamed
   * over it, directory fsynced), then opens it: a passive Binary Star server adopting the active
   * one's snapshot, so a restart never mixes the two servers' histories.
   */
  static replace(file: string, entries: readonly MapEntry[], sequence: number): Journal {
    // The journal requires strictly increasing sequences.
    compact(file, [...entries].sort((a, b) => a.sequence - b.sequence), sequence);
    return Journal.open(file).journal;
  }

  /**
   * Opens (or creates) the journal at `file`, loading and compacting it.
   *
   * @throws {@link TypeError} for a non-string path; the file system's error otherwise
   */
  static open(file: string): JournalLoad {
    if (typeof file !== 'string' || file === '') throw new TypeError('"journal" expected a file path');
    let bytes: Uint8Array;
    try {
      bytes = fs.readFileSync(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      bytes = new Uint8Array(0);
    }
    const { records, good, error } = decodeRecords(bytes);
    const live = new Map<string, MapEntry>();
    let sequence = 0;
    for (const record of records) {
      sequence = record.sequence;
      if (record.type !== 'update') continue;
      live.delete(record.key);
      if (record.value.length > 0) {
        const { key, uuid, properties, value, expiresAt } = record;
        live.set(key, { key, sequence, uuid, properties, value, ...(expiresAt === undefined ? {} : { expiresAt }) });
      }
    }
    const entries = [...live.values()];
    compact(file, entries, sequence);
    const journal = new Journal(fs.openSync(file, 'a'));
    return { journal, entries, sequence, ...(error === undefined ? {} : { cut: { bytes: bytes.length - good, error } }) };
  }

  /**
   * Appends one published update and fsyncs it: call before publishing.
   *
   * @param expiresAt - the entry's absolute `ttl` expiry (Unix ms), if any
   */
  append(update: Kvpub, expiresAt?: number): void {
    if (this.fd === undefined) throw new Error('journal closed');
    const record: JournalRecord = {
      type: 'update',
      sequence: update.sequence,
      key: update.key,
      uuid: update.uuid,
      properties: update.properties,
      value: update.value,
      ...(expiresAt === undefined ? {} : { expiresAt }),
    };
    writeAll(this.fd, encodeRecord(record));
    fs.fsyncSync(this.fd);
  }

  /** Closes the file. */
  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Rewrites the journal as its live entries plus a sequence mark, atomically. */
function compact(file: string, entries: readonly MapEntry[], sequence: number): void {
  const temp = `${file}.compact`;
  const fd = fs.openSync(temp, 'w');
  try {
    for (const e of entries) {
      const record: JournalRecord = { type: 'update', sequence: e.sequence, key: e.key, uuid: e.uuid, properties: e.properties, value: e.value, ...(e.expiresAt === undefined ? {} : { expiresAt: e.expiresAt }) };
      writeAll(fd, encodeRecord(record));
    }
    // The mark keeps the sequence when the last update was a delete: replicas must never see
    // sequences go back after a restart.
    if (sequence > (entries.at(-1)?.sequence ?? 0)) writeAll(fd, encodeRecord({ type: 'mark', sequence }));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
  // The rename is durable only once the directory is synced.
  const dir = fs.openSync(path.dirname(file), 'r');
  try {
    fs.fsyncSync(dir);
  } finally {
    fs.closeSync(dir);
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length; ) at += fs.writeSync(fd, bytes, at);
}
