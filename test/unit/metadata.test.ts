import fc from 'fast-check';
import { decodeMetadata, encodeMetadata, fromHex, Metadata, MechanismError, toHex, utf8 } from '../../src';

const nameArb = fc.stringMatching(/^[A-Za-z0-9\-_.+]{1,20}$/);

describe('metadata property list (RFC 23 / RFC 26)', () => {
  test('encodes the RFC example byte for byte', () => {
    expect(toHex(encodeMetadata([['Socket-Type', 'DEALER'], ['Identity', '']]))).toBe(
      '0b536f636b65742d54797065000000064445414c4552084964656e7469747900000000',
    );
  });

  test('round-trips any valid list, lookups fold case', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(nameArb, fc.uint8Array({ maxLength: 40 })), { selector: ([n]) => n.toLowerCase(), maxLength: 10 }), (pairs) => {
        const decoded = decodeMetadata(encodeMetadata(pairs));
        expect(decoded.names()).toEqual(pairs.map(([n]) => n));
        for (const [name, value] of pairs) expect(decoded.get(name.toUpperCase())).toEqual(value);
      }),
    );
  });

  test.each([
    ['empty name', '00', 'empty'],
    ['name longer than what remains', '05416263', 'truncated'],
    ['value size missing', '014100', 'truncated'],
    ['value longer than what remains', '0141000000056869', 'past the end'],
    ['value size of 2^31', '014180000000', '2^31'],
    ['forbidden name character', '02412100000000', 'forbidden'],
    ['trailing byte', '014100000000ff', 'truncated'],
    ['names repeated up to case', '014100000000016100000000', 'repeated'],
  ])('row 19: %s → ERR_INVALID_METADATA', (_name, hex, detail) => {
    expect(() => decodeMetadata(fromHex(hex))).toThrow(expect.objectContaining({ code: 'ERR_INVALID_METADATA', message: expect.stringContaining(detail) }));
  });

  test('any bytes decode or give ERR_INVALID_METADATA, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        try {
          decodeMetadata(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(MechanismError);
          expect((error as MechanismError).code).toBe('ERR_INVALID_METADATA');
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('row 20: limits reject before allocating from a claimed size', () => {
    const claimsHuge = fromHex('0141' + '7fffffff');
    expect(() => decodeMetadata(claimsHuge)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_METADATA' }));
    const identity = 'x'.repeat(255);
    expect(decodeMetadata(encodeMetadata({ Identity: identity })).getString('identity')).toBe(identity);
    const limits = { maxProperties: 2, maxValueLength: 4, maxTotalLength: 64 };
    expect(() => decodeMetadata(encodeMetadata({ A: '12345' }), limits)).toThrow(MechanismError);
    expect(() => decodeMetadata(encodeMetadata({ A: '', B: '', C: '' }), limits)).toThrow(MechanismError);
    expect(() => encodeMetadata({ A: '12345' }, limits)).toThrow(RangeError);
  });

  test('Metadata.from validates names and rejects duplicates up to case', () => {
    expect(() => Metadata.from({ 'bad name': 'x' })).toThrow(RangeError);
    expect(() => Metadata.from([['A', 'x'], ['a', 'y']])).toThrow(RangeError);
    expect(() => Metadata.from({ A: 5 as never })).toThrow(TypeError);
    expect(Metadata.from({ A: 'x' }).merge({ a: 'y' }).toRecord()).toEqual({ a: 'y' });
    expect(Metadata.from({ A: utf8('x') }).has('a')).toBe(true);
  });
});
