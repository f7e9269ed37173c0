import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decide, keyToZ85, Metadata } from '../../src';
import { createCertificate, formatCertificate, TrustError } from '../../src/trust';
import { allowDirAuthorizer, resolveCertOption, resolveKey } from '../../cli/key-option';
import { caught, CZMQ_CLIENT, PYZMQ_SERVER, useTempDir, VECTOR_CERTS } from './helpers';

const dir = useTempDir();

describe('resolveKey', () => {
  it('takes a 40-character Z85 key', async () => {
    expect(keyToZ85(await resolveKey(CZMQ_CLIENT.publicKey, 'public'))).toBe(CZMQ_CLIENT.publicKey);
    expect(keyToZ85(await resolveKey(CZMQ_CLIENT.secretKey, 'secret'))).toBe(CZMQ_CLIENT.secretKey);
  });

  it('refuses a 40-character value that is not a usable key', async () => {
    await expect(resolveKey('~'.repeat(40), 'secret')).rejects.toThrow(RangeError);
    await expect(resolveKey('0'.repeat(40), 'public')).rejects.toThrow(/low-order/);
  });

  it.each([
    ['the CZMQ public file', CZMQ_CLIENT.publicFile, CZMQ_CLIENT],
    ['the CZMQ secret file', CZMQ_CLIENT.secretFile, CZMQ_CLIENT],
    ['a pyzmq base name', path.join(VECTOR_CERTS, 'pyzmq/server'), PYZMQ_SERVER],
    ['the pyzmq public file', PYZMQ_SERVER.publicFile, PYZMQ_SERVER],
  ])('reads both keys through %s', async (_, file, expected) => {
    expect(keyToZ85(await resolveKey(file, 'public'))).toBe(expected.publicKey);
    expect(keyToZ85(await resolveKey(file, 'secret'))).toBe(expected.secretKey);
  });

  it('reads a file holding one bare Z85 key, comments allowed', async () => {
    const file = path.join(dir(), 'server.pub');
    await fs.writeFile(file, `# the server\n${PYZMQ_SERVER.publicKey}\n`);
    expect(keyToZ85(await resolveKey(file, 'public'))).toBe(PYZMQ_SERVER.publicKey);
  });

  it.each([
    ['a bad bare key', 'not a key\n', 1],
    ['an empty file', '# nothing\n\n', undefined],
  ])('reports %s as ERR_KEY_FILE_MALFORMED', async (_, text, line) => {
    const file = path.join(dir(), 'key');
    await fs.writeFile(file, text);
    const error = (await caught(() => resolveKey(file, 'public'))) as TrustError;
    expect(error.code).toBe('ERR_KEY_FILE_MALFORMED');
    expect([error.file, error.line]).toEqual([file, line]);
  });

  it('reports a value that is neither a key nor a file', async () => {
    const error = (await caught(() => resolveKey(path.join(dir(), 'missing'), 'public'))) as TrustError;
    expect(error.code).toBe('ERR_FILE_NOT_FOUND');
    expect(error.message).toContain('neither a 40-character Z85 key nor a key or certificate file');
  });

  it('refuses a secret from a public certificate alone', async () => {
    const file = path.join(dir(), 'pub');
    await fs.writeFile(file, formatCertificate(createCertificate()));
    expect(((await caught(() => resolveKey(file, 'secret'))) as TrustError).code).toBe('ERR_CERT_NO_SECRET');
  });

  it('refuses a non-string with a TypeError and a bad kind with a RangeError', async () => {
    await expect(resolveKey(42 as never, 'public')).rejects.toThrow(TypeError);
    await expect(resolveKey(CZMQ_CLIENT.publicKey, 'private' as never)).rejects.toThrow(RangeError);
  });
});

describe('resolveCertOption', () => {
  it('loads the secret certificate with its metadata', async () => {
    const cert = await resolveCertOption(CZMQ_CLIENT.publicFile);
    expect(keyToZ85(cert.secretKey!)).toBe(CZMQ_CLIENT.secretKey);
    expect(cert.metadata.get('name')).toBe('Example Client');
  });
});

describe('allowDirAuthorizer', () => {
  it('loads the directory, logs broken files, and allows stored keys', async () => {
    const cert = createCertificate();
    await fs.writeFile(path.join(dir(), 'good'), formatCertificate(cert));
    await fs.writeFile(path.join(dir(), 'bad'), 'curve\n');
    const lines: string[] = [];
    const authorize = await allowDirAuthorizer(dir(), { log: (line) => lines.push(line) });
    expect(lines).toEqual([`skipped: ${path.join(dir(), 'bad')}:1: no "public-key" in the "curve" section`]);
    const request = { mechanism: 'CURVE', publicKey: cert.publicKey, publicKeyZ85: cert.publicKeyZ85, metadata: Metadata.EMPTY };
    expect((await decide(authorize, request)).status).toBe(200);
  });

  it('refuses a directory that does not exist', async () => {
    const error = (await caught(() => allowDirAuthorizer(path.join(dir(), 'typo')))) as TrustError;
    expect(error.code).toBe('ERR_FILE_NOT_FOUND');
  });
});

describe('a 40-character path', () => {
  test('is a certificate base name when its files exist, not a literal key', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'k'));
    try {
      // Pad the directory so that dir/server is exactly 40 characters.
      const sub = path.join(dir, 'x'.repeat(Math.max(1, 40 - dir.length - '/'.length * 2 - 'server'.length)));
      await fs.mkdir(sub);
      const base = path.join(sub, 'server');
      expect(base).toHaveLength(40);
      const source = path.join(__dirname, '..', 'vectors', 'certs', 'pyzmq');
      await fs.copyFile(path.join(source, 'server.key'), `${base}.key`);
      await fs.copyFile(path.join(source, 'server.key_secret'), `${base}.key_secret`);
      await fs.chmod(`${base}.key_secret`, 0o600);
      expect(keyToZ85(await resolveKey(base, 'public'))).toBe(PYZMQ_SERVER.publicKey);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
