import * as zmq from 'zeromq';
import { curveKeyPair } from '../../src/keys';
import { fleetAuthorizer } from '../../src/fleet/authorizer';
import { encodeChp, parseChp, type Kvpub } from '../../src/fleet/codec';
import { keyPath } from '../../src/fleet/key-entry';
import { Metadata } from '../../src/codec/metadata';
import { FleetReplica } from '../../src/adapters/zeromq/fleet/replica';
import { FleetUpdater } from '../../src/adapters/zeromq/fleet/updater';
import type { ChpError } from '../../src/fleet/errors';
import { bareCurve, Closer, eventWhere, GROUP, listKey, socketEvent, startServer } from './helpers';

const closer = new Closer();
afterEach(() => closer.closeAll());
const text = (s: string) => new TextEncoder().encode(s);

test('a key added on the server is admitted by a following fleetAuthorizer within 1 s', async () => {
  const { server, port, keys } = await startServer();
  closer.track(server);
  const reader = curveKeyPair();
  await listKey(server, reader, ['read'], 'replica-1');
  const replica = closer.track(FleetReplica.start({ port, serverKey: keys.publicKey, secretKey: reader.secretKey, group: GROUP }));
  await replica.ready;
  const authorize = fleetAuthorizer(replica, { group: GROUP });
  const newcomer = curveKeyPair();
  const ask = async () => (await authorize({ mechanism: 'CURVE', publicKeyZ85: newcomer.publicKey, metadata: Metadata.EMPTY })) as { status: number };
  expect((await ask()).status).toBe(400);

  const started = Date.now();
  const applied = eventWhere<[Kvpub]>(replica.events, 'update', (u) => u.key === keyPath(GROUP, newcomer.publicKey));
  await listKey(server, newcomer, [], 'svc');
  await applied;
  const elapsed = Date.now() - started;
  expect(await ask()).toMatchObject({ status: 200, userId: 'svc' });
  expect(elapsed).toBeLessThan(1000);

  // Deleting the entry (an empty value) is followed too.
  const removed = eventWhere<[Kvpub]>(replica.events, 'update', (u) => u.value.length === 0);
  await server.set(keyPath(GROUP, newcomer.publicKey), new Uint8Array(0));
  await removed;
  expect((await ask()).status).toBe(400);
});

test('a key without the update right cannot change the map; a key with it can', async () => {
  const { server, port, keys } = await startServer();
  closer.track(server);
  const reader = curveKeyPair();
  const writer = curveKeyPair();
  await listKey(server, reader, ['read']);
  await listKey(server, writer, ['update']);

  const refused = eventWhere(server.events, 'refused', (request: { publicKeyZ85?: string }, where: string) => request.publicKeyZ85 === reader.publicKey && where === 'collector');
  // A bare libzmq PUB with the reader's key: its handshake is refused, so its KVSET never lands.
  const bare = closer.track(new zmq.Publisher({ ...bareCurve(reader, keys.publicKey), linger: 0 }));
  const authFailed = socketEvent(bare, 'handshake:error:auth');
  bare.connect(`tcp://127.0.0.1:${port + 2}`);
  await bare.send(encodeChp({ command: 'KVSET', key: '/config/x', sequence: 0, uuid: new Uint8Array(0), properties: {}, value: text('evil') }));
  expect(((await authFailed) as { error: { status: number } }).error.status).toBe(400);
  await refused;
  expect(server.stats.refused.collector).toBeGreaterThanOrEqual(1);

  const updater = closer.track(FleetUpdater.connect({ port, serverKey: keys.publicKey, secretKey: writer.secretKey }));
  const published = eventWhere<[Kvpub]>(server.events, 'update', (u) => u.key === '/config/y');
  await updater.set('/config/y', text('good'));
  expect((await published)[0].sequence).toBe(server.sequence);
  // Only the writer's update is in the map.
  expect(server.get('/config/x')).toBeUndefined();
  expect(new TextDecoder().decode(server.get('/config/y')?.value)).toBe('good');
});

