/**
 * Live revocation for a fleet: the keys a {@link fleetAuthorizer} admitted are followed, and
 * when one stops being admitted (its entry deleted, replaced by one that no longer admits it, or
 * its `expires` or `ttl` passed) every attached server ends its sessions
 * ({@link SessionRevoker.endSessions}). Changes come from the source's `'update'` and
 * `'snapshot'` events (a replica's); expiries from one timer, armed for the earliest one.
 *
 * @module
 */
import { parseKeyPath } from './key-entry';
import type { SessionRevoker } from '../channel/revocation';

/** What the enforcement listens to: a `FleetReplica`'s events. */
export interface FleetFeedEvents {
  on(event: 'update', listener: (update: { readonly key: string }) => void): unknown;
  on(event: 'snapshot', listener: (sequence: number) => void): unknown;
  off(event: 'update', listener: (update: { readonly key: string }) => void): unknown;
  off(event: 'snapshot', listener: (sequence: number) => void): unknown;
}

/** The reason the servers are given when the fleet ends a key's sessions. */
export const FLEET_REVOKE_REASON = 'the fleet no longer admits this key';

/**
 * Keys followed at most: the key map's default cap. Beyond it, keys no longer admitted are
 * forgotten first, then the oldest (whose sessions the next snapshot no longer checks).
 */
const MAX_FOLLOWED = 100_000;
/** setTimeout's longest delay. */
const MAX_DELAY = 0x7fffffff;

/**
 * The followed keys of one authorizer, and the servers attached to it.
 *
 * @internal built by {@link fleetAuthorizer}; use its `enforce()`
 */
export class FleetEnforcement {
  /** Admitted keys (Z85) and when their admission ends (Unix ms; Infinity: never). */
  private readonly followed = new Map<string, number>();
  private readonly attached = new Set<readonly SessionRevoker[]>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;

  constructor(
    private readonly group: string,
    /** When `publicKeyZ85`'s admission ends (Unix ms), or undefined when it is not admitted now. */
    private readonly admittedUntil: (publicKeyZ85: string) => number | undefined,
    private readonly now: () => number,
  ) {}

  /** The authorizer admitted `publicKeyZ85` until `until`: follow it. */
  admit(publicKeyZ85: string, until: number): void {
    if (!this.followed.has(publicKeyZ85) && this.followed.size >= MAX_FOLLOWED) this.prune();
    this.followed.set(publicKeyZ85, until);
    this.arm(until);
  }

  /**
   * Attaches `servers` to the changes of `events`; returns the (idempotent) disposer.
   *
   * @throws {@link TypeError} naming the argument without events or a server without endSessions
   */
  enforce(events: Partial<FleetFeedEvents> | undefined, servers: readonly SessionRevoker[]): () => void {
    if (typeof events?.on !== 'function' || typeof events.off !== 'function') {
      throw new TypeError('"source" reports no changes: enforce() needs a source with events, such as a FleetReplica');
    }
    if (servers.length === 0) throw new TypeError('"servers" expected at least one server');
    servers.forEach((server, index) => {
      if (typeof server?.endSessions !== 'function') throw new TypeError(`"servers[${index}]" expected a server with endSessions()`);
    });
    const feed = events as FleetFeedEvents;
    const list = [...servers];
    if (this.attached.size === 0) {
      feed.on('update', this.onUpdate);
      feed.on('snapshot', this.onSnapshot);
    }
    this.attached.add(list);
    // The map may have changed since these keys were admitted, with nothing attached to act.
    this.onSnapshot();
    let disposed = false;
    return () => {
      if (disposed) return;
      disposed = true;
      this.attached.delete(list);
      if (this.attached.size > 0) return;
      feed.off('update', this.onUpdate);
      feed.off('snapshot', this.onSnapshot);
      clearTimeout(this.timer);
      this.timer = undefined;
      this.timerAt = Infinity;
    };
  }

  private readonly onUpdate = (update: { readonly key: string }): void => {
    const path = parseKeyPath(update.key);
    if (path?.group === this.group && this.followed.has(path.publicKeyZ85)) this.recheck(path.publicKeyZ85);
  };

  /** A snapshot may have dropped any entry (a resync after a silence): every key is checked. */
  private readonly onSnapshot = (): void => {
    for (const key of [...this.followed.keys()]) this.recheck(key);
  };

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.timerAt = Infinity;
    const nowMs = this.now();
    for (const [key, until] of [...this.followed]) {
      if (until <= nowMs) this.recheck(key);
      else this.arm(until);
    }
  };

  private recheck(publicKeyZ85: string): void {
    const until = this.admittedUntil(publicKeyZ85);
    if (until !== undefined) return this.admit(publicKeyZ85, until);
    this.followed.delete(publicKeyZ85);
    for (const servers of this.attached) {
      for (const server of servers) {
        try {
          // Only misuse makes it fail (the key is valid), and the caller attached that server:
          // it must not stop the others, nor throw into the replica's event.
          server.endSessions(publicKeyZ85, FLEET_REVOKE_REASON).catch(() => undefined);
        } catch {
          // as above
        }
      }
    }
  }

  /** Arms the one timer for `until` when that is sooner than what it waits for. */
  private arm(until: number): void {
    if (this.attached.size === 0 || until >= this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = until;
    this.timer = setTimeout(this.onTimer, Math.min(MAX_DELAY, Math.max(1, until - this.now())));
    // Servers and replicas keep the process alive while they run; this timer alone must not.
    this.timer.unref();
  }

  /**
   * Forgets keys no longer admitted (ending their sessions), else the oldest tenth followed, so
   * that a full set is scanned once per many admissions, not at each.
   */
  private prune(): void {
    for (const key of [...this.followed.keys()]) if (this.admittedUntil(key) === undefined) this.recheck(key);
    if (this.followed.size < MAX_FOLLOWED) return;
    const oldest = [...this.followed.keys()].slice(0, MAX_FOLLOWED / 10);
    for (const key of oldest) this.followed.delete(key);
  }
}
