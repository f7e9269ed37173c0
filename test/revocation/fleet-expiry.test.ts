/**
 * The other ways a fleet stops admitting a key, over real sockets: its `ttl` runs out, its
 * metadata `expires`, or its entry is replaced by one without the right the authorizer asks
 * for. Also: a disposed enforcement ends nothing more, a resync's snapshot is checked, and
 * `enforce()` misuse is a TypeError naming the argument.
 */
import { EventEmitter } from 'node:events';
import { curveKeyPair, encodeKeyMetadata, fleetAuthorizer, keyPath, Metadata, type MapEntry, type SessionRevoker } from '../../index';
import { Closer } from '../fleet/helpers';
import { GROUP, setEntry, startFleet } from './fleet-helpers';
import { startService, within, type AdapterName } from './harness';

const closer = new Closer();
afterEach(() => closer.closeAll());

describe.each<AdapterName>(['stream', 'zeromq'])('%s server: expiry ends sessions', (adapter) => {
  test('a `ttl` that runs out ends the session within 2 s of the expiry', async () => {
    const { fleet, replica } = await startFleet(closer);
    const key = curveKeyPair();
    const setAt = Date.now();
    await setEntry(fleet, replica, key, { rights: [] }, { ttl: '1' });
    const authorizer = fleetAuthorizer(replica, { group: GROUP });
    const service = closer.track(await startService(adapter, authorizer));
    closer.track({ close: authorizer.enforce(service.server) });
    const client = await service.connect(key);
    await expect(within(client.serverEnded, 3000, 'the end')).resolves.toMatchObject({ code: 'ERR_REVOKED' });
    const late = Date.now() - (setAt + 1000);
    expect(late).toBeGreaterThanOrEqual(0);
    expect(late).toBeLessThan(2000);
    await expect(client.operate()).rejects.toMatchObject({ code: 'ERR_CHANNEL_CLOSED' });
  });

  test('metadata `expires` ends the session within 2 s of the expiry (no update needed)', async () => {
    const { fleet, replica } = await startFleet(closer);
    const key = curveKeyPair();
    const expires = Math.ceil(Date.now() / 1000) + 1;
    await setEntry(fleet, replica, key, { rights: [], expires });
    const authorizer = fleetAuthorizer(replica, { group: GROUP });
    const service = closer.track(await startService(adapter, authorizer));
    closer.track({ close: authorizer.enforce(service.server) });
    const client = await service.connect(key);
    await expect(within(client.serverEnded, 3000, 'the end')).resolves.toMatchObject({ code: 'ERR_REVOKED' });
    const late = Date.now() - expires * 1000;
    expect(late).toBeGreaterThanOrEqual(0);
    expect(late).toBeLessThan(2000);
  });
});

test('an entry replaced by one without the right asked for ends the session', async () => {
  const { fleet, replica } = await startFleet(closer);
  const key = curveKeyPair();
  await setEntry(fleet, replica, key, { rights: ['update'] });
  const authorizer = fleetAuthorizer(replica, { group: GROUP, right: 'update' });
  const service = closer.track(await startService('zmtp', authorizer));
  closer.track({ close: authorizer.enforce(service.server) });
  const client = await service.connect(key);
  await client.operate();
  await fleet.set(keyPath(GROUP, key.publicKey), encodeKeyMetadata({ rights: ['read'] }));
  await expect(within(client.serverEnded, 2000, 'the end')).resolves.toMatchObject({ code: 'ERR_REVOKED' });
});

test('a disposed enforcement ends nothing: only the servers still attached end the key', async () => {
  const { fleet, replica } = await startFleet(closer);
  const key = curveKeyPair();
  await setEntry(fleet, replica, key, { rights: [] });
  const authorizer = fleetAuthorizer(replica, { group: GROUP });
  const detached = closer.track(await startService('stream', authorizer));
  const attached = closer.track(await startService('stream', authorizer));
  const stop = authorizer.enforce(detached.server);
  closer.track({ close: authorizer.enforce(attached.server) });
  stop();
  stop(); // idempotent
  const onDetached = await detached.connect(key);
  const onAttached = await attached.connect(key);
  await fleet.set(keyPath(GROUP, key.publicKey), new Uint8Array(0));
  // Both servers would be told in the same turn: once the attached one ended the session, the
  // detached one would have too.
  await expect(within(onAttached.serverEnded, 2000, 'the end')).resolves.toMatchObject({ code: 'ERR_REVOKED' });
  await expect(onDetached.operate()).resolves.toBeUndefined();
});

test("a snapshot (a replica's resync) is checked: a key it no longer lists is ended", async () => {
  // A stand-in source: a real resync needs the fleet server silent for heartbeatTimeout.
  const key = curveKeyPair();
  const path = keyPath(GROUP, key.publicKey);
  const entries = new Map<string, MapEntry>([[path, { key: path, sequence: 1, uuid: new Uint8Array(0), properties: {}, value: encodeKeyMetadata({ rights: [] }) }]]);
  const source = { get: (k: string) => entries.get(k), events: new EventEmitter() };
  const authorizer = fleetAuthorizer(source, { group: GROUP });
  const ended: string[] = [];
  const server: SessionRevoker = { endSessions: (publicKey) => (ended.push(publicKey as string), Promise.resolve(1)) };
  const stop = authorizer.enforce(server);
  expect(await authorizer({ mechanism: 'CURVE', publicKeyZ85: key.publicKey, metadata: Metadata.EMPTY })).toMatchObject({ status: 200 });
  entries.clear();
  source.events.emit('snapshot', 2);
  expect(ended).toEqual([key.publicKey]);
  expect(source.events.listenerCount('update') + source.events.listenerCount('snapshot')).toBe(2);
  stop();
  expect(source.events.listenerCount('update') + source.events.listenerCount('snapshot')).toBe(0);
});

test('enforce() misuse is a TypeError naming the argument', () => {
  const mapOnly = fleetAuthorizer({ get: () => undefined }, { group: GROUP });
  const server: SessionRevoker = { endSessions: () => Promise.resolve(0) };
  expect(() => mapOnly.enforce(server)).toThrow(/"source"/);
  const withEvents = fleetAuthorizer({ get: () => undefined, events: new EventEmitter() } as never, { group: GROUP });
  expect(() => withEvents.enforce()).toThrow(/"servers"/);
  expect(() => withEvents.enforce(server, {} as SessionRevoker)).toThrow(/"servers\[1\]"/);
});
