/**
 * PLAIN (ZMTP 3.x, RFC 24): a user name and password in clear text, checked by the server's
 * decision step. No confidentiality: use it only on a channel that is already secure.
 *
 * ```
 * plain = C:HELLO ( S:WELCOME / S:ERROR ) C:INITIATE ( S:READY / S:ERROR )
 * hello    = %d5 "HELLO" username password     ; each: 1-byte length, then bytes
 * welcome  = %d7 "WELCOME"                      ; nothing else (libzmq requires exactly 8 bytes)
 * initiate = %d8 "INITIATE" metadata
 * ready    = %d5 "READY" metadata
 * ```
 *
 * Like libzmq, the server asks its decision on HELLO: 200 → WELCOME, 300 → silence,
 * 400/500 → ERROR "400"/"500".
 *
 * The user name and password must be well-formed UTF-8 (finding 8 of the security review): a
 * lenient decoder turns every invalid byte into U+FFFD, so `s3cr\xE9t`, `s3cr\x80t` and
 * `s3cr\xFFt` would all reach the authorizer as the same string and match the same password.
 * A HELLO that is not UTF-8 fails with `ERR_MALFORMED_COMMAND` before anyone is asked.
 *
 * @module
 */
import {
  decisionError,
  decodeMetadata,
  encodeCommand,
  encodeError,
  encodeMetadata,
  fromUtf8Strict,
  Metadata,
  MechanismBase,
  MechanismError,
  parseCommand,
  peerErrorFrom,
  utf8,
  wipe,
  type AuthDecision,
  type AuthRequest,
  type DecodedPart,
  type MechanismDefinition,
  type MechanismOptions,
  type PartFlags,
  type Role,
} from '../../src';
import { commandWithMetadataSize, decodePlainPart, encodePlainPart } from '../message-part';

/** Options of the PLAIN mechanism. */
export interface PlainOptions extends MechanismOptions {
  /** Client: the user name (at most 255 bytes of UTF-8). */
  readonly username?: string;
  /** Client: the password (at most 255 bytes of UTF-8). */
  readonly password?: string;
}

/**
 * Options of a PLAIN client: the credentials it sends in HELLO are required in the type, as
 * the client refuses to start without them at run time.
 */
export interface PlainClientOptions extends PlainOptions {
  readonly username: string;
  readonly password: string;
}

/**
 * Options of a PLAIN server: only the common ones. The credentials a client sends are checked
 * by the caller's authorizer, so a server given `username`/`password` is a type error.
 */
export type PlainServerOptions = MechanismOptions;

type PlainState = 'start' | 'expectHello' | 'expectWelcome' | 'expectInitiate' | 'expectReady' | 'ready';

/** One PLAIN session. */
export class PlainMechanism extends MechanismBase {
  readonly name = 'PLAIN';
  private state: PlainState = 'start';
  private readonly metadata: Uint8Array;
  private readonly username: Uint8Array;
  private readonly password: Uint8Array;
  private decision: AuthDecision | undefined;

  constructor(role: Role, options: PlainOptions = {}) {
    super(role);
    this.metadata = encodeMetadata(options.metadata);
    this.username = role === 'client' ? credential(options.username, 'username') : new Uint8Array(0);
    this.password = role === 'client' ? credential(options.password, 'password') : new Uint8Array(0);
  }

  /** The protocol state, named by what is expected next. */
  get protocolState(): PlainState {
    return this.state;
  }

  protected onStart(): Uint8Array[] {
    if (this.role === 'server') {
      this.state = 'expectHello';
      return [];
    }
    this.state = 'expectWelcome';
    return [this.makeHello()];
  }

  protected onReceive(blob: Uint8Array): Uint8Array[] {
    if (this.role === 'client' && isLibzmqPlainError(blob)) throw peerErrorFrom(blob.subarray(LIBZMQ_PLAIN_ERROR.length));
    const { name, body } = parseCommand(blob);
    if (this.role === 'client' && name === 'ERROR') throw peerErrorFrom(body);
    switch (`${this.state}:${name}`) {
      case 'expectHello:HELLO':
        return this.onHello(body);
      case 'expectWelcome:WELCOME':
        return this.onWelcome(body);
      case 'expectInitiate:INITIATE':
        return this.onInitiate(body);
      case 'expectReady:READY':
        return this.onReady(body);
      default:
        throw new MechanismError('ERR_UNEXPECTED_COMMAND', `unexpected ${name}`, { command: name });
    }
  }

  private makeHello(): Uint8Array {
    const body = new Uint8Array(2 + this.username.length + this.password.length);
    body[0] = this.username.length;
    body.set(this.username, 1);
    body[1 + this.username.length] = this.password.length;
    body.set(this.password, 2 + this.username.length);
    wipe(this.password);
    return encodeCommand('HELLO', body);
  }

