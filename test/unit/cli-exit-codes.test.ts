/**
 * One exit-code table for every transport (issue 16, item 4): a wrong server key is 4 with the
 * same words over tcp:// and tcp+stream://, silence with nobody listening is 5, a stream client
 * at a ZeroMQ endpoint is told to use tcp://, and a stream server logs a ZeroMQ client's
 * mistake once however often it retries.
 */
import * as net from 'node:net';
import * as zmq from 'zeromq';
import { EXIT } from '../../cli/exit-codes';
import { WRONG_SERVER_KEY } from '../../cli/diagnose';
import { curveKeyPair } from '../../src';
import { runCli, serveInProcess } from '../helpers/cli';

const SERVER = curveKeyPair();
const WRONG = curveKeyPair();
const CLIENT = curveKeyPair();

/** Runs `serve` on `endpoint` in-process; its log lines, its bound endpoint, and a stop. */
function startServe(endpoint: string) {
  return serveInProcess([endpoint, '--secret-key', SERVER.secretKey, '--allow', CLIENT.publicKey]);
}

const connectArgs = (endpoint: string, serverKey: string, timeout = '1500') =>
  ['connect', endpoint, '--server-key', serverKey, '--secret-key', CLIENT.secretKey, '--message', 'hi', '--timeout', timeout] as const;

describe.each(['tcp://127.0.0.1:*', 'tcp+stream://127.0.0.1:0'])('a wrong server key over %s', (endpoint) => {
  test('exits 4 and names the likely causes', async () => {
    const server = await startServe(endpoint);
    try {
      const result = await runCli(...connectArgs(server.endpoint, WRONG.publicKey));
      expect(result.code).toBe(EXIT.PROTOCOL);
      expect(result.stderr).toContain(WRONG_SERVER_KEY);
      expect((await runCli(...connectArgs(server.endpoint, SERVER.publicKey))).code).toBe(EXIT.OK);
    } finally {
      await server.stop();
    }
  });
});

test('nobody listening at a tcp:// endpoint: 5, saying no server answered', async () => {
  const probe = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => probe.once('listening', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  const result = await runCli(...connectArgs(`tcp://127.0.0.1:${port}`, SERVER.publicKey, '500'));
  expect(result.code).toBe(EXIT.TIMEOUT);
  expect(result.stderr).toContain(`no server answered at tcp://127.0.0.1:${port}`);
});

test('a tcp+stream:// client at a ZeroMQ endpoint is told to use tcp://', async () => {
  const router = new zmq.Router({ linger: 0 });
  await router.bind('tcp://127.0.0.1:*');
  const port = /:(\d+)$/.exec(router.lastEndpoint!)![1];
  try {
    const result = await runCli(...connectArgs(`tcp+stream://127.0.0.1:${port}`, SERVER.publicKey));
    expect(result.stderr).toContain('speaks ZMTP');
    expect(result.code).toBe(EXIT.PROTOCOL);
    expect(result.stderr).toContain(`this endpoint speaks ZMTP (ZeroMQ): use tcp://127.0.0.1:${port}`);
    expect(result.stderr).not.toMatch(/4278190080/);
  } finally {
    router.close();
  }
});

test('a stream server logs a retrying ZeroMQ client once, naming the mistake', async () => {
  const server = await startServe('tcp+stream://127.0.0.1:0');
  const port = /:(\d+)$/.exec(server.endpoint)![1];
  let attempts = 0;
  try {
    const result = await runCli(...connectArgs(`tcp://127.0.0.1:${port}`, SERVER.publicKey));
    expect(result.code).toBe(EXIT.PROTOCOL);
    attempts = server.lines.filter((line) => line.startsWith('handshake failed')).length;
  } finally {
    await server.stop();
  }
  const named = server.lines.filter((line) => /ZMTP/.test(line));
  expect(named).toEqual([`handshake failed: ERR_WRONG_PROTOCOL: a ZeroMQ (ZMTP) client; this endpoint speaks tcp+stream:// (from 127.0.0.1)`]);
  expect(attempts).toBe(1);
});
