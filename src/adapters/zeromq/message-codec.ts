/**
 * Application messages to and from envelopes: each part of a multipart message is its own
 * MESSAGE blob, with MORE set on every part but the last. A ZeroMQ message of MESSAGE frames
 * is a batch: one or more application messages back to back, each ending at the part whose
 * MORE flag is clear (the RFC 26 flags delimit them; see `docs/zeromq.md`).
 *
 * @module
 */
import { equalBytes } from '../../bytes';
import { encodeCommand } from '../../codec/command';
import { encodePing as heartbeatPing, encodePong as heartbeatPong, parseHeartbeat } from '../../codec/heartbeat';
import type { DecodedPart, Mechanism, WireTraits } from '../../mechanism';
import { ownsHeadroom, tunedCodec, type TunedCodec } from '../../tuned-codec';
import { encodeEnvelope, HEADER_BYTES, KIND_MESSAGE, parseEnvelope, SESSION_ID_BYTES, type Envelope } from './envelope';
import { KIND_PACKED, unpackFrame } from './packed';
import { asBuffer } from './parts';

/** Encodes the parts of one message into frames (the nonces are taken now, in order). */
export function encodeMessage(mechanism: Mechanism, sessionId: Uint8Array, parts: readonly Uint8Array[]): Buffer[] {
  return parts.map((part, index) => {
    const blob = (mechanism as TunedCodec).encode(part, { more: index < parts.length - 1, headroom: HEADER_BYTES });
    return ownsHeadroom(blob, HEADER_BYTES) ? envelopeInPlace(sessionId, blob) : encodeEnvelope(KIND_MESSAGE, sessionId, blob);
  });
}

/** The MESSAGE envelope of a blob with its header room: the header is written there, uncopied. */
function envelopeInPlace(sessionId: Uint8Array, blob: Uint8Array): Buffer {
  const frame = Buffer.from(blob.buffer, 0, HEADER_BYTES + blob.length);
  frame[0] = KIND_MESSAGE;
  frame.set(sessionId, 1);
  return frame;
}

/**
 * The body of the CLOSE command: a session's last MESSAGE, one part with the COMMAND flag.
 * Either side sends it when it ends the session; it is encrypted and authenticated like any
 * MESSAGE, so nobody else can end a session. PING and PONG (below) travel the same way.
 */
export const CLOSE_COMMAND: Uint8Array = encodeCommand('CLOSE');

/** Encodes the CLOSE command into its one frame. */
export function encodeClose(mechanism: Mechanism, sessionId: Uint8Array): Buffer[] {
  return encodeCommandPart(mechanism, sessionId, CLOSE_COMMAND);
}

/**
 * The CLOSE command, or nothing when the mechanism cannot encode any more (no nonce left, or
 * wiped): a goodbye is a courtesy, and the peer learns from the silence instead.
 */
export function tryEncodeClose(mechanism: Mechanism, sessionId: Uint8Array): Buffer[] | undefined {
  try {
    return encodeClose(mechanism, sessionId);
  } catch {
    return undefined;
  }
}

/**
 * Encodes a heartbeat PING (RFC 37, `src/codec/heartbeat.ts`: a TTL of 0, then `context`) into
 * its one frame, as a COMMAND part: encrypted and authenticated like any MESSAGE, so nobody
 * else can forge a heartbeat, and never delivered to the application.
 *
 * @throws {@link RangeError} when `context` is longer than 16 bytes
 */
export function encodePing(mechanism: Mechanism, sessionId: Uint8Array, context?: Uint8Array): Buffer[] {
  return encodeCommandPart(mechanism, sessionId, heartbeatPing(0, context));
}

/** Encodes the PONG answering a PING: `\x04PONG` and the PING's context, echoed. */
export function encodePong(mechanism: Mechanism, sessionId: Uint8Array, context: Uint8Array): Buffer[] {
  return encodeCommandPart(mechanism, sessionId, heartbeatPong(context));
}

function encodeCommandPart(mechanism: Mechanism, sessionId: Uint8Array, command: Uint8Array): Buffer[] {
  return [encodeEnvelope(KIND_MESSAGE, sessionId, mechanism.encode(command, { command: true }))];
}

/** What one application message of a batch decodes to. */
export type DecodedMessage =
  | { readonly kind: 'data'; readonly parts: Buffer[] }
  | { readonly kind: 'close' }
  | { readonly kind: 'ping'; readonly context: Buffer }
  | { readonly kind: 'pong' };

/** One application message taken from a batch, and where the next one starts. */
export interface NextMessage {
  /** `undefined` when the parts decoded but form no message (see {@link decodeNext}). */
  readonly message: DecodedMessage | undefined;
  /** Index of the first blob of the next application message (`blobs.length` at the end). */
  readonly next: number;
  /** Set when the rest of the batch was refused unread, and why (nothing of it was decoded). */
  readonly unread?: string;
}

