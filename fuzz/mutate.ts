/**
 * Mutation operators over byte strings: bit flips, byte overwrites, truncation, extension,
 * splicing with another blob, length-field edits, insertion, deletion and duplication of ranges,
 * and plain garbage. Each returns a new array; the input is never modified.
 *
 * @module
 */
import { concatBytes as concat } from '../src/bytes';
import type { Prng } from './prng';

/** Values that break length checks: boundaries of 1- and 4-byte fields. */
const INTERESTING_8 = [0, 1, 0x7f, 0x80, 0xfe, 0xff];
const INTERESTING_32 = [0, 1, 0xff, 0x100, 0xffff, 0x1_0000, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff];

/** Where a blob holds length fields, as far as the corpus knows (offsets of 1- and 4-byte fields). */
export interface LengthHints {
  readonly u8: readonly number[];
  readonly u32: readonly number[];
}

/** The names of the operators, for statistics. */
export const MUTATORS = [
  'flip',
  'setByte',
  'truncate',
  'extend',
  'splice',
  'lengthField',
  'insert',
  'delete',
  'duplicate',
  'garbage',
] as const;

/** One operator's name. */
export type MutatorName = (typeof MUTATORS)[number];

/**
 * Applies one to three random operators to `blob`. `donors` supplies other blobs for splicing;
 * `hints` the blob's known length fields (byte 0, the command's name size, is always one).
 */
export function mutate(prng: Prng, blob: Uint8Array, donors: readonly Uint8Array[], hints?: LengthHints): Uint8Array {
  let out = blob;
  const rounds = 1 + prng.int(3);
  for (let i = 0; i < rounds; i++) out = mutateOnce(prng, prng.pick(MUTATORS), out, donors, i === 0 ? hints : undefined);
  return out;
}

/** Applies the operator `name` once. */
export function mutateOnce(
  prng: Prng,
  name: MutatorName,
  blob: Uint8Array,
  donors: readonly Uint8Array[],
  hints?: LengthHints,
): Uint8Array {
  switch (name) {
    case 'flip':
      return flipBits(prng, blob);
    case 'setByte':
      return setByte(prng, blob);
    case 'truncate':
      return blob.slice(0, prng.int(Math.max(blob.length, 1)));
    case 'extend':
      return concat(blob, extension(prng));
    case 'splice':
      return splice(prng, blob, donors.length > 0 ? prng.pick(donors) : prng.bytes(prng.int(256)));
    case 'lengthField':
      return editLength(prng, blob, hints);
    case 'insert': {
      const at = prng.int(blob.length + 1);
      return concat(blob.subarray(0, at), prng.bytes(1 + prng.int(32)), blob.subarray(at));
    }
    case 'delete': {
      const at = prng.int(blob.length + 1);
      const end = Math.min(blob.length, at + 1 + prng.int(32));
      return concat(blob.subarray(0, at), blob.subarray(end));
    }
    case 'duplicate': {
      const at = prng.int(blob.length + 1);
      const end = Math.min(blob.length, at + 1 + prng.int(64));
      return concat(blob.subarray(0, end), blob.subarray(at, end), blob.subarray(end));
    }
    case 'garbage':
      return prng.chance(0.5) ? prng.bytes(prng.int(320)) : garbageWithName(prng, blob);
  }
}

function flipBits(prng: Prng, blob: Uint8Array): Uint8Array {
  if (blob.length === 0) return Uint8Array.of(1 << prng.int(8));
  const out = blob.slice();
  const flips = 1 + (prng.chance(0.7) ? 0 : prng.int(8));
  for (let i = 0; i < flips; i++) {
    const at = prng.int(out.length);
    out[at] = out[at]! ^ (1 << prng.int(8));
  }
  return out;
}

function setByte(prng: Prng, blob: Uint8Array): Uint8Array {
  if (blob.length === 0) return Uint8Array.of(prng.next() & 0xff);
  const out = blob.slice();
  const at = prng.int(out.length);
  let value = prng.chance(0.5) ? prng.pick(INTERESTING_8) : prng.next() & 0xff;
  if (value === out[at]) value ^= 0xff;
  out[at] = value;
  return out;
}

/** Mostly short tails; sometimes 64 KiB of zeros, as an attacker pads a command (row 7). */
function extension(prng: Prng): Uint8Array {
  const roll = prng.int(100);
  if (roll < 2) return new Uint8Array(65_536);
  if (roll < 50) return prng.bytes(1 + prng.int(16));
  if (roll < 75) return new Uint8Array(1 + prng.int(300));
  return prng.bytes(1 + prng.int(300));
}

function splice(prng: Prng, blob: Uint8Array, donor: Uint8Array): Uint8Array {
  const cut = prng.int(blob.length + 1);
  const from = prng.int(donor.length + 1);
  return concat(blob.subarray(0, cut), donor.subarray(from));
}

/** Rewrites a 1- or 4-byte length field, known from `hints` or guessed, to a boundary value. */
function editLength(prng: Prng, blob: Uint8Array, hints?: LengthHints): Uint8Array {
  const out = blob.length === 0 ? new Uint8Array(1) : blob.slice();
  const wide = hints !== undefined && hints.u32.length > 0 ? prng.chance(0.5) : prng.chance(0.3);
  if (wide && out.length >= 4) {
    const known = hints?.u32.filter((at) => at + 4 <= out.length) ?? [];
    const at = known.length > 0 && prng.chance(0.8) ? prng.pick(known) : prng.int(out.length - 3);
    const value = prng.chance(0.7) ? prng.pick(INTERESTING_32) : out.length - at + prng.int(9) - 4;
    new DataView(out.buffer, out.byteOffset, out.byteLength).setUint32(at, value >>> 0, false);
    return out;
  }
  const known = [0, ...(hints?.u8 ?? [])].filter((at) => at < out.length);
  const at = prng.chance(0.8) ? prng.pick(known) : prng.int(out.length);
  const current = out[at]!;
  const value = prng.chance(0.5) ? prng.pick(INTERESTING_8) : (current + prng.int(5) - 2) & 0xff;
  out[at] = value === current ? current ^ 0x01 : value;
  return out;
}

/** Random bytes behind the blob's own command name, so that the parser goes past the name. */
function garbageWithName(prng: Prng, blob: Uint8Array): Uint8Array {
  const nameSize = blob[0] ?? 0;
  const head = blob.subarray(0, Math.min(blob.length, 1 + nameSize));
  return concat(head, prng.bytes(prng.int(320)));
}
