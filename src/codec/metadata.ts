/**
 * The ZMTP metadata property list (RFC 23 section "Connection Metadata", RFC 26 INITIATE and
 * READY, RFC 27 reply frame 6), shared by NULL, PLAIN and CURVE:
 *
 * ```
 * metadata = *property
 * property = name value
 * name     = OCTET 1*255name-char      ; 1-byte length, then the name
 * value    = 4OCTET *OCTET             ; 4-byte big-endian length, then the value
 * name-char = ALPHA | DIGIT | "-" | "_" | "." | "+"
 * ```
 *
 * Names are case-insensitive (RFC 23): lookups fold case and a list holding two names that differ
 * only in case is rejected. The original spelling is kept for encoding, because libzmq compares
 * `Socket-Type` and `Identity` byte for byte.
 *
 * @module
 */
import { assertBytes, concatBytes, fromUtf8, isBytes, readU32BE, utf8, writeU32BE } from '../bytes';
import { MechanismError } from '../errors';

/** Limits applied when decoding (and encoding) a property list. */
export interface MetadataLimits {
  /** Most properties in one list. Default 64. */
  maxProperties: number;
  /** Longest single value, in bytes. Default 65,536. */
  maxValueLength: number;
  /** Longest encoded list, in bytes. Default 262,144 (256 KiB). */
  maxTotalLength: number;
}

/** The default {@link MetadataLimits}. */
export const DEFAULT_METADATA_LIMITS: Readonly<MetadataLimits> = Object.freeze({
  maxProperties: 64,
  maxValueLength: 65_536,
  maxTotalLength: 262_144,
});

/** What may be given wherever metadata is taken: a `Metadata`, a record or name/value pairs. */
export type MetadataInit =
  | Metadata
  | Readonly<Record<string, string | Uint8Array>>
  | Iterable<readonly [string, string | Uint8Array]>;

const NAME_PATTERN = /^[A-Za-z0-9\-_.+]{1,255}$/;

/**
 * An immutable, ordered list of metadata properties with case-insensitive lookup.
 */
export class Metadata implements Iterable<readonly [string, Uint8Array]> {
  /** An empty list. */
  static readonly EMPTY = new Metadata([]);

  private readonly props: ReadonlyArray<readonly [string, Uint8Array]>;

  private constructor(props: ReadonlyArray<readonly [string, Uint8Array]>) {
    this.props = props;
  }

  /**
   * Builds a list from a record, pairs or another `Metadata`. String values are UTF-8 encoded.
   *
   * @throws {@link TypeError} when a value is neither a string nor bytes
   * @throws {@link RangeError} when a name is empty, longer than 255, holds a character outside
   *   `A-Z a-z 0-9 - _ . +`, or repeats another name up to case
   */
  static from(init: MetadataInit | undefined): Metadata {
    if (init === undefined) return Metadata.EMPTY;
    if (init instanceof Metadata) return init;
    const pairs = isIterable(init) ? [...init] : Object.entries(init);
    const props = pairs.map(([name, value]) => {
      if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
        throw new RangeError(`"metadata" property name ${JSON.stringify(name)} is not valid`);
      }
      if (typeof value === 'string') return [name, utf8(value)] as const;
      return [name, assertBytes(value, `metadata.${name}`).slice()] as const;
    });
    const duplicate = findDuplicate(props.map(([name]) => name));
    if (duplicate !== undefined) {
      throw new RangeError(`"metadata" property name ${JSON.stringify(duplicate)} is repeated`);
    }
    return new Metadata(props);
  }

  /** Number of properties. */
  get size(): number {
    return this.props.length;
  }

  /** The value of property `name` (case-insensitive), or `undefined`. */
  get(name: string): Uint8Array | undefined {
    const key = name.toLowerCase();
    return this.props.find(([n]) => n.toLowerCase() === key)?.[1];
  }

  /** The value of property `name` decoded as UTF-8, or `undefined`. */
  getString(name: string): string | undefined {
    const value = this.get(name);
    return value === undefined ? undefined : fromUtf8(value);
  }

  /** True when property `name` exists (case-insensitive). */
  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** The property names in their original spelling and order. */
  names(): string[] {
    return this.props.map(([name]) => name);
  }

  /** A plain record of the properties with values decoded as UTF-8 (for logs and JSON). */
  toRecord(): Record<string, string> {
    return Object.fromEntries(this.props.map(([n, v]) => [n, fromUtf8(v)]));
  }

  /** A new list with `other`'s properties added, replacing same-named ones (case-insensitive). */
  merge(other: MetadataInit | undefined): Metadata {
    const extra = Metadata.from(other);
    const kept = this.props.filter(([name]) => !extra.has(name));
    return new Metadata([...kept, ...extra.props]);
  }

  [Symbol.iterator](): Iterator<readonly [string, Uint8Array]> {
    return this.props[Symbol.iterator]();
  }
}

