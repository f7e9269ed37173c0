/**
 * `curvezmq files serve` and `files get` run in-process over tcp://127.0.0.1, with keys given
 * the way a user gives them (Z85 on the command line), and finding 4 through the command.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { exitCodeOf, runFiles, type FilesIo } from '../../cli/commands/files';
import { renderBar, ProgressBar } from '../../cli/commands/files-progress';
import { EXIT } from '../../cli/exit-codes';
import { curveKeyPair } from '../../src';
import { hashTree, patternBytes, removeDir, tempDir, writeTree } from './tree';

const server = curveKeyPair();
const client = curveKeyPair();
const stranger = curveKeyPair();

let root: string;
let endpoint: string;
let stop: AbortController;
let serving: Promise<number>;
const dirs: string[] = [];

/** The warning about a literal secret on the command line is the CLI's own, tested with it. */
function io(lines: string[], signal = new AbortController().signal): FilesIo {
  const log = (line: string) => void (line.startsWith('warning: ') || lines.push(line));
  return { log, progress: { isTTY: false, write: () => true }, signal };
}

beforeAll(async () => {
  root = await tempDir('cli-served');
  await writeTree(root, { 'a.txt': 'alpha', 'docs/authorized_keys': 'ssh-ed25519 AAAA served', 'sub/b.bin': patternBytes(300_000, 3), 'sub/empty': '' });
  stop = new AbortController();
  const lines: string[] = [];
  let announce!: (endpoint: string) => void;
  const announced = new Promise<string>((resolve) => (announce = resolve));
  const serverIo: FilesIo = {
    ...io(lines, stop.signal),
    log: (line) => {
      lines.push(line);
      const match = /on (tcp:\/\/\S+)/.exec(line);
      if (match) announce(match[1]!);
    },
  };
  serving = runFiles(['serve', root, '--endpoint', 'tcp://127.0.0.1:*', '--secret-key', server.secretKey, '--allow', client.publicKey], serverIo);
  endpoint = await Promise.race([announced, serving.then((code) => Promise.reject(new Error(`serve exited ${code}: ${lines.join('\n')}`)))]);
});

afterAll(async () => {
  stop.abort();
  expect(await serving).toBe(EXIT.OK);
  await removeDir(root);
  await Promise.all(dirs.map(removeDir));
});

async function target(label: string): Promise<string> {
  const dir = await tempDir(label);
  dirs.push(dir);
  return join(dir, 'into');
}

const keys = (secret: string) => ['--secret-key', secret, '--server-key', server.publicKey];

test('files get / exits 0 with every file identical; a second get exits 0 too', async () => {
  const into = await target('cli-get');
  const lines: string[] = [];
  expect(await runFiles(['get', '/', '--endpoint', endpoint, '--into', into, ...keys(client.secretKey)], io(lines))).toBe(EXIT.OK);
  expect(await hashTree(into)).toEqual(await hashTree(root));
  expect(lines).toEqual([]); // quiet when not on a terminal
  expect(await runFiles(['get', '/', '--endpoint', endpoint, '--into', into, ...keys(client.secretKey)], io(lines))).toBe(EXIT.OK);
});

test('files get with an unknown key exits 3 (refused) and writes nothing', async () => {
  const into = await target('cli-refused');
  const lines: string[] = [];
  expect(await runFiles(['get', '/', '--endpoint', endpoint, '--into', into, ...keys(stranger.secretKey)], io(lines))).toBe(EXIT.REFUSED);
  expect(existsSync(into)).toBe(false);
  expect(lines.join('\n')).toMatch(/refused/);
});

test('ENDPOINT is positional, as in serve and connect', async () => {
  const into = await target('cli-positional');
  const lines: string[] = [];
  expect(await runFiles(['get', '/', endpoint, '--into', into, ...keys(client.secretKey)], io(lines))).toBe(EXIT.OK);
  expect(await hashTree(into)).toEqual(await hashTree(root));
  expect(await runFiles(['get', '/', endpoint, '--endpoint', endpoint, '--into', into, ...keys(client.secretKey)], io(lines))).toBe(EXIT.USAGE);
  expect(lines).toEqual(['curvezmq files: give ENDPOINT or --endpoint, not both']);
});

