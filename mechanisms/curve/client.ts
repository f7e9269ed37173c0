/**
 * The CURVE client (RFC 26): C:HELLO, S:WELCOME, C:INITIATE, S:READY, then MESSAGEs.
 *
 * - HELLO proves nothing about the client: it holds C' and Box[64 × 0](C'->S), so only the
 *   holder of s can answer, and the client's long-term key C never appears in clear (it
 *   travels only inside the INITIATE box).
 * - WELCOME must be exactly 168 bytes and open with (S, c'); S' must be canonical and not of
 *   low order.
 * - READY must open with the session key; its nonce becomes the baseline for the server's
 *   MESSAGE nonces (libzmq).
 * - ERROR while a WELCOME or READY is expected fails with `ERR_PEER_ERROR` and the reason.
 *
 * - With the `x25519` option (an asynchronous X25519 such as WebCrypto's), `start()` and
 *   `receive(WELCOME)` return a step with `pending`: the X25519s run first, then the same
 *   synchronous step as without the option runs on their results, so the wire bytes and every
 *   check are the same. A WELCOME that does not open or names a bad S' never waits: it fails
 *   at once, as without the option.
 *
 * Secrets: c', the HELLO/WELCOME key and the client's copy of c live until INITIATE is made,
 * the session key until the session ends; all are zero-filled then, on failure and on
 * `destroy()`.
 *
 * @module
 */
import { concatBytes, equalBytes, wipe } from '../../src/bytes';
import { open, precompute, publicKeyFromSecret, seal } from '../../src/crypto';
import { precomputeAsync, type AsyncX25519 } from '../../src/crypto/webcrypto';
import {
  decodeMetadata,
  drawRandom,
  Metadata,
  MechanismError,
  peerErrorFrom,
  StateError,
  type Step,
  z85Encode,
} from '../../src';
import {
  commandName,
  encodeHello,
  encodeInitiate,
  HELLO_PLAINTEXT_SIZE,
  KEY_SIZE,
  ownBytes,
  parseReady,
  parseWelcome,
} from './commands';
import { CurveSession } from './session';
import { checkPeerKey } from './peer-key';
import {
  HELLO_PREFIX,
  INITIATE_PREFIX,
  LONG_NONCE_BYTES,
  longNonce,
  MESSAGE_CLIENT_PREFIX,
  MESSAGE_SERVER_PREFIX,
  READY_PREFIX,
  readShortNonce,
  SendCounter,
  shortNonce,
  shortNonceBytes,
  VOUCH_PREFIX,
  WELCOME_PREFIX,
} from './nonces';
import { clientConfig, type ClientConfig, type CurveOptions } from './options';

/** Client states, named by what is expected next. */
export type CurveClientState = 'start' | 'expectWelcome' | 'expectReady' | 'ready';

/** What the asynchronous X25519 computed for HELLO. */
interface HelloKeys {
  readonly transientSecret: Uint8Array;
  readonly transientPublic: Uint8Array;
  readonly helloKey: Uint8Array;
}

/** What the asynchronous X25519 computed for the WELCOME naming `serverTransient`. */
interface WelcomeKeys {
  readonly serverTransient: Uint8Array;
  readonly sessionKey: Uint8Array;
  readonly vouchKey: Uint8Array;
}

/** One CURVE client session. */
export class CurveClient extends CurveSession {
  readonly name = 'CURVE';
  private state: CurveClientState = 'start';
  private readonly config: ClientConfig;
  private readonly counter: SendCounter;
  private transientSecret: Uint8Array | undefined;
  private transientPublic: Uint8Array | undefined;
  /** beforenm(S, c'): opens WELCOME as it sealed HELLO. */
  private helloKey: Uint8Array | undefined;
  /** True while an asynchronous step computes: every call but `destroy()` is out of turn. */
  private computing = false;
  private destroyed = false;
  private helloKeys: HelloKeys | undefined;
  private welcomeKeys: WelcomeKeys | undefined;
  /** Why the asynchronous X25519 failed; the resumed step fails with it. */
  private asyncFailure: unknown;

  /**
   * @throws {@link TypeError} / {@link RangeError} for bad options (see `CurveOptions`)
   */
  constructor(options: CurveOptions) {
    super('client');
    this.config = clientConfig(options);
    this.keep(this.config.secretKey);
    this.counter = new SendCounter(this.config.initialNonce);
  }

  /** The protocol state, named by what is expected next (for tests and logs). */
  get protocolState(): CurveClientState {
    return this.state;
  }

  override start(): Step {
    const x25519 = this.config.x25519;
    this.refuseWhileComputing('start');
    if (x25519 === undefined || this.state !== 'start') return super.start();
    this.computing = true;
    const pending = this.prepareHello(x25519).then(() => this.resume(() => super.start()));
    return { send: [], status: 'handshaking', pending };
  }

