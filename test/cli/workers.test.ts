/**
 * `curvezmq serve --workers N` (issue 16, items 8 and 10): N node:cluster workers share one
 * port; every connection is served, by both workers; SIGTERM stops them all and the command
 * exits 0. Run as a real process, as the primary forks its own command line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connectZmtp } from '../../src/adapters/zmtp';
import { once } from 'node:events';
import { connect } from '../../src/adapters/stream';
import { CURVE, curveKeyPair } from '../../index';
import { EXIT } from '../../cli/exit-codes';
import { cliBin, root } from './bin';
import { runCli } from '../helpers/cli';

const SERVER = curveKeyPair();
const CLIENT = curveKeyPair();
let bin = '';

beforeAll(() => {
  bin = cliBin('workers-cli');
}, 120_000);

interface Served {
  readonly child: ChildProcess;
  readonly port: number;
  readonly stderr: () => string;
  readonly exit: Promise<number | null>;
}

/** Starts `curvezmq serve ENDPOINT --workers 2` and resolves once the primary says all listen. */
async function serveWorkers(endpoint: string): Promise<Served> {
  const child = spawn(process.execPath, [bin, 'serve', endpoint, '--workers', '2', '--secret-key', SERVER.secretKey, '--allow', CLIENT.publicKey], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr!.setEncoding('utf8').on('data', (text: string) => {
      log += text;
      const match = /^listening on [a-z+]+:\/\/127\.0\.0\.1:(\d+) \(CURVE, 2 workers\)$/m.exec(log);
      if (match) resolve(Number(match[1]));
    });
    void exit.then(() => reject(new Error(`serve exited: ${log}`)));
  });
  return { child, port, stderr: () => log, exit };
}

/** The worker ids that logged a secured peer, one entry per connection. */
const servedBy = (log: string) => [...log.matchAll(/^worker (\d+): secure: CURVE peer /gm)].map((match) => match[1]);

test.each([
  ['tcp+stream://127.0.0.1:0', 'stream'],
  ['tcp://127.0.0.1:*', 'ZMTP'],
] as const)('%s --workers 2: 20 connections all served, by both workers; SIGTERM exits 0', async (endpoint, kind) => {
  const served = await serveWorkers(endpoint);
  try {
    const replies = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const message = `hello ${i}`;
        if (kind === 'stream') {
          const stream = connect({ port: served.port, host: '127.0.0.1', mechanism: CURVE, mechanismOptions: { secretKey: CLIENT.secretKey, serverKey: SERVER.publicKey } });
          try {
            await stream.handshake;
            stream.write(message);
            const [reply] = await once(stream, 'data');
            return String(reply);
          } finally {
            stream.destroy();
          }
        }
        const connection = await connectZmtp({ port: served.port, mechanism: CURVE, mechanismOptions: { secretKey: CLIENT.secretKey, serverKey: SERVER.publicKey } });
        try {
          await connection.send([Buffer.from(message)]);
          return Buffer.from((await connection.receive())[0]!).toString();
        } finally {
          await connection.close();
        }
      }),
    );
    expect(replies).toEqual(Array.from({ length: 20 }, (_, i) => `hello ${i}`));
  } finally {
    served.child.kill('SIGTERM');
  }
  expect(await served.exit).toBe(0);
  const workers = servedBy(served.stderr());
  expect(workers).toHaveLength(20);
  expect(new Set(workers)).toEqual(new Set(['1', '2']));
}, 20_000);

test.each([
  [['serve', 'ipc:///tmp/curvezmq-w', '--mechanism', 'null', '--workers', '2'], /--workers needs a tcp\+stream:\/\/ or tcp:\/\/ endpoint without --envelope: ipc:\/\/\/tmp\/curvezmq-w cannot be shared between processes/],
  [['serve', 'tcp://127.0.0.1:*', '--mechanism', 'null', '--envelope', '--workers', '2'], /--workers needs .*: a ZeroMQ socket binds its port in one process/],
  [['serve', 'tcp+stream://127.0.0.1:0', '--mechanism', 'null', '--workers', '0'], /--workers must be a whole number from 1 to 256/],
  [['serve', 'tcp+stream://127.0.0.1:0', '--secret-key', '-', '--allow-any', '--workers', '2'], /--workers needs --secret-key or --cert as a file/],
  [['connect', 'tcp+stream://127.0.0.1:1', '--mechanism', 'null', '--workers', '2'], /--workers is a serve option; connect does not take it/],
])('%j is a usage error (2) with a one-line why', async (args, message) => {
  const result = await runCli(...args);
  expect(result.stderr.split('\n')[0]).toMatch(message);
  expect(result.code).toBe(EXIT.USAGE);
});
