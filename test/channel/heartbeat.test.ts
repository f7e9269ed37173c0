/** RFC 37 PING/PONG: one codec, one policy for malformed commands. */
import fc from 'fast-check';
import { ChannelError, encodeCommand } from '../../src';
import { answerPing, encodePing, encodePong, MAX_PING_CONTEXT, parseHeartbeat } from '../../src/codec/heartbeat';

describe('heartbeat codec', () => {
  test('PING and PONG bytes', () => {
    expect(Buffer.from(encodePing())).toEqual(Buffer.from('\x04PING\x00\x00', 'latin1'));
    expect(Buffer.from(encodePing(300, Uint8Array.of(7)))).toEqual(Buffer.from('\x04PING\x01\x2c\x07', 'latin1'));
    expect(Buffer.from(encodePong(Uint8Array.of(1, 2)))).toEqual(Buffer.from('\x04PONG\x01\x02', 'latin1'));
  });

  test('a PING is answered with a PONG echoing its context', () => {
    expect(parseHeartbeat(encodePing(5, Uint8Array.of(9, 9)))).toEqual({ name: 'PING', ttl: 5, context: Uint8Array.of(9, 9) });
    expect(answerPing(encodePing(0, Uint8Array.of(1, 2, 3)))).toEqual(encodePong(Uint8Array.of(1, 2, 3)));
  });

  test('a context over 16 bytes is cut to 16 in the PONG, as libzmq does', () => {
    const long = encodeCommand('PING', new Uint8Array(2), new Uint8Array(40).fill(3));
    expect(answerPing(long)).toEqual(encodePong(new Uint8Array(MAX_PING_CONTEXT).fill(3)));
  });

  test('a PING without its TTL is a protocol error', () => {
    expect(() => parseHeartbeat(encodeCommand('PING', Uint8Array.of(1)))).toThrow(ChannelError);
    expect(() => answerPing(encodeCommand('PING'))).toThrow(expect.objectContaining({ code: 'ERR_PROTOCOL' }));
  });

  test('other commands are not heartbeats', () => {
    expect(parseHeartbeat(encodeCommand('SUBSCRIBE', Uint8Array.of(1)))).toBeUndefined();
    expect(answerPing(encodePong())).toBeUndefined();
  });

  test('any bytes: a heartbeat, undefined, or ERR_PROTOCOL; nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        try {
          const result = parseHeartbeat(bytes);
          if (result !== undefined) expect(result.context.length).toBeLessThanOrEqual(MAX_PING_CONTEXT + (result.name === 'PONG' ? bytes.length : 0));
        } catch (error) {
          expect(error).toMatchObject({ code: 'ERR_PROTOCOL' });
        }
      }),
      { numRuns: 500 },
    );
  });

  test('the encoders refuse what RFC 37 does not allow', () => {
    expect(() => encodePing(70000)).toThrow(RangeError);
    expect(() => encodePong(new Uint8Array(17))).toThrow(RangeError);
  });
});
