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
import { KEY_BYTES, open, openInto, sealPartInto } from '../../src/crypto';
import { isCommand, MechanismError, type DecodedPart, type TunedPartFlags } from '../../src';
import { commandName, malformed, MESSAGE_MIN_SIZE, TAG_SIZE } from './commands';
import { NONCE_BYTES, ReceivedNonce, type SendCounter } from './nonces';

/** Flags bit: more parts of the same message follow. */
export const FLAG_MORE = 0x01;
/** Flags bit: the part is a ZMTP command (libzmq). */
export const FLAG_COMMAND = 0x02;

const HEADER = Uint8Array.from('\x07MESSAGE', (c) => c.charCodeAt(0));
const HEADER_SIZE = HEADER.length + 8;
const PREFIX_SIZE = 16;
const PLAINTEXT_AT = HEADER_SIZE + TAG_SIZE;

/** Frames up to this size come from a shared slab (see {@link allocFrame}). */
const SLAB_FRAME_MAX = 8 * 1024;
const SLAB_BYTES = 64 * 1024;
let slab = new ArrayBuffer(SLAB_BYTES);
let slabOffset = 0;

/** What a {@link MessageCodec} is built from at the end of the handshake. */
export interface MessageCodecInit {
  /** The precomputed key K = beforenm(peer', own'), copied into the codec (see {@link MessageCodec.key}). */
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
  /**
   * The session key, in the codec's own buffer: the session wipes it (and only it) when it
   * ends, and wipes the key it was given as soon as the codec exists.
   */
  readonly key: Uint8Array;
  private readonly counter: SendCounter;
  private readonly sendNonce: Uint8Array;
  private readonly receiveNonce: Uint8Array;
  private readonly lastReceived: ReceivedNonce;
  private readonly maxMessageSize: number;

  /** Copies `init.key`: the caller wipes its own copy. */
  constructor(init: MessageCodecInit) {
    // Key and both nonces share one buffer: a session lives long, and each typed array that
    // native code has seen holds a backing store of its own (about 150 B of heap each).
    const state = new ArrayBuffer(KEY_BYTES + 2 * NONCE_BYTES);
    this.key = new Uint8Array(state, 0, KEY_BYTES);
    this.sendNonce = new Uint8Array(state, KEY_BYTES, NONCE_BYTES);
    this.receiveNonce = new Uint8Array(state, KEY_BYTES + NONCE_BYTES, NONCE_BYTES);
    this.key.set(init.key);
    this.counter = init.counter;
    this.sendNonce.set(init.sendPrefix);
    this.receiveNonce.set(init.receivePrefix);
    this.lastReceived = new ReceivedNonce(init.lastReceived);
    this.maxMessageSize = init.maxMessageSize;
  }

  /**
   * Seals one part into a MESSAGE command.
   *
   * @throws {@link MechanismError} `ERR_NONCE_EXHAUSTED` when 2^64 - 1 was already used
   */
  encode(data: Uint8Array, flags: TunedPartFlags): Uint8Array {
    this.counter.takeInto('MESSAGE', this.sendNonce, PREFIX_SIZE);
    // One buffer for the whole command, and no view of it: the backend seals flags ‖ part
    // into the box's place (see `sealPartInto`). A caller batching frames may offer its own
    // buffer (`into`): the command is then sealed where it will be sent from, uncopied.
    const length = MESSAGE_MIN_SIZE + data.length;
    const into = flags.into;
    const at = flags.headroom ?? 0;
    const out = into !== undefined && at >= 0 && at + length <= into.length ? new Uint8Array(into.buffer, into.byteOffset + at, length) : allocFrame(length, flags.headroom);
    const first = (flags.more ? FLAG_MORE : 0) | (flags.command ? FLAG_COMMAND : 0);
    sealPartInto(out, HEADER_SIZE, first, data, this.sendNonce, this.key);
    // Written after sealing: the 16 bytes before the box may serve as NaCl's padding.
    for (let i = 0; i < HEADER.length; i++) out[i] = HEADER[i]!;
    copyShortNonce(this.sendNonce, PREFIX_SIZE, out, HEADER.length);
    return out;
  }