function isIterable(value: object): value is Iterable<readonly [string, string | Uint8Array]> {
  return typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function';
}

function findDuplicate(names: string[]): string | undefined {
  const seen = new Set<string>();
  for (const name of names) {
    const key = name.toLowerCase();
    if (seen.has(key)) return name;
    seen.add(key);
  }
  return undefined;
}

/**
 * Encodes a property list.
 *
 * @throws {@link RangeError} when the list exceeds `limits`
 */
export function encodeMetadata(
  metadata: MetadataInit | undefined,
  limits: MetadataLimits = DEFAULT_METADATA_LIMITS,
): Uint8Array {
  const meta = Metadata.from(metadata);
  if (meta.size > limits.maxProperties) {
    throw new RangeError(`"metadata" has ${meta.size} properties; the limit is ${limits.maxProperties}`);
  }
  const parts: Uint8Array[] = [];
  for (const [name, value] of meta) {
    if (value.length > limits.maxValueLength) {
      throw new RangeError(`"metadata.${name}" is longer than ${limits.maxValueLength} bytes`);
    }
    const head = new Uint8Array(1 + name.length + 4);
    head[0] = name.length;
    head.set(utf8(name), 1);
    writeU32BE(head, 1 + name.length, value.length);
    parts.push(head, value);
  }
  const encoded = concatBytes(...parts);
  if (encoded.length > limits.maxTotalLength) {
    throw new RangeError(`"metadata" encodes to more than ${limits.maxTotalLength} bytes`);
  }
  return encoded;
}

/**
 * Decodes a property list received from a peer. Nothing is allocated from a claimed length
 * before that length is checked against what remains and against `limits`.
 *
 * @throws {@link MechanismError} `ERR_INVALID_METADATA` on any malformed or over-limit list:
 *   an empty name, a name character outside the grammar, a length running past the end, a value
 *   size of 2^31 or more, trailing bytes, names repeated up to case, or a limit exceeded
 */
export function decodeMetadata(
  bytes: Uint8Array,
  limits: MetadataLimits = DEFAULT_METADATA_LIMITS,
): Metadata {
  if (!isBytes(bytes)) throw new TypeError('"bytes" expected Uint8Array');
  if (bytes.length > limits.maxTotalLength) throw invalid('the list is over the size limit');
  const props: Array<readonly [string, Uint8Array]> = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (props.length >= limits.maxProperties) throw invalid('too many properties');
    const nameLength = bytes[offset]!;
    if (nameLength === 0) throw invalid('a property name is empty');
    if (offset + 1 + nameLength + 4 > bytes.length) throw invalid('a property is truncated');
    const name = String.fromCharCode(...bytes.subarray(offset + 1, offset + 1 + nameLength));
    if (!NAME_PATTERN.test(name)) throw invalid('a property name has a forbidden character');
    offset += 1 + nameLength;
    const valueLength = readU32BE(bytes, offset);
    offset += 4;
    if (valueLength >= 2 ** 31) throw invalid('a value size is 2^31 or more');
    if (valueLength > limits.maxValueLength) throw invalid('a value is over the size limit');
    if (offset + valueLength > bytes.length) throw invalid('a value runs past the end');
    props.push([name, bytes.slice(offset, offset + valueLength)]);
    offset += valueLength;
  }
  if (findDuplicate(props.map(([name]) => name)) !== undefined) {
    throw invalid('a property name is repeated');
  }
  return Metadata.from(props);
}

function invalid(detail: string): MechanismError {
  return new MechanismError('ERR_INVALID_METADATA', `invalid metadata: ${detail}`);
}
