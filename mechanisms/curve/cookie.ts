/**
 * The endpoint-wide cookie key ring that keeps a CURVE server stateless between WELCOME and
 * INITIATE (RFC 26 WELCOME; CurveCP "minute keys").
 *
 * - A cookie is `nonce16 ‖ secretbox(C' ‖ s', "COOKIE--" ‖ nonce16, K)`: 96 bytes that carry
 *   back everything the server needs, so a session keeps nothing about its client after WELCOME.
 * - The key K rotates: a key seals cookies for `lifetimeMs` after it was made, and opens them
 *   until `2 × lifetimeMs` after it was made. A cookie therefore lives between one and two
 *   lifetimes (60 to 120 s by default), then it no longer opens (`ERR_DECRYPT`). Keys are
 *   retired, and zero-filled, when the ring is next used after their time (there are no
 *   timers). A clock that goes backwards retires every key (fail closed).
 * - A bounded record of the cookies already used rejects a replayed INITIATE while its cookie
 *   still opens (`ERR_REPLAY`). When the record is full, the oldest entries are dropped
 *   together with the keys that made them, so a dropped cookie can never open again: the
 *   record never forgets a cookie that would still be accepted.
 * - The record is filled before the authorizer is asked, so anyone who completes handshakes
 *   fills it (and a busy server does, above about 1,100 handshakes a second by default). So
 *   that an overflow never retires the key that is sealing, which would fail every handshake in
 *   flight (finding 6 of the security review), the sealing key is retired from sealing early
 *   once its own cookies fill more than half of the record: the previous key and its entries
 *   go, the sealing key becomes the previous one (it still opens), and a new key seals. The
 *   sealing key's share then stays at most half, so an overflow retires only a key that no
 *   longer seals. Either event is reported to `onRotated` (see {@link CookieKeyRotation}).
 *
 * @module
 */
import { wipe } from '../../src/bytes';
import { open, seal } from '../../src/crypto';
import { drawRandom, MechanismError, StateError, type RandomSource } from '../../src';
import { COOKIE_SIZE, KEY_SIZE } from './commands';
import { COOKIE_PREFIX, LONG_NONCE_BYTES, longNonce } from './nonces';

/** Default time a cookie key seals cookies, in milliseconds (RFC 26's "for example 60 seconds"). */
export const DEFAULT_COOKIE_KEY_LIFETIME_MS = 60_000;
/** Default number of used cookies remembered. */
export const DEFAULT_REPLAY_RECORD_SIZE = 65_536;

/**
 * A cookie key was retired before its time because of the replay record:
 * - `'replay-record'`: the sealing key's cookies filled more than half of the record, so it
 *   stopped sealing early (it still opens); the key before it, if any, was retired, and
 *   handshakes still holding one of its cookies fail with `ERR_DECRYPT`.
 * - `'overflow'`: the record overflowed and the oldest key that opens was retired with its
 *   entries (never the sealing key).
 */
export interface CookieKeyRotation {
  readonly reason: 'replay-record' | 'overflow';
  /** The generation of the key that stopped sealing (`'replay-record'`) or was retired (`'overflow'`). */
  readonly generation: number;
  /** How many used cookies the record holds after the change. */
  readonly recorded: number;
}

/** Options of a {@link CookieKeyRing}. */
export interface CookieKeyRingOptions {
  readonly random: RandomSource;
  readonly clock: () => number;
  readonly lifetimeMs: number;
  readonly replayRecordSize: number;
  /**
   * Told of every early rotation and overflow, synchronously, after the ring is consistent.
   * An exception it throws is not the handshake's fault, so it is ignored.
   */
  readonly onRotated?: (rotation: CookieKeyRotation) => void;
}

/** What a cookie carries back. Fresh arrays: the caller wipes them. */
export interface CookieContents {
  /** C', the client's transient public key. */
  readonly clientTransient: Uint8Array;
  /** s', the server's transient secret key. */
  readonly serverTransientSecret: Uint8Array;
  /** The generation of the key that sealed it, for {@link CookieKeyRing.claim}. */
  readonly generation: number;
}

interface CookieKey {
  readonly key: Uint8Array;
  readonly created: number;
  readonly generation: number;
}

/** Cookie keys and the replay record of one listening endpoint. */
export class CookieKeyRing {
  private readonly options: CookieKeyRingOptions;
  private current: CookieKey | undefined;
  private previous: CookieKey | undefined;
  private generations = 0;
  private closed = false;
  /** Used cookies, by cookie nonce, with the generation of the key that sealed them. */
  private readonly used = new Map<string, number>();
  /** How many entries of {@link used} the sealing key made. */
  private usedByCurrent = 0;

  constructor(options: CookieKeyRingOptions) {
    this.options = options;
  }

  /**
   * Makes a cookie for C' and s', with the current key (made now if there is none).
   *
   * @throws {@link MechanismError} `ERR_RANDOM_FAILED` when the random source fails
   */
  seal(clientTransient: Uint8Array, serverTransientSecret: Uint8Array): Uint8Array {
    const key = this.sealingKey();
    const nonce = drawRandom(this.options.random, LONG_NONCE_BYTES);
    const plaintext = new Uint8Array(2 * KEY_SIZE);
    plaintext.set(clientTransient);
    plaintext.set(serverTransientSecret, KEY_SIZE);
    const boxed = seal(plaintext, longNonce(COOKIE_PREFIX, nonce), key.key);
    wipe(plaintext);
    const cookie = new Uint8Array(COOKIE_SIZE);
    cookie.set(nonce);
    cookie.set(boxed, LONG_NONCE_BYTES);
    return cookie;
  }

