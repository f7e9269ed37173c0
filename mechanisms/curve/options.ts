/**
 * The CURVE options and their validation. Every check runs when a client or a server endpoint
 * is created, so a bad key is a configuration error at construction, never at the first
 * handshake (security checklist row 49).
 *
 * @module
 */
import { isAllZero, U64_MAX, wipe } from '../../src/bytes';
import { cryptoBackend, publicKeyFromSecret } from '../../src/crypto';
import type { AsyncX25519 } from '../../src/crypto/webcrypto';
import {
  encodeMetadata,
  secureRandom,
  toPublicKey,
  toSecretKey,
  type KeyLike,
  type MechanismOptions,
  type RandomSource,
} from '../../src';
import { DEFAULT_COOKIE_KEY_LIFETIME_MS, DEFAULT_REPLAY_RECORD_SIZE, type CookieKeyRotation } from './cookie';
import { FIRST_SHORT_NONCE } from './nonces';
import { isCanonicalKey } from './peer-key';

/** Options both CURVE roles take. */
export interface CurveCommonOptions extends MechanismOptions {
  /** This side's long-term secret key (32 bytes or 40 Z85 characters); the public key is derived. */
  readonly secretKey: KeyLike;
  /**
   * The largest message part accepted from the peer, in bytes (default: no limit but the
   * transport's). A larger MESSAGE fails with `ERR_MESSAGE_TOO_LARGE` before it is decrypted.
   */
  readonly maxMessageSize?: number;
  /**
   * Test hook: the first short nonce this side sends (default 1). Lets tests reach the 2^32,
   * 2^53 and 2^64 - 1 boundaries. Never set it in production: peers expect 1.
   */
  readonly initialNonce?: bigint;
}

/**
 * Options of a CURVE client. `serverKey` is required in the type: a client that does not pin
 * the server's key cannot authenticate it, so its absence must not wait for run time.
 */
export interface CurveClientOptions extends CurveCommonOptions {
  /** The server's long-term public key S (32 bytes or 40 Z85 characters). */
  readonly serverKey: KeyLike;
  /**
   * Runs the handshake's X25519 on this asynchronous implementation, typically
   * `await webCryptoX25519()` (which is `undefined` where WebCrypto has none: the synchronous
   * backend is then used). The client's `start()` and `receive(WELCOME)` then return steps
   * with `pending` (see `Step.pending`), which every adapter awaits through the handshake
   * driver. Wire bytes are identical either way.
   */
  readonly x25519?: AsyncX25519 | undefined;
}

/** Options of a CURVE server endpoint. It takes no `serverKey`: passing one is a type error. */
export interface CurveServerOptions extends CurveCommonOptions {
  /**
   * How long a cookie key seals cookies, in ms (default 60,000). A cookie opens for between
   * one and two lifetimes.
   */
  readonly cookieKeyLifetimeMs?: number;
  /** How many used cookies are remembered to reject replayed INITIATEs (default 65,536). */
  readonly replayRecordSize?: number;
  /**
   * Called when a cookie key is retired early because of the replay record (see
   * `CookieKeyRotation`): the sealing key stopped sealing because its cookies filled half of
   * the record, or the record overflowed. Frequent calls mean handshakes (or someone
   * completing them) outpace `replayRecordSize` per `cookieKeyLifetimeMs`. It runs
   * synchronously inside a handshake step: keep it short; an exception it throws is ignored.
   */
  readonly onCookieKeyRotated?: (rotation: CookieKeyRotation) => void;
}

/**
 * Options of either role, as the run-time checks take them (every role-only option optional).
 * Declare options with {@link CurveClientOptions} or {@link CurveServerOptions}, which
 * `CURVE.client()` and `CURVE.server()` require; this type is what both narrow to.
 */
export interface CurveOptions extends CurveCommonOptions {
  /** Client only: the server's long-term public key S. */
  readonly serverKey?: KeyLike;
  /** Client only: see {@link CurveClientOptions.x25519}. */
  readonly x25519?: AsyncX25519 | undefined;
  /** Server only: see {@link CurveServerOptions.cookieKeyLifetimeMs}. */
  readonly cookieKeyLifetimeMs?: number;
  /** Server only: see {@link CurveServerOptions.replayRecordSize}. */
  readonly replayRecordSize?: number;
  /** Server only: see {@link CurveServerOptions.onCookieKeyRotated}. */
  readonly onCookieKeyRotated?: (rotation: CookieKeyRotation) => void;
}

/** The validated options shared by both roles. */
export interface CommonConfig {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly metadata: Uint8Array;
  readonly random: RandomSource;
  readonly clock: () => number;
  readonly initialNonce: bigint;
  readonly maxMessageSize: number;
}

/** The validated client options. */
export interface ClientConfig extends CommonConfig {
  readonly serverKey: Uint8Array;
  /** The asynchronous X25519, or `undefined` for the synchronous backend. */
  readonly x25519: AsyncX25519 | undefined;
}

/** The validated server options. */
export interface ServerConfig extends CommonConfig {
  readonly cookieKeyLifetimeMs: number;
  readonly replayRecordSize: number;
  readonly onCookieKeyRotated: ((rotation: CookieKeyRotation) => void) | undefined;
}

/**
 * Validates the options of a CURVE client.
 *
 * @throws {@link TypeError} when `options` is not an object or an option has the wrong type
 * @throws {@link RangeError} when a key has the wrong length, is not valid Z85, is all zero, of
 *   low order or (serverKey) not canonically encoded, or a number is out of range; the message
 *   names the option
 */
