import fc from 'fast-check';
import {
  DEFAULT_MAX_FRAME_SIZE,
  Deframer,
  encodeFrame,
  frameHeader,
  FRAME_HEADER_SIZE,
} from '../../../src/adapters/stream';
import { ChannelError, concatBytes } from '../../../src';

/** Splits `bytes` at the given cut points (any numbers; taken modulo the length). */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    chunks.push(bytes.subarray(start, point));
    start = point;
  }
  return chunks;
}

describe('framing', () => {
  test('a frame is a 4-byte big-endian length, then the blob', () => {
    expect([...encodeFrame(new Uint8Array([0xaa, 0xbb]))]).toEqual([0, 0, 0, 2, 0xaa, 0xbb]);
    expect([...frameHeader(0x01020304)]).toEqual([1, 2, 3, 4]);
    expect(FRAME_HEADER_SIZE).toBe(4);
    expect(new Deframer().maxFrameSize).toBe(DEFAULT_MAX_FRAME_SIZE);
  });

  test('the same frames come out of any chunking, 1-byte chunks and one chunk included', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (blobs, cuts) => {
          const wire = concatBytes(...blobs.map(encodeFrame));
          const oneByte = Array.from(wire, (byte) => new Uint8Array([byte]));
          for (const chunks of [[wire], oneByte, split(wire, cuts)]) {
            const deframer = new Deframer();
            const frames = chunks.flatMap((chunk) => deframer.push(chunk));
            expect(frames.map((frame) => [...frame])).toEqual(blobs.map((blob) => [...blob]));
            expect(deframer.pending).toBe(0);
          }
        },
      ),
    );
  });

  test('a large frame arriving in pieces is assembled whole; memory follows the bytes received', () => {
    const blob = Uint8Array.from({ length: 300_000 }, (_, i) => i % 251);
    const wire = encodeFrame(blob);
    const deframer = new Deframer();
    const frames: Uint8Array[] = [];
    for (let offset = 0; offset < wire.length; offset += 7_000) frames.push(...deframer.push(wire.subarray(offset, offset + 7_000)));
    expect(frames).toHaveLength(1);
    expect(Buffer.from(frames[0]!).equals(Buffer.from(blob))).toBe(true);
    // Ten peers each announcing a 16 MiB frame and sending 10 bytes of it: reserving the
    // announced sizes would add 160 MiB of array buffers.
    const before = process.memoryUsage().arrayBuffers;
    const claimed = Array.from({ length: 10 }, () => new Deframer());
    for (const deframer of claimed) deframer.push(concatBytes(frameHeader(DEFAULT_MAX_FRAME_SIZE), new Uint8Array(10)));
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 * 1024);
    expect(claimed.every((deframer) => deframer.pending === FRAME_HEADER_SIZE + 10)).toBe(true);
  });

  test('pending counts the bytes of an incomplete frame', () => {
    const deframer = new Deframer();
    expect(deframer.push(encodeFrame(new Uint8Array(10)).subarray(0, 7))).toEqual([]);
    expect(deframer.pending).toBe(7);
  });

  test('an oversize length is refused from its 4 bytes alone, before the body, then always', () => {
    const deframer = new Deframer({ maxFrameSize: 100 });
    expect(deframer.push(encodeFrame(new Uint8Array(100)))).toHaveLength(1);
    const refuse = () => deframer.push(frameHeader(101));
    expect(refuse).toThrow(ChannelError);
    expect(refuse).toThrow(expect.objectContaining({ code: 'ERR_FRAME_TOO_LARGE' }));
    expect(() => deframer.push(new Uint8Array(1))).toThrow(expect.objectContaining({ code: 'ERR_FRAME_TOO_LARGE' }));
  });

  test('a 4 GiB length prefix split across chunks is refused without allocating it', () => {
    const deframer = new Deframer();
    expect(deframer.push(new Uint8Array([0xff, 0xff]))).toEqual([]);
    expect(() => deframer.push(new Uint8Array([0xff, 0xff]))).toThrow(expect.objectContaining({ code: 'ERR_FRAME_TOO_LARGE' }));
  });

  test('any bytes end in frames or a coded error, never another exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (garbage) => {
        const deframer = new Deframer({ maxFrameSize: 32 });
        try {
          const frames = deframer.push(garbage);
          expect(frames.every((frame) => frame.length <= 32)).toBe(true);
        } catch (error) {
          expect((error as ChannelError).code).toBe('ERR_FRAME_TOO_LARGE');
        }
      }),
    );
  });

  test('caller misuse throws TypeError or RangeError naming the argument', () => {
    expect(() => new Deframer({ maxFrameSize: 0 })).toThrow(/options\.maxFrameSize/);
    expect(() => new Deframer({ maxFrameSize: 2 ** 32 })).toThrow(RangeError);
    expect(() => new Deframer().push('abc' as unknown as Uint8Array)).toThrow(/"chunk"/);
    expect(() => encodeFrame([1] as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => frameHeader(-1)).toThrow(RangeError);
  });
});
