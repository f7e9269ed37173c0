/**
 * Nothing unbounded before authentication, on the FileMQ server: raw TCP peers speaking ZMTP
 * 3.0 (NULL, as a DEALER) to its Router attack before they are granted access. The server's
 * peak rss and arrayBuffers growth stays under 8 MiB, and the peering ends with a coded error.
 * Its own file, so it runs in its own jest worker and measures only this attack.
 */
import { PLAIN } from '../../mechanisms';
import { FileMqServer } from '../../src/adapters/zeromq/filemq';
import { ClientSession, encodeCommand, type NamedFactory } from '../../src/filemq';
import type { PeerOrigin } from '../../src/adapters/mechanism-choice';
import { ALLOWED_GROWTH, describeGrowth, flood, peakGrowth, type MemoryGrowth } from '../helpers/memory';
import { connectRaw, frameHeader, trickle } from './raw-zmtp';
import { removeDir, tempDir, writeTree } from './tree';

const MiB = 1024 * 1024;
const HANDSHAKE_TIMEOUT = 1500;

let root: string;
let server: FileMqServer;
let endpoint: string;
let asked = 0;

beforeAll(async () => {
  root = await tempDir('unauthenticated');
  await writeTree(root, { 'secret.txt': 'not for strangers' });
  server = new FileMqServer({
    root,
    mechanism: PLAIN,
    // An authorizer that never answers: the peering waits for its decision until the deadline.
    authorizer: () => {
      asked += 1;
      return new Promise<boolean>(() => undefined);
    },
    handshakeTimeout: HANDSHAKE_TIMEOUT,
  });
  endpoint = await server.bind('tcp://127.0.0.1:*');
});

afterAll(async () => {
  await server.close();
  await removeDir(root);
});

/** The next `'handshakeError'` of the server, with when it came. */
function nextHandshakeError(): Promise<{ error: Error & { code?: string }; origin: PeerOrigin; at: number }> {
  return new Promise((resolve) => server.once('handshakeError', (error, origin) => resolve({ error, origin, at: Date.now() })));
}

function expectWithin(growth: MemoryGrowth): void {
  expect({ growth: describeGrowth(growth), rss: growth.rss < ALLOWED_GROWTH, arrayBuffers: growth.arrayBuffers < ALLOWED_GROWTH }).toMatchObject({
    rss: true,
    arrayBuffers: true,
  });
}

const ohai = encodeCommand({ name: 'OHAI', protocol: 'FILEMQ', version: 3, mechanisms: ['PLAIN'] });

test('a frame announcing 256 MiB before authentication is cut off at its header; the peering ends ERR_HANDSHAKE_TIMEOUT', async () => {
  const peer = await connectRaw(endpoint);
  const ended = nextHandshakeError();
  peer.send(ohai);
  const orly = await peer.next(); // the peering exists: the server answered ORLY
  expect([...orly.body.subarray(0, 3)]).toEqual([0xaa, 0xa3, 2]);
  const opened = Date.now();
  const { result, growth } = await peakGrowth(async () => {
    peer.socket.write(frameHeader(256 * MiB));
    const flooded = await flood(peer.socket, 256 * MiB);
    await peer.closed;
    return flooded;
  });
  expect(result.cutOff).toBe(true);
  expect(result.written).toBeLessThan(64 * MiB);
  expectWithin(growth);
  const { error, at } = await ended;
  expect(error.code).toBe('ERR_HANDSHAKE_TIMEOUT');
  expect(at - opened).toBeLessThan(HANDSHAKE_TIMEOUT + 1000);
  expect(server.sessions).toBe(0);
});

test('a peer that keeps sending while its decision is pending: dropped unread, the peering ends at the deadline', async () => {
  const peer = await connectRaw(endpoint);
  const factory: NamedFactory = { name: 'PLAIN', create: () => PLAIN.client({ username: 'u', password: 'p' }) };
  const client = new ClientSession({ mechanisms: [factory], path: '/' });
  const ended = nextHandshakeError();
  const before = asked;
  peer.send(client.start().send[0]!);
  const opened = Date.now();
  peer.send(client.receive((await peer.next()).body).send[0]!); // YARLY with HELLO: the server asks
  const { result, growth } = await peakGrowth(async () => {
    // Real FileMQ commands, then a 1 KiB frame without the FileMQ signature every 2 ms until
    // the peering ends: none is read while the authorizer decides, none counts as life.
    peer.send(ohai);
    peer.send(encodeCommand({ name: 'KTHXBAI' }));
    const sent = trickle(peer, new Uint8Array(1024).fill(0x41), 1, 2, ended);
    const outcome = await ended;
    return { outcome, flooded: { written: await sent } };
  });
  const { error, origin, at } = result.outcome;
  expect(asked).toBe(before + 1);
  expect(error.code).toBe('ERR_HANDSHAKE_TIMEOUT');
  expect(origin.sessionId).toMatch(/^[0-9a-f]+$/);
  // The frames kept coming, yet the deadline held: they were no sign of life.
  expect(at - opened).toBeGreaterThanOrEqual(HANDSHAKE_TIMEOUT - 50);
  expect(at - opened).toBeLessThan(HANDSHAKE_TIMEOUT + 1000);
  expect(result.flooded.written).toBeGreaterThan(0);
  expectWithin(growth);
  // SRSLY told the peer why; its slot is free.
  let frame = await peer.next();
  while (frame.body[2] !== 128) frame = await peer.next();
  expect(frame.body.subarray(4).toString()).toMatch(/did not complete/);
  expect(server.sessions).toBe(0);
  peer.socket.destroy();
});