  /**
   * Opens one MESSAGE command. Leaves the codec unchanged when it throws.
   *
   * @param inPlace - open into `blob` itself and return `data` as a view into it (the caller
   *   gives `blob` up; see `DecodeOptions.inPlace`); otherwise into a fresh buffer
   * @returns the part; `data` is a view into `blob` (in place) or into a fresh buffer that
   *   nothing else references
   * @throws {@link MechanismError} `ERR_MALFORMED_COMMAND` (structure, size under 33, reserved
   *   flag bits), `ERR_UNEXPECTED_COMMAND` (another command), `ERR_MESSAGE_TOO_LARGE` (part over
   *   the limit, checked before decryption), `ERR_INVALID_SEQUENCE` (nonce not greater than the
   *   last), `ERR_DECRYPT` (forged, tampered or reflected)
   */
  decode(blob: Uint8Array, inPlace = false): DecodedPart {
    if (!isCommand(blob, 'MESSAGE')) throw notMessage(blob);
    if (blob.length < MESSAGE_MIN_SIZE) throw malformed('MESSAGE', `size ${blob.length} is under ${MESSAGE_MIN_SIZE}`);
    if (blob.length - MESSAGE_MIN_SIZE > this.maxMessageSize) {
      throw new MechanismError('ERR_MESSAGE_TOO_LARGE', `MESSAGE part over ${this.maxMessageSize} bytes`, { command: 'MESSAGE' });
    }
    this.lastReceived.check(blob, HEADER.length);
    copyShortNonce(blob, HEADER.length, this.receiveNonce, PREFIX_SIZE);
    const boxed = blob.subarray(HEADER_SIZE);
    // In place, the plaintext lands where its ciphertext was (libsodium moves overlapping
    // spans first); the header and nonce before it stay readable for the nonce record.
    // Otherwise the backend returns the plaintext in the fresh array it finds cheapest (sodium:
    // an on-heap copy of its scratch buffer; tweetnacl: its own padded array, uncopied).
    let plaintext: Uint8Array;
    if (inPlace) {
      openInto(blob, PLAINTEXT_AT, boxed, this.receiveNonce, this.key, 'MESSAGE');
      plaintext = blob.subarray(PLAINTEXT_AT);
    } else {
      plaintext = open(boxed, this.receiveNonce, this.key, 'MESSAGE');
    }
    const flags = plaintext[0]!;
    if ((flags & ~(FLAG_MORE | FLAG_COMMAND)) !== 0) throw malformed('MESSAGE', 'reserved flag bits are set');
    this.lastReceived.accept(blob, HEADER.length);
    return { data: plaintext.subarray(1), more: (flags & FLAG_MORE) !== 0, command: (flags & FLAG_COMMAND) !== 0 };
  }

  /**
   * Marks the receive state (the last accepted nonce); the function returned puts it back as
   * it is now. Nothing else changes when a MESSAGE is accepted, so this is the whole state.
   */
  checkpoint(): () => void {
    return this.lastReceived.checkpoint();
  }
}

/** The error for a blob that is not a MESSAGE: malformed framing, or another command. */
function notMessage(blob: Uint8Array): MechanismError {
  const name = commandName(blob) ?? 'unknown';
  return new MechanismError('ERR_UNEXPECTED_COMMAND', `unexpected ${name} after the handshake`, { command: name });
}

/**
 * A zero-filled array for an outgoing frame. Frames up to 8 KiB are carved from a shared
 * 64 KiB `ArrayBuffer`, as Node's `Buffer` pool does. Why: a new small `Uint8Array` lives on
 * V8's heap, and the first time native code (sodium-native) asks for its memory V8 moves it
 * off the heap, which costs more than sealing a short message. The slab only moves forward
 * and a full one is replaced, never reused, so no frame handed out is ever written again;
 * frames share their `.buffer`, which holds only sealed commands. A larger frame has a buffer
 * of its own, with `headroom` free bytes in front when asked (`TunedPartFlags.headroom`).
 */
function allocFrame(length: number, headroom = 0): Uint8Array {
  if (length > SLAB_FRAME_MAX) return headroom > 0 ? new Uint8Array(new ArrayBuffer(headroom + length), headroom) : new Uint8Array(length);
  if (slabOffset + length > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabOffset = 0;
  }
  const frame = new Uint8Array(slab, slabOffset, length);
  // Keep each frame 8-byte aligned, as the pool of Node's Buffer does.
  slabOffset += (length + 7) & ~7;
  return frame;
}

/** Copies the 8 bytes of a short nonce, without the view `subarray` would make. */
function copyShortNonce(from: Uint8Array, fromOffset: number, to: Uint8Array, toOffset: number): void {
  for (let i = 0; i < 8; i++) to[toOffset + i] = from[fromOffset + i]!;
}
