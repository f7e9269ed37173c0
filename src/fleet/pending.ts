/**
 * Updates by UUID in a Binary Star pair (the Guide's Clone model 6), pure: clients send each
 * KVSET to both servers; the passive one holds it pending until it sees the active one publish
 * that UUID, and on taking over applies what is still pending. Both remember the UUIDs published
 * lately, so a KVSET a client sends again after a failover is applied once only.
 *
 * Bounded: at most `maxPending` KVSETs held and `window` UUIDs remembered (oldest forgotten
 * first). A client re-sends only what it has not seen published, so the window needs to cover
 * the updates of one failover, not the map's history.
 *
 * @module
 */
import { checkCount } from '../channel/limits';
import { toHex } from '../bytes';
import type { Kvset } from './codec';

/** Options of {@link PendingUpdates}. */
export interface PendingOptions {
  /** Most KVSETs held (default 10,000); more are refused. */
  readonly maxPending?: number;
  /** Most published UUIDs remembered (default 10,000). */
  readonly window?: number;
}

/** What {@link PendingUpdates.hold} did with a KVSET. */
export type HoldVerdict = 'held' | 'published' | 'duplicate' | 'no-uuid' | 'full';

/** KVSETs held by UUID, and the UUIDs published lately. */
export class PendingUpdates {
  private readonly pending = new Map<string, { kvset: Kvset; arrival: number }>();
  private arrivals = 0;
  /** Published UUIDs, oldest first (a Map keeps insertion order). */
  private readonly published = new Map<string, true>();
  private readonly maxPending: number;
  private readonly window: number;

  /** @throws {@link RangeError} naming a bad option */
  constructor(options: PendingOptions = {}) {
    this.maxPending = checkCount(options.maxPending, 'options.maxPending', 10_000);
    this.window = checkCount(options.window, 'options.window', 10_000);
  }

  /** KVSETs held. */
  get size(): number {
    return this.pending.size;
  }

  /** Passive side: holds a client's KVSET until its UUID is published (or this server takes over). */
  hold(kvset: Kvset): HoldVerdict {
    // Without a UUID a held update cannot be matched to its publication: it could apply twice.
    if (kvset.uuid.length === 0) return 'no-uuid';
    const id = toHex(kvset.uuid);
    if (this.published.has(id)) return 'published';
    if (this.pending.has(id)) return 'duplicate';
    if (this.pending.size >= this.maxPending) return 'full';
    this.pending.set(id, { kvset, arrival: (this.arrivals += 1) });
    return 'held';
  }

  /** A mark of the KVSETs held so far, for {@link dropUntil}. */
  mark(): number {
    return this.arrivals;
  }

  /**
   * The passive server took a snapshot of the active one's map, requested at `mark`: a KVSET that
   * reached us before the request reached the active server (clients send to both at once), so
   * the snapshot holds it, though without its UUID. Dropped, so a takeover cannot apply it twice;
   * one the active server never got is still unacknowledged at its client, which sends it again.
   */
  dropUntil(mark: number): void {
    for (const [id, held] of this.pending) if (held.arrival <= mark) this.pending.delete(id);
  }

  /** Whether `uuid` was published lately (an active server drops a KVSET sent again). */
  wasPublished(uuid: Uint8Array): boolean {
    return uuid.length > 0 && this.published.has(toHex(uuid));
  }

  /** An update with `uuid` was published (by the peer, or by this server): no longer pending. */
  onPublished(uuid: Uint8Array): void {
    if (uuid.length === 0) return;
    const id = toHex(uuid);
    this.pending.delete(id);
    this.published.delete(id);
    this.published.set(id, true);
    if (this.published.size > this.window) this.published.delete(this.published.keys().next().value as string);
  }

  /** Taking over: every KVSET still pending, in arrival order, and none held any more. */
  take(): Kvset[] {
    const held = [...this.pending.values()].map((h) => h.kvset);
    this.pending.clear();
    return held;
  }
}
