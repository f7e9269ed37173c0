import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../helpers/cli';
import { EXIT } from '../../cli/exit-codes';
import { CertStore, loadCertificate } from '../../src/trust';
import { CZMQ_CLIENT, PYZMQ_SERVER, useTempDir } from './helpers';

const dir = useTempDir();

const run = runCli;

describe('curvezmq keygen', () => {
  it('writes CZMQ-named files, prints the public key, and the store accepts the certificate', async () => {
    const result = await run('keygen', 'alice', '--dir', dir(), '--meta', 'name=Alice', '--meta', 'email=a@example.org');
    expect(result.code).toBe(EXIT.OK);
    const key = result.stdout.trim();
    expect(key).toHaveLength(40);
    expect((await fs.readdir(dir())).sort()).toEqual(['alice', 'alice_secret']);
    expect((await fs.stat(path.join(dir(), 'alice_secret'))).mode & 0o777).toBe(0o600);
    const secret = await loadCertificate(path.join(dir(), 'alice'), 'secret');
    expect(secret.publicKeyZ85).toBe(key);
    const found = await new CertStore(dir()).lookup(key);
    expect(Object.fromEntries(found!.metadata)).toEqual({ name: 'Alice', email: 'a@example.org' });
  });

  it('writes pyzmq-named files with --format pyzmq, making the directory', async () => {
    const sub = path.join(dir(), 'certs');
    const result = await run('keygen', 'server', '--dir', sub, '--format', 'pyzmq');
    expect(result.code).toBe(EXIT.OK);
    expect((await fs.readdir(sub)).sort()).toEqual(['server.key', 'server.key_secret']);
    expect(result.stderr).toContain(path.join(sub, 'server.key_secret'));
  });

  it('never replaces existing files without --force', async () => {
    const first = await run('keygen', 'alice', '--dir', dir());
    const again = await run('keygen', 'alice', '--dir', dir());
    expect(again.code).toBe(EXIT.FAILURE);
    expect(again.stderr).toMatch(/exists/);
    expect((await loadCertificate(path.join(dir(), 'alice'))).publicKeyZ85).toBe(first.stdout.trim());
    const forced = await run('keygen', 'alice', '--dir', dir(), '--force');
    expect(forced.code).toBe(EXIT.OK);
    expect((await loadCertificate(path.join(dir(), 'alice'))).publicKeyZ85).toBe(forced.stdout.trim());
  });

  it.each([
    [['keygen']],
    [['keygen', 'a', 'b']],
    [['keygen', 'a', '--format', 'pem']],
    [['keygen', 'a', '--meta', 'novalue']],
    [['keygen', 'a', '--meta', 'bad name=x']],
    [['keygen', 'a', '--bogus']],
  ])('exits with USAGE for %j and writes nothing', async (argv) => {
    const result = await run(...argv, '--dir', dir());
    expect(result.code).toBe(EXIT.USAGE);
    expect(await fs.readdir(dir())).toEqual([]);
  });
});

describe('curvezmq cert show', () => {
  it('prints a CZMQ secret file: key, metadata, and that it holds a secret (not the secret)', async () => {
    const result = await run('cert', 'show', CZMQ_CLIENT.secretFile);
    expect(result.code).toBe(EXIT.OK);
    expect(result.stdout).toContain(`public-key: ${CZMQ_CLIENT.publicKey}\n`);
    expect(result.stdout).toContain('secret-key: yes (not shown)\n');
    expect(result.stdout).toContain('    name = "Example Client"\n');
    expect(result.stdout).not.toContain(CZMQ_CLIENT.secretKey);
  });

  it('says when a file has no metadata', async () => {
    const result = await run('cert', 'show', PYZMQ_SERVER.publicFile);
    expect(result.stdout).toContain('secret-key: no\nmetadata:\n    (none)\n');
  });

  it('prints a pyzmq public file as JSON', async () => {
    const result = await run('cert', 'show', PYZMQ_SERVER.publicFile, '--json');
    expect(JSON.parse(result.stdout)).toEqual({
      file: PYZMQ_SERVER.publicFile,
      publicKey: PYZMQ_SERVER.publicKey,
      hasSecretKey: false,
      metadata: {},
    });
  });

  it('fails naming the file and line for a malformed file', async () => {
    const file = path.join(dir(), 'bad');
    await fs.writeFile(file, 'curve\n    public-key = "x"\n');
    const result = await run('cert', 'show', file);
    expect(result.code).toBe(EXIT.FAILURE);
    expect(result.stderr).toContain(`${file}:2: `);
  });

  it.each([[['cert']], [['cert', 'check']], [['cert', 'show']], [['cert', 'show', 'a', 'b']], [['cert', 'list']]])('exits with USAGE for %j', async (argv) => {
    expect((await run(...argv)).code).toBe(EXIT.USAGE);
  });
});

describe('curvezmq cert list', () => {
  it('lists what an allow-list directory lets in, as the store reads it', async () => {
    await run('keygen', 'alice', '--dir', dir(), '--meta', 'name=Alice');
    const result = await run('cert', 'list', dir());
    expect(result.code).toBe(EXIT.OK);
    const key = (await loadCertificate(path.join(dir(), 'alice'))).publicKeyZ85;
    expect(result.stdout).toBe(`${key}  alice  name="Alice"\n`);
  });

  it('reports each skipped file and exits with FAILURE', async () => {
    await run('keygen', 'alice', '--dir', dir());
    await fs.writeFile(path.join(dir(), 'broken'), 'curve\n    public-key = "x"\n');
    const result = await run('cert', 'list', dir(), '--json');
    expect(result.code).toBe(EXIT.FAILURE);
    const report = JSON.parse(result.stdout);
    expect(report.certificates.map((c: { file: string }) => c.file)).toEqual(['alice']);
    expect(report.skipped).toEqual([
      expect.objectContaining({ file: path.join(dir(), 'broken'), line: 2, code: 'ERR_CERT_MALFORMED' }),
    ]);
  });

  it('fails for a directory that does not exist', async () => {
    const result = await run('cert', 'list', path.join(dir(), 'typo'));
    expect(result.code).toBe(EXIT.FAILURE);
    expect(result.stderr).toMatch(/is not a directory/);
  });
});
