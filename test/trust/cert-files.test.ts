import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import {
  certificateFiles,
  createCertificate,
  loadCertificate,
  publicPart,
  readCertificateFile,
  saveCertificate,
  TrustError,
} from '../../src/trust';
import { caught, CZMQ_CLIENT, PYZMQ_SERVER, useTempDir, VECTOR_CERTS } from './helpers';

const dir = useTempDir();
const mode = async (file: string) => (await fs.stat(file)).mode & 0o777;

describe('certificateFiles', () => {
  it('names files as CZMQ and pyzmq do', () => {
    expect(certificateFiles('d/alice')).toEqual({ publicFile: 'd/alice', secretFile: 'd/alice_secret' });
    expect(certificateFiles('d/alice', 'pyzmq')).toEqual({ publicFile: 'd/alice.key', secretFile: 'd/alice.key_secret' });
    expect(certificateFiles('d/alice.key', 'pyzmq').publicFile).toBe('d/alice.key');
  });
});

describe('saveCertificate', () => {
  it.each(['czmq', 'pyzmq'] as const)('writes %s files our reader loads, the secret one with mode 0600', async (format) => {
    const cert = createCertificate({ metadata: { name: 'alice' } });
    const files = await saveCertificate(cert, path.join(dir(), 'alice'), { format });
    expect(files).toEqual(certificateFiles(path.join(dir(), 'alice'), format));
    expect(await mode(files.secretFile!)).toBe(0o600);
    const secret = await readCertificateFile(files.secretFile!);
    expect(secret.secretKey).toEqual(cert.secretKey);
    const pub = await readCertificateFile(files.publicFile);
    expect(pub.publicKeyZ85).toBe(cert.publicKeyZ85);
    expect(pub.secretKey).toBeUndefined();
    expect(pub.metadata.get('name')).toBe('alice');
  });

  it('into a missing directory: ERR_FILE_NOT_FOUND naming the directory, not an internal temp file', async () => {
    const missing = path.join(dir(), 'no-such-dir');
    const error = await caught(() => saveCertificate(createCertificate(), path.join(missing, 'alice')));
    expect(error).toBeInstanceOf(TrustError);
    expect(error).toMatchObject({ code: 'ERR_FILE_NOT_FOUND', file: missing });
    expect((error as Error).message).not.toMatch(/\.tmp/);
  });

  it('never overwrites silently: an existing file is ERR_CERT_EXISTS and nothing changes', async () => {
    const base = path.join(dir(), 'alice');
    const first = createCertificate();
    await saveCertificate(first, base);
    const before = await fs.readFile(base + '_secret', 'utf8');
    const error = await caught(() => saveCertificate(createCertificate(), base));
    expect(error).toBeInstanceOf(TrustError);
    expect((error as TrustError).code).toBe('ERR_CERT_EXISTS');
    expect(await fs.readFile(base + '_secret', 'utf8')).toBe(before);
    expect((await fs.readdir(dir())).sort()).toEqual(['alice', 'alice_secret']);
  });

  it('writes nothing when only the public file exists', async () => {
    const base = path.join(dir(), 'bob');
    await fs.writeFile(base, 'someone else\'s file');
    expect(((await caught(() => saveCertificate(createCertificate(), base))) as TrustError).code).toBe('ERR_CERT_EXISTS');
    expect(await fs.readdir(dir())).toEqual(['bob']);
  });

  it('replaces both files with overwrite, keeping the secret file private', async () => {
    const base = path.join(dir(), 'alice');
    await saveCertificate(createCertificate(), base);
    await fs.chmod(base + '_secret', 0o644);
    const second = createCertificate();
    await saveCertificate(second, base, { overwrite: true });
    expect((await loadCertificate(base, 'secret')).secretKey).toEqual(second.secretKey);
    expect(await mode(base + '_secret')).toBe(0o600);
    expect((await fs.readdir(dir())).sort()).toEqual(['alice', 'alice_secret']);
  });

  it('writes only the public file of a public certificate', async () => {
    const files = await saveCertificate(publicPart(createCertificate()), path.join(dir(), 'pub'));
    expect(files.secretFile).toBeUndefined();
    expect(await fs.readdir(dir())).toEqual(['pub']);
  });
});

