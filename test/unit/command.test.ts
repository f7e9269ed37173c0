import fc from 'fast-check';
import { encodeCommand, encodeError, fromHex, isCommand, MechanismError, parseCommand, peerErrorFrom, toHex, utf8 } from '../../src';

describe('command framing (RFC 37 command-body)', () => {
  test('encodes name length, name and body', () => {
    expect(toHex(encodeCommand('READY', utf8('ab')))).toBe('0552454144596162');
    expect(() => encodeCommand('', utf8('x'))).toThrow(RangeError);
    expect(() => encodeCommand('NOT OK')).toThrow(RangeError);
  });

  test('parses what it encodes and peeks names cheaply', () => {
    const blob = encodeCommand('WELCOME', utf8('body'));
    expect(parseCommand(blob)).toEqual({ name: 'WELCOME', body: utf8('body') });
    expect(isCommand(blob, 'WELCOME')).toBe(true);
    expect(isCommand(blob, 'WELCOMX')).toBe(false);
  });

  test('truncation at every offset and any bytes give a command or ERR_MALFORMED_COMMAND', () => {
    const blob = encodeCommand('INITIATE', utf8('x'));
    for (let n = 0; n < 9; n++) {
      expect(() => parseCommand(blob.subarray(0, n))).toThrow(expect.objectContaining({ code: 'ERR_MALFORMED_COMMAND' }));
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        try {
          const { name } = parseCommand(bytes);
          expect(name).toMatch(/^[A-Za-z]+$/);
        } catch (error) {
          expect((error as MechanismError).code).toBe('ERR_MALFORMED_COMMAND');
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('ERROR encodes as libzmq sends it and decodes to a status (row 28)', () => {
    expect(toHex(encodeError('400'))).toBe('054552524f5203343030');
    const error = peerErrorFrom(fromHex('03343030'));
    expect(error).toMatchObject({ code: 'ERR_PEER_ERROR', status: 400, reason: '400' });
    expect(peerErrorFrom(fromHex('0a3430')).code).toBe('ERR_MALFORMED_COMMAND');
    expect(peerErrorFrom(new Uint8Array(0)).code).toBe('ERR_MALFORMED_COMMAND');
    expect(peerErrorFrom(fromHex('026f6b')).status).toBeUndefined();
    expect(() => encodeError('x'.repeat(256))).toThrow(RangeError);
  });
});