  override receive(blob: Uint8Array): Step {
    const x25519 = this.config.x25519;
    this.refuseWhileComputing('receive');
    if (x25519 === undefined || this.state !== 'expectWelcome' || !(blob instanceof Uint8Array)) return super.receive(blob);
    // A copy: the caller may reuse its buffer while the X25519s run.
    const copy = blob.slice();
    let serverTransient: Uint8Array;
    try {
      if (commandName(copy) !== 'WELCOME') return super.receive(copy);
      const plaintext = this.openWelcome(copy);
      serverTransient = plaintext.slice(0, KEY_SIZE);
      wipe(plaintext);
    } catch {
      return super.receive(copy); // fails it as the synchronous client does, before any X25519
    }
    this.computing = true;
    const pending = this.prepareWelcome(x25519, serverTransient).then(() => this.resume(() => super.receive(copy)));
    return { send: [], status: 'handshaking', pending };
  }

  override destroy(): void {
    this.destroyed = true;
    super.destroy();
  }

  protected onStart(): Uint8Array[] {
    this.rethrowAsyncFailure();
    const hello = this.makeHello();
    this.state = 'expectWelcome';
    return [hello];
  }

  protected onReceive(input: Uint8Array): Uint8Array[] {
    const blob = ownBytes(input);
    const name = commandName(blob);
    if (name === 'ERROR') throw peerErrorFrom(blob.subarray(6));
    if (this.state === 'expectWelcome' && name === 'WELCOME') return this.onWelcome(blob);
    if (this.state === 'expectReady' && name === 'READY') return this.onReady(blob);
    throw new MechanismError('ERR_UNEXPECTED_COMMAND', `unexpected ${name ?? 'command'}`, { command: name ?? 'unknown' });
  }

  /** HELLO: version, padding, C', short nonce, Box[64 × 0](C'->S). */
  private makeHello(): Uint8Array {
    const prepared = this.helloKeys;
    this.helloKeys = undefined;
    const transientSecret = prepared?.transientSecret ?? this.keep(drawRandom(this.config.random, KEY_SIZE));
    const transientPublic = prepared?.transientPublic ?? publicKeyFromSecret(transientSecret);
    const helloKey = prepared?.helloKey ?? this.keep(precompute(this.config.serverKey, transientSecret));
    const nonce = this.counter.take('HELLO');
    const box = seal(new Uint8Array(HELLO_PLAINTEXT_SIZE), shortNonce(HELLO_PREFIX, nonce), helloKey);
    this.transientSecret = transientSecret;
    this.transientPublic = transientPublic;
    this.helloKey = helloKey;
    return encodeHello({ clientTransient: transientPublic, nonce: shortNonceBytes(nonce), box });
  }

  /** WELCOME: Box[S' ‖ cookie](S->C'); answered with INITIATE. */
  private onWelcome(blob: Uint8Array): Uint8Array[] {
    const plaintext = this.openWelcome(blob);
    const serverTransient = plaintext.subarray(0, KEY_SIZE);
    this.rethrowAsyncFailure();
    const prepared = this.welcomeKeys;
    this.welcomeKeys = undefined;
    if (prepared !== undefined && !equalBytes(prepared.serverTransient, serverTransient)) {
      throw new StateError('the WELCOME changed while its keys were computed'); // unreachable: a copy is kept
    }
    const sessionKey = prepared?.sessionKey ?? this.keep(precompute(serverTransient, this.transientSecret!));
    const initiate = this.makeInitiate(serverTransient, plaintext.subarray(KEY_SIZE), sessionKey, prepared?.vouchKey);
    wipe(plaintext, this.helloKey, this.transientSecret, this.config.secretKey);
    this.sessionKey = sessionKey;
    this.state = 'expectReady';
    return [initiate];
  }

  /** Opens WELCOME with the HELLO key and checks S'; the plaintext (S' ‖ cookie) is kept for wiping. */
  private openWelcome(blob: Uint8Array): Uint8Array {
    const welcome = parseWelcome(blob);
    const plaintext = this.keep(open(welcome.box, longNonce(WELCOME_PREFIX, welcome.nonce), this.helloKey!, 'WELCOME'));
    checkPeerKey(plaintext.subarray(0, KEY_SIZE), 'WELCOME');
    return plaintext;
  }

  /** INITIATE: cookie, short nonce, Box[C ‖ vouch ‖ metadata](C'->S'). */
  private makeInitiate(serverTransient: Uint8Array, cookie: Uint8Array, sessionKey: Uint8Array, vouchKey?: Uint8Array): Uint8Array {
    const vouch = this.makeVouch(serverTransient, vouchKey);
    const plaintext = concatBytes(this.config.publicKey, vouch, this.config.metadata);
    const nonce = this.counter.take('INITIATE');
    const box = seal(plaintext, shortNonce(INITIATE_PREFIX, nonce), sessionKey);
    return encodeInitiate({ cookie, nonce: shortNonceBytes(nonce), box });
  }

