/**
 * Packed frames (`%x03 session-id 1*(length blob)`): several MESSAGE envelopes in one ZeroMQ
 * frame. Packing then parsing gives the envelopes back in order; a receiver takes any bytes
 * and drops a malformed or mixed ZeroMQ message whole, never throwing.
 */
import fc from 'fast-check';
import { encodeEnvelope, KIND_HANDSHAKE, KIND_MESSAGE } from '../../../src/adapters/zeromq/envelope';
import { parseFrames } from '../../../src/adapters/zeromq/message-codec';
import { KIND_PACKED, PACK_BLOB_MAX, packEnvelopes } from '../../../src/adapters/zeromq/packed';

const SESSION = Buffer.alloc(16, 7);
const OTHER = Buffer.alloc(16, 8);

const blobs = fc.array(
  fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.integer({ min: PACK_BLOB_MAX - 2, max: PACK_BLOB_MAX + 2 }).map((n) => new Uint8Array(n).fill(n & 0xff))),
  { minLength: 1, maxLength: 30 },
);

describe('packed frames', () => {
  test('packing then parsing gives every envelope back, in order, as MESSAGEs of the session', () => {
    fc.assert(
      fc.property(blobs, (list) => {
        const frames = list.map((blob) => encodeEnvelope(KIND_MESSAGE, SESSION, blob));
        const packed = packEnvelopes(frames);
        const small = list.map((b) => b.length <= PACK_BLOB_MAX);
        const runsOfTwo = small.some((s, i) => s && small[i + 1] === true);
        expect(packed.length < frames.length).toBe(runsOfTwo);
        const parsed = parseFrames(packed)!;
        expect(parsed.map((e) => Buffer.from(e.blob))).toEqual(list.map((b) => Buffer.from(b)));
        expect(parsed.every((e) => e.kind === KIND_MESSAGE && Buffer.from(e.sessionId).equals(SESSION))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  test('any bytes after the packed kind: parsed blobs lie inside the frame, or the message is dropped; never a throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (tail) => {
        const frame = Buffer.concat([Buffer.from([KIND_PACKED]), SESSION, tail]);
        const parsed = parseFrames([frame]);
        if (parsed === undefined) return;
        const total = parsed.reduce((sum, e) => sum + 4 + e.blob.length, 0);
        expect(total).toBe(tail.length);
        expect(parsed.every((e) => e.blob.length > 0 && e.blob.buffer === frame.buffer)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  test.each([
    ['no item', Buffer.alloc(0)],
    ['an empty item', Buffer.from([0, 0, 0, 0])],
    ['a length past the end', Buffer.from([0, 0, 0, 9, 1, 2])],
    ['a truncated length', Buffer.from([0, 0, 0, 1, 5, 0, 0])],
  ])('%s drops the ZeroMQ message', (_name, body) => {
    expect(parseFrames([Buffer.concat([Buffer.from([KIND_PACKED]), SESSION, body])])).toBeUndefined();
  });

  test('a packed frame beside a frame of another session or kind drops the ZeroMQ message', () => {
    const [packed] = packEnvelopes([encodeEnvelope(KIND_MESSAGE, SESSION, Buffer.from('a')), encodeEnvelope(KIND_MESSAGE, SESSION, Buffer.from('b'))]);
    expect(parseFrames([packed!])).toHaveLength(2);
    expect(parseFrames([packed!, encodeEnvelope(KIND_MESSAGE, OTHER, Buffer.from('c'))])).toBeUndefined();
    expect(parseFrames([packed!, encodeEnvelope(KIND_HANDSHAKE, SESSION, Buffer.from('c'))])).toBeUndefined();
    expect(parseFrames([packed!, encodeEnvelope(KIND_MESSAGE, SESSION, Buffer.from('c'))])).toHaveLength(3);
  });
});