/**
 * Decodes the next application message of a batch: the blobs from `start` up to and including
 * the first whose MORE flag is clear. Its `message` is `undefined` when the parts decode but
 * form neither a data message (a command part among them, or the batch ended with MORE still
 * set) nor one of the commands CLOSE, PING or PONG alone.
 *
 * With `onError: 'keep'` (a source not yet proven: another route, a PUB frame) the message
 * counts whole or not at all: unless every part authenticated and they form a message, the
 * session is left exactly as it was before the first part (`TunedCodec.checkpoint`), so a lone
 * part of a message replayed ahead of it consumes no nonce (issue 15, finding 12).
 *
 * @param inPlace - the blobs are the caller's to give up (received frames nobody else reads):
 *   the mechanism may decrypt into them, and the parts are views into them
 * @param parts - the mechanism's wire trait: `'sealed'` parts from an unproven source need a
 *   checkpoint to be rewound; a tuned mechanism without one has them refused unread (`unread`)
 * @throws {@link MechanismError} when a blob is rejected (with `'keep'`, the session is as it
 *   was before the message)
 * @throws {@link ChannelError} `ERR_PROTOCOL` for an authentic PING without its TTL (the
 *   heartbeat policy: the session ends)
 */
export function decodeNext(
  mechanism: Mechanism,
  blobs: readonly Uint8Array[],
  start: number,
  onError: 'fail' | 'keep',
  inPlace = false,
  parts: WireTraits['parts'] = 'flagged',
): NextMessage {
  const tuned = tunedCodec(mechanism);
  if (onError === 'fail') return decodeParts(mechanism, tuned, blobs, start, onError, inPlace);
  const rewind = tuned?.checkpoint?.();
  // A plain codec fails the session on a rejected blob; a sealed one without a checkpoint
  // cannot take back the parts before it: neither may read what may not change the session.
  if (tuned === undefined || (rewind === undefined && parts === 'sealed')) {
    return { message: undefined, next: blobs.length, unread: `${mechanism.name} cannot check a MESSAGE without changing the session` };
  }
  try {
    const result = decodeParts(mechanism, tuned, blobs, start, onError, inPlace);
    if (result.message === undefined) rewind?.();
    return result;
  } catch (error) {
    rewind?.();
    throw error;
  }
}

function decodeParts(
  mechanism: Mechanism,
  tuned: TunedCodec | undefined,
  blobs: readonly Uint8Array[],
  start: number,
  onError: 'fail' | 'keep',
  inPlace: boolean,
): NextMessage {
  const options = { onError, inPlace };
  const decode = (blob: Uint8Array): DecodedPart => (tuned === undefined ? mechanism.decode(blob) : tuned.decode(blob, options));
  const first = decode(blobs[start]!);
  if (!first.more) return { message: single(first), next: start + 1 };
  const parts: DecodedPart[] = [first];
  let index = start + 1;
  let last = first;
  while (last.more && index < blobs.length) {
    last = decode(blobs[index]!);
    parts.push(last);
    index++;
  }
  const wellFormed = !last.more && parts.every((part) => !part.command);
  return { message: wellFormed ? { kind: 'data', parts: parts.map((part) => asBuffer(part.data)) } : undefined, next: index };
}

function single(part: DecodedPart): DecodedMessage | undefined {
  return part.command ? decodeCommandPart(part.data) : { kind: 'data', parts: [asBuffer(part.data)] };
}

/** CLOSE, or a heartbeat as `src/codec/heartbeat.ts` reads it (its policy included). */
function decodeCommandPart(data: Uint8Array): DecodedMessage | undefined {
  if (equalBytes(data, CLOSE_COMMAND)) return { kind: 'close' };
  const heartbeat = parseHeartbeat(data);
  if (heartbeat === undefined) return undefined;
  return heartbeat.name === 'PING' ? { kind: 'ping', context: asBuffer(heartbeat.context) } : { kind: 'pong' };
}

/**
 * Parses every frame of a ZeroMQ message, packed frames (see `./packed.ts`) into the MESSAGE
 * envelopes they stand for. All must be envelopes of the same kind and session; otherwise
 * `undefined` (the whole ZeroMQ message is dropped, nothing of it is decoded).
 */
export function parseFrames(frames: readonly Uint8Array[]): Envelope[] | undefined {
  const envelopes: Envelope[] = [];
  for (const frame of frames) {
    if (frame[0] === KIND_PACKED) {
      if (!unpackFrame(frame, envelopes)) return undefined;
    } else {
      const envelope = parseEnvelope(frame);
      if (envelope === undefined) return undefined;
      envelopes.push(envelope);
    }
  }
  const head = envelopes[0];
  if (head === undefined) return undefined;
  for (const envelope of envelopes) {
    if (envelope.kind !== head.kind || !sameId(envelope.sessionId, head.sessionId)) return undefined;
  }
  return envelopes;
}

/** True when two session ids are equal (the envelopes of one packed frame share one view). */
function sameId(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  for (let i = 0; i < SESSION_ID_BYTES; i++) if (a[i] !== b[i]) return false;
  return true;
}
