/**
 * The server's session table, apart from any socket: which sessions exist, which are still
 * handshaking (oldest first), the caps on both, eviction of a stalled handshake to make room,
 * and each session's timer (handshake deadline, then idle time-to-live). The server decides
 * what expiry and eviction mean (an ERROR, a CLOSE, events); the table only says when.
 *
 * @module
 */
import { ChannelError } from '../../errors';
import { peerKeyZ85 } from '../../channel/revocation';
import type { ServerSession } from './session';

/** The limits the table applies (from `channelLimits`). */
export interface SessionTableLimits {
  readonly maxSessions: number;
  readonly maxHandshakes: number;
  readonly handshakeTimeout: number;
  /** 0: a ready session never expires. */
  readonly idleTimeout: number;
}

/** What the table tells its owner. */
export interface SessionTableHooks {
  /** A limit was hit: a new handshake refused, or a stalled one about to be evicted. */
  limit(which: 'maxSessions' | 'maxHandshakes'): void;
  /** `session` must go to make room (`ERR_LIMIT_REACHED`); the owner removes it. */
  evict(session: ServerSession, error: ChannelError): void;
  /** `session`'s timer fired (handshake deadline or idle time-to-live); the owner removes it. */
  expire(session: ServerSession): void;
}

/** Sessions by key, with the handshakes in progress in the order they began. */
export class SessionTable {
  private readonly sessions = new Map<string, ServerSession>();
  /** Keys of the sessions still handshaking, oldest first (a Set keeps insertion order). */
  private readonly pending = new Set<string>();

  constructor(
    private readonly limits: SessionTableLimits,
    private readonly hooks: SessionTableHooks,
  ) {}

  /** Sessions, handshaking and ready. */
  get size(): number {
    return this.sessions.size;
  }

  /** Sessions still handshaking. */
  get handshaking(): number {
    return this.pending.size;
  }

  get(key: string): ServerSession | undefined {
    return this.sessions.get(key);
  }

  /** Every key, as a copy (safe to remove while iterating). */
  keys(): string[] {
    return [...this.sessions.keys()];
  }

  /** The ready sessions whose peer has `publicKeyZ85`: a scan, as revocation is rare and an index would cost every session. */
  readyOf(publicKeyZ85: string): ServerSession[] {
    return [...this.sessions.values()].filter((session) => session.state === 'ready' && peerKeyZ85(session.mechanism.peer) === publicKeyZ85);
  }

  /**
   * Makes room for one more handshake, evicting the oldest stalled one if it must.
   *
   * @returns the limit that refuses it, or `undefined` when there is room
   */
  admit(): 'maxSessions' | 'maxHandshakes' | undefined {
    if (this.sessions.size >= this.limits.maxSessions) {
      this.hooks.limit('maxSessions');
      return 'maxSessions';
    }
    if (this.pending.size >= this.limits.maxHandshakes && !this.evictStalled()) {
      this.hooks.limit('maxHandshakes');
      return 'maxHandshakes';
    }
    return undefined;
  }

  /** Adds a new handshaking session and arms its handshake deadline. */
  add(session: ServerSession): void {
    this.sessions.set(session.key, session);
    this.pending.add(session.key);
    session.arm(this.limits.handshakeTimeout, () => this.hooks.expire(session));
  }

  /** The session authenticated: no longer pending; its timer becomes the idle time-to-live. */
  ready(session: ServerSession): void {
    session.state = 'ready';
    this.pending.delete(session.key);
    session.arm(this.limits.idleTimeout, () => this.hooks.expire(session));
  }

  /** Removes a session and disposes of it (timer, mechanism); `undefined` when unknown. */
  remove(key: string): ServerSession | undefined {
    const session = this.sessions.get(key);
    if (session === undefined) return undefined;
    this.sessions.delete(key);
    this.pending.delete(key);
    session.dispose();
    return session;
  }

  /**
   * Makes room for a new handshake by evicting the oldest one that is not waiting for a
   * decision, as a SYN cache does: a flood of HELLOs then only shortens how long a half-open
   * handshake may stall, instead of locking every good client out until the flood stops.
   *
   * @returns false when every pending handshake is waiting for the authorizer
   */
  private evictStalled(): boolean {
    for (const key of this.pending) {
      const session = this.sessions.get(key);
      if (session === undefined || session.deciding) continue;
      this.hooks.limit('maxHandshakes');
      this.hooks.evict(session, new ChannelError('ERR_LIMIT_REACHED', 'evicted to make room for a newer handshake'));
      if (this.sessions.has(key)) this.remove(key); // an owner that did not remove it
      return true;
    }
    return false;
  }
}
