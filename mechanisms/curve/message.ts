/**
 * The MESSAGE codec both sides use once ready (RFC 26 MESSAGE; libzmq `curve_encoding_t`).
 *
 * ```
 * message = %d7 "MESSAGE" nonce8 box     ; box = Box[flags ‖ payload](sender' -> receiver')
 * ```
 *
 * - The box is sealed with the precomputed session key, in place in the outgoing command; the
 *   nonce is the sender's prefix (`CurveZMQMESSAGEC` from the client, `CurveZMQMESSAGES` from
 *   the server) ‖ its counter, written in place into a buffer kept for the session.
 * - Inner flags: bit 0 MORE, bit 1 COMMAND (libzmq carries ZMTP 3.1 PING, PONG, SUBSCRIBE and
 *   CANCEL this way). Bits 2-7 are sent as zero and a MESSAGE with any of them set is rejected
 *   (`ERR_MALFORMED_COMMAND`), as RFC 26 requires ("MUST be zero"); libzmq masks them instead,
 *   but never sets them, so this is stricter without breaking interop.
 * - A received nonce must be strictly greater than the last accepted one (gaps allowed). The
 *   nonce is committed only after the box opened and the flags are valid, so a rejected MESSAGE
 *   leaves the codec exactly as it was.
 *
 * @module
 */
import { viewOf, writeU64BE } from '../../src/bytes';
import { open, sealInto } from '../../src/crypto';
import { isCommand, MechanismError, type DecodedPart, type PartFlags } from '../../src';
import { commandName, malformed, MESSAGE_MIN_SIZE, TAG_SIZE } from './commands';
import { checkIncreasing, NONCE_BYTES, type SendCounter } from './nonces';

/** Flags bit: more parts of the same message follow. */
export const FLAG_MORE = 0x01;
/** Flags bit: the part is a ZMTP command (libzmq). */
export const FLAG_COMMAND = 0x02;

const HEADER = Uint8Array.from('\x07MESSAGE', (c) => c.charCodeAt(0));
const HEADER_SIZE = HEADER.length + 8;
const PREFIX_SIZE = 16;

/** What a {@link MessageCodec} is built from at the end of the handshake. */
export interface MessageCodecInit {
  /** The precomputed key K = beforenm(peer', own'); the session that owns it wipes it. */
  readonly key: Uint8Array;
  /** The side's send counter, continued from its handshake commands. */
  readonly counter: SendCounter;
  /** The 16-byte prefix of the nonces this side sends. */
  readonly sendPrefix: Uint8Array;
  /** The 16-byte prefix of the nonces this side receives. */
  readonly receivePrefix: Uint8Array;
  /** The last nonce received from the peer: INITIATE's (server) or READY's (client). */
  readonly lastReceived: bigint;
  /** The largest part accepted from the peer, in bytes. */
  readonly maxMessageSize: number;
}

/** Encodes and decodes MESSAGE commands for one session. */
export class MessageCodec {
  private readonly key: Uint8Array;
  private readonly counter: SendCounter;
  private readonly sendNonce = new Uint8Array(NONCE_BYTES);
  private readonly receiveNonce = new Uint8Array(NONCE_BYTES);
  private lastReceived: bigint;
  private readonly maxMessageSize: number;

  constructor(init: MessageCodecInit) {
    this.key = init.key;
    this.counter = init.counter;
    this.sendNonce.set(init.sendPrefix);
    this.receiveNonce.set(init.receivePrefix);
    this.lastReceived = init.lastReceived;
    this.maxMessageSize = init.maxMessageSize;
  }

  /**
   * Seals one part into a MESSAGE command.
   *
   * @throws {@link MechanismError} `ERR_NONCE_EXHAUSTED` when 2^64 - 1 was already used
   */
  encode(data: Uint8Array, flags: PartFlags): Uint8Array {
    const nonce = this.counter.take('MESSAGE');
    writeU64BE(this.sendNonce, PREFIX_SIZE, nonce);
    // One buffer for the whole command: the plaintext is laid out where its ciphertext goes
    // and sealed in place, so the part is copied once.
    const out = new Uint8Array(MESSAGE_MIN_SIZE + data.length);
    out.set(HEADER);
    out.set(this.sendNonce.subarray(PREFIX_SIZE), HEADER.length);
    const plaintextAt = HEADER_SIZE + TAG_SIZE;
    out[plaintextAt] = (flags.more ? FLAG_MORE : 0) | (flags.command ? FLAG_COMMAND : 0);
    out.set(data, plaintextAt + 1);
    sealInto(out, HEADER_SIZE, out.subarray(plaintextAt), this.sendNonce, this.key);
    return out;
  }

  /**
   * Opens one MESSAGE command. Leaves the codec unchanged when it throws.
   *
   * @returns the part; `data` is a view into a fresh buffer that nothing else references
   * @throws {@link MechanismError} `ERR_MALFORMED_COMMAND` (structure, size under 33, reserved
   *   flag bits), `ERR_UNEXPECTED_COMMAND` (another command), `ERR_MESSAGE_TOO_LARGE` (part over
   *   the limit, checked before decryption), `ERR_INVALID_SEQUENCE` (nonce not greater than the
   *   last), `ERR_DECRYPT` (forged, tampered or reflected)
   */
  decode(blob: Uint8Array): DecodedPart {
    if (!isCommand(blob, 'MESSAGE')) throw notMessage(blob);
    if (blob.length < MESSAGE_MIN_SIZE) throw malformed('MESSAGE', `size ${blob.length} is under ${MESSAGE_MIN_SIZE}`);
    if (blob.length - MESSAGE_MIN_SIZE > this.maxMessageSize) {
      throw new MechanismError('ERR_MESSAGE_TOO_LARGE', `MESSAGE part over ${this.maxMessageSize} bytes`, { command: 'MESSAGE' });
    }
    const nonce = viewOf(blob).getBigUint64(HEADER.length, false);
    checkIncreasing(nonce, this.lastReceived);
    this.receiveNonce.set(blob.subarray(HEADER.length, HEADER_SIZE), PREFIX_SIZE);
    const plaintext = open(blob.subarray(HEADER_SIZE), this.receiveNonce, this.key, 'MESSAGE');
    const flags = plaintext[0]!;
    if ((flags & ~(FLAG_MORE | FLAG_COMMAND)) !== 0) throw malformed('MESSAGE', 'reserved flag bits are set');
    this.lastReceived = nonce;
    return { data: plaintext.subarray(1), more: (flags & FLAG_MORE) !== 0, command: (flags & FLAG_COMMAND) !== 0 };
  }
}

/** The error for a blob that is not a MESSAGE: malformed framing, or another command. */
function notMessage(blob: Uint8Array): MechanismError {
  const name = commandName(blob) ?? 'unknown';
  return new MechanismError('ERR_UNEXPECTED_COMMAND', `unexpected ${name} after the handshake`, { command: name });
}
