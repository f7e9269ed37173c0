/**
 * The pure-JavaScript backend on tweetnacl. This is the only file in the package that imports
 * tweetnacl. It works everywhere (Node, browsers, workers) and needs no native addon.
 *
 * @module
 */
import nacl from 'tweetnacl';
import type { CryptoBackend } from './backend';

const SIGMA = new Uint8Array([
  0x65, 0x78, 0x70, 0x61, 0x6e, 0x64, 0x20, 0x33, 0x32, 0x2d, 0x62, 0x79, 0x74, 0x65, 0x20, 0x6b,
]); // "expand 32-byte k"

/** tweetnacl's low-level API, which its typings leave out. */
const lowlevel = (
  nacl as unknown as {
    lowlevel: {
      crypto_core_hsalsa20(out: Uint8Array, input: Uint8Array, key: Uint8Array, c: Uint8Array): number;
    };
  }
).lowlevel;

/** The tweetnacl backend. */
export const tweetnaclBackend: CryptoBackend = {
  name: 'tweetnacl',
  scalarMultBase: (secretKey) => nacl.scalarMult.base(secretKey),
  scalarMult: (secretKey, publicKey) => nacl.scalarMult(secretKey, publicKey),
  hsalsa20(key, input) {
    const out = new Uint8Array(32);
    lowlevel.crypto_core_hsalsa20(out, input, key, SIGMA);
    return out;
  },
  secretboxSeal: (plaintext, nonce, key) => nacl.secretbox(plaintext, nonce, key),
  secretboxOpen: (boxed, nonce, key) => nacl.secretbox.open(boxed, nonce, key),
};
