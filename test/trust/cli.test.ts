import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { runCli } from '../helpers/cli';
import { EXIT } from '../../cli/exit-codes';
import { connectContext, serveContext, UsageError } from '../../cli/options';
import { transportFor } from '../../cli/transports';
import type { ConnectContext, ServeContext } from '../../cli/transports/types';
import { curveKeyPair, keyToZ85 } from '../../src';
import { CertStore, loadCertificate } from '../../src/trust';
import { caught, CZMQ_CLIENT, PYZMQ_SERVER, useTempDir } from './helpers';

const dir = useTempDir();

const run = runCli;
/** Mode bits mean nothing on Windows (and root reads any file): the permission tests run elsewhere. */
const onPosix = process.platform === 'win32' ? test.skip : test;

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

/**
 * Finding 11 of the security review: secrets on the command line are visible to every user in
 * `/proc/PID/cmdline`, and secret files readable by group or others were used silently.
 */
describe('finding 11: secrets on the command line and secret files others may read', () => {
  const stops: AbortController[] = [];
  const running: Promise<number>[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0)) stop.abort();
    for (const code of await Promise.all(running.splice(0))) expect(code).toBe(EXIT.OK);
  });

  /** Starts `serve` (ZeroMQ over TCP) and resolves with the endpoint its log names. */
  async function serve(args: string[]): Promise<string> {
    const stop = new AbortController();
    stops.push(stop);
    let listening!: (endpoint: string) => void;
    const endpoint = new Promise<string>((resolve) => (listening = resolve));
    const onLine = (line: string) => {
      const match = /^listening on (\S+)/.exec(line);
      if (match) listening(match[1]!);
    };
    const context = (await serveContext(['tcp://127.0.0.1:*', ...args], onLine, stop.signal)) as ServeContext;
    running.push((await transportFor(context.endpoint))!.serve(context));
    return endpoint;
  }

  /** Writes `text` to `name` in the test's directory with `mode` (set after the write, past the umask). */
  async function secretFile(name: string, text: string, mode: number): Promise<string> {
    const file = path.join(dir(), name);
    await fs.writeFile(file, text);
    await fs.chmod(file, mode);
    return file;
  }

  const serverKeys = curveKeyPair();
  const clientKeys = curveKeyPair();
  const curveServer = () => serve(['--secret-key', serverKeys.secretKey, '--allow', clientKeys.publicKey]);

  onPosix('finding 11: connect with a secret key file of mode 0644 exits 2 naming the file and chmod 600, unless --allow-loose-permissions', async () => {
    const endpoint = await curveServer();
    const file = await secretFile('client.secret', `${clientKeys.secretKey}\n`, 0o644);
    const args = ['connect', endpoint, '--secret-key', file, '--server-key', serverKeys.publicKey, '--message', 'hi', '--timeout', '20000'];
    const refused = await run(...args);
    expect(refused.code).toBe(EXIT.USAGE);
    expect(refused.stderr).toContain(`${file}: permissions 0644 are too open`);
    expect(refused.stderr).toContain(`chmod 600 ${file}`);
    expect(refused.stderr).toContain('--allow-loose-permissions');

    const overridden = await run(...args, '--allow-loose-permissions');
    expect(overridden.stderr).toContain('reply: hi');
    expect(overridden.code).toBe(EXIT.OK);

    await fs.chmod(file, 0o600);
    const fixed = await run(...args);
    expect(fixed.code).toBe(EXIT.OK);
    expect(fixed.stderr).not.toMatch(/warning/);
  });

  onPosix('finding 11: group access alone is refused too, and --cert checks the secret file it reads, not the public one', async () => {
    await run('keygen', 'alice', '--dir', dir());
    const secret = path.join(dir(), 'alice_secret');
    await fs.chmod(path.join(dir(), 'alice'), 0o644);
    await fs.chmod(secret, 0o640);
    const refused = await run('connect', 'tcp://127.0.0.1:1', '--cert', path.join(dir(), 'alice'), '--server-key', serverKeys.publicKey);
    expect(refused.code).toBe(EXIT.USAGE);
    expect(refused.stderr).toContain(`--cert: ${secret}: permissions 0640 are too open`);
  });

  onPosix('finding 11: a PLAIN server refuses a --passwords file others may read', async () => {
    const file = await secretFile('passwords', 'admin=secret\n', 0o604);
    // The options alone, not a running server: without the check this must fail, not serve forever.
    const refused = await caught(() => serveContext(['tcp://127.0.0.1:*', '--mechanism', 'plain', '--passwords', file], () => undefined, new AbortController().signal));
    expect(refused).toBeInstanceOf(UsageError);
    expect((refused as Error).message).toContain(`--passwords: ${file}: permissions 0604 are too open`);
  });

  test('finding 11: a literal --secret-key or --password works but warns on stderr', async () => {
    const endpoint = await curveServer();
    const curve = await run('connect', endpoint, '--secret-key', clientKeys.secretKey, '--server-key', serverKeys.publicKey, '--message', 'hi', '--timeout', '20000');
    expect(curve.code).toBe(EXIT.OK);
    expect(curve.stderr).toMatch(/warning: --secret-key on the command line is visible to other users \(ps, \/proc\/PID\/cmdline\)/);

    const plain = await serve(['--mechanism', 'plain', '--allow-any']);
    const literal = await run('connect', plain, '--mechanism', 'plain', '--username', 'admin', '--password', 'secret', '--message', 'hi', '--timeout', '20000');
    expect(literal.code).toBe(EXIT.OK);
    expect(literal.stderr).toMatch(/warning: --password on the command line is visible/);
  });

  test('finding 11: --password-file and - (stdin) carry the secrets instead, without a warning', async () => {
    const passwords = await secretFile('passwords', 'admin=s3cret pass\n', 0o600);
    const endpoint = await serve(['--mechanism', 'plain', '--passwords', passwords]);
    const file = await secretFile('password', 's3cret pass\n', 0o600);
    const fromFile = await run('connect', endpoint, '--mechanism', 'plain', '--username', 'admin', '--password-file', file, '--message', 'hi', '--timeout', '20000');
    expect(fromFile.stderr).not.toMatch(/warning/);
    expect(fromFile.code).toBe(EXIT.OK);

    const log: string[] = [];
    const stdin = Readable.from([Buffer.from('s3cret pass\n')]);
    const context = (await connectContext(
      [endpoint, '--mechanism', 'plain', '--username', 'admin', '--password-file', '-', '--message', 'hi', '--timeout', '20000'],
      (line) => log.push(line),
      { stdin },
    )) as ConnectContext;
    expect(context.clientOptions).toMatchObject({ password: 's3cret pass' });
    expect(await (await transportFor(context.endpoint))!.connect(context)).toBe(EXIT.OK);
    expect(log.filter((line) => line.startsWith('warning'))).toEqual([]);

    const keyContext = (await connectContext(
      ['tcp://127.0.0.1:1', '--secret-key', '-', '--server-key', serverKeys.publicKey],
      (line) => log.push(line),
      { stdin: Readable.from([`# mine\n${clientKeys.secretKey}\n`]) },
    )) as ConnectContext;
    expect(keyToZ85((keyContext.clientOptions as { secretKey: Uint8Array }).secretKey)).toBe(clientKeys.secretKey);
  });

  test('finding 11: stdin is never read when it carries the stream, and a password file must be one line of UTF-8', async () => {
    const stream = await caught(() => connectContext(['-', '--secret-key', '-', '--server-key', serverKeys.publicKey], () => undefined));
    expect(stream).toBeInstanceOf(UsageError);
    expect((stream as Error).message).toMatch(/stdin carries the stream of endpoint -/);
    for (const [text, problem] of [
      [Buffer.from('s3cr\xe9t\n', 'latin1'), 'is not UTF-8'],
      [Buffer.from('one\ntwo\n'), 'holds more than one line'],
      [Buffer.from('\n'), 'is empty'],
    ] as const) {
      const file = path.join(dir(), 'password');
      await fs.writeFile(file, text, { mode: 0o600 });
      const result = await run('connect', 'tcp://127.0.0.1:1', '--mechanism', 'plain', '--username', 'u', '--password-file', file);
      expect([result.code, result.stderr]).toEqual([EXIT.USAGE, expect.stringContaining(`${file}: ${problem}`)]);
    }
  });
});
