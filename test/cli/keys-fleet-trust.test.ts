/**
 * `openFleetTrust` (cli/fleet-trust.ts): what `serve --allow-fleet ENDPOINT --group G` builds on.
 * A real fleet server, a real stream service using the returned authorizer, real clients.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect, createServer, CURVE, curveKeyPair } from '../../index';
import type { Kvpub } from '../../src/fleet/codec';
import { encodeKeyMetadata, keyPath } from '../../src/fleet/key-entry';
import { openFleetTrust } from '../../cli/fleet-trust';
import { exitCodeFor, EXIT } from '../../cli/exit-codes';
import { Closer, eventWhere, listKey, startServer } from '../fleet/helpers';

const closer = new Closer();
afterEach(() => closer.closeAll());

test('the authorizer admits a key listed in the group within 1 s of its listing, and refuses it before and after revocation', async () => {
  const { server: fleet, port, keys } = await startServer();
  closer.track(fleet);
  const follower = curveKeyPair();
  await listKey(fleet, follower, ['read']);
  const early = curveKeyPair();
  await fleet.set(keyPath('svc', early.publicKey), encodeKeyMetadata({ name: 'early', rights: [] }));
  const trust = closer.track(await openFleetTrust({ endpoint: `tcp://127.0.0.1:${port}`, group: 'svc', serverKey: keys.publicKey, secretKey: follower.secretKey }));

  const serviceKeys = curveKeyPair();
  const service = createServer({ mechanism: CURVE, mechanismOptions: { secretKey: serviceKeys.secretKey }, authorizer: trust.authorizer }, (stream) => stream.pipe(stream));
  closer.track({ close: () => service.close() });
  service.listen(0, '127.0.0.1');
  await once(service, 'listening');
  const servicePort = (service.address() as AddressInfo).port;
  const dial = (secretKey: string) => {
    const stream = connect({ host: '127.0.0.1', port: servicePort, mechanism: CURVE, mechanismOptions: { secretKey, serverKey: serviceKeys.publicKey } });
    closer.track({ close: () => stream.destroy() });
    return stream.handshake;
  };

  // Listed before openFleetTrust resolved: admitted at once (the first snapshot is in).
  await expect(dial(early.secretKey)).resolves.toMatchObject({ publicKeyZ85: serviceKeys.publicKey });
  const client = curveKeyPair();
  await expect(dial(client.secretKey)).rejects.toMatchObject({ code: 'ERR_PEER_ERROR' });

  const started = Date.now();
  const listed = eventWhere<[Kvpub]>(trust.replica.events, 'update', (u) => u.key === keyPath('svc', client.publicKey));
  await fleet.set(keyPath('svc', client.publicKey), encodeKeyMetadata({ name: 'client-1', rights: [] }));
  await listed;
  await expect(dial(client.secretKey)).resolves.toMatchObject({ publicKeyZ85: serviceKeys.publicKey });
  expect(Date.now() - started).toBeLessThan(1000);

  const revoked = eventWhere<[Kvpub]>(trust.replica.events, 'update', (u) => u.key === keyPath('svc', client.publicKey) && u.value.length === 0);
  await fleet.set(keyPath('svc', client.publicKey), new Uint8Array(0));
  await revoked;
  await expect(dial(client.secretKey)).rejects.toMatchObject({ code: 'ERR_PEER_ERROR' });
});

test('a key the fleet server refuses: ERR_PEER_ERROR (exit 3); no server: ERR_HANDSHAKE_TIMEOUT (exit 5)', async () => {
  const { server: fleet, port, keys } = await startServer();
  closer.track(fleet);
  const stranger = curveKeyPair();
  const refused = openFleetTrust({ endpoint: `tcp://127.0.0.1:${port}`, group: 'svc', serverKey: keys.publicKey, secretKey: stranger.secretKey });
  await expect(refused).rejects.toMatchObject({ code: 'ERR_PEER_ERROR', status: 400 });
  expect(exitCodeFor(await refused.catch((error: unknown) => error))).toBe(EXIT.REFUSED);

  const nobody = openFleetTrust({ endpoint: 'tcp://127.0.0.1:1', group: 'svc', serverKey: keys.publicKey, secretKey: stranger.secretKey, timeout: 300 });
  await expect(nobody).rejects.toMatchObject({ code: 'ERR_HANDSHAKE_TIMEOUT' });
  expect(exitCodeFor(await nobody.catch((error: unknown) => error))).toBe(EXIT.TIMEOUT);
});

test('misuse throws TypeError or RangeError naming the option', async () => {
  const keys = curveKeyPair();
  const base = { endpoint: 'tcp://127.0.0.1:5556', group: 'svc', serverKey: keys.publicKey, secretKey: keys.secretKey };
  await expect(openFleetTrust(undefined as never)).rejects.toThrow(new TypeError('"options" expected an object'));
  await expect(openFleetTrust({ ...base, endpoint: 'ipc:///tmp/x' })).rejects.toThrow(RangeError);
  await expect(openFleetTrust({ ...base, endpoint: 'tcp://127.0.0.1:65535' })).rejects.toThrow(/"options.endpoint" expected an integer from 1 to 65533/);
  await expect(openFleetTrust({ ...base, group: 'a/b' })).rejects.toThrow(/"options.group"/);
  await expect(openFleetTrust({ ...base, timeout: -1 })).rejects.toThrow(/"options.timeout"/);
  await expect(openFleetTrust({ ...base, right: 'write' as never })).rejects.toThrow(/"options.right"/);
  await expect(openFleetTrust({ ...base, secretKey: 'short' })).rejects.toThrow(/secretKey/);
});
