import * as zmq from 'zeromq';
import { curveKeyPair } from '../../src/keys';
import type { Kvpub } from '../../src/fleet/codec';
import { FleetReplica } from '../../src/adapters/zeromq/fleet/replica';
import { bareCurve, Closer, eventWhere, listKey, startServer } from './helpers';

const closer = new Closer();
afterEach(() => closer.closeAll());
const text = (s: string) => new TextEncoder().encode(s);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('a bare libzmq client (its own CURVE options) takes a snapshot and receives updates', async () => {
  const { server, port, keys } = await startServer();
  closer.track(server);
  const reader = curveKeyPair();
  await listKey(server, reader, ['read']);
  await server.set('/config/a', text('1'), { ttl: '60' });
  await server.set('/config/b', text('2'));
  await server.set('/other/c', text('3'));

  const subscriber = closer.track(new zmq.Subscriber({ ...bareCurve(reader, keys.publicKey), linger: 0 }));
  subscriber.subscribe('/config/');
  subscriber.subscribe('HUGZ');
  subscriber.connect(`tcp://127.0.0.1:${port + 1}`);
  // The subscription is live once the first HUGZ arrives (the server sends one every 200 ms here).
  const [first] = await subscriber.receive();
  expect(first?.toString()).toBe('HUGZ');

  const dealer = closer.track(new zmq.Dealer({ ...bareCurve(reader, keys.publicKey), linger: 0 }));
  dealer.connect(`tcp://127.0.0.1:${port}`);
  await dealer.send(['ICANHAZ?', '/config/']);
  const snapshot: Buffer[][] = [];
  for (;;) {
    const frames = await dealer.receive();
    snapshot.push(frames);
    if (frames[0]?.toString() === 'KTHXBAI') break;
  }
  // Wire-exact: five frames each, 8-byte big-endian sequences, properties as name=value lines.
  expect(snapshot.map((f) => f.length)).toEqual([5, 5, 5]);
  expect(snapshot.map((f) => f[0]!.toString())).toEqual(['/config/a', '/config/b', 'KTHXBAI']);
  expect(snapshot[0]![3]!.toString()).toBe('ttl=60\n');
  expect(snapshot[2]![1]!.readBigUInt64BE()).toBe(BigInt(server.sequence));
  expect(snapshot[2]![4]!.toString()).toBe('/config/');

  await server.set('/other/d', text('skip'));
  await server.set('/config/e', text('5'));
  for (;;) {
    const frames = await subscriber.receive();
    if (frames[0]?.toString() === 'HUGZ') {
      expect(frames.map((f) => hex(f))).toEqual([hex(text('HUGZ')), '0000000000000000', '', '', '']);
      continue;
    }
    expect(frames.map((f) => f.toString())[0]).toBe('/config/e');
    expect(frames[1]!.readBigUInt64BE()).toBe(BigInt(server.sequence));
    expect(frames[4]!.toString()).toBe('5');
    break;
  }
});

test('ttl: the server deletes an expired entry and publishes the delete to replicas', async () => {
  let now = 1_000_000;
  const { server, port, keys } = await startServer({ now: () => now });
  closer.track(server);
  const reader = curveKeyPair();
  await listKey(server, reader, ['read']);
  const replica = closer.track(FleetReplica.start({ port, serverKey: keys.publicKey, secretKey: reader.secretKey, subtree: '/tmp/', now: () => now }));
  await replica.ready;
  const added = eventWhere<[Kvpub]>(replica.events, 'update', (u) => u.key === '/tmp/x');
  await server.set('/tmp/x', text('v'), { ttl: '5' });
  await added;
  const gone = eventWhere<[Kvpub]>(replica.events, 'update', (u) => u.key === '/tmp/x' && u.value.length === 0);
  now += 5_000;
  await gone;
  expect(replica.get('/tmp/x')).toBeUndefined();
  expect(server.get('/tmp/x')).toBeUndefined();
});

test('a replica takes a new snapshot when HUGZ stop, and catches up with the restarted server', async () => {
  const { server, port, keys, admin } = await startServer();
  const reader = curveKeyPair();
  await listKey(server, reader, ['read']);
  const replica = closer.track(FleetReplica.start({ port, serverKey: keys.publicKey, secretKey: reader.secretKey, subtree: '/config/', heartbeatTimeout: 500 }));
  await replica.ready;
  await server.close();
  const resync = eventWhere(replica.events, 'resync', () => true);
  await resync;
  // A new server on the same ports, with the same key (a restart without a journal yet).
  const { FleetServer } = await import('../../src/adapters/zeromq/fleet/server');
  const again = closer.track(await FleetServer.start({ port, secretKey: keys.secretKey, group: 'fleet', admins: [admin.publicKey], heartbeat: 200 }));
  const caughtUp = new Promise<void>((resolve) => {
    const check = () => {
      if (replica.get('/config/after') !== undefined) resolve();
    };
    replica.events.on('snapshot', check);
    replica.events.on('update', check);
  });
  await listKeyOn(again, reader);
  await again.set('/config/after', text('x'));
  await caughtUp;
  expect(new TextDecoder().decode(replica.get('/config/after')?.value)).toBe('x');
});

async function listKeyOn(server: import('../../src/adapters/zeromq/fleet/server').FleetServer, key: ReturnType<typeof curveKeyPair>): Promise<void> {
  await listKey(server, key, ['read']);
}

test('a bare libzmq client holding the update right sends a KVSET the server publishes', async () => {
  const { server, port, keys } = await startServer();
  closer.track(server);
  const writer = curveKeyPair();
  await listKey(server, writer, ['update']);
  // XPUB is PUB on the wire; reading its subscription shows when sending stops being dropped.
  const xpub = closer.track(new zmq.XPublisher({ ...bareCurve(writer, keys.publicKey), linger: 0 }));
  xpub.connect(`tcp://127.0.0.1:${port + 2}`);
  await xpub.receive();
  const published = eventWhere<[Kvpub]>(server.events, 'update', (u) => u.key === '/config/bare');
  const uuid = Buffer.alloc(16, 9);
  await xpub.send(['/config/bare', Buffer.alloc(8), uuid, 'ttl=30\n', 'from libzmq']);
  const [update] = await published;
  expect(update.sequence).toBe(server.sequence);
  expect(Buffer.from(update.uuid)).toEqual(uuid);
  expect(update.properties).toEqual({ ttl: '30' });
  expect(new TextDecoder().decode(server.get('/config/bare')?.value)).toBe('from libzmq');
});