test('a stranger cannot read the map: snapshot and publisher refuse its key', async () => {
  const { server, port, keys } = await startServer();
  closer.track(server);
  await server.set('/config/secret', text('s'));
  const stranger = curveKeyPair();
  const dealer = closer.track(new zmq.Dealer({ ...bareCurve(stranger, keys.publicKey), linger: 0 }));
  const subscriber = closer.track(new zmq.Subscriber(bareCurve(stranger, keys.publicKey)));
  const dealerRefused = socketEvent(dealer, 'handshake:error:auth');
  const subscriberRefused = socketEvent(subscriber, 'handshake:error:auth');
  subscriber.subscribe();
  dealer.connect(`tcp://127.0.0.1:${port}`);
  subscriber.connect(`tcp://127.0.0.1:${port + 1}`);
  await dealer.send(encodeChp({ command: 'ICANHAZ', subtree: '' }));
  await Promise.all([dealerRefused, subscriberRefused]);
  expect(server.stats.refused.snapshot).toBeGreaterThanOrEqual(1);
  expect(server.stats.refused.publisher).toBeGreaterThanOrEqual(1);
  expect(server.stats.snapshots).toBe(0);

  // Our own replica with that key never gets ready: its first step (the subscription) is refused.
  const replica = closer.track(FleetReplica.start({ port, serverKey: keys.publicKey, secretKey: stranger.secretKey }));
  await eventWhere(server.events, 'refused', (r: { publicKeyZ85?: string }, where: string) => r.publicKeyZ85 === stranger.publicKey && where === 'publisher');
  expect(replica.size).toBe(0);
  await replica.close();
  await expect(replica.ready).rejects.toMatchObject({ code: 'ERR_CHANNEL_CLOSED' });
});

test('malformed CHP commands from an admitted peer are dropped, counted, and harm nothing', async () => {
  const { server, port, keys, admin } = await startServer();
  closer.track(server);
  await server.set('/config/a', text('1'));
  const dealer = closer.track(new zmq.Dealer({ ...bareCurve(admin, keys.publicKey), receiveTimeout: 5000, linger: 0 }));
  dealer.connect(`tcp://127.0.0.1:${port}`);
  const dropped: ChpError[] = [];
  const EXPECTED = 10;
  const allDropped = new Promise<void>((resolve) => {
    server.events.on('dropped', (error: ChpError) => {
      dropped.push(error);
      if (dropped.length === EXPECTED) resolve();
    });
  });
  const bad: (string | Uint8Array)[][] = [
    ['ICANHAZ?'],
    ['ICANHAZ?', 'no-slash'],
    ['KVSET', 'x', 'y'],
    ['ICANHAZ?', new Uint8Array(300).fill(0x41)],
  ];
  for (const frames of bad) await dealer.send(frames);
  const xpub = closer.track(new zmq.XPublisher({ ...bareCurve(admin, keys.publicKey), linger: 0 }));
  xpub.connect(`tcp://127.0.0.1:${port + 2}`);
  await xpub.receive(); // the COLLECTOR's subscription: from now on what we send arrives
  const ok = encodeChp({ command: 'KVSET', key: '/config/b', sequence: 0, uuid: new Uint8Array(0), properties: {}, value: text('2') });
  const collectorBad: Uint8Array[][] = [
    ok.slice(0, 4),
    ok.map((f, i) => (i === 1 ? new Uint8Array(3) : f)),
    ok.map((f, i) => (i === 0 ? text('bad key') : f)),
    ok.map((f, i) => (i === 3 ? text('=x\n') : f)),
    ok.map((f, i) => (i === 0 ? text(keyPath(GROUP, curveKeyPair().publicKey)) : i === 4 ? text('rights=root\n') : f)),
    ok.map((f, i) => (i === 2 ? new Uint8Array(5) : f)),
  ];
  for (const frames of collectorBad) await xpub.send(frames);
  // A good KVSET after the bad ones: it is applied, so everything before it was handled.
  const applied = eventWhere<[Kvpub]>(server.events, 'update', (u) => u.key === '/config/b');
  await xpub.send(ok);
  await applied;
  await allDropped;
  expect(dropped.map((e) => e.code).sort()).toEqual(
    ['ERR_CHP_FRAMES', 'ERR_CHP_FRAMES', 'ERR_CHP_KEY', 'ERR_CHP_KEY', 'ERR_CHP_FRAMES', 'ERR_CHP_SEQUENCE', 'ERR_CHP_KEY', 'ERR_CHP_PROPERTIES', 'ERR_CHP_ENTRY', 'ERR_CHP_UUID'].sort(),
  );
  expect(server.sequence).toBe(2);
  // The snapshot socket still serves.
  await dealer.send(encodeChp({ command: 'ICANHAZ', subtree: '/config/' }));
  const replies = [];
  for (;;) {
    const reply = parseChp(await dealer.receive(), 'snapshot');
    replies.push(reply);
    if ('command' in reply && reply.command === 'KTHXBAI') break;
  }
  expect(replies.map((r) => ('key' in r ? r.key : (r as { command: string }).command))).toEqual(['/config/a', '/config/b', 'KTHXBAI']);
});
