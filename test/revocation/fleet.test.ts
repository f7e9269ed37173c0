/**
 * Live revocation through a fleet, over real sockets: a FleetServer, a FleetReplica following
 * it, and a service of each adapter admitting with `fleetAuthorizer(replica, { group })` and
 * enforcing with its `enforce(server)`. Deleting a key's entry ends its established session
 * within 2 s and refuses its next handshake; another key's session goes on; a key added on the
 * fleet server is admitted within 1 s.
 */
import { curveKeyPair, encodeKeyMetadata, fleetAuthorizer, keyPath } from '../../index';
import { Closer } from '../fleet/helpers';
import { GROUP, setEntry, startFleet } from './fleet-helpers';
import { ADAPTERS, CLIENT_CODE, startService, within } from './harness';

const closer = new Closer();
afterEach(() => closer.closeAll());

describe.each(ADAPTERS)('%s server following a fleet', (adapter) => {
  test("a deleted key's session ends within 2 s, its new handshake is refused, another key's goes on; a new key is admitted within 1 s", async () => {
    const { fleet, replica } = await startFleet(closer);
    const revoked = curveKeyPair();
    const other = curveKeyPair();
    await setEntry(fleet, replica, revoked, { rights: [] });
    await setEntry(fleet, replica, other, { rights: [] });
    const authorizer = fleetAuthorizer(replica, { group: GROUP });
    const service = closer.track(await startService(adapter, authorizer));
    closer.track({ close: authorizer.enforce(service.server) });
    const k = await service.connect(revoked);
    const l = await service.connect(other);
    await k.operate();

    const started = Date.now();
    await fleet.set(keyPath(GROUP, revoked.publicKey), new Uint8Array(0));
    await expect(within(k.serverEnded, 2000, 'the server-side end')).resolves.toMatchObject({ code: 'ERR_REVOKED' });
    await expect(within(k.operate(), 2000, "the client's next operation")).rejects.toMatchObject({ code: expect.stringMatching(CLIENT_CODE[adapter]) });
    expect(Date.now() - started).toBeLessThan(2000);
    await expect(within(l.operate(), 2000, "the other key's operation")).resolves.toBeUndefined();
    await expect(within(service.connect(revoked), 5000, 'the refusal')).rejects.toMatchObject({ code: expect.stringMatching(/^ERR_/) });

    const added = curveKeyPair();
    const listedAt = Date.now();
    await fleet.set(keyPath(GROUP, added.publicKey), encodeKeyMetadata({ rights: [] }));
    // Retried until the replica has the entry: the point is how soon, not that one try works.
    for (;;) {
      const attempt = await service.connect(added).catch((error: Error) => error);
      if (!(attempt instanceof Error)) break;
      expect(Date.now() - listedAt).toBeLessThan(1000);
    }
    expect(Date.now() - listedAt).toBeLessThan(1000);
  });
});