test('files get with a wrong server key exits 4 (as connect does) and names the likely causes', async () => {
  const into = await target('cli-wrong-key');
  const lines: string[] = [];
  const args = ['get', '/', '--endpoint', endpoint, '--into', into, '--retries', '0', '--timeout', '1000', '--secret-key', client.secretKey, '--server-key', stranger.publicKey];
  expect(await runFiles(args, io(lines))).toBe(EXIT.PROTOCOL);
  expect(existsSync(into)).toBe(false);
  expect(lines.join('\n')).toMatch(/wrong --server-key/);
});

test('finding 4: files get into a directory whose docs is a link to ../outside writes nothing outside and exits 4, naming the link', async () => {
  const into = await target('cli-link');
  const outside = join(into, '..', 'outside');
  await mkdir(outside, { recursive: true });
  await mkdir(into);
  await symlink('../outside', join(into, 'docs'));
  const lines: string[] = [];
  expect(await runFiles(['get', '/', '--endpoint', endpoint, '--into', into, '--retries', '0', ...keys(client.secretKey)], io(lines))).toBe(EXIT.PROTOCOL);
  expect(await readdir(outside)).toEqual([]);
  expect(lines).toEqual(['curvezmq files get: refused to write "docs/authorized_keys": docs is a symbolic link']);
});

test('usage mistakes exit 2 with a reason', async () => {
  const lines: string[] = [];
  expect(await runFiles(['get', '/', '--into', '/tmp/x', ...keys(client.secretKey)], io(lines))).toBe(EXIT.USAGE);
  expect(await runFiles(['get', '/', '--endpoint', endpoint, ...keys(client.secretKey)], io(lines))).toBe(EXIT.USAGE);
  expect(await runFiles(['fetch', '/', '--endpoint', endpoint], io(lines))).toBe(EXIT.USAGE);
  expect(await runFiles(['serve', '/definitely/not/here', '--endpoint', 'tcp://127.0.0.1:*', '--secret-key', server.secretKey, '--allow-any'], io(lines))).toBe(EXIT.USAGE);
  expect(await runFiles(['get', '/', '--endpoint', endpoint, '--into', '/tmp/x', '--retries', '-1', ...keys(client.secretKey)], io(lines))).toBe(EXIT.USAGE);
  expect(lines).toEqual([
    'curvezmq files: ENDPOINT is required',
    'curvezmq files: --into is required',
    "curvezmq files: unknown files command 'fetch' (serve or get)",
    'curvezmq files: /definitely/not/here is not a directory',
    'curvezmq files: --retries must be a whole number, 0 or more',
  ]);
});

test('the progress bar shows bytes, rate and time left, and only on a terminal', () => {
  expect(renderBar(50 * 1024 * 1024, 200 * 1024 * 1024, 2, 100)).toBe(
    '[##########..............................]  25%  50.0/200.0 MB  25.0 MB/s  ETA 6s',
  );
  const written: string[] = [];
  let now = 0;
  const quiet = new ProgressBar({ isTTY: false, write: (t: string) => written.push(t) }, () => now);
  quiet.update(1, 2);
  quiet.finish();
  expect(written).toEqual([]);
  const bar = new ProgressBar({ isTTY: true, columns: 100, write: (t: string) => written.push(t) }, () => now);
  now = 1000;
  bar.update(1024 * 1024, 2 * 1024 * 1024);
  now = 1050; // too soon to redraw
  bar.update(1.5 * 1024 * 1024, 2 * 1024 * 1024);
  now = 2000;
  bar.update(2 * 1024 * 1024, 2 * 1024 * 1024);
  bar.finish();
  expect(written).toHaveLength(3);
  expect(written[0]).toMatch(/^\r\[#+\.+\]  50%  1\.0\/2\.0 MB  1\.0 MB\/s  ETA 1s$/);
  expect(written[1]).toMatch(/100%/);
  expect(written[2]).toBe('\n');
});

test('failures map to the exit codes of the other commands', () => {
  expect(exitCodeOf('ERR_FILEMQ_REFUSED')).toBe(EXIT.REFUSED);
  expect(exitCodeOf('ERR_FILEMQ_TIMEOUT')).toBe(EXIT.TIMEOUT);
  expect(exitCodeOf('ERR_FILEMQ_INTEGRITY')).toBe(EXIT.PROTOCOL);
  expect(exitCodeOf('ERR_FILEMQ_SECURITY')).toBe(EXIT.PROTOCOL);
  expect(exitCodeOf('ERR_FILEMQ_CLOSED')).toBe(EXIT.FAILURE);
});
