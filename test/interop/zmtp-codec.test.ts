/**
 * The ZMTP codec of `src/adapters/zmtp`: greeting bytes as libzmq sends them (RFC 23,
 * "Greeting"), frames in any chunking, and a typed error for every malformed input.
 */
import fc from 'fast-check';
import { ChannelError } from '../../src';
import {
  checkGreetingPrefix,
  encodeFrame,
  encodeFrameHeader,
  encodeGreeting,
  FrameDecoder,
  parseGreeting,
  type ZmtpFrame,
} from '../../src/adapters/zmtp';

function expectChannelError(run: () => unknown, code: string): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ChannelError);
  expect((caught as ChannelError).code).toBe(code);
}

describe('greeting', () => {
  test('CURVE 3.1 greeting is the reference example with minor 1', () => {
    const greeting = encodeGreeting({ mechanism: 'CURVE', asServer: false });
    const expected = Buffer.alloc(64);
    Buffer.from('ff00000000000000007f0301', 'hex').copy(expected);
    expected.write('CURVE', 12, 'ascii');
    expect(Buffer.from(greeting)).toEqual(expected);
    expect(encodeGreeting({ mechanism: 'PLAIN', asServer: true })[32]).toBe(1);
  });

  test('parses libzmq-style greetings: padding ignored, as-server reported, higher versions accepted', () => {
    const bytes = Buffer.from(encodeGreeting({ mechanism: 'NULL', asServer: false, minor: 0 }));
    bytes.writeBigUInt64BE(1n, 1); // libzmq puts routing-id-size + 1 in the padding
    expect(parseGreeting(bytes)).toEqual({ major: 3, minor: 0, mechanism: 'NULL', asServer: false });
    bytes[10] = 4;
    bytes[32] = 1;
    expect(parseGreeting(bytes)).toEqual({ major: 4, minor: 0, mechanism: 'NULL', asServer: true });
  });

  test.each([
    ['a ZMTP 1.0 length byte', 0, 0x05],
    ['a ZMTP 1.0 signature end', 9, 0x7e],
    ['ZMTP 2.0', 10, 0x01],
  ])('refuses %s as soon as the byte arrives', (_name, offset, value) => {
    const bytes = Buffer.from(encodeGreeting({ mechanism: 'CURVE', asServer: false }));
    bytes[offset] = value;
    expectChannelError(() => checkGreetingPrefix(bytes.subarray(0, offset + 1)), 'ERR_PROTOCOL');
    expect(() => checkGreetingPrefix(bytes.subarray(0, offset))).not.toThrow();
  });

  test('refuses a mechanism field that is not a NUL-padded name', () => {
    const lower = Buffer.from(encodeGreeting({ mechanism: 'CURVE', asServer: false }));
    lower.write('curve', 12, 'ascii');
    expectChannelError(() => parseGreeting(lower), 'ERR_PROTOCOL');
    const trailing = Buffer.from(encodeGreeting({ mechanism: 'CURVE', asServer: false }));
    trailing[20] = 0x41; // "CURVE\0\0\0A": bytes after the NUL
    expectChannelError(() => parseGreeting(trailing), 'ERR_PROTOCOL');
    expectChannelError(() => parseGreeting(new Uint8Array(64).fill(0xff)), 'ERR_PROTOCOL');
  });

  test('caller misuse throws TypeError or RangeError', () => {
    expect(() => parseGreeting(new Uint8Array(63))).toThrow(TypeError);
    expect(() => encodeGreeting({ mechanism: 'curve', asServer: false })).toThrow(RangeError);
    expect(() => encodeGreeting({ mechanism: 'A'.repeat(21), asServer: false })).toThrow(RangeError);
    expect(() => encodeGreeting({ mechanism: 'CURVE', asServer: false, minor: 256 })).toThrow(RangeError);
  });
});

