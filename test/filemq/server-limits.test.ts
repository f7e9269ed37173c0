/**
 * The FileMQ server's limits over real zeromq sockets: a frame too large for a handshake, the
 * cap on handshakes (the oldest evicted), the cap on sessions, junk that must not keep a
 * peering alive, and the vocabulary events ('handshake', 'handshakeError', 'close').
 */
import * as zmq from 'zeromq';
import { defaultRegistry, NULL, PLAIN } from '../../mechanisms';
import type { PeerOrigin } from '../../src/adapters/mechanism-choice';
import { FileMqServer, type FileMqServerOptions } from '../../src/adapters/zeromq/filemq';
import { ChannelError } from '../../src';
import { ClientSession, encodeCommand, handshakeFrameLimit, type NamedFactory } from '../../src/filemq';
import { allowAny } from '../../src/trust';
import { removeDir, tempDir, writeTree } from './tree';

let root: string;
const servers: FileMqServer[] = [];
const dealers: zmq.Dealer[] = [];

beforeAll(async () => {
  root = await tempDir('limits');
  await writeTree(root, { 'a.txt': 'a' });
});

afterAll(async () => {
  for (const dealer of dealers) dealer.close();
  await Promise.all(servers.map((s) => s.close()));
  await removeDir(root);
});

async function serve(options: Partial<FileMqServerOptions>): Promise<{ server: FileMqServer; endpoint: string }> {
  const server = new FileMqServer({ root, mechanism: NULL, authorizer: allowAny(), ...options } as FileMqServerOptions);
  servers.push(server);
  return { server, endpoint: await server.bind('tcp://127.0.0.1:*') };
}

/** A Dealer driven frame by frame. */
function dealer(endpoint: string, routingId?: string) {
  const socket = new zmq.Dealer({ linger: 0, ...(routingId === undefined ? {} : { routingId }) });
  dealers.push(socket);
  socket.connect(endpoint);
  return {
    send: (frame: Uint8Array) => socket.send(Buffer.from(frame)),
    next: async () => (await socket.receive())[0]!,
  };
}

const ohai = (mechanism: string) => encodeCommand({ name: 'OHAI', protocol: 'FILEMQ', version: 3, mechanisms: [mechanism] });

function nextEvent<K extends 'handshake' | 'handshakeError'>(server: FileMqServer, name: K) {
  return new Promise<[unknown, PeerOrigin]>((resolve) => server.once(name, ((a: unknown, b: PeerOrigin) => resolve([a, b])) as never));
}

test('before access, a frame over the handshake limit ends the peering at once: ERR_FRAME_TOO_LARGE, SRSLY', async () => {
  const { server, endpoint } = await serve({ handshakeTimeout: 60_000 });
  const failed = nextEvent(server, 'handshakeError');
  const peer = dealer(endpoint);
  await peer.send(ohai('NULL'));
  expect((await peer.next())[2]).toBe(2); // ORLY
  const limit = handshakeFrameLimit([{ name: 'NULL', create: () => NULL.client({}), maxHandshakeSize: NULL.wire!.maxHandshakeSize }]);
  await peer.send(encodeCommand({ name: 'YARLY', mechanism: 'NULL', blobs: [new Uint8Array(limit)] }));
  const [error] = await failed;
  expect(error).toBeInstanceOf(ChannelError);
  expect((error as ChannelError).code).toBe('ERR_FRAME_TOO_LARGE');
  expect((await peer.next())[2]).toBe(128); // SRSLY
  expect(server.sessions).toBe(0);
});

test('maxHandshakes: a new OHAI evicts the oldest handshake not waiting for the authorizer (ERR_LIMIT_REACHED)', async () => {
  const { server, endpoint } = await serve({ maxHandshakes: 2 });
  for (let i = 0; i < 2; i++) {
    const peer = dealer(endpoint);
    const opened = new Promise<void>((resolve) => void peer.next().then(() => resolve()));
    await peer.send(ohai('NULL'));
    await opened;
  }
  expect(server.sessions).toBe(2);
  const evicted = nextEvent(server, 'handshakeError');
  const third = dealer(endpoint);
  await third.send(ohai('NULL'));
  const [error, origin] = await evicted;
  expect((error as ChannelError).code).toBe('ERR_LIMIT_REACHED');
  expect(origin.sessionId).toMatch(/^[0-9a-f]+$/);
  expect((await third.next())[2]).toBe(2); // the newcomer got its ORLY
  expect(server.sessions).toBe(2);
});

