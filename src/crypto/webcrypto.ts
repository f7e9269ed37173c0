/**
 * X25519 on WebCrypto (`globalThis.crypto.subtle`, algorithm `'X25519'`), found at run time in
 * browsers that have it and in Node 20.
 *
 * Why this is not a {@link CryptoBackend}: WebCrypto answers with promises, and the backend
 * contract is synchronous (a CURVE server computes X25519 inside `receive(HELLO)`). A CURVE
 * client takes it instead as its `x25519` option: its handshake steps then complete
 * asynchronously (`Step.pending`, awaited by the HandshakeDriver), while servers and the
 * MESSAGE codec stay on the synchronous backend. See docs/browser.md.
 *
 * @module
 */
import { assertBytes, equalBytes, fromHex, isAllZero } from '../bytes';
import { MechanismError } from '../errors';
import { cryptoBackend } from './index';

/** The X25519 operations WebCrypto gives, with the façade's checks. */
export interface WebCryptoX25519 {
  readonly name: 'webcrypto';
  /** X25519 of the base point: the public key of a 32-byte secret key. */
  scalarMultBase(secretKey: Uint8Array): Promise<Uint8Array>;
  /**
   * X25519(secretKey, publicKey).
   *
   * @throws {@link MechanismError} `ERR_INVALID_KEY` when the result would be all zero (a
   *   public key of low order), as the façade's `precompute` does
   */
  scalarMult(secretKey: Uint8Array, publicKey: Uint8Array): Promise<Uint8Array>;
  /** A fresh key pair drawn by WebCrypto, as raw 32-byte keys. */
  generateKeyPair(): Promise<{ publicKey: Uint8Array; secretKey: Uint8Array }>;
}

/**
 * What a CURVE client needs of an asynchronous X25519 (its `x25519` option): the two
 * operations of {@link WebCryptoX25519}, each rejecting a low-order result.
 */
export type AsyncX25519 = Pick<WebCryptoX25519, 'scalarMultBase' | 'scalarMult'>;

const ZERO_16 = new Uint8Array(16);

/**
 * `crypto_box_beforenm` on an asynchronous X25519: HSalsa20(X25519(mySecret, theirPublic), 0),
 * the same key the façade's synchronous `precompute` gives. The shared secret is wiped.
 *
 * @throws {@link MechanismError} `ERR_INVALID_KEY` when `theirPublic` is of low order
 */
export async function precomputeAsync(x25519: AsyncX25519, theirPublic: Uint8Array, mySecret: Uint8Array): Promise<Uint8Array> {
  const shared = await x25519.scalarMult(mySecret, theirPublic);
  try {
    if (isAllZero(shared)) throw new MechanismError('ERR_INVALID_KEY', 'public key is of low order');
    return cryptoBackend().hsalsa20(shared, ZERO_16);
  } finally {
    shared.fill(0);
  }
}

/** The subset of `SubtleCrypto` used here, so this file needs no DOM typings. */
interface Subtle {
  importKey(format: string, data: unknown, algorithm: unknown, extractable: boolean, usages: string[]): Promise<unknown>;
  deriveBits(algorithm: unknown, key: unknown, length: number): Promise<ArrayBuffer>;
  generateKey(algorithm: unknown, extractable: boolean, usages: string[]): Promise<unknown>;
  exportKey(format: string, key: unknown): Promise<unknown>;
}

const X25519 = { name: 'X25519' } as const;
/** The DER header of a PKCS #8 X25519 private key (RFC 8410): the raw 32 bytes follow. */
const PKCS8_HEADER = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20];
/** The base point, u = 9. */
const BASE_POINT = Uint8Array.of(9, ...new Array<number>(31).fill(0));
/** RFC 7748 section 6.1: Alice's secret key and public key, the probe's known answer. */
const PROBE_SECRET = '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a';
const PROBE_PUBLIC = '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a';

function subtle(): Subtle | undefined {
  const crypto = (globalThis as { crypto?: { subtle?: Subtle } }).crypto;
  return typeof crypto?.subtle?.deriveBits === 'function' ? crypto.subtle : undefined;
}

function makeX25519(s: Subtle): WebCryptoX25519 {
  const importSecret = (secretKey: Uint8Array) => {
    const pkcs8 = new Uint8Array(PKCS8_HEADER.length + 32);
    pkcs8.set(PKCS8_HEADER);
    pkcs8.set(secretKey, PKCS8_HEADER.length);
    // WebCrypto keeps its own copy; ours is wiped as soon as it is imported.
    return s.importKey('pkcs8', pkcs8, X25519, false, ['deriveBits']).finally(() => pkcs8.fill(0));
  };
  const derive = async (secretKey: Uint8Array, publicKey: Uint8Array): Promise<Uint8Array> => {
    const [secret, peer] = await Promise.all([
      importSecret(secretKey),
      s.importKey('raw', publicKey.slice(), X25519, false, []),
    ]);
    let bits: ArrayBuffer;
    try {
      bits = await s.deriveBits({ name: 'X25519', public: peer }, secret, 256);
    } catch (error) {
      // WebCrypto refuses an all-zero result (RFC 7748 section 6.1) with an OperationError.
      throw new MechanismError('ERR_INVALID_KEY', 'public key is of low order', { cause: error });
    }
    const shared = new Uint8Array(bits);
    if (isAllZero(shared)) throw new MechanismError('ERR_INVALID_KEY', 'public key is of low order');
    return shared;
  };
  return {
    name: 'webcrypto',
    scalarMultBase(secretKey) {
      assertBytes(secretKey, 'secretKey', 32);
      return derive(secretKey, BASE_POINT);
    },
    scalarMult(secretKey, publicKey) {
      assertBytes(secretKey, 'secretKey', 32);
      assertBytes(publicKey, 'publicKey', 32);
      return derive(secretKey, publicKey);
    },
    async generateKeyPair() {
      const pair = (await s.generateKey(X25519, true, ['deriveBits'])) as { publicKey: unknown; privateKey: unknown };
      const [raw, pkcs8] = await Promise.all([s.exportKey('raw', pair.publicKey), s.exportKey('pkcs8', pair.privateKey)]);
      const der = new Uint8Array(pkcs8 as ArrayBuffer);
      const secretKey = der.slice(PKCS8_HEADER.length);
      der.fill(0);
      return { publicKey: new Uint8Array(raw as ArrayBuffer), secretKey };
    },
  };
}

let probe: Promise<WebCryptoX25519 | undefined> | undefined;

/**
 * WebCrypto's X25519, or `undefined` where this platform has none (an older browser, a page
 * not served from a secure context). Detected once, by a known answer (RFC 7748), not by
 * feature names: some engines list X25519 and compute it wrong or refuse raw imports.
 */
export function webCryptoX25519(): Promise<WebCryptoX25519 | undefined> {
  return (probe ??= detect());
}

async function detect(): Promise<WebCryptoX25519 | undefined> {
  const s = subtle();
  if (s === undefined) return undefined;
  const candidate = makeX25519(s);
  try {
    const publicKey = await candidate.scalarMultBase(fromHex(PROBE_SECRET));
    return equalBytes(publicKey, fromHex(PROBE_PUBLIC)) ? candidate : undefined;
  } catch {
    return undefined;
  }
}
