/**
 * The CHP wire codec (ZeroMQ RFC 12, Clustered Hashmap Protocol), pure: commands to frames and
 * back. Every command but ICANHAZ is five frames: key (or command name), sequence (8 bytes,
 * network order), UUID (empty or 16 bytes), properties, value. A ROUTER's identity frame is the
 * adapter's business, never part of what this module sees.
 *
 * Each socket receives only some commands, so parsing is by direction ({@link ChpInbound});
 * that also settles the two reserved first frames (`KTHXBAI` on a snapshot, `HUGZ` on a
 * publisher), which therefore can never be keys.
 *
 * @module
 */
import { fromUtf8Strict } from '../bytes';
import { ChpError } from './errors';
import { encodeProperties, parseProperties, type ChpProperties } from './properties';
import { getUint64, setUint64 } from './uint64';

/** Longest key or subtree, in bytes (RFC 12 keys are short strings; this bounds what we hold). */
export const MAX_KEY_SIZE = 255;
/** Default largest value; {@link ChpCodecLimits.maxValueSize} changes it. */
export const DEFAULT_MAX_VALUE_SIZE = 64 * 1024;
/** The sequence frame's size. */
export const SEQUENCE_SIZE = 8;
/** A UUID frame's size when present. */
export const UUID_SIZE = 16;

/** First frames that name a command rather than a key. */
export const ICANHAZ = 'ICANHAZ?';
export const KTHXBAI = 'KTHXBAI';
export const HUGZ = 'HUGZ';
const RESERVED = new Set([ICANHAZ, KTHXBAI, HUGZ]);

/** Client asks the SNAPSHOT socket for every entry under `subtree` ('' = all). */
export interface Icanhaz { readonly command: 'ICANHAZ'; readonly subtree: string }
/** One entry of a snapshot. */
export interface Kvsync {
  readonly command: 'KVSYNC';
  readonly key: string;
  readonly sequence: number;
  readonly properties: ChpProperties;
  readonly value: Uint8Array;
}
/** End of a snapshot: `sequence` is the highest sequence the snapshot reflects. */
export interface Kthxbai { readonly command: 'KTHXBAI'; readonly sequence: number; readonly subtree: string }
/** An update the server publishes (an empty value deletes). */
export interface Kvpub {
  readonly command: 'KVPUB';
  readonly key: string;
  readonly sequence: number;
  readonly uuid: Uint8Array;
  readonly properties: ChpProperties;
  readonly value: Uint8Array;
}
/** An update a client sends to the COLLECTOR; the server assigns the sequence. */
export interface Kvset extends Omit<Kvpub, 'command'> { readonly command: 'KVSET' }
/** The publisher's heartbeat. */
export interface Hugz { readonly command: 'HUGZ' }

/** Any CHP command. */
export type ChpCommand = Icanhaz | Kvsync | Kthxbai | Kvpub | Kvset | Hugz;

/**
 * What a socket may receive: `snapshot-request` (SNAPSHOT server: ICANHAZ), `snapshot`
 * (client DEALER: KVSYNC, KTHXBAI), `publish` (client SUB: KVPUB, HUGZ), `collect`
 * (COLLECTOR: KVSET).
 */
export type ChpInbound = 'snapshot-request' | 'snapshot' | 'publish' | 'collect';

/** Limits of parsing. */
export interface ChpCodecLimits {
  /** Largest value frame (default 64 KiB). */
  readonly maxValueSize?: number;
}

const textEncoder = new TextEncoder();

/**
 * Parses the frames one socket received. Never throws: anything malformed is a {@link ChpError}.
 */
