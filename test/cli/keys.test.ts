/**
 * `curvezmq keys`: `serve` runs in a child process (real TCP, its own zeromq context and ZAP
 * handler), and `add`, `revoke`, `list` and `watch` run here against it. The child runs the
 * TypeScript sources through bench/register.js (no build step), calling the command's entry
 * exactly as the bin's dispatch does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { randomInt } from 'node:crypto';
import { curveKeyPair, type Z85KeyPair } from '../../src/keys';
import { runKeys } from '../../cli/commands/keys';
import { EXIT } from '../../cli/exit-codes';

const root = path.join(__dirname, '..', '..');
const ENTRY = "require('./cli/commands/keys').keys(process.argv.slice(1)).then((code) => { process.exitCode = code; })";

/** Lines written by one side, with a way to wait for one. */
class Lines extends EventEmitter {
  readonly all: string[] = [];
  push(line: string): void {
    this.all.push(line);
    this.emit('line', line);
  }
  async waitFor(test: (line: string) => boolean): Promise<string> {
    const seen = this.all.find(test);
    if (seen !== undefined) return seen;
    for (;;) {
      const [line] = (await once(this, 'line')) as [string];
      if (test(line)) return line;
    }
  }
}

let dir = '';
const serverKeys = curveKeyPair();
const admin = curveKeyPair();
const reader = curveKeyPair();
const files: Record<string, string> = {};
let child: ChildProcess | undefined;
let endpoint = '';
const serverLog = new Lines();

function secretFile(name: string, keys: Z85KeyPair): string {
  const file = path.join(dir, name);
  writeFileSync(file, keys.secretKey + '\n', { mode: 0o600 });
  return file;
}

/** Starts `keys serve` on a free port triple (retried when one is in use). */
async function startServe(): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const port = randomInt(20_000, 60_000);
    const args = ['serve', `tcp://127.0.0.1:${port}`, '--journal', path.join(dir, 'keys.journal'), '--secret-key-file', files.server!, '--admin', admin.publicKey, '--heartbeat', '200'];
    const started = spawn(process.execPath, ['--require', './bench/register.js', '-e', ENTRY, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let buffered = '';
    started.stderr!.setEncoding('utf8').on('data', (text: string) => {
      buffered += text;
      const parts = buffered.split('\n');
      buffered = parts.pop()!;
      for (const line of parts) serverLog.push(line);
    });
    const exited = once(started, 'exit').then(([code]) => code as number);
    const ready = serverLog.waitFor((line) => line.startsWith('serving keys on') || line.includes('cannot serve'));
    const first = await Promise.race([ready, exited.then((code) => `exited ${code}`)]);
    if (first.startsWith('serving keys on')) {
      child = started;
      endpoint = `tcp://127.0.0.1:${port}`;
      return;
    }
    if (attempt > 10 || !first.includes('in use')) throw new Error(`keys serve did not start: ${serverLog.all.join('\n')}`);
    await exited;
  }
}

/** Runs `keys ...` here; `signal` stops watch. */
async function keys(args: string[], signal = new AbortController().signal) {
  const out = new Lines();
  const log = new Lines();
  const code = runKeys(args, { out: (line) => out.push(line), log: (line) => log.push(line), signal });
  return { code, out, log };
}

/** `text` as a literal in a RegExp (Z85 keys hold `.`, `?`, `(` and the like). */
const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

const asAdmin = () => ['--secret-key-file', files.admin!, '--server-key', serverKeys.publicKey];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'curvezmq-keys-'));
  files.server = secretFile('server.key', serverKeys);
  files.admin = secretFile('admin.key', admin);
  files.reader = secretFile('reader.key', reader);
  await startServe();
}, 60_000);

afterAll(async () => {
  if (child !== undefined && child.exitCode === null) {
    const exited = once(child, 'exit');
    child.kill('SIGINT');
    const [code] = await exited;
    // serve stops cleanly on SIGINT.
    expect(code).toBe(EXIT.OK);
  }
  rmSync(dir, { recursive: true, force: true });
});

test('add -> list shows the key; watch prints the add and the revoke; revoke -> list no longer shows it', async () => {
  const listed = curveKeyPair();
  const keyPath = `/keys/web/${listed.publicKey}`;
  const stopWatch = new AbortController();
  const watch = await keys(['watch', endpoint, ...asAdmin(), '--group', 'web'], stopWatch.signal);
  await watch.log.waitFor((line) => line.startsWith('watching /keys/web/'));

  const add = await keys(['add', endpoint, ...asAdmin(), '--group', 'web', '--key', listed.publicKey, '--name', 'svc-1', '--rights', 'read', '--expires', '2099-01-31T00:00:00Z']);
  await expect(add.code).resolves.toBe(EXIT.OK);
  expect(add.out.all).toEqual([expect.stringMatching(new RegExp(`^added ${literal(keyPath)} \\(sequence \\d+\\)$`))]);

  const list = await keys(['list', endpoint, ...asAdmin(), '--group', 'web']);
  await expect(list.code).resolves.toBe(EXIT.OK);
  expect(list.out.all).toEqual([`${keyPath} name="svc-1" rights=read expires=2099-01-31T00:00:00Z`]);

  await expect(watch.out.waitFor((line) => line.endsWith(`set ${keyPath} name="svc-1" rights=read expires=2099-01-31T00:00:00Z`))).resolves.toMatch(/^\d+ set /);

  const revoke = await keys(['revoke', endpoint, ...asAdmin(), '--group', 'web', '--key', listed.publicKey]);
  await expect(revoke.code).resolves.toBe(EXIT.OK);
  expect(revoke.out.all).toEqual([expect.stringMatching(new RegExp(`^revoked ${literal(keyPath)} \\(sequence \\d+\\)$`))]);
  await expect(watch.out.waitFor((line) => line.endsWith(`revoked ${keyPath}`))).resolves.toMatch(/^\d+ revoked /);

  const after = await keys(['list', endpoint, ...asAdmin(), '--group', 'web']);
  await expect(after.code).resolves.toBe(EXIT.OK);
  expect(after.out.all).toEqual([]);

  stopWatch.abort();
  await expect(watch.code).resolves.toBe(EXIT.OK);
  // Exactly the two changes, in order.
  expect(watch.out.all.map((line) => line.split(' ')[1])).toEqual(['set', 'revoked']);
});