  /** The vouch: nonce16 ‖ Box[C' ‖ S](C->S'). */
  private makeVouch(serverTransient: Uint8Array, vouchKey: Uint8Array | undefined): Uint8Array {
    const nonce = drawRandom(this.config.random, LONG_NONCE_BYTES);
    const key = vouchKey ?? this.keep(precompute(serverTransient, this.config.secretKey));
    const box = seal(concatBytes(this.transientPublic!, this.config.serverKey), longNonce(VOUCH_PREFIX, nonce), key);
    wipe(key);
    return concatBytes(nonce, box);
  }

  /** READY: Box[metadata](S'->C'); the session is ready. */
  private onReady(blob: Uint8Array): Uint8Array[] {
    const ready = parseReady(blob);
    const nonce = readShortNonce(ready.nonce, 0);
    const plaintext = open(ready.box, shortNonce(READY_PREFIX, nonce), this.sessionKey!, 'READY');
    const metadata = decodeMetadata(plaintext);
    this.adoptCodec({
      counter: this.counter,
      sendPrefix: MESSAGE_CLIENT_PREFIX,
      receivePrefix: MESSAGE_SERVER_PREFIX,
      lastReceived: nonce,
      maxMessageSize: this.config.maxMessageSize,
    });
    this.dropHandshakeState();
    this.state = 'ready';
    this.becomeReady({
      mechanism: 'CURVE',
      publicKey: this.config.serverKey.slice(),
      publicKeyZ85: z85Encode(this.config.serverKey),
      metadata,
      authMetadata: Metadata.EMPTY,
    });
    return [];
  }

  /** Forgets the handshake's buffers (already wiped), to keep an established session small. */
  private dropHandshakeState(): void {
    this.transientSecret = undefined;
    this.transientPublic = undefined;
    this.helloKey = undefined;
  }

  /** c' from the random source (as the synchronous client draws it), then C' and the HELLO key. */
  private async prepareHello(x25519: AsyncX25519): Promise<void> {
    try {
      const transientSecret = this.keep(drawRandom(this.config.random, KEY_SIZE));
      const [transientPublic, helloKey] = await settleAll([
        x25519.scalarMultBase(transientSecret),
        precomputeAsync(x25519, this.config.serverKey, transientSecret),
      ], [false, true]);
      this.helloKeys = { transientSecret, transientPublic: transientPublic!, helloKey: this.keep(helloKey!) };
    } catch (error) {
      this.asyncFailure = error;
    }
  }

  /** beforenm(S', c') for the session and beforenm(S', c) for the vouch. */
  private async prepareWelcome(x25519: AsyncX25519, serverTransient: Uint8Array): Promise<void> {
    try {
      const [sessionKey, vouchKey] = await settleAll([
        precomputeAsync(x25519, serverTransient, this.transientSecret!),
        precomputeAsync(x25519, serverTransient, this.config.secretKey),
      ], [true, true]);
      this.welcomeKeys = { serverTransient, sessionKey: this.keep(sessionKey!), vouchKey: this.keep(vouchKey!) };
    } catch (error) {
      this.asyncFailure = error;
    }
  }

  /** Runs the synchronous step on the computed keys, unless the session was destroyed meanwhile. */
  private resume(step: () => Step): Step {
    this.computing = false;
    if (this.destroyed) {
      // destroy() wiped what was kept before it; what arrived later is wiped here.
      wipe(this.helloKeys?.transientSecret, this.helloKeys?.helloKey, this.welcomeKeys?.sessionKey, this.welcomeKeys?.vouchKey);
      this.helloKeys = undefined;
      this.welcomeKeys = undefined;
      throw new StateError('CURVE client: destroyed while an asynchronous step was computing');
    }
    return step();
  }

  private refuseWhileComputing(call: string): void {
    if (this.computing) throw new StateError(`CURVE client: ${call}() not allowed while an asynchronous step is pending`);
  }

  private rethrowAsyncFailure(): void {
    const failure = this.asyncFailure;
    if (failure === undefined) return;
    this.asyncFailure = undefined;
    if (failure instanceof MechanismError) throw failure;
    throw new MechanismError('ERR_KEY_EXCHANGE', 'the asynchronous X25519 failed', { cause: failure });
  }
}

/**
 * Awaits every promise, so that none is left running; when one rejected, the results marked
 * secret are wiped and the first rejection is thrown.
 */
async function settleAll(promises: Promise<Uint8Array>[], secret: boolean[]): Promise<(Uint8Array | undefined)[]> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((result) => result.status === 'rejected');
  if (failed === undefined) return results.map((result) => (result as PromiseFulfilledResult<Uint8Array>).value);
  results.forEach((result, i) => {
    if (result.status === 'fulfilled' && secret[i]) wipe(result.value);
  });
  throw (failed as PromiseRejectedResult).reason;
}