export function parseChp(frames: readonly Uint8Array[], inbound: ChpInbound, limits: ChpCodecLimits = {}): ChpCommand | ChpError {
  if (!Array.isArray(frames) || frames.some((f) => !(f instanceof Uint8Array))) {
    return new ChpError('ERR_CHP_FRAMES', 'frames expected an array of byte arrays');
  }
  if (inbound === 'snapshot-request') return parseIcanhaz(frames);
  if (frames.length !== 5) return new ChpError('ERR_CHP_FRAMES', `expected 5 frames, got ${frames.length}`);
  const five = frames as unknown as Five;
  const first = asciiOf(five[0]);
  if (inbound === 'snapshot' && first === KTHXBAI) return parseKthxbai(five);
  if (inbound === 'publish' && first === HUGZ) return parseHugz(five);
  const fields = parseFields(five, limits.maxValueSize ?? DEFAULT_MAX_VALUE_SIZE);
  if (fields instanceof ChpError) return fields;
  if (inbound === 'snapshot') {
    const { key, sequence, properties, value } = fields;
    return { command: 'KVSYNC', key, sequence, properties, value };
  }
  return { command: inbound === 'publish' ? 'KVPUB' : 'KVSET', ...fields };
}

/** Encodes a command as frames (a ROUTER caller puts the identity frame in front). */
export function encodeChp(command: ChpCommand): Uint8Array[] {
  if (typeof command !== 'object' || command === null) throw new TypeError('"command" expected a CHP command');
  switch (command.command) {
    case 'ICANHAZ':
      return [textEncoder.encode(ICANHAZ), subtreeBytes(command.subtree)];
    case 'KVSYNC':
      return [keyBytes(command.key), sequenceBytes(command.sequence), new Uint8Array(0), encodeProperties(command.properties, 'command.properties'), valueBytes(command.value)];
    case 'KTHXBAI':
      return [textEncoder.encode(KTHXBAI), sequenceBytes(command.sequence), new Uint8Array(0), new Uint8Array(0), subtreeBytes(command.subtree)];
    case 'KVPUB':
    case 'KVSET':
      return [keyBytes(command.key), sequenceBytes(command.sequence), uuidBytes(command.uuid), encodeProperties(command.properties, 'command.properties'), valueBytes(command.value)];
    case 'HUGZ':
      return [textEncoder.encode(HUGZ), new Uint8Array(SEQUENCE_SIZE), new Uint8Array(0), new Uint8Array(0), new Uint8Array(0)];
    default:
      throw new TypeError('"command.command" expected ICANHAZ, KVSYNC, KTHXBAI, KVPUB, KVSET or HUGZ');
  }
}

/**
 * Checks a key: 1 to 255 printable ASCII characters other than space, not a command name.
 * Keys are prefix-matched by SUB subscriptions, so they are kept to bytes that compare simply.
 */
export function isValidKey(key: unknown): key is string {
  return typeof key === 'string' && key.length >= 1 && key.length <= MAX_KEY_SIZE && /^[\x21-\x7e]+$/.test(key) && !RESERVED.has(key);
}

/** Checks a subtree: empty (everything), or printable like a key, starting with '/'. */
export function isValidSubtree(subtree: unknown): subtree is string {
  return typeof subtree === 'string' && (subtree === '' || (subtree.length <= MAX_KEY_SIZE && /^\/[\x21-\x7e]*$/.test(subtree)));
}

type Five = readonly [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array];

function parseIcanhaz(all: readonly Uint8Array[]): Icanhaz | ChpError {
  if (all.length !== 2) return new ChpError('ERR_CHP_FRAMES', `ICANHAZ expected 2 frames, got ${all.length}`);
  const frames = all as unknown as readonly [Uint8Array, Uint8Array];
  if (asciiOf(frames[0]) !== ICANHAZ) return new ChpError('ERR_CHP_FRAMES', 'expected ICANHAZ?');
  const subtree = asciiOf(frames[1], MAX_KEY_SIZE);
  if (subtree === undefined || !isValidSubtree(subtree)) return new ChpError('ERR_CHP_KEY', 'malformed subtree');
  return { command: 'ICANHAZ', subtree };
}

