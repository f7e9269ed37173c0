/**
 * A snapshot larger than the SNAPSHOT socket's per-peer queue (`queueLength`) reaches every
 * client while several are connected. Found by `npm run load` (fleet): with two replicas and
 * 1,000 entries against the default queue of 100, every snapshot was abandoned, because a
 * ROUTER reports itself writable while any peer's queue has room, so waiting for "writable"
 * never waited for the full peer.
 */
import { FleetReplica } from '../../src/adapters/zeromq/fleet';
import { encodeKeyMetadata, keyPath } from '../../src/fleet/key-entry';
import { curveKeyPair } from '../../src/keys';
import { Closer, GROUP, listKey, startServer } from './helpers';

const closer = new Closer();
afterEach(() => closer.closeAll());

test('two replicas each get a snapshot of 1,000 entries through a queue of 100', async () => {
  const { server, port, keys } = await startServer({ queueLength: 100 });
  closer.track(server);
  const readers = [curveKeyPair(), curveKeyPair()];
  for (const reader of readers) await listKey(server, reader, ['read']);
  for (let i = 0; i < 1000; i++) await server.set(keyPath(GROUP, curveKeyPair().publicKey), encodeKeyMetadata({ name: `n${i}`, rights: [] }));
  const replicas = readers.map((reader) => closer.track(FleetReplica.start({ port, serverKey: keys.publicKey, secretKey: reader.secretKey, group: GROUP })));
  await Promise.all(replicas.map((replica) => replica.ready));
  for (const replica of replicas) expect(replica.get(keyPath(GROUP, readers[0]!.publicKey))).toBeDefined();
  expect(server.stats.undelivered).toBe(0);
}, 30_000);
