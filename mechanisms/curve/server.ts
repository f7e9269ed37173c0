/**
 * The CURVE server (RFC 26): C:HELLO, S:WELCOME, C:INITIATE, S:READY or S:ERROR, then MESSAGEs.
 *
 * - Stateless until a valid INITIATE: HELLO is answered with a WELCOME whose cookie carries
 *   C' and s' sealed with the endpoint's cookie key (see `./cookie.ts`); the session then keeps
 *   nothing about its client, and s' exists outside the cookie box only while HELLO and
 *   INITIATE are processed.
 * - Anti-amplification: before a valid INITIATE the server sends nothing but one 168-byte
 *   WELCOME in answer to one 200-byte HELLO; anything malformed is met with silence.
 * - INITIATE is checked in this order: size, cookie (current or previous key), box, vouch
 *   (both halves, C' and S: stricter than libzmq, which checks C' only), metadata, and the
 *   replay record. Only then does the session commit anything and ask the decision step
 *   with C (32 bytes and Z85), the client's metadata and `mechanism: 'CURVE'`.
 * - Decision 200 → READY (user id defaults to C in Z85); 400/500 → ERROR "400"/"500";
 *   300 → silent failure (libzmq). A bad MESSAGE never gets an ERROR.
 *
 * @module
 */
import { equalBytes, isAllZero, wipe } from '../../src/bytes';
import { forgetSecretKey, open, precompute, publicKeyFromSecret, seal } from '../../src/crypto';
import {
  decisionError,
  decodeMetadata,
  drawRandom,
  encodeError,
  Metadata,
  MechanismError,
  z85Encode,
  type AuthDecision,
} from '../../src';
import {
  commandName,
  encodeReady,
  encodeWelcome,
  HELLO_PLAINTEXT_SIZE,
  INITIATE_PLAINTEXT_FIXED,
  KEY_SIZE,
  malformed,
  ownBytes,
  parseHello,
  parseInitiate,
  WELCOME_PLAINTEXT_SIZE,
  type Initiate,
} from './commands';
import { CookieKeyRing, type CookieContents } from './cookie';
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
import { serverConfig, type CurveOptions, type ServerConfig } from './options';

/** Server states, named by what is expected next. */
export type CurveServerState = 'start' | 'expectHello' | 'expectInitiate' | 'expectDecision' | 'ready';

/** What the sessions of one listening endpoint share: its keys, options and cookie key ring. */
export interface CurveServerEndpoint {
  readonly config: ServerConfig;
  readonly cookies: CookieKeyRing;
  /**
   * Wipes the cookie keys and the endpoint's copy of the long-term secret key s (finding 9 of
   * the security review: it used to live on in the closed endpoint, which the application may
   * keep), and drops what the crypto backend derived from s. Sessions already established go
   * on: they no longer need s.
   */
  close(): void;
}

/**
 * Validates the options once and returns the endpoint state its sessions share.
 *
 * @throws {@link TypeError} / {@link RangeError} for bad options (see `CurveOptions`)
 */
export function curveServerEndpoint(options: CurveOptions): CurveServerEndpoint {
  const config = serverConfig(options);
  const cookies = new CookieKeyRing({
    random: config.random,
    clock: config.clock,
    lifetimeMs: config.cookieKeyLifetimeMs,
    replayRecordSize: config.replayRecordSize,
    onRotated: config.onCookieKeyRotated,
  });
  const close = (): void => {
    cookies.close();
    forgetSecretKey(config.secretKey);
    wipe(config.secretKey);
  };
  return { config, cookies, close };
}

/** What a valid INITIATE established, kept until the decision. */
interface Initiated {
  readonly clientKey: Uint8Array;
  readonly metadata: Metadata;
  readonly nonce: bigint;
}

/** One CURVE server session (one connection). */
export class CurveServer extends CurveSession {
  readonly name = 'CURVE';
  private state: CurveServerState = 'start';
  private readonly endpoint: CurveServerEndpoint;
  private readonly counter: SendCounter;
  private initiated: Initiated | undefined;