describe('loadCertificate', () => {
  it('finds the secret file from the public file or base name of either scheme', async () => {
    expect((await loadCertificate(CZMQ_CLIENT.publicFile, 'secret')).publicKeyZ85).toBe(CZMQ_CLIENT.publicKey);
    const base = path.join(VECTOR_CERTS, 'pyzmq/server');
    const viaBase = await loadCertificate(base, 'secret');
    expect(viaBase.secretKey).toBeDefined();
    expect(viaBase.publicKeyZ85).toBe(PYZMQ_SERVER.publicKey);
    expect((await loadCertificate(PYZMQ_SERVER.secretFile, 'secret')).metadata.get('role')).toBe('server');
  });

  it('gives the public certificate, without a secret key, by default', async () => {
    const cert = await loadCertificate(path.join(VECTOR_CERTS, 'pyzmq/server'));
    expect(cert.publicKeyZ85).toBe(PYZMQ_SERVER.publicKey);
    expect(cert.secretKey).toBeUndefined();
    expect((await loadCertificate(CZMQ_CLIENT.secretFile)).secretKey).toBeUndefined();
  });

  it('reports a missing certificate and a missing secret with codes naming the file', async () => {
    const missing = (await caught(() => loadCertificate(path.join(dir(), 'nobody')))) as TrustError;
    expect(missing.code).toBe('ERR_FILE_NOT_FOUND');
    expect(missing.file).toBe(path.join(dir(), 'nobody'));
    const { publicFile } = await saveCertificate(publicPart(createCertificate()), path.join(dir(), 'pub'));
    const noSecret = (await caught(() => loadCertificate(publicFile, 'secret'))) as TrustError;
    expect(noSecret.code).toBe('ERR_CERT_NO_SECRET');
    expect(noSecret.file).toBe(publicFile);
  });

  it('reports a file that cannot be read as ERR_FILE_UNREADABLE, keeping the cause', async () => {
    const directory = (await caught(() => readCertificateFile(dir()))) as TrustError;
    expect(directory.code).toBe('ERR_FILE_UNREADABLE');
    expect(directory.message).toMatch(/is not a regular file \(a directory\)/);
    const error = (await caught(() => readCertificateFile(path.join(dir(), 'not-a-dir', 'cert')))) as TrustError;
    await fs.writeFile(path.join(dir(), 'not-a-dir'), '');
    const below = (await caught(() => readCertificateFile(path.join(dir(), 'not-a-dir', 'cert')))) as TrustError;
    expect(error.code).toBe('ERR_FILE_NOT_FOUND');
    expect(below.code).toBe('ERR_FILE_UNREADABLE');
    expect((below.cause as NodeJS.ErrnoException).code).toBe('ENOTDIR');
  });

  it('passes on a malformed file\'s error with its line', async () => {
    const file = path.join(dir(), 'bad');
    await fs.writeFile(file, 'curve\n    public-key = "short"\n');
    const error = (await caught(() => loadCertificate(file))) as TrustError;
    expect(error.code).toBe('ERR_CERT_MALFORMED');
    expect(error.message).toContain(`${file}:2: `);
  });
});

describe('misuse', () => {
  it('throws TypeError or RangeError naming the argument', async () => {
    await expect(saveCertificate({} as never, path.join(dir(), 'x'))).rejects.toThrow(/"certificate"/);
    await expect(saveCertificate(createCertificate(), '')).rejects.toThrow(/"base"/);
    await expect(loadCertificate(7 as never)).rejects.toThrow(TypeError);
    await expect(loadCertificate(CZMQ_CLIENT.publicFile, 'both' as never)).rejects.toThrow(RangeError);
    expect(await fs.readdir(dir())).toEqual([]);
  });
});