export function clientConfig(options: CurveOptions): ClientConfig {
  const common = commonConfig(options);
  if (options.serverKey === undefined) throw new TypeError('"serverKey" is required for a CURVE client');
  const serverKey = toPublicKey(options.serverKey, 'serverKey');
  if (!isCanonicalKey(serverKey)) throw new RangeError('"serverKey" is not a canonical X25519 public key');
  return { ...common, serverKey, x25519: asyncX25519(options.x25519) };
}

function asyncX25519(value: AsyncX25519 | undefined): AsyncX25519 | undefined {
  if (value === undefined) return undefined;
  if (typeof value?.scalarMult !== 'function' || typeof value.scalarMultBase !== 'function') {
    throw new TypeError('"x25519" expected an asynchronous X25519 (from webCryptoX25519()) or undefined');
  }
  return value;
}

/**
 * Validates the options of a CURVE server endpoint.
 *
 * @throws {@link TypeError} / {@link RangeError} as {@link clientConfig}
 */
export function serverConfig(options: CurveOptions): ServerConfig {
  const common = commonConfig(options);
  if ((options as { x25519?: unknown }).x25519 !== undefined) {
    throw new TypeError('"x25519" is a CURVE client option: a server computes X25519 synchronously');
  }
  const lifetime = options.cookieKeyLifetimeMs ?? DEFAULT_COOKIE_KEY_LIFETIME_MS;
  if (typeof lifetime !== 'number' || !Number.isFinite(lifetime) || lifetime <= 0) {
    throw new RangeError(`"cookieKeyLifetimeMs" expected a positive number of milliseconds, got ${String(lifetime)}`);
  }
  const recordSize = options.replayRecordSize ?? DEFAULT_REPLAY_RECORD_SIZE;
  if (!Number.isSafeInteger(recordSize) || recordSize < 1) {
    throw new RangeError(`"replayRecordSize" expected a positive integer, got ${String(recordSize)}`);
  }
  const onRotated = options.onCookieKeyRotated;
  if (onRotated !== undefined && typeof onRotated !== 'function') {
    throw new TypeError('"onCookieKeyRotated" expected a function');
  }
  return { ...common, cookieKeyLifetimeMs: lifetime, replayRecordSize: recordSize, onCookieKeyRotated: onRotated };
}

function commonConfig(options: CurveOptions): CommonConfig {
  if (typeof options !== 'object' || options === null) throw new TypeError('"options" expected an object');
  if (options.secretKey === undefined) throw new TypeError('"secretKey" is required for CURVE');
  const secretKey = toSecretKey(options.secretKey, 'secretKey');
  if (isAllZero(secretKey)) throw new RangeError('"secretKey" is all zero');
  const random = options.random ?? secureRandom;
  if (typeof random !== 'function') throw new TypeError('"random" expected a function');
  const clock = options.clock ?? Date.now;
  if (typeof clock !== 'function') throw new TypeError('"clock" expected a function');
  return {
    secretKey,
    publicKey: longTermPublicKey(secretKey),
    metadata: encodeMetadata(options.metadata),
    random,
    clock,
    initialNonce: initialNonce(options.initialNonce),
    maxMessageSize: maxMessageSize(options.maxMessageSize),
  };
}

function maxMessageSize(value: number | undefined): number {
  if (value === undefined) return Number.POSITIVE_INFINITY;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`"maxMessageSize" expected a non-negative integer, got ${String(value)}`);
  }
  return value;
}

function initialNonce(value: bigint | undefined): bigint {
  if (value === undefined) return FIRST_SHORT_NONCE;
  if (typeof value !== 'bigint') throw new TypeError('"initialNonce" expected a bigint');
  if (value < 1n || value > U64_MAX) throw new RangeError('"initialNonce" expected 1 to 2^64 - 1');
  return value;
}

/** How many long-term key pairs {@link longTermPublicKey} remembers. */
const REMEMBERED_KEYS = 64;
/** The fingerprints' salt, fresh in each process. */
const FINGERPRINT_SALT = secureRandom(16);
const publicKeys = new Map<string, Uint8Array>();

/**
 * The public key of a long-term secret key, derived once per process and key. A client is made
 * per connection, and deriving its public key again each time was a fifth X25519 per handshake
 * (about 20 us with sodium, 550 us with tweetnacl) on top of the four the protocol needs.
 *
 * The key pairs are remembered by a fingerprint of the secret, never the secret itself:
 * HSalsa20 keyed with the secret over a random per-process salt, a PRF whose output reveals
 * nothing of its key (the same function derives XSalsa20's subkeys). Keyed by content, not by
 * array, so a secret changed in place is derived anew.
 */
export function longTermPublicKey(secretKey: Uint8Array): Uint8Array {
  const digest = cryptoBackend().hsalsa20(secretKey, FINGERPRINT_SALT);
  const fingerprint = String.fromCharCode(...digest);
  wipe(digest);
  let publicKey = publicKeys.get(fingerprint);
  if (publicKey === undefined) {
    publicKey = publicKeyFromSecret(secretKey);
    if (publicKeys.size >= REMEMBERED_KEYS) publicKeys.delete(publicKeys.keys().next().value!);
    publicKeys.set(fingerprint, publicKey);
  }
  return publicKey.slice();
}
