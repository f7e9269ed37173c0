/**
 * The command without the optional `zeromq` (issue 16, item 6): `curvezmq hello` (what
 * `npm start` runs) and `serve tcp:// --envelope` print the one line naming
 * `npm install zeromq@6` and exit non-zero, with no require stack; the stream and ZMTP
 * transports (`tcp+stream://`, and `tcp://` without --envelope) and `--help` still work. A
 * consumer folder holds a copy of the built package (a fresh one: test/cli/bin.ts) and of
 * tweetnacl, and no zeromq anywhere on its path.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cliBin } from '../cli/bin';

const root = path.join(__dirname, '..', '..');
let consumer: string;

beforeAll(() => {
  const built = path.dirname(path.dirname(cliBin('no-zeromq-cli')));
  consumer = fs.mkdtempSync(path.join(os.tmpdir(), 'curvezmq-cli-no-zeromq-'));
  const pkg = path.join(consumer, 'node_modules', 'curvezmq');
  fs.mkdirSync(pkg, { recursive: true });
  fs.copyFileSync(path.join(root, 'package.json'), path.join(pkg, 'package.json'));
  fs.cpSync(path.join(built, 'dist'), path.join(pkg, 'dist'), { recursive: true });
  fs.cpSync(path.join(root, 'bin'), path.join(pkg, 'bin'), { recursive: true });
  fs.cpSync(path.join(root, 'node_modules', 'tweetnacl'), path.join(consumer, 'node_modules', 'tweetnacl'), { recursive: true });
}, 120_000);

afterAll(() => fs.rmSync(consumer, { recursive: true, force: true }));

/** Runs the installed `curvezmq` with `args`; resolves with its exit code and output. */
function curvezmq(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const bin = path.join(consumer, 'node_modules', 'curvezmq', 'bin', 'curvezmq.js');
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: consumer, timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

const MISSING = 'curvezmq/zeromq needs the optional package zeromq, which is not installed: npm install zeromq@6';

test.each([
  [['hello']],
  [['serve', 'tcp://127.0.0.1:0', '--mechanism', 'null', '--envelope']],
  [['connect', 'ipc:///tmp/curvezmq-none', '--mechanism', 'null', '--message', 'hi', '--envelope']],
])('curvezmq %j prints one line naming npm install zeromq@6 and exits non-zero', async (args) => {
  const result = await curvezmq(...args);
  expect(result.code).not.toBe(0);
  expect(result.stderr.trim().split('\n')).toEqual([expect.stringContaining(MISSING)]);
  expect(result.stderr).not.toMatch(/Require stack|^\s+at /m);
});

test('hello --help, the stream transport and tcp:// (ZMTP) need no zeromq', async () => {
  const help = await curvezmq('hello', '--help');
  expect(help.code).toBe(0);
  expect(help.stdout).toMatch(/^usage: curvezmq hello/);
  const stream = await curvezmq('serve', 'tcp+stream://127.0.0.1:0', '--mechanism', 'null', '--allow-bogus');
  expect(stream.code).toBe(2);
  expect(stream.stderr).not.toContain('zeromq');
  // tcp:// speaks ZMTP itself: nobody there is a timeout, not a missing package.
  const zmtp = await curvezmq('connect', 'tcp://127.0.0.1:1', '--mechanism', 'null', '--message', 'hi', '--timeout', '300');
  expect(zmtp.code).toBe(5);
  expect(zmtp.stderr).toMatch(/^error: ERR_HANDSHAKE_TIMEOUT: no server answered at tcp:\/\/127\.0\.0\.1:1/);
  expect(zmtp.stderr).not.toContain('zeromq');
});
