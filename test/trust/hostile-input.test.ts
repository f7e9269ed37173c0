/**
 * Bad input never crashes: any text, and any one-character damage to a real certificate,
 * gives a certificate or a TrustError naming the file, never another exception.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { parseCertificate, parsePasswords, TrustError } from '../../src/trust';
import { CZMQ_CLIENT, PYZMQ_SERVER } from './helpers';

function parsesOrTrustError(text: string): void {
  try {
    parseCertificate(text, 'f');
  } catch (error) {
    expect(error).toBeInstanceOf(TrustError);
    expect((error as TrustError).file).toBe('f');
  }
}

const vectors = [CZMQ_CLIENT.secretFile, PYZMQ_SERVER.secretFile].map((file) => readFileSync(file, 'utf8'));

describe('hostile certificate text', () => {
  it('any text parses or fails with a TrustError', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), parsesOrTrustError), { numRuns: 300 });
  });

  it('a real certificate with one character changed, removed or inserted parses or fails with a TrustError', () => {
    const edit = fc.record({
      vector: fc.constantFrom(...vectors),
      at: fc.nat(),
      kind: fc.constantFrom('replace', 'delete', 'insert'),
      char: fc.constantFrom(' ', '\t', '\n', '"', "'", '#', '=', 'x', '0', '\u0000', '\r'),
    });
    fc.assert(
      fc.property(edit, ({ vector, at, kind, char }) => {
        const i = at % vector.length;
        const text = vector.slice(0, i) + (kind === 'delete' ? '' : char) + vector.slice(kind === 'insert' ? i : i + 1);
        parsesOrTrustError(text);
      }),
      { numRuns: 300 },
    );
  });

  it('any password file text gives users and line errors, never a throw', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        const { errors } = parsePasswords(text, 'p');
        for (const error of errors) expect(error.line).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });
});
