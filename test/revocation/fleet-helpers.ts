/**
 * A fleet for the revocation tests: a FleetServer (heartbeat 200 ms) and a replica following
 * the group `svc`, and a way to change an entry and wait until the replica applied it.
 */
import { curveKeyPair, encodeKeyMetadata, keyPath, type FleetRight, type Kvpub, type Z85KeyPair } from '../../index';
import { FleetReplica } from '../../src/adapters/zeromq/fleet/replica';
import type { FleetServer } from '../../src/adapters/zeromq/fleet/server';
import { eventWhere, listKey, startServer, type Closer } from '../fleet/helpers';

export const GROUP = 'svc';
/** A fleet server and a replica following group `svc`. */
export async function startFleet(closer: Closer): Promise<{ fleet: FleetServer; replica: FleetReplica }> {
  const { server: fleet, port, keys } = await startServer();
  closer.track(fleet);
  const follower = curveKeyPair();
  await listKey(fleet, follower, ['read']);
  const replica = closer.track(FleetReplica.start({ port, serverKey: keys.publicKey, secretKey: follower.secretKey, group: GROUP }));
  await replica.ready;
  return { fleet, replica };
}

/** Sets `key`'s entry (empty `rights` = a plain member; `undefined` deletes) and waits until the replica applied it. */
export async function setEntry(
  fleet: FleetServer,
  replica: FleetReplica,
  key: Z85KeyPair,
  metadata: { rights: FleetRight[]; expires?: number } | undefined,
  properties: Record<string, string> = {},
): Promise<void> {
  const path = keyPath(GROUP, key.publicKey);
  const applied = eventWhere<[Kvpub]>(replica.events, 'update', (update) => update.key === path);
  await fleet.set(path, metadata === undefined ? new Uint8Array(0) : encodeKeyMetadata(metadata), properties);
  await applied;
}

