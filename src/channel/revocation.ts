/**
 * Ending a key's sessions: the one call every server has ({@link SessionRevoker.endSessions}),
 * and what the servers share to implement it. It lives in the channel layer, beside the handshake
 * driver, because it needs no fleet: the fleet (which ends the sessions of a deleted or expired
 * key) uses it without naming an adapter, and so can any caller.
 *
 * A session is ended in two places:
 * - established: the server finds it by its peer's public key and ends it with `ERR_REVOKED`;
 * - deciding: a handshake whose authorizer has not answered yet. Its key is known only to the
 *   authorizer's request, so each server runs its authorizer through a {@link DecisionGate},
 *   which answers such a request with a denial at once. The handshake then fails as any
 *   refused one does (`ERR_AUTH_DENIED`, and the mechanism's ERROR to the peer).
 *
 * A handshake that has not yet shown its key (CURVE before INITIATE) is not the key's yet: the
 * authorizer decides on it when it does.
 *
 * @module
 */
import { deny, type AuthAnswer, type Authorizer } from '../auth';
import { ChannelError } from '../errors';
import { keyToZ85, toPublicKey, type KeyLike } from '../keys';
import type { AuthRequest, PeerIdentity } from '../mechanism';
import { z85Encode } from '../z85';

/** What every server (stream, ZeroMQ, ZMTP, FileMQ) offers to end a key's sessions. */
export interface SessionRevoker {
  /**
   * Ends every established session, and every handshake waiting for its authorizer, of
   * `publicKey`. Resolves with how many were ended. It does not change who may enter: a new
   * handshake of the key is refused only if the authorizer refuses it.
   *
   * @throws {@link TypeError}/{@link RangeError} naming `publicKey` or `reason`
   */
  endSessions(publicKey: KeyLike, reason?: string): Promise<number>;
}

/** The reason given when the caller gives none. */
export const DEFAULT_REVOKE_REASON = 'the key was revoked';
/** Longest reason: FileMQ carries it in a short string. */
const MAX_REASON = 255;

/** A checked call of `endSessions`: the key in Z85, the reason, and the error to report. */
export interface Revocation {
  readonly publicKeyZ85: string;
  readonly reason: string;
  /** A fresh `ERR_REVOKED` error for one ended session. */
  error(): ChannelError;
}

/**
 * Checks the arguments of `endSessions`.
 *
 * @throws {@link TypeError}/{@link RangeError} naming `publicKey` or `reason`
 */
export function revocation(publicKey: KeyLike, reason?: string): Revocation {
  const publicKeyZ85 = z85Encode(toPublicKey(publicKey, 'publicKey'));
  if (reason !== undefined && typeof reason !== 'string') throw new TypeError('"reason" expected a string');
  if (reason !== undefined && (reason.length === 0 || reason.length > MAX_REASON)) {
    throw new RangeError(`"reason" expected 1 to ${MAX_REASON} characters`);
  }
  const text = reason ?? DEFAULT_REVOKE_REASON;
  return {
    publicKeyZ85,
    reason: text,
    error: () => new ChannelError('ERR_REVOKED', `session ended: ${text}`),
  };
}

/** The Z85 public key of an authenticated peer, when its mechanism has one. */
export function peerKeyZ85(peer: PeerIdentity | undefined): string | undefined {
  if (peer === undefined) return undefined;
  return peer.publicKeyZ85 ?? (peer.publicKey === undefined ? undefined : keyToZ85(peer.publicKey));
}

type Cancel = (reason: string) => void;

/**
 * Runs a server's authorizer so that a decision still pending for a key can be answered with a
 * denial when that key's sessions are ended. Holds one entry per pending decision, so it is
 * bounded by the server's `maxHandshakes`.
 */
export class DecisionGate {
  /** Pending decisions by the requesting key. */
  private readonly waiting = new Map<string, Set<Cancel>>();
  /** The authorizer to give the server's handshakes. */
  readonly authorizer: Authorizer;

  constructor(inner: Authorizer) {
    this.authorizer = (request) => this.decide(inner, request);
  }

  /** Denies every pending decision of `publicKeyZ85`; returns how many there were. */
  cancel(publicKeyZ85: string, reason: string): number {
    const pending = this.waiting.get(publicKeyZ85);
    if (pending === undefined) return 0;
    this.waiting.delete(publicKeyZ85);
    for (const cancel of pending) cancel(reason);
    return pending.size;
  }

  private decide(inner: Authorizer, request: AuthRequest): AuthAnswer | Promise<AuthAnswer> {
    // A synchronous answer (or throw: decide() makes it a 500) leaves nothing pending to deny.
    const answer = inner(request);
    if (typeof (answer as Partial<PromiseLike<AuthAnswer>>)?.then !== 'function') return answer;
    const key = request.publicKeyZ85 ?? (request.publicKey === undefined ? undefined : keyToZ85(request.publicKey));
    // Nothing to revoke by (NULL, PLAIN): the authorizer alone decides.
    if (key === undefined) return answer;
    let cancel!: Cancel;
    const cancelled = new Promise<AuthAnswer>((resolve) => (cancel = (reason) => resolve(deny(`Key revoked: ${reason}`))));
    let pending = this.waiting.get(key);
    if (pending === undefined) this.waiting.set(key, (pending = new Set()));
    pending.add(cancel);
    const settled = pending;
    // A rejection goes on to decide() (src/auth.ts), which makes it a 500, as without the gate.
    return Promise.race([answer, cancelled]).finally(() => {
      settled.delete(cancel);
      if (settled.size === 0 && this.waiting.get(key) === settled) this.waiting.delete(key);
    });
  }
}
