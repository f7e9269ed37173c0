/**
 * The pure codec: every command round-trips byte for byte, and any bytes either decode or
 * throw a FileMqError with a stable code (never anything else).
 */
import fc from 'fast-check';
import { decodeCommand, encodeCommand, FileMqError, ID, SIGNATURE, type Command } from '../../src/filemq';

const digest = new Uint8Array(32).fill(7);

const SAMPLES: Command[] = [
  { name: 'OHAI', protocol: 'FILEMQ', version: 3, mechanisms: ['CURVE', 'PLAIN'] },
  { name: 'ORLY', mechanism: 'CURVE', blobs: [Uint8Array.of(1, 2, 3), new Uint8Array(0)] },
  { name: 'YARLY', mechanism: 'CURVE', blobs: [new Uint8Array(200)] },
  { name: 'OHAI-OK', blobs: [Uint8Array.of(9)] },
  { name: 'SRSLY', reason: 'access denied' },
  { name: 'RTFM', reason: 'unexpected NOM' },
  { name: 'SEALED', blob: Uint8Array.of(1, 2) },
  {
    name: 'ICANHAZ',
    path: '/',
    cache: [
      { path: 'a/b.txt', size: 12, sha256: digest, complete: true },
      { path: 'big.bin', size: 2 ** 40, sha256: digest, complete: false },
    ],
  },
  { name: 'ICANHAZ-OK', files: 3, bytes: 2 ** 53 - 1, available: 7 },
  { name: 'NOM', credit: 1_000_000 },
  { name: 'CHEEZBURGER', sequence: 5, path: 'dir/f', offset: 10, eof: true, size: 13, sha256: digest, data: Uint8Array.of(1, 2, 3) },
  { name: 'CHEEZBURGER', sequence: 0, path: 'empty', offset: 0, eof: true, size: 0, sha256: digest, data: new Uint8Array(0) },
  { name: 'HUGZ' },
  { name: 'HUGZ-OK' },
  { name: 'KTHXBAI' },
];

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FileMqError);
    return (error as FileMqError).code;
  }
  return 'none';
}

test.each(SAMPLES.map((c) => [c.name, c] as const))('%s round-trips', (_name, command) => {
  const frame = encodeCommand(command);
  expect([...frame.subarray(0, 2)]).toEqual([...SIGNATURE]);
  expect(decodeCommand(frame)).toEqual(command);
  expect(encodeCommand(decodeCommand(frame))).toEqual(frame);
});

test('byte layouts match docs/filemq.md', () => {
  expect([...encodeCommand({ name: 'NOM', credit: 258 })]).toEqual([0xaa, 0xa3, ID.NOM, 0, 0, 0, 0, 0, 0, 1, 2]);
  expect([...encodeCommand({ name: 'OHAI', protocol: 'FILEMQ', version: 3, mechanisms: ['NULL'] })]).toEqual([
    0xaa, 0xa3, 1, 6, ...Buffer.from('FILEMQ'), 3, 1, 4, ...Buffer.from('NULL'),
  ]);
  expect([...encodeCommand({ name: 'OHAI-OK', blobs: [Uint8Array.of(0xff)] })]).toEqual([0xaa, 0xa3, 4, 1, 0, 0, 0, 1, 0xff]);
});

test('every truncation and every extension of a valid command is rejected with a code', () => {
  for (const command of SAMPLES) {
    const frame = encodeCommand(command);
    for (let cut = 0; cut < frame.length; cut++) {
      const code = codeOf(() => decodeCommand(frame.subarray(0, cut)));
      // A SEALED blob has no length of its own: only cutting it to nothing is detectable.
      if (command.name === 'SEALED' && cut > 3) continue;
      expect(code).toMatch(/^ERR_FILEMQ_(SIGNATURE|MALFORMED)$/);
    }
    if (command.name !== 'SEALED') expect(codeOf(() => decodeCommand(Uint8Array.of(...frame, 0)))).toBe('ERR_FILEMQ_MALFORMED');
  }
});

test('specific malformations have specific codes', () => {
  expect(codeOf(() => decodeCommand(Uint8Array.of(0xaa, 0xa4, 9)))).toBe('ERR_FILEMQ_SIGNATURE');
  expect(codeOf(() => decodeCommand(Uint8Array.of(0xaa, 0xa3, 77)))).toBe('ERR_FILEMQ_UNKNOWN_COMMAND');
  // A file name that would climb out of the client's directory.
  const evil = encodeCommand({ name: 'CHEEZBURGER', sequence: 0, path: 'xx/passwd', offset: 0, eof: true, size: 1, sha256: digest, data: Uint8Array.of(1) });
  evil.set(Buffer.from('..'), 3 + 8 + 2);
  expect(codeOf(() => decodeCommand(evil))).toBe('ERR_FILEMQ_PATH');
  // A chunk claiming to end the file before its size.
  const early = encodeCommand({ name: 'CHEEZBURGER', sequence: 0, path: 'f', offset: 0, eof: false, size: 5, sha256: digest, data: Uint8Array.of(1) });
  early[3 + 8 + 2 + 1 + 8] = 1;
  expect(codeOf(() => decodeCommand(early))).toBe('ERR_FILEMQ_MALFORMED');
  // A cache count far beyond the body costs nothing and is refused.
  const huge = encodeCommand({ name: 'ICANHAZ', path: '/', cache: [] });
  huge.set([0xff, 0xff, 0xff, 0xff], huge.length - 4);
  expect(codeOf(() => decodeCommand(huge))).toBe('ERR_FILEMQ_MALFORMED');
  // 64-bit values beyond 2^53 - 1.
  const nom = encodeCommand({ name: 'NOM', credit: 0 });
  nom[3] = 0x80;
  expect(codeOf(() => decodeCommand(nom))).toBe('ERR_FILEMQ_MALFORMED');
});

test('any bytes decode or throw a FileMqError', () => {
  const framed = fc.tuple(fc.integer({ min: 0, max: 140 }), fc.uint8Array({ maxLength: 300 })).map(([id, body]) => Uint8Array.of(0xaa, 0xa3, id, ...body));
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), framed), (bytes) => {
      try {
        const command = decodeCommand(bytes);
        expect(typeof command.name).toBe('string');
      } catch (error) {
        expect(error).toBeInstanceOf(FileMqError);
      }
    }),
    { numRuns: 3000 },
  );
});

test('caller misuse throws RangeError naming the field', () => {
  expect(() => encodeCommand({ name: 'NOM', credit: -1 })).toThrow(/"credit"/);
  expect(() => encodeCommand({ name: 'CHEEZBURGER', sequence: 0, path: 'f', offset: 0, eof: true, size: 0, sha256: new Uint8Array(3), data: new Uint8Array(0) })).toThrow(RangeError);
  expect(() => encodeCommand({ name: 'OHAI', protocol: 'x'.repeat(256), version: 3, mechanisms: [] })).toThrow(/"protocol"/);
});
