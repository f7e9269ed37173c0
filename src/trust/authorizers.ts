/**
 * Ready-made authorizers with ZAP semantics (RFC 27) and ways to combine them. Each answers a
 * full {@link AuthDecision}: 200 with a user id (the client's Z85 key for CURVE, the user name
 * for PLAIN, as CZMQ's zauth and pyzmq do), or 400 with a reason. None of them is a default:
 * a server must be given one explicitly.
 *
 * @module
 */
import { allow, decide, deny, type Authorizer } from '../auth';
import { Metadata } from '../codec/metadata';
import { keyToZ85, toPublicKey, type KeyLike } from '../keys';
import type { AuthDecision, AuthRequest } from '../mechanism';

/** The default user id of a request: the CURVE key in Z85, else the PLAIN user name. */
export function defaultUserId(request: AuthRequest): string | undefined {
  return request.publicKeyZ85 ?? request.username;
}

/**
 * Lets every peer in, whatever its mechanism and credentials: the explicit equivalent of
 * zauth's `CURVE_ALLOW_ANY` (`CURVE "*"`). CURVE still proves that the client holds the secret
 * key of the public key it shows; it is just any key.
 */
export function allowAny(): Authorizer {
  return (request) => allow(defaultUserId(request));
}

/**
 * Lets in CURVE clients whose public key is in `keys` (bytes or Z85); denies everyone else,
 * including every request of another mechanism.
 *
 * @throws {@link TypeError} when `keys` is not iterable, and TypeError / RangeError naming
 *   `keys[i]` for an entry that is not a valid public key
 */
export function allowKeys(keys: Iterable<KeyLike>): Authorizer {
  if (keys === null || typeof (keys as Partial<Iterable<KeyLike>>)?.[Symbol.iterator] !== 'function') {
    throw new TypeError('"keys" expected an iterable of keys');
  }
  const allowed = new Set([...keys].map((key, i) => keyToZ85(toPublicKey(key, `keys[${i}]`))));
  return (request) => {
    const key = request.publicKeyZ85;
    return key !== undefined && allowed.has(key) ? allow(key) : deny();
  };
}

/**
 * Asks each authorizer in turn and returns the first answer that is not a denial (400): an
 * allow (200) ends the search, and so do a temporary failure (300) and an internal error (500),
 * so a failing member is never skipped silently. When all deny, the last denial is returned.
 * A member that throws or answers nonsense counts as 500 (see `decide`).
 *
 * @throws {@link RangeError} when no authorizer is given, TypeError when one is not a function
 */
export function firstMatch(...authorizers: Authorizer[]): Authorizer {
  checkMembers(authorizers);
  return async (request) => {
    let last: AuthDecision = deny();
    for (const authorizer of authorizers) {
      last = await decide(authorizer, request);
      if (last.status !== 400) return last;
    }
    return last;
  };
}

/**
 * Asks each authorizer in turn; the first answer that is not an allow (200) is returned at
 * once. When all allow, the answer is an allow whose user id is the first one a member gave
 * and whose metadata merges the members' in order (a later name replaces an earlier one).
 * Use it to put an address check before a key check, as zauth does.
 *
 * @throws {@link RangeError} when no authorizer is given, TypeError when one is not a function
 */
export function allOf(...authorizers: Authorizer[]): Authorizer {
  checkMembers(authorizers);
  return async (request) => {
    const decisions: AuthDecision[] = [];
    for (const authorizer of authorizers) {
      const decision = await decide(authorizer, request);
      if (decision.status !== 200) return decision;
      decisions.push(decision);
    }
    const userId = decisions.find((d) => d.userId !== undefined)?.userId;
    const metadata = decisions.reduce((merged, d) => merged.merge(d.metadata), Metadata.EMPTY);
    return allow(userId, metadata);
  };
}

function checkMembers(authorizers: readonly Authorizer[]): void {
  if (authorizers.length === 0) throw new RangeError('"authorizers" expected at least one authorizer');
  authorizers.forEach((authorizer, i) => {
    if (typeof authorizer !== 'function') throw new TypeError(`"authorizers[${i}]" expected a function`);
  });
}