function parseKthxbai(frames: Five): Kthxbai | ChpError {
  const sequence = parseSequence(frames[1]);
  if (sequence instanceof ChpError) return sequence;
  if (frames[2].length !== 0 || frames[3].length !== 0) return new ChpError('ERR_CHP_FIELD', 'KTHXBAI expects empty UUID and properties');
  const subtree = asciiOf(frames[4], MAX_KEY_SIZE);
  if (subtree === undefined || !isValidSubtree(subtree)) return new ChpError('ERR_CHP_KEY', 'malformed subtree');
  return { command: 'KTHXBAI', sequence, subtree };
}

function parseHugz(frames: Five): Hugz | ChpError {
  const zeroSequence = frames[1].length === SEQUENCE_SIZE && frames[1].every((b) => b === 0);
  if (!zeroSequence || frames[2].length !== 0 || frames[3].length !== 0 || frames[4].length !== 0) {
    return new ChpError('ERR_CHP_FIELD', 'HUGZ expects a zero sequence and empty frames');
  }
  return { command: 'HUGZ' };
}

interface Fields {
  readonly key: string;
  readonly sequence: number;
  readonly uuid: Uint8Array;
  readonly properties: ChpProperties;
  readonly value: Uint8Array;
}

function parseFields(frames: Five, maxValueSize: number): Fields | ChpError {
  const key = asciiOf(frames[0], MAX_KEY_SIZE);
  if (key === undefined || !isValidKey(key)) return new ChpError('ERR_CHP_KEY', 'malformed key');
  const sequence = parseSequence(frames[1]);
  if (sequence instanceof ChpError) return sequence;
  const uuid = frames[2];
  if (uuid.length !== 0 && uuid.length !== UUID_SIZE) return new ChpError('ERR_CHP_UUID', `UUID of ${uuid.length} bytes`);
  const properties = parseProperties(frames[3]);
  if (properties instanceof ChpError) return properties;
  const value = frames[4];
  if (value.length > maxValueSize) return new ChpError('ERR_CHP_SIZE', `value of ${value.length} bytes exceeds ${maxValueSize}`);
  return { key, sequence, uuid, properties, value };
}

function parseSequence(frame: Uint8Array): number | ChpError {
  if (frame.length !== SEQUENCE_SIZE) return new ChpError('ERR_CHP_SEQUENCE', `sequence of ${frame.length} bytes`);
  const sequence = getUint64(new DataView(frame.buffer, frame.byteOffset, SEQUENCE_SIZE), 0);
  // 2^53 - 1 is the largest sequence a number holds exactly: years of updates at any rate.
  return sequence ?? new ChpError('ERR_CHP_SEQUENCE', 'sequence above 2^53 - 1');
}

/** The frame as text when it is short UTF-8; undefined otherwise (never throws). */
function asciiOf(frame: Uint8Array, max = 16): string | undefined {
  if (frame.length > max) return undefined;
  try {
    return fromUtf8Strict(frame);
  } catch {
    return undefined;
  }
}

function keyBytes(key: string): Uint8Array {
  if (!isValidKey(key)) throw new RangeError('"command.key" expected 1 to 255 printable ASCII characters, not a command name');
  return textEncoder.encode(key);
}

function subtreeBytes(subtree: string): Uint8Array {
  if (!isValidSubtree(subtree)) throw new RangeError('"command.subtree" expected "" or a printable path starting with "/"');
  return textEncoder.encode(subtree);
}

function sequenceBytes(sequence: number): Uint8Array {
  if (!Number.isSafeInteger(sequence) || sequence < 0) throw new RangeError('"command.sequence" expected an integer from 0 to 2^53 - 1');
  const bytes = new Uint8Array(SEQUENCE_SIZE);
  setUint64(new DataView(bytes.buffer), 0, sequence);
  return bytes;
}

function uuidBytes(uuid: Uint8Array): Uint8Array {
  if (!(uuid instanceof Uint8Array) || (uuid.length !== 0 && uuid.length !== UUID_SIZE)) {
    throw new RangeError('"command.uuid" expected 0 or 16 bytes');
  }
  return uuid;
}

function valueBytes(value: Uint8Array): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError('"command.value" expected a Uint8Array');
  return value;
}
