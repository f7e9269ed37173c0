/**
 * One CLI (issue 16, item 7): per-command help, --version, usage errors with a suggestion and
 * the command's usage, inapplicable options refused, keygen naming --force, and a server's
 * denial log naming the refused key.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EXIT } from '../../cli/exit-codes';
import { closest } from '../../cli/usage';
import { curveKeyPair } from '../../src';
import { runCli, serveInProcess } from '../helpers/cli';

const SERVER = curveKeyPair();
const CLIENT = curveKeyPair();
const STRANGER = curveKeyPair();

describe('help and version', () => {
  test.each(['serve', 'connect', 'keygen', 'cert', 'bench', 'files'])('%s --help prints its own usage and exits 0', async (command) => {
    const result = await runCli(command, '--help');
    expect(result.code).toBe(EXIT.OK);
    expect(result.stdout).toMatch(new RegExp(`^usage:\\s+curvezmq ${command}`));
  });

  test("files --help lists each option once and only what files takes", async () => {
    const { stdout } = await runCli('files', '--help');
    expect(stdout.match(/^ {2}--timeout /gm)).toHaveLength(1);
    expect(stdout).not.toMatch(/--message|tcp\+stream|stdin\/stdout/);
    expect(stdout).toMatch(/4 +protocol or key error/);
  });

  test('files refuses --message, and --timeout on serve', async () => {
    const get = await runCli('files', 'get', '/', '--endpoint', 'tcp://127.0.0.1:1', '--into', 'x', '--message', 'hi');
    expect(get.code).toBe(EXIT.USAGE);
    expect(get.stderr).toContain('--message is a connect option; files does not take it');
    const serve = await runCli('files', 'serve', '.', '--endpoint', 'tcp://127.0.0.1:*', '--timeout', '100');
    expect(serve.code).toBe(EXIT.USAGE);
    expect(serve.stderr).toContain('--timeout is a files get option');
  });

  test('hello --help prints help instead of running the demo', async () => {
    const result = await runCli('hello', '--help');
    expect(result.code).toBe(EXIT.OK);
    expect(result.stdout).toMatch(/^usage: curvezmq hello/);
    expect(result.stdout).not.toMatch(/HELLO: OK/);
  });

  test('--version prints the package version', async () => {
    const { version } = JSON.parse(await fs.readFile(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    const result = await runCli('--version');
    expect(result).toEqual({ code: EXIT.OK, stdout: `curvezmq ${version}\n`, stderr: '' });
  });

  test('the top-level help carries the one exit-code table', async () => {
    const result = await runCli('--help');
    expect(result.stdout).toMatch(/2 +usage.*\n.*3 +refused.*\n.*4 +protocol or key error.*\n.*5 +timeout/);
  });
});

describe('usage errors: exit 2, a suggestion, the usage', () => {
  test('a misspelt option of serve', async () => {
    const result = await runCli('serve', 'tcp+stream://127.0.0.1:0', '--alow-any');
    expect(result.code).toBe(EXIT.USAGE);
    expect(result.stderr).toContain('unknown option --alow-any (did you mean --allow-any?)');
    expect(result.stderr).toContain('usage: curvezmq serve ENDPOINT');
  });

  test('a misspelt option of connect and of keygen', async () => {
    const connect = await runCli('connect', 'tcp+stream://127.0.0.1:1', '--server-kye', SERVER.publicKey);
    expect(connect.code).toBe(EXIT.USAGE);
    expect(connect.stderr).toContain('did you mean --server-key?');
    expect(connect.stderr).toContain('usage: curvezmq connect ENDPOINT');
    const keygen = await runCli('keygen', 'a', '--froce');
    expect(keygen.code).toBe(EXIT.USAGE);
    expect(keygen.stderr).toContain('did you mean --force?');
    expect(keygen.stderr).toContain('usage: curvezmq keygen');
  });

  test('hello with an option it does not take', async () => {
    const result = await runCli('hello', '--verbose');
    expect(result.code).toBe(EXIT.USAGE);
    expect(result.stderr).toContain('usage: curvezmq hello');
  });

  test('a misspelt command', async () => {
    const result = await runCli('conect');
    expect(result.code).toBe(EXIT.USAGE);
    expect(result.stderr).toContain("unknown command 'conect' (did you mean connect?)");
  });

  test.each([
    ['serve', '--server-key', SERVER.publicKey, 'connect'],
    ['serve', '--message', 'hi', 'connect'],
    ['serve', '--timeout', '100', 'connect'],
    ['connect', '--allow-any', undefined, 'serve'],
    ['connect', '--passwords', 'file', 'serve'],
  ])('%s refuses the inapplicable %s', async (command, option, value, owner) => {
    const result = await runCli(command, 'tcp+stream://127.0.0.1:1', option, ...(value === undefined ? [] : [value]));
    expect(result.code).toBe(EXIT.USAGE);
    expect(result.stderr).toContain(`${option} is a ${owner} option; ${command} does not take it`);
  });

  test('no suggestion for a word far from every option', () => {
    expect(closest('zzzzzz', ['allow-any', 'server-key'])).toBeUndefined();
    expect(closest('mechansim', ['mechanism', 'message'])).toBe('mechanism');
  });
});

test('connect without a key of its own says it uses a throw-away one', async () => {
  const result = await runCli('connect', 'tcp+stream://127.0.0.1:1', '--server-key', SERVER.publicKey, '--message', 'hi');
  expect(result.stderr).toContain('note: no --secret-key or --cert: using a throw-away key');
});

test('keygen over an existing certificate names --force', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'curvezmq-cli-usage-'));
  try {
    expect((await runCli('keygen', 'alice', '--dir', dir)).code).toBe(EXIT.OK);
    const again = await runCli('keygen', 'alice', '--dir', dir);
    expect(again.code).toBe(EXIT.FAILURE);
    expect(again.stderr).toContain('exists; pass --force to replace it');
    expect(again.stderr).not.toContain('overwrite');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test("the server's denial log names the refused key in Z85", async () => {
  const server = await serveInProcess(['tcp+stream://127.0.0.1:0', '--secret-key', SERVER.secretKey, '--allow', CLIENT.publicKey]);
  try {
    const refused = await runCli('connect', server.endpoint, '--server-key', SERVER.publicKey, '--secret-key', STRANGER.secretKey, '--message', 'hi');
    expect(refused.code).toBe(EXIT.REFUSED);
    expect(server.lines).toContainEqual(expect.stringMatching(new RegExp(`^denied: CURVE client key ${escape(STRANGER.publicKey)}`)));
  } finally {
    await server.stop();
  }
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
