/**
 * `curvezmq serve -` and `curvezmq connect -` wired through two pipes, and the
 * `tcp+stream://` endpoint, run as real processes through `bin/curvezmq.js`.
 * The bin is fresh: see test/cli/bin.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { curveKeyPair } from '../../../src';
import { cliBin, root } from '../../cli/bin';

interface Run {
  readonly code: number | null;
  readonly stderr: string;
}

function start(bin: string, args: string[]): { child: ChildProcess; done: Promise<Run> } {
  const child = spawn(process.execPath, [bin, ...args], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const done = new Promise<Run>((resolve) => child.once('close', (code) => resolve({ code, stderr })));
  return { child, done };
}

/** Runs `serve -` and `connect -` with each one's stdout piped into the other's stdin. */
async function throughPipes(bin: string, serveArgs: string[], connectArgs: string[]) {
  const server = start(bin, ['serve', '-', ...serveArgs]);
  const client = start(bin, ['connect', '-', ...connectArgs]);
  server.child.stdout!.pipe(client.child.stdin!);
  client.child.stdout!.pipe(server.child.stdin!);
  const [serve, connect] = await Promise.all([server.done, client.done]);
  return { serve, connect };
}

const server = curveKeyPair();
const client = curveKeyPair();
// The two processes start in any order: the client's timeout leaves a loaded machine time to start the server.
const messages = ['--message', 'hello', '--message', 'world', '--timeout', '30000'];
let bin = '';

beforeAll(() => {
  bin = cliBin('stream-cli');
}, 60_000);

describe('curvezmq serve - / connect - through two pipes', () => {
  test.each([
    ['NULL', ['--mechanism', 'null'], ['--mechanism', 'null']],
    ['PLAIN', ['--mechanism', 'plain', '--allow-any'], ['--mechanism', 'plain', '--username', 'u', '--password', 'p']],
    ['CURVE', ['--secret-key', server.secretKey, '--allow', client.publicKey], ['--secret-key', client.secretKey, '--server-key', server.publicKey]],
  ])('%s: every reply matches, both exit 0, replies printed on stderr', async (_name, serveArgs, connectArgs) => {
    const { serve, connect } = await throughPipes(bin, serveArgs, [...connectArgs, ...messages]);
    expect(connect.stderr).toContain('reply: hello\n');
    expect(connect.stderr).toContain('reply: world\n');
    expect(connect.code).toBe(0);
    expect(serve.code).toBe(0);
  });
});

describe('curvezmq serve / connect tcp+stream://', () => {
  test('CURVE over TCP on port 0: the logged port works, SIGTERM stops the server with 0', async () => {
    const served = start(bin, ['serve', 'tcp+stream://127.0.0.1:0', '--secret-key', server.secretKey, '--allow', client.publicKey]);
    let log = '';
    const port = await new Promise<string>((resolve, reject) => {
      served.child.stderr!.on('data', (text: string) => {
        log += text;
        const match = /listening on tcp\+stream:\/\/127\.0\.0\.1:(\d+)/.exec(log);
        if (match) resolve(match[1]!);
      });
      served.child.once('close', () => reject(new Error(`serve exited: ${log}`)));
    });
    const connected = start(bin, ['connect', `tcp+stream://127.0.0.1:${port}`, '--secret-key', client.secretKey, '--server-key', server.publicKey, ...messages]);
    const run = await connected.done;
    expect(run.stderr).toContain('reply: world\n');
    expect(run.code).toBe(0);
    served.child.kill('SIGTERM');
    expect((await served.done).code).toBe(0);
  });
});
