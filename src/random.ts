/**
 * Injectable randomness. Mechanisms draw every random byte (transient keys, long nonces, cookie
 * keys) through a {@link RandomSource}, so tests can replay a handshake byte for byte.
 *
 * @module
 */
import { isBytes } from './bytes';
import { MechanismError } from './errors';

/** Returns `length` fresh random bytes. Must be cryptographically secure outside tests. */
export type RandomSource = (length: number) => Uint8Array;

const GET_RANDOM_VALUES_MAX = 65_536;
/** Draws up to this size are served from the pool; bigger ones go straight to the CSPRNG. */
const POOLED_DRAW_MAX = 64;
const POOL_BYTES = 4096;
let pool: Uint8Array | undefined;
let poolOffset = POOL_BYTES;

/**
 * The platform CSPRNG (`crypto.getRandomValues`, present in Node 20 and browsers).
 *
 * Draws of up to 64 bytes (keys, nonces) come from a 4 KiB pool filled by one CSPRNG call: each
 * call costs several microseconds whatever its size (about a tenth of an X25519 here), and a
 * CURVE handshake draws five times. Every byte leaves the pool once, and is zero-filled there as
 * it leaves, so no drawn value stays behind in the pool.
 */
export const secureRandom: RandomSource = (length) => {
  const out = new Uint8Array(length);
  if (length > POOLED_DRAW_MAX) {
    for (let offset = 0; offset < length; offset += GET_RANDOM_VALUES_MAX) {
      globalThis.crypto.getRandomValues(out.subarray(offset, offset + GET_RANDOM_VALUES_MAX));
    }
    return out;
  }
  if (pool === undefined || poolOffset + length > POOL_BYTES) {
    pool ??= new Uint8Array(POOL_BYTES);
    globalThis.crypto.getRandomValues(pool);
    poolOffset = 0;
  }
  for (let i = 0; i < length; i++) {
    out[i] = pool[poolOffset + i]!;
    pool[poolOffset + i] = 0;
  }
  poolOffset += length;
  return out;
};

/** @internal The pool and how much of it was drawn, for the test that it is wiped as drawn. */
export function randomPoolForTest(): { pool: Uint8Array | undefined; drawn: number } {
  return { pool, drawn: poolOffset };
}

/**
 * Draws `length` bytes from `random` and checks what came back: a source that throws, returns
 * something other than bytes, or returns the wrong length fails closed.
 *
 * @throws {@link MechanismError} `ERR_RANDOM_FAILED`
 */
export function drawRandom(random: RandomSource, length: number): Uint8Array {
  let bytes: unknown;
  try {
    bytes = random(length);
  } catch (cause) {
    throw new MechanismError('ERR_RANDOM_FAILED', 'the random source failed', { cause });
  }
  if (!isBytes(bytes) || bytes.length !== length) {
    throw new MechanismError('ERR_RANDOM_FAILED', `the random source did not return ${length} bytes`);
  }
  // The platform source returns a fresh array nobody else holds; any other source may keep
  // what it returned, so the caller gets its own copy.
  return random === secureRandom ? (bytes as Uint8Array) : new Uint8Array(bytes);
}

/**
 * A random source that returns the given chunks in order, each exactly once, for known-answer
 * tests: every draw must ask for exactly the next chunk's length. Throws when the script runs
 * out or a draw asks for another length, so a test notices a changed draw order.
 */
export function scriptedRandom(chunks: readonly Uint8Array[]): RandomSource {
  let next = 0;
  return (length) => {
    const chunk = chunks[next++];
    if (chunk === undefined) throw new Error('scriptedRandom: no chunk left');
    if (chunk.length !== length) {
      throw new Error(`scriptedRandom: draw ${next} asked ${length} bytes, script has ${chunk.length}`);
    }
    return new Uint8Array(chunk);
  };
}

/**
 * A deterministic, seeded source for reproducible tests and fuzzing (xorshift128+).
 * **Not cryptographically secure**: never use it outside tests.
 */
export function seededRandom(seed: number): RandomSource {
  let s0 = BigInt.asUintN(64, BigInt(seed) * 0x9e3779b97f4a7c15n + 1n);
  let s1 = BigInt.asUintN(64, s0 * 0xbf58476d1ce4e5b9n + 0x94d049bb133111ebn);
  const next = (): bigint => {
    let x = s0;
    const y = s1;
    s0 = y;
    x = BigInt.asUintN(64, x ^ (x << 23n));
    s1 = x ^ y ^ (x >> 17n) ^ (y >> 26n);
    return BigInt.asUintN(64, s1 + y);
  };
  return (length) => {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i += 8) {
      let word = next();
      for (let j = i; j < Math.min(i + 8, length); j++) {
        out[j] = Number(word & 0xffn);
        word >>= 8n;
      }
    }
    return out;
  };
}
