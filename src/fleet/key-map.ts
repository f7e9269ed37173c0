/**
 * The clustered hashmap itself (RFC 12), pure: entries with strictly increasing sequences, `ttl`
 * expiry, subtree snapshots. The server uses {@link KeyMap.set} (it assigns sequences); a
 * replica uses {@link KeyMap.load} for a snapshot and {@link KeyMap.apply} for updates. Time is
 * passed in (Unix milliseconds), so expiry is tested without clocks.
 *
 * @module
 */
import { checkCount } from '../channel/limits';
import type { Kvpub, Kvsync } from './codec';
import type { ChpProperties } from './properties';

/** One entry as the map holds it. */
export interface MapEntry {
  readonly key: string;
  readonly sequence: number;
  readonly uuid: Uint8Array;
  readonly properties: ChpProperties;
  readonly value: Uint8Array;
  /** When the entry's `ttl` runs out (Unix ms), if it has one. */
  readonly expiresAt?: number;
}

/** Options of {@link KeyMap}. */
export interface KeyMapOptions {
  /** Most entries held (default 100,000); a set beyond it is refused. */
  readonly maxEntries?: number;
}

/** Longest `ttl` honoured (about 68 years in seconds): anything longer is refused as malformed. */
const MAX_TTL_SECONDS = 0x7fffffff;

/** The `ttl` property in seconds, undefined when absent, NaN when malformed. */
export function ttlOf(properties: ChpProperties): number | undefined {
  const ttl = properties.ttl;
  if (ttl === undefined) return undefined;
  return /^\d{1,10}$/.test(ttl) && Number(ttl) <= MAX_TTL_SECONDS ? Number(ttl) : Number.NaN;
}

/** The map. */
export class KeyMap {
  private readonly entries = new Map<string, MapEntry>();
  private highest = 0;
  private readonly maxEntries: number;

  constructor(options: KeyMapOptions = {}) {
    this.maxEntries = checkCount(options.maxEntries, 'options.maxEntries', 100_000);
  }

  /** The highest sequence applied (0 for a fresh map). */
  get sequence(): number {
    return this.highest;
  }

  /** Number of entries. */
  get size(): number {
    return this.entries.size;
  }

  get(key: string): MapEntry | undefined {
    return this.entries.get(key);
  }

  /** Entries under `subtree` ('' = all), in insertion order. */
  *under(subtree: string): IterableIterator<MapEntry> {
    for (const entry of this.entries.values()) if (entry.key.startsWith(subtree)) yield entry;
  }

  /**
   * Server side: applies an update with the next sequence and returns the KVPUB to publish, or
   * undefined when refused (the map is full, or `ttl` is malformed). An empty value deletes.
   */
  set(update: Omit<Kvpub, 'command' | 'sequence'>, nowMs: number): Kvpub | undefined {
    const ttl = ttlOf(update.properties);
    if (Number.isNaN(ttl)) return undefined;
    if (this.noRoomFor(update)) return undefined;
    const kvpub: Kvpub = { command: 'KVPUB', ...update, sequence: this.highest + 1 };
    this.store(kvpub, nowMs);
    return kvpub;
  }

  /**
   * Replica side: applies a published update only when it is newer than everything applied
   * (RFC 12: a client discards a KVPUB whose sequence is not strictly greater). Returns whether
   * it was applied.
   */
  apply(update: Kvpub, nowMs: number): boolean {
    if (update.sequence <= this.highest) return false;
    if (this.noRoomFor(update)) {
      // Still advance: the sequence was seen, and a replica must not re-request it forever.
      this.highest = update.sequence;
      return false;
    }
    this.store(update, nowMs);
    return true;
  }

  /**
   * Replica side: replaces the content with a snapshot (KVSYNC entries, then KTHXBAI's
   * sequence). Entries beyond `maxEntries` are left out.
   */
  load(entries: Iterable<Kvsync>, sequence: number, nowMs: number): void {
    this.entries.clear();
    for (const entry of entries) {
      if (entry.value.length === 0 || this.entries.size >= this.maxEntries) continue;
      this.store({ ...entry, command: 'KVPUB', uuid: new Uint8Array(0) }, nowMs);
    }
    this.highest = sequence;
  }

  /**
   * Server side, at start: the entries a journal kept (with their absolute expiry) and the
   * sequence it reached. Entries beyond `maxEntries` are left out.
   */
  restore(entries: Iterable<MapEntry>, sequence: number): void {
    this.entries.clear();
    for (const entry of entries) {
      if (this.entries.size >= this.maxEntries) break;
      this.entries.set(entry.key, entry);
    }
    this.highest = sequence;
  }

  /**
   * Server side: deletes every entry whose `ttl` ran out by `nowMs`, returning the KVPUBs
   * (empty values) to publish, in order.
   */
  expire(nowMs: number): Kvpub[] {
    const gone: Kvpub[] = [];
    for (const entry of [...this.entries.values()]) {
      if (entry.expiresAt !== undefined && entry.expiresAt <= nowMs) {
        const kvpub = this.set({ key: entry.key, uuid: new Uint8Array(0), properties: {}, value: new Uint8Array(0) }, nowMs);
        if (kvpub !== undefined) gone.push(kvpub);
      }
    }
    return gone;
  }

  /** The earliest `ttl` expiry (Unix ms), for the caller's timer; undefined when none. */
  nextExpiry(): number | undefined {
    let next: number | undefined;
    for (const entry of this.entries.values()) {
      if (entry.expiresAt !== undefined && (next === undefined || entry.expiresAt < next)) next = entry.expiresAt;
    }
    return next;
  }

  /** True when `update` would add an entry to a full map (a delete or a replacement always fits). */
  private noRoomFor(update: Pick<Kvpub, 'key' | 'value'>): boolean {
    return update.value.length > 0 && !this.entries.has(update.key) && this.entries.size >= this.maxEntries;
  }

  private store(update: Kvpub, nowMs: number): void {
    this.highest = update.sequence;
    if (update.value.length === 0) {
      this.entries.delete(update.key);
      return;
    }
    const ttl = ttlOf(update.properties);
    const entry: MapEntry = {
      key: update.key,
      sequence: update.sequence,
      uuid: update.uuid,
      properties: update.properties,
      value: update.value,
      ...(ttl === undefined || Number.isNaN(ttl) ? {} : { expiresAt: nowMs + ttl * 1000 }),
    };
    // Delete first so insertion order follows the latest change (snapshots then replay in order).
    this.entries.delete(update.key);
    this.entries.set(update.key, entry);
  }
}
