/**
 * The key map as a trust source: an {@link Authorizer} that admits the keys a fleet lists under
 * `/keys/<group>/`, while their entry holds valid metadata and has not expired. It reads a
 * {@link KeyLookup} (a replica following a fleet server, or a server's own map), so the same
 * authorizer serves every adapter: stream, ZeroMQ, ZMTP, FileMQ, and libzmq's ZAP. Its
 * `enforce()` ends the sessions of keys it admitted once they are no longer listed.
 *
 * @module
 */
import { allow, deny, type Authorizer } from '../auth';
import { keyToZ85 } from '../keys';
import type { AuthRequest } from '../mechanism';
import { ChpError } from './errors';
import { isCurrent, isValidGroup, keyPath, parseKeyMetadata, type KeyMetadata } from './key-entry';
import type { MapEntry } from './key-map';
import type { SessionRevoker } from '../channel/revocation';
import { FleetEnforcement, type FleetFeedEvents } from './revocation-fleet';

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

/** An authorizer that can also end the sessions of the keys it stops admitting. */
export interface FleetAuthorizer extends Authorizer {
  /**
   * Live revocation: when a key this authorizer admitted stops being admitted (its entry
   * deleted, replaced by one that does not admit it, its `expires` or `ttl` passed), calls
   * `endSessions` on every server given, at the source's next `'update'` or `'snapshot'`, or
   * when the expiry's timer fires. Give it the servers this authorizer admits to. Can be
   * called again (for more servers); returns the disposer of this call.
   *
   * @throws {@link TypeError} when the source reports no changes (it must be a replica, with
   *   `events`), or without servers, or for a server without `endSessions`
   */
  enforce(...servers: SessionRevoker[]): () => void;
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
 * PLAIN) is denied: the fleet lists keys, not names. The keys it admits are followed (at
 * most 100,000, the map's cap) for {@link FleetAuthorizer.enforce}.
 *
 * @throws {@link TypeError} when `source` has no `get`, {@link RangeError} for a bad group
 */
export function fleetAuthorizer(source: KeyLookup, options: FleetAuthorizerOptions): FleetAuthorizer {
  if (typeof source?.get !== 'function') throw new TypeError('"source" expected a replica or key map (with get())');
  if (!isValidGroup(options?.group)) throw new RangeError('"options.group" expected 1 to 64 characters of A-Z a-z 0-9 _ . -');
  if (options.right !== undefined && options.right !== 'read' && options.right !== 'update') {
    throw new RangeError('"options.right" expected "read" or "update"');
  }
  if (options.now !== undefined && typeof options.now !== 'function') throw new TypeError('"options.now" expected a function');
  const now = options.now ?? Date.now;
  const { group, right } = options;
  /** The metadata admitting `z85` now and when that ends, or why not. */
  const admission = (z85: string): { metadata: KeyMetadata; until: number } | string => {
    const nowMs = now();
    const metadata = listedKey(source, group, z85, nowMs);
    if (metadata === undefined) return 'Key not listed';
    if (right !== undefined && !metadata.rights.includes(right)) return 'Right not held';
    const expires = metadata.expires === undefined ? Infinity : metadata.expires * 1000;
    return { metadata, until: Math.min(expires, source.get(keyPath(group, z85))?.expiresAt ?? Infinity) };
  };
  const enforcement = new FleetEnforcement(
    group,
    (z85) => {
      const admitted = admission(z85);
      return typeof admitted === 'string' ? undefined : admitted.until;
    },
    now,
  );
  const authorizer = (request: AuthRequest) => {
    const z85 = request.publicKeyZ85 ?? (request.publicKey === undefined ? undefined : keyToZ85(request.publicKey));
    if (z85 === undefined) return deny('No public key');
    const admitted = admission(z85);
    if (typeof admitted === 'string') return deny(admitted);
    enforcement.admit(z85, admitted.until);
    return allow(admitted.metadata.name);
  };
  const events = (source as { readonly events?: Partial<FleetFeedEvents> }).events;
  return Object.assign(authorizer, { enforce: (...servers: SessionRevoker[]) => enforcement.enforce(events, servers) });
}
