/**
 * Key map entries: the trust data the fleet shares. A key is listed at
 * `/keys/<group>/<Z85 public key>`; the entry's value is `name=value\n` lines (the same syntax as
 * CHP properties, so any CHP client can read and write them):
 *
 * ```text
 * name=web-1
 * rights=read,update
 * expires=1798761600
 * ```
 *
 * - `name` (optional): a label for people and logs, one line.
 * - `rights` (optional, default none): comma-separated, from `read` (may take snapshots and
 *   follow updates of a fleet server) and `update` (may send KVSET). A key with no rights is
 *   still a member: {@link fleetAuthorizer} admits it to services of its group.
 * - `expires` (optional): Unix time in seconds after which the key is no longer admitted.
 *
 * @module
 */
import { z85Decode } from '../z85';
import { ChpError } from './errors';
import { encodeProperties, parseProperties } from './properties';

/** What a key may do on a fleet server. */
export type FleetRight = 'read' | 'update';
const RIGHTS: ReadonlySet<string> = new Set<FleetRight>(['read', 'update']);

/** The prefix every key entry lives under. */
export const KEYS_PREFIX = '/keys/';
const GROUP = /^[A-Za-z0-9_.-]{1,64}$/;

/** A key entry's metadata. */
export interface KeyMetadata {
  readonly name?: string;
  readonly rights: readonly FleetRight[];
  /** Unix time in seconds; absent = never. */
  readonly expires?: number;
}

/** True for a group name usable in a key path. */
export function isValidGroup(group: unknown): group is string {
  return typeof group === 'string' && GROUP.test(group);
}

/**
 * The map key of `publicKeyZ85` in `group`.
 *
 * @throws {@link RangeError} naming the argument for a bad group or key
 */
export function keyPath(group: string, publicKeyZ85: string): string {
  if (!isValidGroup(group)) throw new RangeError('"group" expected 1 to 64 characters of A-Z a-z 0-9 _ . -');
  if (!isZ85Key(publicKeyZ85)) throw new RangeError('"publicKey" expected a 40-character Z85 key');
  return `${KEYS_PREFIX}${group}/${publicKeyZ85}`;
}

/** The subtree of one group: what a replica of that group asks for. */
export function groupSubtree(group: string): string {
  if (!isValidGroup(group)) throw new RangeError('"group" expected 1 to 64 characters of A-Z a-z 0-9 _ . -');
  return `${KEYS_PREFIX}${group}/`;
}

/** Splits a map key into group and Z85 key, or undefined when it is not a key entry. */
export function parseKeyPath(key: string): { group: string; publicKeyZ85: string } | undefined {
  if (!key.startsWith(KEYS_PREFIX)) return undefined;
  const rest = key.slice(KEYS_PREFIX.length);
  // The group never holds '/', the Z85 key may: split at the first slash only.
  const slash = rest.indexOf('/');
  if (slash < 0) return undefined;
  const group = rest.slice(0, slash);
  const publicKeyZ85 = rest.slice(slash + 1);
  return isValidGroup(group) && isZ85Key(publicKeyZ85) ? { group, publicKeyZ85 } : undefined;
}

/** Parses an entry's value; a malformed value is an `ERR_CHP_ENTRY` error, never a throw. */
export function parseKeyMetadata(value: Uint8Array): KeyMetadata | ChpError {
  const props = parseProperties(value);
  if (props instanceof ChpError) return new ChpError('ERR_CHP_ENTRY', `key metadata: ${props.message}`);
  const rights: FleetRight[] = [];
  if (props.rights !== undefined && props.rights !== '') {
    for (const right of props.rights.split(',')) {
      if (!RIGHTS.has(right)) return new ChpError('ERR_CHP_ENTRY', `unknown right ${JSON.stringify(right.slice(0, 32))}`);
      if (!rights.includes(right as FleetRight)) rights.push(right as FleetRight);
    }
  }
  let expires: number | undefined;
  if (props.expires !== undefined) {
    if (!/^\d{1,15}$/.test(props.expires)) return new ChpError('ERR_CHP_ENTRY', 'expires expected Unix seconds');
    expires = Number(props.expires);
  }
  return {
    ...(props.name === undefined ? {} : { name: props.name }),
    rights,
    ...(expires === undefined ? {} : { expires }),
  };
}

/**
 * Encodes metadata as an entry value.
 *
 * @throws {@link RangeError} naming the field for a bad right, name or expiry
 */
export function encodeKeyMetadata(metadata: KeyMetadata): Uint8Array {
  if (typeof metadata !== 'object' || metadata === null) throw new TypeError('"metadata" expected an object');
  const rights = metadata.rights ?? [];
  if (!Array.isArray(rights) || rights.some((r) => !RIGHTS.has(r))) {
    throw new RangeError('"metadata.rights" expected an array of "read" and "update"');
  }
  if (metadata.expires !== undefined && (!Number.isSafeInteger(metadata.expires) || metadata.expires < 0 || metadata.expires > 999_999_999_999_999)) {
    throw new RangeError('"metadata.expires" expected Unix seconds');
  }
  const props: Record<string, string> = {};
  if (metadata.name !== undefined) props.name = metadata.name;
  // An empty rights line still marks the value as metadata: an empty value would delete the key.
  props.rights = rights.join(',');
  if (metadata.expires !== undefined) props.expires = String(metadata.expires);
  return encodeProperties(props, 'metadata');
}

/** True when `metadata` is valid at `nowMs` (Unix milliseconds). */
export function isCurrent(metadata: KeyMetadata, nowMs: number): boolean {
  return metadata.expires === undefined || metadata.expires * 1000 > nowMs;
}

function isZ85Key(text: string): boolean {
  if (typeof text !== 'string' || text.length !== 40) return false;
  try {
    z85Decode(text);
    return true;
  } catch {
    return false;
  }
}
