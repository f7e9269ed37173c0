/**
 * The node:crypto backend: X25519 from OpenSSL (about seven times faster than pure JavaScript),
 * HSalsa20 and XSalsa20-Poly1305 from {@link tweetnaclBackend} (node:crypto has no XSalsa20).
 * This is the only file in the package that imports node:crypto; it needs no native addon.
 *
 * node:crypto computes only on `KeyObject`s, and importing a raw private key costs about as much
 * as one X25519 (OpenSSL derives its public key on import), so the private `KeyObject` made
 * from a secret-key array is cached against that array object (a WeakMap entry) and reused
 * while the array's bytes are unchanged. To tell, the cache keeps a salted SHA-256 of the
 * bytes, never the bytes. **A `KeyObject` cannot be wiped**: a cached private key lives until
 * the garbage collector frees it, after its array becomes unreachable, so a caller that wipes a
 * secret should also drop its last reference to the array. Wiping or refilling the array makes
 * the entry stale; it is replaced on the next use of that array.
 *
 * @module
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  randomBytes,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';
import type { CryptoBackend } from './backend';
import { tweetnaclBackend } from './tweetnacl';

interface CachedPrivateKey {
  /** The private key as OpenSSL holds it. */
  readonly key: KeyObject;
  /** Salted SHA-256 of the bytes it was made from, to notice an array that was wiped or refilled. */
  readonly digest: Buffer;
  /** Its public key, which OpenSSL computed on import anyway. */
  publicKey: Uint8Array | undefined;
}

/** Private keys by the array they were imported from; a WeakMap so arrays are never kept alive. */
const privateKeys = new WeakMap<Uint8Array, CachedPrivateKey>();

/** The JWK `x` member OpenSSL insists on for a private key; it is not checked against `d`. */
const ANY_PUBLIC_X = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

/** OpenSSL's error when X25519 yields all zeros (a low-order point): no exception, zeros. */
const DERIVATION_FAILED = 'ERR_OSSL_FAILED_DURING_DERIVATION';

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64url');
}

/** A per-process salt, so a digest in the cache cannot be looked up in a precomputed table. */
const SALT = randomBytes(32);

function digestOf(secretKey: Uint8Array): Buffer {
  return createHash('sha256').update(SALT).update(secretKey).digest();
}

function privateKeyOf(secretKey: Uint8Array): CachedPrivateKey {
  const cached = privateKeys.get(secretKey);
  const digest = digestOf(secretKey);
  if (cached !== undefined && timingSafeEqual(cached.digest, digest)) return cached;
  const key = createPrivateKey({
    key: { kty: 'OKP', crv: 'X25519', d: base64url(secretKey), x: ANY_PUBLIC_X },
    format: 'jwk',
  });
  const entry: CachedPrivateKey = { key, digest, publicKey: undefined };
  privateKeys.set(secretKey, entry);
  return entry;
}

function publicKeyObject(publicKey: Uint8Array): KeyObject {
  // JWK is the cheapest raw import (about 6 us; SPKI DER costs 75 us).
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: base64url(publicKey) }, format: 'jwk' });
}

/** The node:crypto backend (Node only). */
export const nodeBackend: CryptoBackend = {
  name: 'node',
  scalarMultBase(secretKey) {
    const entry = privateKeyOf(secretKey);
    if (entry.publicKey === undefined) {
      // Exporting the public half is cheap and safe; exporting private keys as JWK in a loop
      // can deadlock Node 20 (see docs/performance.md), so it is never done.
      const jwk = createPublicKey(entry.key).export({ format: 'jwk' });
      entry.publicKey = new Uint8Array(Buffer.from(jwk.x as string, 'base64url'));
    }
    return new Uint8Array(entry.publicKey);
  },
  scalarMult(secretKey, publicKey) {
    try {
      const shared = diffieHellman({
        privateKey: privateKeyOf(secretKey).key,
        publicKey: publicKeyObject(publicKey),
      });
      const out = new Uint8Array(shared);
      shared.fill(0);
      return out;
    } catch (error) {
      // The interface promises the unchecked result, which is all zero for a low-order point;
      // OpenSSL refuses to return it, so the zeros are given back for the façade to reject.
      if ((error as { code?: unknown }).code === DERIVATION_FAILED) return new Uint8Array(32);
      throw error;
    }
  },
  hsalsa20: tweetnaclBackend.hsalsa20,
  secretboxSeal: tweetnaclBackend.secretboxSeal,
  secretboxOpen: tweetnaclBackend.secretboxOpen,
};