  /** Sessions are made by `CURVE.server(options)()`, which shares `endpoint` among them. */
  constructor(endpoint: CurveServerEndpoint) {
    super('server');
    this.endpoint = endpoint;
    this.counter = new SendCounter(endpoint.config.initialNonce);
  }

  /** The protocol state, named by what is expected next (for tests and logs). */
  get protocolState(): CurveServerState {
    return this.state;
  }

  protected onStart(): Uint8Array[] {
    this.state = 'expectHello';
    return [];
  }

  protected onReceive(input: Uint8Array): Uint8Array[] {
    const blob = ownBytes(input);
    const name = commandName(blob);
    if (this.state === 'expectHello' && name === 'HELLO') return this.onHello(blob);
    if (this.state === 'expectInitiate' && name === 'INITIATE') return this.onInitiate(blob);
    throw new MechanismError('ERR_UNEXPECTED_COMMAND', `unexpected ${name ?? 'command'}`, { command: name ?? 'unknown' });
  }

  /** HELLO: the box must open with (C', s) and hold 64 zero bytes. */
  private onHello(blob: Uint8Array): Uint8Array[] {
    const hello = parseHello(blob);
    checkPeerKey(hello.clientTransient, 'HELLO');
    this.endpoint.cookies.assertOpen();
    // s is the one secret used by every handshake: the backend may keep what it derives from it.
    const helloKey = this.keep(precompute(hello.clientTransient, this.endpoint.config.secretKey, 'long-term'));
    const nonce = readShortNonce(hello.nonce, 0);
    const signature = open(hello.box, shortNonce(HELLO_PREFIX, nonce), helloKey, 'HELLO');
    if (signature.length !== HELLO_PLAINTEXT_SIZE || !isAllZero(signature)) {
      throw malformed('HELLO', 'the signature box does not hold 64 zero bytes');
    }
    const welcome = this.makeWelcome(hello.clientTransient, helloKey);
    wipe(helloKey);
    this.state = 'expectInitiate';
    return [welcome];
  }

  /** WELCOME: nonce16 ‖ Box[S' ‖ cookie](S->C'), sealed with the key that opened HELLO. */
  private makeWelcome(clientTransient: Uint8Array, helloKey: Uint8Array): Uint8Array {
    const { random } = this.endpoint.config;
    const transientSecret = this.keep(drawRandom(random, KEY_SIZE));
    const plaintext = new Uint8Array(WELCOME_PLAINTEXT_SIZE);
    plaintext.set(publicKeyFromSecret(transientSecret));
    plaintext.set(this.endpoint.cookies.seal(clientTransient, transientSecret), KEY_SIZE);
    wipe(transientSecret);
    const nonce = drawRandom(random, LONG_NONCE_BYTES);
    return encodeWelcome({ nonce, box: seal(plaintext, longNonce(WELCOME_PREFIX, nonce), helloKey) });
  }

  /** INITIATE: cookie, box and vouch; then the decision is asked. */
  private onInitiate(blob: Uint8Array): Uint8Array[] {
    const initiate = parseInitiate(blob);
    const cookie = this.endpoint.cookies.open(initiate.cookie);
    this.keep(cookie.serverTransientSecret);
    const sessionKey = this.keep(precompute(cookie.clientTransient, cookie.serverTransientSecret));
    const { nonce, plaintext } = this.openInitiate(initiate, sessionKey);
    const clientKey = plaintext.slice(0, KEY_SIZE);
    this.checkVouch(plaintext.subarray(KEY_SIZE, INITIATE_PLAINTEXT_FIXED), clientKey, cookie);
    wipe(cookie.serverTransientSecret);
    const metadata = decodeMetadata(plaintext.subarray(INITIATE_PLAINTEXT_FIXED));
    this.endpoint.cookies.claim(initiate.cookie, cookie.generation);
    this.sessionKey = sessionKey;
    this.initiated = { clientKey, metadata, nonce };
    this.state = 'expectDecision';
    this.askDecision({ mechanism: 'CURVE', publicKey: clientKey.slice(), publicKeyZ85: z85Encode(clientKey), metadata });
    return [];
  }

