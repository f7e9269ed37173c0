/** fromUtf8Strict: the one strict UTF-8 decoder of PLAIN, password files, FileMQ and CHP. */
import { fromUtf8Strict, utf8 } from '../../src';

test('invalid bytes throw instead of becoming U+FFFD', () => {
  for (const bad of [[0x73, 0xe9, 0x74], [0x73, 0x80, 0x74], [0x73, 0xff, 0x74]]) {
    expect(() => fromUtf8Strict(Uint8Array.from(bad))).toThrow('not valid for encoding utf-8');
  }
  expect(fromUtf8Strict(utf8('s3cr\u00e9t'))).toBe('s3cr\u00e9t');
});

test('a leading byte-order mark is kept, so it and its absence never decode alike', () => {
  const withBom = Uint8Array.of(0xef, 0xbb, 0xbf, 0x61);
  expect(fromUtf8Strict(withBom)).toBe('\ufeffa');
  expect(fromUtf8Strict(withBom)).not.toBe(fromUtf8Strict(utf8('a')));
});
