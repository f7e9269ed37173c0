import { readFileSync } from 'node:fs';
import { keyToZ85, publicKeyOf, z85Decode } from '../../src';
import {
  createCertificate,
  formatCertificate,
  parseCertificate,
  publicCertificate,
  publicPart,
  TrustError,
  wipeCertificate,
} from '../../src/trust';
import { CZMQ_CLIENT, PYZMQ_SERVER } from './helpers';

const read = (file: string) => readFileSync(file, 'utf8');

function parseError(text: string): TrustError {
  try {
    parseCertificate(text, 'x.cert');
  } catch (error) {
    expect(error).toBeInstanceOf(TrustError);
    return error as TrustError;
  }
  throw new Error('expected a TrustError');
}

describe('certificate files written by CZMQ and pyzmq', () => {
  it('reads the CZMQ public file: key and metadata, no secret', () => {
    const cert = parseCertificate(read(CZMQ_CLIENT.publicFile), CZMQ_CLIENT.publicFile);
    expect(cert.publicKeyZ85).toBe(CZMQ_CLIENT.publicKey);
    expect(cert.publicKey).toEqual(z85Decode(CZMQ_CLIENT.publicKey));
    expect(Object.fromEntries(cert.metadata)).toEqual(CZMQ_CLIENT.metadata);
    expect(cert.secretKey).toBeUndefined();
  });

  it('reads the CZMQ secret file with a secret key matching its public key', () => {
    const cert = parseCertificate(read(CZMQ_CLIENT.secretFile), CZMQ_CLIENT.secretFile);
    expect(cert.publicKeyZ85).toBe(CZMQ_CLIENT.publicKey);
    expect(keyToZ85(cert.secretKey!)).toBe(CZMQ_CLIENT.secretKey);
    expect(keyToZ85(publicKeyOf(cert.secretKey!))).toBe(CZMQ_CLIENT.publicKey);
    expect(Object.fromEntries(cert.metadata)).toEqual(CZMQ_CLIENT.metadata);
  });

  it('reads the pyzmq public file, whose metadata section is empty', () => {
    const cert = parseCertificate(read(PYZMQ_SERVER.publicFile), PYZMQ_SERVER.publicFile);
    expect(cert.publicKeyZ85).toBe(PYZMQ_SERVER.publicKey);
    expect(cert.metadata.size).toBe(0);
    expect(cert.secretKey).toBeUndefined();
  });

  it('reads the pyzmq secret file, with its unquoted metadata values', () => {
    const cert = parseCertificate(read(PYZMQ_SERVER.secretFile), PYZMQ_SERVER.secretFile);
    expect(cert.publicKeyZ85).toBe(PYZMQ_SERVER.publicKey);
    expect(keyToZ85(cert.secretKey!)).toBe(PYZMQ_SERVER.secretKey);
    expect(Object.fromEntries(cert.metadata)).toEqual(PYZMQ_SERVER.metadata);
  });
});

describe('formatCertificate and parseCertificate', () => {
  const date = new Date('2026-11-25T17:00:00Z');

  it('round-trips a secret certificate with its metadata in order', () => {
    const cert = createCertificate({ metadata: [['name', 'alice'], ['email', 'a@example.org'], ['note', 'says "hi"']] });
    const back = parseCertificate(formatCertificate(cert, { secret: true, date }), 'alice_secret');
    expect(back.publicKeyZ85).toBe(cert.publicKeyZ85);
    expect(back.secretKey).toEqual(cert.secretKey);
    expect([...back.metadata]).toEqual([['name', 'alice'], ['email', 'a@example.org'], ['note', 'says "hi"']]);
  });

  it('writes the public file without the secret key and with the metadata, keys quoted', () => {
    const cert = createCertificate({ secretKey: CZMQ_CLIENT.secretKey, metadata: CZMQ_CLIENT.metadata });
    const text = formatCertificate(cert, { date });
    expect(text).toContain(`    public-key = "${CZMQ_CLIENT.publicKey}"\n`);
    expect(text).not.toContain('secret-key');
    expect(text).toContain('#   ZeroMQ CURVE Public Certificate\n');
    expect(text).toContain('Generated on 2026-11-25 17:00:00 by curvezmq');
    const back = parseCertificate(text, 'alice');
    expect(back.secretKey).toBeUndefined();
    expect(Object.fromEntries(back.metadata)).toEqual(CZMQ_CLIENT.metadata);
  });

  it('writes the same body as CZMQ for the same certificate (banner aside)', () => {
    const cert = parseCertificate(read(CZMQ_CLIENT.secretFile), 'x');
    const body = (text: string) => text.split('\n').filter((l) => !l.startsWith('#')).join('\n').trim();
    expect(body(formatCertificate(cert, { secret: true }))).toBe(body(read(CZMQ_CLIENT.secretFile)));
    expect(body(formatCertificate(cert))).toBe(body(read(CZMQ_CLIENT.publicFile)));
  });

  it('refuses to write a secret file for a public certificate', () => {
    expect(() => formatCertificate(publicCertificate(CZMQ_CLIENT.publicKey), { secret: true })).toThrow(RangeError);
  });

  it('reads a key written unquoted even though Z85 holds # and =', () => {
    const text = `curve\n    public-key = ${CZMQ_CLIENT.publicKey}\n    secret-key = ${CZMQ_CLIENT.secretKey}\n`;
    expect(parseCertificate(text, 'x').publicKeyZ85).toBe(CZMQ_CLIENT.publicKey);
  });

  it('ignores unknown sections and names, as CZMQ does', () => {
    const text = `extra\n    thing = "1"\ncurve\n    public-key = "${CZMQ_CLIENT.publicKey}"\n    other = "x"\n`;
    expect(parseCertificate(text, 'x').publicKeyZ85).toBe(CZMQ_CLIENT.publicKey);
  });
});

