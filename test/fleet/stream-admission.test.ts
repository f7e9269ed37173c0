import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect, createServer, CURVE, curveKeyPair } from '../../index';
import { fleetAuthorizer } from '../../src/fleet/authorizer';
import { encodeKeyMetadata, keyPath } from '../../src/fleet/key-entry';
import type { Kvpub } from '../../src/fleet/codec';
import { FleetReplica } from '../../src/adapters/zeromq/fleet/replica';
import { Closer, eventWhere, listKey, startServer } from './helpers';

const closer = new Closer();
afterEach(() => closer.closeAll());

test('a stream server admits a key the fleet lists within 1 s of its listing, and refuses it before', async () => {
  const { server: fleet, port, keys } = await startServer();
  closer.track(fleet);
  const follower = curveKeyPair();
  await listKey(fleet, follower, ['read']);
  const replica = closer.track(FleetReplica.start({ port, serverKey: keys.publicKey, secretKey: follower.secretKey, group: 'svc' }));
  await replica.ready;

  const serviceKeys = curveKeyPair();
  const service = createServer(
    { mechanism: CURVE, mechanismOptions: { secretKey: serviceKeys.secretKey }, authorizer: fleetAuthorizer(replica, { group: 'svc' }) },
    (stream) => stream.pipe(stream),
  );
  closer.track({ close: () => service.close() });
  service.listen(0, '127.0.0.1');
  await once(service, 'listening');
  const servicePort = (service.address() as AddressInfo).port;
  const client = curveKeyPair();
  const dial = () => {
    const stream = connect({ host: '127.0.0.1', port: servicePort, mechanism: CURVE, mechanismOptions: { secretKey: client.secretKey, serverKey: serviceKeys.publicKey } });
    closer.track({ close: () => stream.destroy() });
    return stream.handshake;
  };
  await expect(dial()).rejects.toMatchObject({ code: 'ERR_PEER_ERROR' }); // the service's ERROR command

  const started = Date.now();
  const listed = eventWhere<[Kvpub]>(replica.events, 'update', (u) => u.key === keyPath('svc', client.publicKey));
  await fleet.set(keyPath('svc', client.publicKey), encodeKeyMetadata({ name: 'client-1', rights: [] }));
  await listed;
  const peer = await dial();
  expect(Date.now() - started).toBeLessThan(1000);
  expect(peer.publicKeyZ85).toBe(serviceKeys.publicKey);
});