describe('frames', () => {
  test('short form up to 255 bytes, long form from 256 (so INITIATE is always long)', () => {
    expect(Buffer.from(encodeFrameHeader(0))).toEqual(Buffer.from([0x00, 0x00]));
    expect(Buffer.from(encodeFrameHeader(255, { more: true }))).toEqual(Buffer.from([0x01, 0xff]));
    expect(Buffer.from(encodeFrameHeader(200, { command: true }))).toEqual(Buffer.from([0x04, 0xc8]));
    expect(Buffer.from(encodeFrameHeader(256))).toEqual(Buffer.from('020000000000000100', 'hex'));
    expect(Buffer.from(encodeFrameHeader(292, { command: true }))).toEqual(Buffer.from('060000000000000124', 'hex'));
    expect(() => encodeFrameHeader(1, { more: true, command: true })).toThrow(RangeError);
    expect(() => encodeFrameHeader(-1)).toThrow(RangeError);
    expect(() => encodeFrame('x' as unknown as Uint8Array)).toThrow(TypeError);
  });

  const frameArb = fc.record({
    body: fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(new Uint8Array(255), new Uint8Array(256))),
    more: fc.boolean(),
    command: fc.boolean(),
  });

  test('any sequence of frames survives any chunking, including one byte at a time', () => {
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 8 }), fc.array(fc.nat(40), { maxLength: 30 }), (frames, cuts) => {
        const sent = frames.map((f) => ({ ...f, more: f.more && !f.command }));
        const wire = Buffer.concat(sent.map((f) => encodeFrame(f.body, f)));
        const decoder = new FrameDecoder();
        const got: ZmtpFrame[] = [];
        let offset = 0;
        for (const cut of cuts) {
          got.push(...decoder.push(wire.subarray(offset, offset + cut)));
          offset = Math.min(wire.length, offset + cut);
        }
        got.push(...decoder.push(wire.subarray(offset)));
        expect(got.map((f) => ({ body: Buffer.from(f.body), more: f.more, command: f.command }))).toEqual(
          sent.map((f) => ({ body: Buffer.from(f.body), more: f.more, command: f.command })),
        );
      }),
      { numRuns: 200 },
    );
    const wire = Buffer.concat([encodeFrame(new Uint8Array(0)), encodeFrame(new Uint8Array(300).fill(7), { more: true })]);
    const decoder = new FrameDecoder();
    const got = [...wire].flatMap((byte) => decoder.push(Uint8Array.of(byte)));
    expect(got.map((f) => [f.body.length, f.more])).toEqual([
      [0, false],
      [300, true],
    ]);
  });

  test.each([
    ['reserved flag bits', Buffer.from([0x08, 0x00]), 'ERR_PROTOCOL'],
    ['a command with MORE', Buffer.from([0x05, 0x00]), 'ERR_PROTOCOL'],
    ['a size of 2^63', Buffer.from('028000000000000000', 'hex'), 'ERR_PROTOCOL'],
    ['a size over the maximum', Buffer.from('020000000000000401', 'hex'), 'ERR_FRAME_TOO_LARGE'],
  ])('refuses %s, then stays dead', (_name, wire, code) => {
    const decoder = new FrameDecoder({ maxFrameSize: 1024 });
    expectChannelError(() => decoder.push(wire), code);
    expectChannelError(() => decoder.push(encodeFrame(new Uint8Array(1))), code);
  });

  test('command frames get a tighter bound (1 MiB by default) than message frames', () => {
    const size = Buffer.alloc(8);
    size.writeBigUInt64BE(2n * 1024n * 1024n);
    const messages = new FrameDecoder();
    expect(messages.push(Buffer.concat([Buffer.of(0x02), size]))).toEqual([]);
    expectChannelError(() => new FrameDecoder().push(Buffer.concat([Buffer.of(0x06), size])), 'ERR_FRAME_TOO_LARGE');
    const roomy = new FrameDecoder({ maxCommandSize: 4 * 1024 * 1024 });
    expect(roomy.push(Buffer.concat([Buffer.of(0x06), size]))).toEqual([]);
    expect(() => new FrameDecoder({ maxCommandSize: 0.5 })).toThrow(RangeError);
  });

  test('messages: false refuses a message frame from its header (a huge one as too large), commands pass', () => {
    const closed = () => new FrameDecoder({ maxFrameSize: 1000, maxCommandSize: 1000, messages: false });
    expect(closed().push(encodeFrame(new Uint8Array(3), { command: true }))).toHaveLength(1);
    expectChannelError(() => closed().push(Buffer.from([0x00, 0x05])), 'ERR_PROTOCOL');
    expectChannelError(() => closed().push(Buffer.from('021000000000000000', 'hex')), 'ERR_FRAME_TOO_LARGE');
  });

  test('feed() stops after a frame when asked, and limits change between two frames', () => {
    const decoder = new FrameDecoder({ messages: false });
    const wire = Buffer.concat([encodeFrame(Buffer.from('cmd'), { command: true }), encodeFrame(Buffer.from('msg'))]);
    const used = decoder.feed(wire, () => false);
    expect(used).toBe(5);
    decoder.setLimits({ maxFrameSize: 10 });
    const got: ZmtpFrame[] = [];
    expect(decoder.feed(wire.subarray(used), (frame) => void got.push(frame))).toBe(5);
    expect(got.map((f) => Buffer.from(f.body).toString())).toEqual(['msg']);
  });

  test('an oversize long frame is refused from its header alone, before its body arrives', () => {
    const decoder = new FrameDecoder({ maxFrameSize: 300 });
    expect(decoder.push(Buffer.from('0200000000', 'hex'))).toEqual([]);
    expectChannelError(() => decoder.push(Buffer.from('00000131', 'hex')), 'ERR_FRAME_TOO_LARGE');
    expect(() => new FrameDecoder({ maxFrameSize: 0 })).toThrow(RangeError);
  });
});