  private openInitiate(initiate: Initiate, sessionKey: Uint8Array): { nonce: bigint; plaintext: Uint8Array } {
    const nonce = readShortNonce(initiate.nonce, 0);
    const plaintext = open(initiate.box, shortNonce(INITIATE_PREFIX, nonce), sessionKey, 'INITIATE');
    return { nonce, plaintext };
  }

  /**
   * The vouch nonce16 ‖ Box[C' ‖ S](C->S') must open with (C, s') and name both the C' of the
   * cookie and this server's S.
   *
   * @throws {@link MechanismError} `ERR_INVALID_KEY` (C not canonical or of low order), `ERR_DECRYPT` (the
   *   vouch does not open: C's owner did not make it), `ERR_KEY_EXCHANGE` (wrong C' or S)
   */
  private checkVouch(vouch: Uint8Array, clientKey: Uint8Array, cookie: CookieContents): void {
    checkPeerKey(clientKey, 'INITIATE');
    const key = this.keep(precompute(clientKey, cookie.serverTransientSecret));
    const nonce = longNonce(VOUCH_PREFIX, vouch.subarray(0, LONG_NONCE_BYTES));
    const plaintext = open(vouch.subarray(LONG_NONCE_BYTES), nonce, key, 'INITIATE');
    wipe(key);
    const vouchesTransient = equalBytes(plaintext.subarray(0, KEY_SIZE), cookie.clientTransient);
    const vouchesServer = equalBytes(plaintext.subarray(KEY_SIZE), this.endpoint.config.publicKey);
    if (!vouchesTransient || !vouchesServer) {
      throw new MechanismError('ERR_KEY_EXCHANGE', 'the vouch does not bind the transient key to this server', {
        command: 'INITIATE',
      });
    }
  }

  protected override onDecision(decision: AuthDecision): Uint8Array[] {
    if (decision.status !== 200) {
      const error = decisionError(decision, 'INITIATE');
      if (decision.status === 300) throw error;
      this.failWith(error, [encodeError(String(decision.status))]);
    }
    return [this.makeReady(decision)];
  }

  /** READY: short nonce, Box[metadata](S'->C'); the session is ready. */
  private makeReady(decision: AuthDecision): Uint8Array {
    const { clientKey, metadata, nonce: lastReceived } = this.initiated!;
    this.dropHandshakeState();
    const nonce = this.counter.take('READY');
    const box = seal(this.endpoint.config.metadata, shortNonce(READY_PREFIX, nonce), this.sessionKey!);
    this.adoptCodec({
      counter: this.counter,
      sendPrefix: MESSAGE_SERVER_PREFIX,
      receivePrefix: MESSAGE_CLIENT_PREFIX,
      lastReceived,
      maxMessageSize: this.endpoint.config.maxMessageSize,
    });
    const publicKeyZ85 = z85Encode(clientKey);
    this.state = 'ready';
    this.becomeReady({
      mechanism: 'CURVE',
      publicKey: clientKey,
      publicKeyZ85,
      userId: decision.userId ?? publicKeyZ85,
      metadata,
      authMetadata: Metadata.from(decision.metadata),
    });
    return encodeReady({ nonce: shortNonceBytes(nonce), box });
  }

  /**
   * Forgets what only the handshake needed, to keep an established session small: the
   * `initiated` record (its fields live on in the codec and the peer identity). The wiped
   * secrets go when the codec takes the session key ({@link adoptCodec}).
   */
  private dropHandshakeState(): void {
    this.initiated = undefined;
  }
}
