import { execFile } from 'node:child_process';
import { connectContext, serveContext } from '../../../cli/options';
import { EXIT } from '../../../cli/exit-codes';
import { zeromqTransport } from '../../../cli/transports/zeromq';
import type { ConnectContext, ServeContext } from '../../../cli/transports/types';
import { defaultRegistry } from '../../../mechanisms';
import { allowAny, curveKeyPair } from '../../../index';
import { ZeroMqServer } from '../../../src/adapters/zeromq';
import { freshAddress, removeIpcFiles } from './helpers';
import { cliBin, root } from '../../cli/bin';

// The ZeroMQ adapter's own envelope: what `serve` and `connect` run with --envelope.
// Keys go as `--option=KEY`: a Z85 key may start with "-", which parseArgs would take for an option.
const stops: AbortController[] = [];
const running: Promise<number>[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) stop.abort();
  // Every server stops cleanly once aborted.
  for (const code of await Promise.all(running.splice(0))) expect(code).toBe(EXIT.OK);
  removeIpcFiles();
});

/** Starts `serve` with `args` and resolves with the bound endpoint from its log. */
async function startServer(args: string[]): Promise<{ endpoint: string; log: string[] }> {
  const stop = new AbortController();
  stops.push(stop);
  const log: string[] = [];
  let listening!: (endpoint: string) => void;
  const endpoint = new Promise<string>((resolve) => (listening = resolve));
  const context = (await serveContext(args, (line) => {
    log.push(line);
    const match = /^listening on (\S+)/.exec(line);
    if (match) listening(match[1]!);
  }, stop.signal)) as ServeContext;
  running.push(zeromqTransport.serve(context));
  return { endpoint: await endpoint, log };
}

async function runConnect(args: string[]): Promise<{ code: number; log: string[] }> {
  const log: string[] = [];
  // The note about a throw-away key is the option parser's, tested with it (test/unit/cli-usage).
  const context = (await connectContext(args, (line) => void (line.startsWith('note: ') || log.push(line)))) as ConnectContext;
  return { code: await zeromqTransport.connect(context), log };
}

test('serve echoes and connect exits 0 when every reply matched (CURVE over tcp)', async () => {
  const server = curveKeyPair();
  const client = curveKeyPair();
  const { endpoint, log } = await startServer(['tcp://127.0.0.1:*', `--secret-key=${server.secretKey}`, `--allow=${client.publicKey}`]);
  expect(endpoint).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
  const result = await runConnect([endpoint, `--secret-key=${client.secretKey}`, `--server-key=${server.publicKey}`, '--message', 'Hello', '--message', 'World']);
  expect(result.code).toBe(EXIT.OK);
  // A secret key on the command line works, with a warning that others can read it there.
  expect(result.log).toEqual([expect.stringMatching(/^warning: --secret-key on the command line/), `secure: CURVE peer ${server.publicKey}`, 'reply: Hello', 'reply: World']);
  expect(log).toContain(`secure: CURVE peer ${client.publicKey}`);
});

test('a refused client exits with REFUSED and one reason line, without hanging', async () => {
  const server = curveKeyPair();
  const { endpoint } = await startServer(['tcp://127.0.0.1:*', `--secret-key=${server.secretKey}`, `--allow=${curveKeyPair().publicKey}`]);
  const result = await runConnect([endpoint, `--server-key=${server.publicKey}`, '--message', 'Hello']);
  expect(result.code).toBe(EXIT.REFUSED);
  expect(result.log).toHaveLength(1);
  expect(result.log[0]).toMatch(/^error: ERR_PEER_ERROR/);
});

test('a wrong server key exits with PROTOCOL (4), as on every transport, and says why it may be', async () => {
  const server = curveKeyPair();
  const { endpoint } = await startServer(['tcp://127.0.0.1:*', `--secret-key=${server.secretKey}`, '--allow-any']);
  const result = await runConnect([endpoint, `--server-key=${curveKeyPair().publicKey}`, '--message', 'Hello', '--timeout', '300']);
  expect(result.code).toBe(EXIT.PROTOCOL);
  expect(result.log).toEqual([expect.stringMatching(/^error: ERR_HANDSHAKE_TIMEOUT: .*wrong --server-key/)]);
});

test('NULL over ipc works without keys', async () => {
  const { endpoint } = await startServer([freshAddress('ipc'), '--mechanism', 'null']);
  const result = await runConnect([endpoint, '--mechanism', 'null', '--message', 'plain text']);
  expect(result.code).toBe(EXIT.OK);
});

test('serve fails with FAILURE on an endpoint it cannot bind', async () => {
  const stop = new AbortController();
  const log: string[] = [];
  const context = (await serveContext(['tcp://256.0.0.1:1', '--mechanism', 'null'], (line) => log.push(line), stop.signal)) as ServeContext;
  expect(await zeromqTransport.serve(context)).toBe(EXIT.FAILURE);
  expect(log).toEqual([expect.stringMatching(/^error: /)]);
});

describe('the built command as a process, with --envelope', () => {
  let bin = '';
  beforeAll(() => {
    bin = cliBin('zeromq-cli');
  }, 120_000);
  const runBin = (args: string[]) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, [bin, ...args, '--envelope'], { cwd: root, timeout: 20_000 }, (_error, _stdout, stderr) =>
        resolve({ code: child.exitCode, stderr }),
      );
    });

  test('a refused `curvezmq connect` exits 3 with one line and does not hang', async () => {
    const server = curveKeyPair();
    const { endpoint } = await startServer(['tcp://127.0.0.1:*', `--secret-key=${server.secretKey}`, `--allow=${curveKeyPair().publicKey}`]);
    const result = await runBin(['connect', endpoint, `--server-key=${server.publicKey}`, '--message', 'Hello']);
    expect(result.code).toBe(EXIT.REFUSED);
    const lines = result.stderr.split('\n').filter((line) => !line.startsWith('note: '));
    expect(lines.join('\n')).toMatch(/^error: ERR_PEER_ERROR[^\n]*\n$/);
  });

  test('`curvezmq connect` with a wrong server key exits 4 after its timeout', async () => {
    const server = curveKeyPair();
    const { endpoint } = await startServer(['tcp://127.0.0.1:*', `--secret-key=${server.secretKey}`, '--allow-any']);
    const result = await runBin(['connect', endpoint, `--server-key=${curveKeyPair().publicKey}`, '--message', 'Hello', '--timeout', '300']);
    expect(result.code).toBe(EXIT.PROTOCOL);
    expect(result.stderr).toMatch(/wrong --server-key/);
  });
});

test('connect exits with TIMEOUT when the server never replies', async () => {
  const server = new ZeroMqServer({ mechanism: 'NULL', registry: defaultRegistry, authorizer: allowAny() });
  try {
    const endpoint = await server.bind(freshAddress('tcp'));
    // One timeout covers the handshake and the reply: long enough that a loaded machine's
    // handshake never uses it up, so the only timeout left to hit is the reply's.
    const result = await runConnect([endpoint, '--mechanism', 'null', '--message', 'anyone?', '--timeout', '3000']);
    expect(result.code).toBe(EXIT.TIMEOUT);
    expect(result.log).toEqual(['secure: NULL peer (anonymous)', expect.stringMatching(/^error: ERR_IDLE_TIMEOUT/)]);
  } finally {
    server.close();
  }
});