test('a key holding read but not update cannot add: refused (exit 3), and the map is unchanged', async () => {
  const add = await keys(['add', endpoint, ...asAdmin(), '--group', 'fleet', '--key', reader.publicKey, '--rights', 'read']);
  await expect(add.code).resolves.toBe(EXIT.OK);
  const intruder = curveKeyPair();
  const refused = await keys(['add', endpoint, '--secret-key-file', files.reader!, '--server-key', serverKeys.publicKey, '--group', 'web', '--key', intruder.publicKey, '--rights', 'read,update']);
  await expect(refused.code).resolves.toBe(EXIT.REFUSED);
  expect(refused.log.all.join('\n')).toMatch(/refused our key \(it needs the update right\)/);
  await serverLog.waitFor((line) => line === `refused: key ${reader.publicKey} at collector`);

  // The reader may read: its list works, and does not show the intruder.
  const list = await keys(['list', endpoint, '--secret-key-file', files.reader!, '--server-key', serverKeys.publicKey, '--group', 'fleet']);
  await expect(list.code).resolves.toBe(EXIT.OK);
  expect(list.out.all).toEqual([`/keys/fleet/${reader.publicKey} rights=read`]);
});

test('a stranger cannot list (exit 3); a server that is not there times out (exit 5)', async () => {
  const stranger = curveKeyPair();
  const file = secretFile('stranger.key', stranger);
  const refused = await keys(['list', endpoint, '--secret-key-file', file, '--server-key', serverKeys.publicKey]);
  await expect(refused.code).resolves.toBe(EXIT.REFUSED);
  expect(refused.out.all).toEqual([]);
  // Port 1 (P, P+1, P+2 = 1, 2, 3): nothing listens there.
  const nobody = await keys(['list', 'tcp://127.0.0.1:1', ...asAdmin(), '--timeout', '300']);
  await expect(nobody.code).resolves.toBe(EXIT.TIMEOUT);
  expect(nobody.log.all.join('\n')).toMatch(/no answer from the fleet server at tcp:\/\/127\.0\.0\.1:1 within 300 ms/);
});

test.each([
  [[], /expected an action/],
  [['ad', 'tcp://127.0.0.1:5556'], /unknown action 'ad' \(did you mean add\?\)/],
  [['add', 'tcp://127.0.0.1:5556', '--secret-key-file', 'KEYFILE', '--server-key', 'SERVER', '--key', 'KEY'], /needs --group G/],
  [['add', 'tcp://127.0.0.1:5556', '--secret-key-file', 'KEYFILE', '--server-key', 'SERVER', '--group', 'web', '--key', 'KEY', '--rights', 'write'], /unknown right "write"/],
  [['add', 'tcp://127.0.0.1:5556', '--secret-key-file', 'KEYFILE', '--server-key', 'SERVER', '--group', 'web', '--key', 'KEY', '--expires', 'tomorrow'], /--expires expected an ISO 8601 date/],
  [['list', 'tcp://127.0.0.1:5556', '--secret-key-file', 'KEYFILE', '--journal', 'x'], /keys list does not take --journal/],
  [['list', 'tcp://127.0.0.1:5556', '--secret-key-file', 'KEYFILE', '--gruop', 'x'], /unknown option --gruop \(did you mean --group\?\)/],
  [['list', 'tcp://127.0.0.1', '--secret-key-file', 'KEYFILE'], /"ENDPOINT" expected tcp:\/\/HOST:PORT/],
  [['list', 'tcp://127.0.0.1:5556'], /needs --secret-key-file/],
  [['list', 'tcp://127.0.0.1:5556', '--secret-key-file', 'KEYFILE'], /needs --server-key/],
  [['serve', 'tcp://127.0.0.1:5556', '--secret-key-file', 'KEYFILE', '--admin', 'KEY'], /needs --journal PATH/],
  [['serve', 'tcp://127.0.0.1:5556', '--secret-key-file', 'KEYFILE', '--journal', 'j'], /needs --admin KEY/],
  [['serve', 'tcp://127.0.0.1:5556', '--secret-key-file', 'KEYFILE', '--journal', 'j', '--admin', 'KEY', '--primary', 'tcp://b:5556'], /Binary Star pair\) are not built yet/],
])('usage error exits 2: keys %j', async (args, message) => {
  const real = (arg: string) => ({ KEYFILE: files.admin!, SERVER: serverKeys.publicKey, KEY: admin.publicKey })[arg] ?? arg;
  const run = await keys(args.map(real));
  await expect(run.code).resolves.toBe(EXIT.USAGE);
  expect(run.log.all.join('\n')).toMatch(message);
  expect(run.out.all).toEqual([]);
});

test('keys --help and keys add --help print the help and exit 0', async () => {
  for (const args of [['--help'], ['add', '--help']]) {
    const run = await keys(args);
    await expect(run.code).resolves.toBe(EXIT.OK);
    expect(run.out.all.join('\n')).toMatch(/^usage:\n {2}curvezmq keys serve ENDPOINT/);
  }
});
