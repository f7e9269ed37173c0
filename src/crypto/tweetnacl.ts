/**
 * The pure-JavaScript backend on tweetnacl. This is the only file in the package that imports
 * tweetnacl. It works everywhere (Node, browsers, workers) and needs no native addon.
 *
 * @module
 */
import nacl from 'tweetnacl';
import { isBytes } from '../bytes';
import type { CryptoBackend } from './backend';
import { fixedBaseScalarMult, type Field25519 } from './x25519-base';

const SIGMA = new Uint8Array([
  0x65, 0x78, 0x70, 0x61, 0x6e, 0x64, 0x20, 0x33, 0x32, 0x2d, 0x62, 0x79, 0x74, 0x65, 0x20, 0x6b,
]); // "expand 32-byte k"

/** NaCl's zero padding before a plaintext (`crypto_secretbox_ZEROBYTES`). */
const ZERO_BYTES = 32;
/** NaCl's zero padding before a box (`crypto_secretbox_BOXZEROBYTES`). */
const BOX_ZERO_BYTES = 16;

/** Poly1305 tag size. */
const TAG_BYTES = 16;

/**
 * NaCl's low-level calls read whatever they are given; `nacl.secretbox` checked these, so the
 * fast paths that bypass it check them too.
 */
function checkNonceAndKey(nonce: Uint8Array, key: Uint8Array): void {
  if (!(isBytes(nonce) && isBytes(key) && nonce.length === 24 && key.length === 32)) {
    throw new RangeError('"nonce" and "key" expected Uint8Arrays of lengths 24 and 32');
  }
}

/** tweetnacl's low-level API, which its typings leave out. */
const lowlevel = (
  nacl as unknown as {
    lowlevel: {
      crypto_core_hsalsa20(out: Uint8Array, input: Uint8Array, key: Uint8Array, c: Uint8Array): number;
      crypto_secretbox(c: Uint8Array, m: Uint8Array, d: number, n: Uint8Array, k: Uint8Array): number;
      crypto_secretbox_open(m: Uint8Array, c: Uint8Array, d: number, n: Uint8Array, k: Uint8Array): number;
    } & Field25519;
  }
).lowlevel;

/** Key generation on tweetnacl's field arithmetic, about 3 times as fast as its ladder. */
const scalarMultBase = fixedBaseScalarMult(lowlevel);

/** The tweetnacl backend. */
export const tweetnaclBackend: CryptoBackend = {
  name: 'tweetnacl',
  scalarMultBase,
  scalarMult: (secretKey, publicKey) => nacl.scalarMult(secretKey, publicKey),
  hsalsa20(key, input) {
    const out = new Uint8Array(32);
    lowlevel.crypto_core_hsalsa20(out, input, key, SIGMA);
    return out;
  },
  // NaCl's own zero-padded functions (m = 32 zero bytes ‖ plaintext, c = 16 zero bytes ‖ tag ‖
  // ciphertext) in place on one array laid out once, where `nacl.secretbox` and
  // `nacl.secretbox.open` allocate two padded arrays and copy byte by byte in JavaScript. The
  // façade's `sealInto`/`openInto` copy these results into place (no `...Into` methods here).
  secretboxSeal(plaintext, nonce, key) {
    checkNonceAndKey(nonce, key);
    const padded = new Uint8Array(plaintext.length + ZERO_BYTES);
    padded.set(plaintext, ZERO_BYTES);
    lowlevel.crypto_secretbox(padded, padded, padded.length, nonce, key);
    return padded.subarray(BOX_ZERO_BYTES);
  },
  secretboxOpen(boxed, nonce, key) {
    checkNonceAndKey(nonce, key);
    if (boxed.length < TAG_BYTES) return null;
    const padded = new Uint8Array(boxed.length + BOX_ZERO_BYTES);
    padded.set(boxed, BOX_ZERO_BYTES);
    if (lowlevel.crypto_secretbox_open(padded, padded, padded.length, nonce, key) !== 0) return null;
    return padded.subarray(ZERO_BYTES);
  },
  secretboxSealPartInto(out, offset, first, data, nonce, key) {
    checkNonceAndKey(nonce, key);
    // The 16 bytes before the box take the padding: NaCl leaves them zero, the caller rewrites them.
    const start = offset - BOX_ZERO_BYTES;
    const padded = start === 0 ? out : start > 0 ? out.subarray(start) : new Uint8Array(data.length + 1 + ZERO_BYTES);
    padded.fill(0, 0, ZERO_BYTES);
    padded[ZERO_BYTES] = first;
    padded.set(data, ZERO_BYTES + 1);
    lowlevel.crypto_secretbox(padded, padded, padded.length, nonce, key);
    if (start < 0) out.set(padded.subarray(BOX_ZERO_BYTES), offset);
  },
};
