/**
 * An oracle for wiping tests that does not ask the mechanism what it holds: a crypto backend
 * that records every key the façade hands out (X25519 results and HSalsa20 outputs: shared
 * secrets, precomputed box keys), a random source that records the value of every draw
 * (transient secret keys, cookie keys), and a walk over everything reachable from an object
 * that finds any copy of those values left behind.
 *
 * A test checks both: every recorded key array is all zero (it was wiped where it was handed
 * out), and no byte array reachable from the mechanism still holds a recorded value (no copy
 * made from it, such as the MESSAGE codec's session key, survived).
 */
import { cryptoBackend, useCryptoBackend, type CryptoBackend } from '../../../src/crypto';
import { seededRandom, toHex, type RandomSource } from '../../../src';

/** What a recording backend or random source saw. */
export interface Recorded {
  /** Every key array the backend returned (the very arrays the façade passed on). */
  readonly keys: Uint8Array[];
  /** A copy of the value of every secret handed out: keys and 32-byte random draws. */
  readonly values: Uint8Array[];
}

/** A fresh record. */
export function record(): Recorded {
  return { keys: [], values: [] };
}

/** Wraps `base` so that every X25519 result and HSalsa20 output is recorded in `into`. */
export function recordingBackend(into: Recorded, base: CryptoBackend = cryptoBackend()): CryptoBackend {
  const keep = (key: Uint8Array): Uint8Array => {
    into.keys.push(key);
    into.values.push(key.slice());
    return key;
  };
  return {
    ...base,
    name: `recording ${base.name}`,
    scalarMult: (secretKey, publicKey, lifetime) => keep(base.scalarMult(secretKey, publicKey, lifetime)),
    hsalsa20: (key, input) => keep(base.hsalsa20(key, input)),
  };
}

/** A seeded random source that records the value of every 32-byte draw (a key) in `into`. */
export function recordingRandom(into: Recorded, seed: number): RandomSource {
  const random = seededRandom(seed);
  return (length) => {
    const bytes = random(length);
    if (length === 32) into.values.push(bytes.slice());
    return bytes;
  };
}

/** Installs a recording backend for the tests of the calling file; returns its record. */
export function useRecordingBackend(): Recorded {
  const recorded = record();
  let original: CryptoBackend | undefined;
  beforeAll(() => {
    original = cryptoBackend();
    useCryptoBackend(recordingBackend(recorded, original));
  });
  beforeEach(() => {
    recorded.keys.length = 0;
    recorded.values.length = 0;
  });
  afterAll(() => useCryptoBackend(original!));
  return recorded;
}

/**
 * Every byte array reachable from `roots` through properties, array elements, Map and Set
 * entries (not through closures), except from the objects in `skip`.
 */
export function reachableBytes(roots: readonly unknown[], skip: readonly unknown[] = []): Uint8Array[] {
  const seen = new Set<unknown>(skip);
  const found: Uint8Array[] = [];
  const stack = [...roots];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value !== 'object' || value === null || seen.has(value)) continue;
    seen.add(value);
    if (value instanceof Uint8Array) {
      found.push(new Uint8Array(value.buffer, 0, value.buffer.byteLength));
      continue;
    }
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) continue;
    if (value instanceof Map) for (const [k, v] of value) stack.push(k, v);
    if (value instanceof Set) for (const v of value) stack.push(v);
    for (const key of Reflect.ownKeys(value)) {
      const descriptor = Object.getOwnPropertyDescriptor(value, key);
      if (descriptor !== undefined && 'value' in descriptor) stack.push(descriptor.value);
    }
  }
  return found;
}

/** The recorded values (hex) that still occur in some byte array reachable from `roots`. */
export function survivingSecrets(values: readonly Uint8Array[], roots: readonly unknown[], skip: readonly unknown[] = []): string[] {
  const haystacks = reachableBytes(roots, skip).map((bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
  const live = values.filter((value) => value.some((b) => b !== 0));
  return live.filter((value) => haystacks.some((hay) => hay.indexOf(value) !== -1)).map((value) => toHex(value));
}

/** Recorded key arrays that are not all zero. */
export function unwipedKeys(recorded: Recorded): Uint8Array[] {
  return recorded.keys.filter((key) => key.some((b) => b !== 0));
}