  /**
   * Opens a cookie with the current or the previous key. Changes nothing.
   *
   * @throws {@link MechanismError} `ERR_DECRYPT` when neither opens it (forged, tampered,
   *   expired, or from another endpoint)
   */
  open(cookie: Uint8Array): CookieContents {
    this.rotate();
    const nonce = longNonce(COOKIE_PREFIX, cookie.subarray(0, LONG_NONCE_BYTES));
    const boxed = cookie.subarray(LONG_NONCE_BYTES);
    for (const candidate of [this.current, this.previous]) {
      if (candidate === undefined) continue;
      let plaintext: Uint8Array;
      try {
        plaintext = open(boxed, nonce, candidate.key, 'INITIATE');
      } catch (error) {
        if (error instanceof MechanismError) continue;
        throw error;
      }
      const contents = {
        clientTransient: plaintext.slice(0, KEY_SIZE),
        serverTransientSecret: plaintext.slice(KEY_SIZE),
        generation: candidate.generation,
      };
      wipe(plaintext);
      return contents;
    }
    throw new MechanismError('ERR_DECRYPT', 'message authentication failed', { command: 'INITIATE' });
  }

  /**
   * Records that `cookie` (opened by {@link open} with key `generation`) was used.
   *
   * @throws {@link MechanismError} `ERR_REPLAY` when it was already used
   */
  claim(cookie: Uint8Array, generation: number): void {
    // A flat 16-character string: about 84 bytes a record entry, where a hex string built by
    // concatenation is a rope of 16 pieces (about 650 bytes).
    const id = String.fromCharCode(...cookie.subarray(0, LONG_NONCE_BYTES));
    if (this.used.has(id)) {
      throw new MechanismError('ERR_REPLAY', 'INITIATE replayed: its cookie was already used', { command: 'INITIATE' });
    }
    this.used.set(id, generation);
    if (generation === this.current?.generation) this.usedByCurrent++;
    if (2 * this.usedByCurrent > this.options.replayRecordSize) this.stopSealingEarly();
    if (this.used.size > this.options.replayRecordSize) {
      const oldest = this.oldestUsedGeneration();
      this.retireThrough(oldest);
      this.report({ reason: 'overflow', generation: oldest, recorded: this.used.size });
    }
  }

  /**
   * Wipes both keys and forgets the record, for good: cookies made before no longer open, and
   * sealing a new one throws a `StateError`. Called when the endpoint closes.
   */
  close(): void {
    this.closed = true;
    this.retireThrough(this.generations);
  }

  /**
   * Throws once {@link close} was called, before a HELLO is worked on with keys that are gone.
   *
   * @throws {@link StateError} when the endpoint was closed
   */
  assertOpen(): void {
    if (this.closed) throw new StateError('the CURVE server endpoint was closed: its cookie keys are gone');
  }

  private sealingKey(): CookieKey {
    this.assertOpen();
    this.rotate();
    if (this.current === undefined) {
      const key = drawRandom(this.options.random, KEY_SIZE);
      this.current = { key, created: this.now(), generation: ++this.generations };
    }
    return this.current;
  }

  /** Retires keys by age: the current one stops sealing, the previous one stops opening. */
  private rotate(): void {
    const now = this.now();
    const { lifetimeMs } = this.options;
    if (this.current !== undefined && !isYounger(this.current, now, lifetimeMs)) this.demoteCurrent();
    if (this.previous !== undefined && !isYounger(this.previous, now, 2 * lifetimeMs)) {
      this.retireThrough(this.previous.generation);
    }
  }

  /** The current key stops sealing and becomes the previous one; the previous one is retired. */
  private demoteCurrent(): void {
    if (this.previous !== undefined) this.retireThrough(this.previous.generation);
    this.previous = this.current;
    this.current = undefined;
    this.usedByCurrent = 0;
  }

  private stopSealingEarly(): void {
    const generation = this.current!.generation;
    this.demoteCurrent();
    this.report({ reason: 'replay-record', generation, recorded: this.used.size });
  }

  private report(rotation: CookieKeyRotation): void {
    try {
      this.options.onRotated?.(rotation);
    } catch {
      // An observer's fault must not fail the handshake that happened to trigger the rotation.
    }
  }

  /** Drops every key of generation `generation` or older and the record entries they made. */
  private retireThrough(generation: number): void {
    if (this.previous !== undefined && this.previous.generation <= generation) {
      this.drop(this.previous);
      this.previous = undefined;
    }
    if (this.current !== undefined && this.current.generation <= generation) {
      this.drop(this.current);
      this.current = undefined;
      this.usedByCurrent = 0;
    }
    for (const [id, made] of this.used) if (made <= generation) this.used.delete(id);
  }

  private oldestUsedGeneration(): number {
    let oldest = Infinity;
    for (const made of this.used.values()) oldest = Math.min(oldest, made);
    return oldest;
  }

  private drop(key: CookieKey | undefined): void {
    if (key !== undefined) wipe(key.key);
  }

  private now(): number {
    const now = this.options.clock();
    if (typeof now !== 'number' || Number.isNaN(now)) throw new TypeError('"clock" returned a value that is not a number');
    return now;
  }
}

/** True when `key` was made less than `limitMs` ago, and not in the future. */
function isYounger(key: CookieKey, now: number, limitMs: number): boolean {
  return now >= key.created && now - key.created < limitMs;
}
