/**
 * The node:crypto backend: X25519 from OpenSSL (about seven times faster than pure JavaScript),
 * HSalsa20 and XSalsa20-Poly1305 from {@link tweetnaclBackend} (node:crypto has no XSalsa20).
 * This is the only file in the package that imports node:crypto; it needs no native addon.
 *
 * node:crypto computes only on `KeyObject`s, and importing a raw private key costs about as much
 * as one X25519 (OpenSSL derives its public key on import). **A `KeyObject` cannot be wiped**:
 * it lives until the garbage collector frees it. So only a key the caller marks `'long-term'`
 * (a CURVE server's s, used by every handshake of its endpoint) is cached, against its array
 * object (a WeakMap entry), and reused while the array's bytes are unchanged; to tell, the
 * cache keeps a salted SHA-256 of the bytes, never the bytes. The owner calls
 * {@link CryptoBackend.forget} before wiping it (a CURVE endpoint does on close). A transient
 * key (s', c') is imported for each call and never kept (finding 9 of the security review: a
 * cached s' or c' outlived its session, and with it forward secrecy), at the cost of one more
 * import per use. Wiping or refilling a cached array makes its entry stale; it is replaced on
 * the next use of that array.
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

function importPrivateKey(secretKey: Uint8Array): KeyObject {
  return createPrivateKey({
    key: { kty: 'OKP', crv: 'X25519', d: base64url(secretKey), x: ANY_PUBLIC_X },
    format: 'jwk',
  });
}

/** The long-term key's cached entry, made or refreshed as needed. */
function cachedPrivateKey(secretKey: Uint8Array): CachedPrivateKey {
  const cached = privateKeys.get(secretKey);
  const digest = digestOf(secretKey);
  if (cached !== undefined && timingSafeEqual(cached.digest, digest)) return cached;
  const entry: CachedPrivateKey = { key: importPrivateKey(secretKey), digest, publicKey: undefined };
  privateKeys.set(secretKey, entry);
  return entry;
}

function publicKeyOf(key: KeyObject): Uint8Array {
  // Exporting the public half is cheap and safe; exporting private keys as JWK in a loop can
  // deadlock Node 20 (see docs/performance.md), so it is never done.
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  return new Uint8Array(Buffer.from(jwk.x as string, 'base64url'));
}

function publicKeyObject(publicKey: Uint8Array): KeyObject {
  // JWK is the cheapest raw import (about 6 us; SPKI DER costs 75 us).
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: base64url(publicKey) }, format: 'jwk' });
}

/** The node:crypto backend (Node only). */
export const nodeBackend: CryptoBackend = {
  name: 'node',
  scalarMultBase(secretKey, lifetime) {
    if (lifetime !== 'long-term') return publicKeyOf(importPrivateKey(secretKey));
    const entry = cachedPrivateKey(secretKey);
    entry.publicKey ??= publicKeyOf(entry.key);
    return new Uint8Array(entry.publicKey);
  },
  scalarMult(secretKey, publicKey, lifetime) {
    try {
      const shared = diffieHellman({
        privateKey: lifetime === 'long-term' ? cachedPrivateKey(secretKey).key : importPrivateKey(secretKey),
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
  forget(secretKey) {
    privateKeys.delete(secretKey);
  },
  hsalsa20: tweetnaclBackend.hsalsa20,
  secretboxSeal: tweetnaclBackend.secretboxSeal,
  secretboxOpen: tweetnaclBackend.secretboxOpen,
};