  /** RFC 24 HELLO: user name and password, nothing after them. */
  private onHello(body: Uint8Array): Uint8Array[] {
    const userLength = body[0];
    const passLengthAt = 1 + (userLength ?? 0);
    const passLength = body[passLengthAt];
    if (userLength === undefined || passLength === undefined || passLengthAt + 1 + passLength !== body.length) {
      throw new MechanismError('ERR_MALFORMED_COMMAND', 'malformed HELLO', { command: 'HELLO' });
    }
    const username = strictUtf8(body.subarray(1, passLengthAt), 'user name');
    const password = strictUtf8(body.subarray(passLengthAt + 1), 'password');
    this.state = 'expectInitiate';
    this.askDecision({ mechanism: 'PLAIN', username, password, metadata: Metadata.EMPTY });
    return [];
  }

  protected override onDecision(decision: AuthDecision, request: AuthRequest): Uint8Array[] {
    if (decision.status !== 200) {
      const error = decisionError(decision, 'HELLO');
      if (decision.status === 300) throw error;
      this.failWith(error, [encodeError(String(decision.status))]);
    }
    // As CZMQ's zauth does, the user id defaults to the user name.
    this.decision = { ...decision, userId: decision.userId ?? request.username };
    return [encodeCommand('WELCOME')];
  }

  /** RFC 24 WELCOME: the name alone. */
  private onWelcome(body: Uint8Array): Uint8Array[] {
    if (body.length !== 0) {
      throw new MechanismError('ERR_MALFORMED_COMMAND', 'malformed WELCOME', { command: 'WELCOME' });
    }
    this.state = 'expectReady';
    return [encodeCommand('INITIATE', this.metadata)];
  }

  /** RFC 24 INITIATE: the client's metadata. */
  private onInitiate(body: Uint8Array): Uint8Array[] {
    const peerMetadata = decodeMetadata(body);
    this.state = 'ready';
    const decision = this.decision!;
    this.becomeReady({
      mechanism: 'PLAIN',
      metadata: peerMetadata,
      authMetadata: Metadata.from(decision.metadata),
      ...(decision.userId === undefined ? {} : { userId: decision.userId }),
    });
    return [encodeCommand('READY', this.metadata)];
  }

  /** RFC 24 READY: the server's metadata. */
  private onReady(body: Uint8Array): Uint8Array[] {
    const peerMetadata = decodeMetadata(body);
    this.state = 'ready';
    this.becomeReady({ mechanism: 'PLAIN', metadata: peerMetadata, authMetadata: Metadata.EMPTY });
    return [];
  }

  protected encodePart(data: Uint8Array, flags: PartFlags): Uint8Array {
    return encodePlainPart(data, flags);
  }

  protected decodePart(blob: Uint8Array, inPlace: boolean): DecodedPart {
    return decodePlainPart(blob, inPlace);
  }

  protected wipeSecrets(): void {
    wipe(this.password);
  }
}

/**
 * libzmq's PLAIN server (4.3.x) writes its ERROR name as the C literal `"\x05ERROR"`, which C
 * reads as the byte 0x5E followed by `RROR`: the command arrives as `5E 52 52 4F 52 <len>
 * <reason>`. A client accepts that spelling too, so a refusal by libzmq reads as the refusal it
 * is (ERR_PEER_ERROR with its status) rather than as a malformed command.
 */
const LIBZMQ_PLAIN_ERROR = new Uint8Array([0x5e, 0x52, 0x52, 0x4f, 0x52]);

function isLibzmqPlainError(blob: Uint8Array): boolean {
  return blob.length > LIBZMQ_PLAIN_ERROR.length && LIBZMQ_PLAIN_ERROR.every((byte, i) => blob[i] === byte);
}

function strictUtf8(bytes: Uint8Array, what: string): string {
  try {
    return fromUtf8Strict(bytes);
  } catch {
    throw new MechanismError('ERR_MALFORMED_COMMAND', `malformed HELLO: the ${what} is not valid UTF-8`, { command: 'HELLO' });
  }
}

/** A lone surrogate, which UTF-8 cannot carry (an encoder would send U+FFFD in its place). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function credential(value: unknown, name: string): Uint8Array {
  if (typeof value !== 'string') throw new TypeError(`"${name}" expected a string`);
  if (LONE_SURROGATE.test(value)) throw new RangeError(`"${name}" holds a lone surrogate, which UTF-8 cannot carry`);
  const bytes = utf8(value);
  if (bytes.length > 255) throw new RangeError(`"${name}" is longer than 255 bytes`);
  return bytes;
}

/** The PLAIN definition for the registry. */
export const PLAIN: MechanismDefinition<PlainClientOptions, PlainServerOptions, 'PLAIN'> = {
  name: 'PLAIN',
  // No security layer (RFC 24); INITIATE with the most metadata outgrows HELLO's 518 bytes.
  wire: { parts: 'flagged', roles: true, maxHandshakeSize: commandWithMetadataSize('INITIATE') },
  client: (options) => new PlainMechanism('client', options),
  server: (options) => () => new PlainMechanism('server', options),
};