describe('parseCertificate rejects broken files, naming file and line', () => {
  const key = CZMQ_CLIENT.publicKey;

  it('detects a secret file whose public key is not its secret key\'s', () => {
    const text = read(CZMQ_CLIENT.secretFile).replace(CZMQ_CLIENT.publicKey, PYZMQ_SERVER.publicKey);
    const error = parseError(text);
    expect(error.code).toBe('ERR_CERT_KEY_MISMATCH');
    expect(error.line).toBe(9);
    expect(error.message).toMatch(/^x\.cert:9: /);
  });

  it.each([
    ['no curve section', `metadata\n    a = "1"\n`, undefined],
    ['no public key', `metadata\ncurve\n    secret-key = "${CZMQ_CLIENT.secretKey}"\n`, 2],
    ['a short key', `curve\n    public-key = "abc"\n`, 2],
    ['a key with a character outside Z85', `curve\n    public-key = "${key.slice(0, 39)}~"\n`, 2],
    ['an all-zero public key', `curve\n    public-key = "${'0'.repeat(40)}"\n`, 2],
    ['a repeated curve section', `curve\n    public-key = "${key}"\ncurve\n`, 3],
    ['a repeated public key', `curve\n    public-key = "${key}"\n    public-key = "${key}"\n`, 3],
    ['a metadata name without a value', `metadata\n    name\ncurve\n    public-key = "${key}"\n`, 2],
    ['a metadata name repeated up to case', `metadata\n    a = "1"\n    A = "2"\ncurve\n    public-key = "${key}"\n`, 3],
    ['bad ZPL', `curve\n  public-key = "${key}"\n`, 2],
  ])('ERR_CERT_MALFORMED for %s', (_, text, line) => {
    const error = parseError(text);
    expect(error.code).toBe('ERR_CERT_MALFORMED');
    expect(error.file).toBe('x.cert');
    expect(error.line).toBe(line);
  });
});

describe('creating certificates', () => {
  it('derives the public key from a given secret key', () => {
    const cert = createCertificate({ secretKey: PYZMQ_SERVER.secretKey });
    expect(cert.publicKeyZ85).toBe(PYZMQ_SERVER.publicKey);
  });

  it('generates a fresh key pair each time', () => {
    expect(createCertificate().publicKeyZ85).not.toBe(createCertificate().publicKeyZ85);
  });

  it.each([
    ['a name that is not a ZPL name', { 'a b': 'x' }],
    ['a value with a line break', { a: 'x\ny' }],
    ['a value with both quotes', { a: `"'` }],
    ['a name repeated up to case', [['a', '1'], ['A', '2']] as Array<[string, string]>],
  ])('refuses %s with a RangeError', (_, metadata) => {
    expect(() => createCertificate({ metadata })).toThrow(RangeError);
  });

  it('refuses a low-order public key', () => {
    expect(() => publicCertificate(new Uint8Array(32))).toThrow(/publicKey/);
  });

  it('publicPart drops the secret key and wipeCertificate zeroes it', () => {
    const cert = createCertificate();
    expect(publicPart(cert).secretKey).toBeUndefined();
    expect(publicPart(cert).publicKeyZ85).toBe(cert.publicKeyZ85);
    wipeCertificate(cert);
    expect(cert.secretKey!.every((b) => b === 0)).toBe(true);
  });
});

describe('misuse', () => {
  it('throws TypeError naming the argument', () => {
    expect(() => parseCertificate(undefined as never, 'x')).toThrow(/"text"/);
    expect(() => formatCertificate({ publicKey: 'x' } as never)).toThrow(/"certificate"/);
  });
});