test('maxHandshakes: a handshake waiting for the authorizer is evicted only when no other is', async () => {
  let onAsk: () => void = () => undefined;
  const authorizer = () => {
    onAsk();
    return new Promise<boolean>(() => undefined); // never answers
  };
  const { server, endpoint } = await serve({ mechanism: PLAIN, maxHandshakes: 2, authorizer });
  const toDecision = async (routingId: string) => {
    const asked = new Promise<void>((resolve) => (onAsk = resolve));
    const client = new ClientSession({ mechanisms: [{ name: 'PLAIN', create: () => PLAIN.client({ username: 'u', password: 'p' }) }], path: '/' });
    const peer = dealer(endpoint, routingId);
    await peer.send(client.start().send[0]!);
    await peer.send(client.receive(await peer.next()).send[0]!); // HELLO: the authorizer is asked
    await asked;
  };
  const hex = (id: string) => Buffer.from(id).toString('hex');
  await toDecision('A');
  const waiting = dealer(endpoint, 'B');
  await waiting.send(ohai('PLAIN'));
  await waiting.next();
  // Full: the newcomer evicts B, younger than A but not waiting for a decision.
  const first = nextEvent(server, 'handshakeError');
  await toDecision('C');
  expect((await first)[1].sessionId).toBe(hex('B'));
  // Full of decisions pending: the oldest, A, goes.
  const second = nextEvent(server, 'handshakeError');
  await dealer(endpoint, 'D').send(ohai('PLAIN'));
  expect((await second)[1].sessionId).toBe(hex('A'));
});

test('maxSessions: with every slot granted, a new OHAI is refused with ERR_LIMIT_REACHED', async () => {
  const { server, endpoint } = await serve({ maxSessions: 1 });
  const factory: NamedFactory = { name: 'NULL', create: () => defaultRegistry.client('NULL') };
  const client = new ClientSession({ mechanisms: [factory], path: '/' });
  const granted = nextEvent(server, 'handshake');
  const first = dealer(endpoint);
  await first.send(client.start().send[0]!);
  await first.send(client.receive(await first.next()).send[0]!);
  const [peer, origin] = await granted;
  expect((peer as { mechanism: string }).mechanism).toBe('NULL');
  expect(origin.sessionId).toMatch(/^[0-9a-f]+$/);
  const refused = nextEvent(server, 'handshakeError');
  await dealer(endpoint).send(ohai('NULL'));
  expect(((await refused)[0] as ChannelError).code).toBe('ERR_LIMIT_REACHED');
  expect(server.sessions).toBe(1);
});

test('frames without the FileMQ signature do not keep a granted peering alive: it ends ERR_IDLE_TIMEOUT', async () => {
  const { server, endpoint } = await serve({ idleTimeout: 300 });
  const factory: NamedFactory = { name: 'NULL', create: () => defaultRegistry.client('NULL') };
  const client = new ClientSession({ mechanisms: [factory], path: '/' });
  const granted = nextEvent(server, 'handshake');
  const peer = dealer(endpoint);
  await peer.send(client.start().send[0]!);
  await peer.send(client.receive(await peer.next()).send[0]!);
  await granted;
  const closed = new Promise<Error | undefined>((resolve) => server.once('session:close', (_route, error) => resolve(error)));
  const started = Date.now();
  const junk = setInterval(() => void peer.send(Uint8Array.of(1, 2, 3)), 20);
  try {
    const error = await closed;
    expect((error as ChannelError).code).toBe('ERR_IDLE_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(2_000);
  } finally {
    clearInterval(junk);
  }
});

test('close() resolves, emits close, and a decision landing afterwards is ignored', async () => {
  let answer!: (granted: boolean) => void;
  let asked!: () => void;
  const askedOnce = new Promise<void>((resolve) => (asked = resolve));
  const authorizer = () => {
    asked();
    return new Promise<boolean>((resolve) => (answer = resolve));
  };
  const { server, endpoint } = await serve({ mechanism: PLAIN, authorizer });
  const client = new ClientSession({ mechanisms: [{ name: 'PLAIN', create: () => PLAIN.client({ username: 'u', password: 'p' }) }], path: '/' });
  const peer = dealer(endpoint);
  await peer.send(client.start().send[0]!);
  await peer.send(client.receive(await peer.next()).send[0]!);
  await askedOnce;
  const events: string[] = [];
  server.on('close', () => events.push('close')).on('handshake', () => events.push('handshake'));
  server.on('handshakeError', () => events.push('handshakeError'));
  await server.close();
  answer(true);
  // The decision travels by promise callbacks only: one turn of the event loop delivers it.
  await new Promise<void>((resolve) => setImmediate(resolve));
  expect(events).toEqual(['close']);
  expect(server.sessions).toBe(0);
});
