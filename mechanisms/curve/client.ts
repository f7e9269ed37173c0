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
 * Secrets: c', the HELLO/WELCOME key and the client's copy of c live until INITIATE is made,
 * the session key until the session ends; all are zero-filled then, on failure and on
 * `destroy()`.
 *
 * @module
 */
import { concatBytes, wipe } from '../../src/bytes';
import { open, precompute, publicKeyFromSecret, seal } from '../../src/crypto';
import {
  decodeMetadata,
  drawRandom,
  Metadata,
  MechanismError,
  peerErrorFrom,
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

  protected onStart(): Uint8Array[] {
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
    const transientSecret = this.keep(drawRandom(this.config.random, KEY_SIZE));
    const transientPublic = publicKeyFromSecret(transientSecret);
    const helloKey = this.keep(precompute(this.config.serverKey, transientSecret));
    const nonce = this.counter.take('HELLO');
    const box = seal(new Uint8Array(HELLO_PLAINTEXT_SIZE), shortNonce(HELLO_PREFIX, nonce), helloKey);
    this.transientSecret = transientSecret;
    this.transientPublic = transientPublic;
    this.helloKey = helloKey;
    return encodeHello({ clientTransient: transientPublic, nonce: shortNonceBytes(nonce), box });
  }

  /** WELCOME: Box[S' ‖ cookie](S->C'); answered with INITIATE. */
  private onWelcome(blob: Uint8Array): Uint8Array[] {
    const welcome = parseWelcome(blob);
    const plaintext = this.keep(open(welcome.box, longNonce(WELCOME_PREFIX, welcome.nonce), this.helloKey!, 'WELCOME'));
    const serverTransient = plaintext.subarray(0, KEY_SIZE);
    checkPeerKey(serverTransient, 'WELCOME');
    const sessionKey = this.keep(precompute(serverTransient, this.transientSecret!));
    const initiate = this.makeInitiate(serverTransient, plaintext.subarray(KEY_SIZE), sessionKey);
    wipe(plaintext, this.helloKey, this.transientSecret, this.config.secretKey);
    this.sessionKey = sessionKey;
    this.state = 'expectReady';
    return [initiate];
  }

  /** INITIATE: cookie, short nonce, Box[C ‖ vouch ‖ metadata](C'->S'). */
  private makeInitiate(serverTransient: Uint8Array, cookie: Uint8Array, sessionKey: Uint8Array): Uint8Array {
    const vouch = this.makeVouch(serverTransient);
    const plaintext = concatBytes(this.config.publicKey, vouch, this.config.metadata);
    const nonce = this.counter.take('INITIATE');
    const box = seal(plaintext, shortNonce(INITIATE_PREFIX, nonce), sessionKey);
    return encodeInitiate({ cookie, nonce: shortNonceBytes(nonce), box });
  }

  /** The vouch: nonce16 ‖ Box[C' ‖ S](C->S'). */
  private makeVouch(serverTransient: Uint8Array): Uint8Array {
    const nonce = drawRandom(this.config.random, LONG_NONCE_BYTES);
    const key = this.keep(precompute(serverTransient, this.config.secretKey));
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
}
