/**
 * The key map as a trust source: an {@link Authorizer} that admits the keys a fleet lists under
 * `/keys/<group>/`, while their entry holds valid metadata and has not expired. It reads a
 * {@link KeyLookup} (a replica following a fleet server, or a server's own map), so the same
 * authorizer serves every adapter: stream, ZeroMQ, ZMTP, FileMQ, and libzmq's ZAP.
 *
 * @module
 */
import { allow, deny, type Authorizer } from '../auth';
import { keyToZ85 } from '../keys';
import type { AuthRequest } from '../mechanism';
import { ChpError } from './errors';
import { isCurrent, isValidGroup, keyPath, parseKeyMetadata, type KeyMetadata } from './key-entry';
import type { MapEntry } from './key-map';

/** Anything that holds key map entries: a replica, or a server's map. */
export interface KeyLookup {
  /** The entry at `key`, if present. */
  get(key: string): MapEntry | undefined;
}

/** Options of {@link fleetAuthorizer}. */
export interface FleetAuthorizerOptions {
  /** The group whose keys are admitted. */
  readonly group: string;
  /** Admit only keys holding this right (default: any listed key). */
  readonly right?: 'read' | 'update';
  /** Unix milliseconds (injected for tests; default `Date.now`). */
  readonly now?: () => number;
}

/**
 * The metadata of `publicKeyZ85` in `group` when listed, well formed and not expired.
 */
export function listedKey(source: KeyLookup, group: string, publicKeyZ85: string, nowMs: number): KeyMetadata | undefined {
  const entry = source.get(keyPath(group, publicKeyZ85));
  if (entry === undefined) return undefined;
  const metadata = parseKeyMetadata(entry.value);
  if (metadata instanceof ChpError || !isCurrent(metadata, nowMs)) return undefined;
  // A `ttl` the server has not acted on yet (its delete may be in flight) is already over here.
  if (entry.expiresAt !== undefined && entry.expiresAt <= nowMs) return undefined;
  return metadata;
}

/**
 * An authorizer admitting the keys `source` lists in `options.group`. The decision carries the
 * entry's `name` as user id (ZAP User-Id) when it has one. A request without a public key (NULL,
 * PLAIN) is denied: the fleet lists keys, not names.
 *
 * @throws {@link TypeError} when `source` has no `get`, {@link RangeError} for a bad group
 */
export function fleetAuthorizer(source: KeyLookup, options: FleetAuthorizerOptions): Authorizer {
  if (typeof source?.get !== 'function') throw new TypeError('"source" expected a replica or key map (with get())');
  if (!isValidGroup(options?.group)) throw new RangeError('"options.group" expected 1 to 64 characters of A-Z a-z 0-9 _ . -');
  if (options.right !== undefined && options.right !== 'read' && options.right !== 'update') {
    throw new RangeError('"options.right" expected "read" or "update"');
  }
  if (options.now !== undefined && typeof options.now !== 'function') throw new TypeError('"options.now" expected a function');
  const now = options.now ?? Date.now;
  const { group, right } = options;
  return (request: AuthRequest) => {
    const z85 = request.publicKeyZ85 ?? (request.publicKey === undefined ? undefined : keyToZ85(request.publicKey));
    if (z85 === undefined) return deny('No public key');
    const metadata = listedKey(source, group, z85, now());
    if (metadata === undefined) return deny('Key not listed');
    if (right !== undefined && !metadata.rights.includes(right)) return deny('Right not held');
    return allow(metadata.name);
  };
}
