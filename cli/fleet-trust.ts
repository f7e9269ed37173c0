/**
 * The fleet as a command's trust source: {@link openFleetTrust} follows a fleet server with a
 * {@link FleetReplica} and returns `fleetAuthorizer(replica, { group })`, so that
 * `serve ... --allow-fleet ENDPOINT --group G` admits the keys the fleet lists in G, live.
 *
 * @module
 */
import { FleetReplica } from '../src/adapters/zeromq/fleet';
import { checkDuration } from '../src/channel/limits';
import { fleetAuthorizer, isValidGroup, type FleetAuthorizer } from '../src/fleet';
import type { KeyLike } from '../src/keys';
import { accessOf, beforeDeadline, parseFleetEndpoint } from './fleet-client';

/** Options of {@link openFleetTrust}. */
export interface FleetTrustOptions {
  /** The fleet server, `tcp://HOST:P` (P its base port). */
  readonly endpoint: string;
  /** The group whose keys are admitted (entries `/keys/<group>/<key>`). */
  readonly group: string;
  /** The fleet server's public key. */
  readonly serverKey: KeyLike;
  /** Our secret key; its public key must hold `read` on the fleet server. */
  readonly secretKey: KeyLike;
  /** Admit only keys holding this right (default: every key listed in the group). */
  readonly right?: 'read' | 'update';
  /** Milliseconds to wait for the first snapshot (default 10,000). */
  readonly timeout?: number;
  /** Milliseconds without a word from the server before the replica takes a new snapshot (default 3,000). */
  readonly heartbeatTimeout?: number;
  /** Stops waiting for the first snapshot. */
  readonly signal?: AbortSignal;
}

/** A followed fleet: the authorizer to give a server, the replica behind it, and `close()`. */
export interface FleetTrust {
  /** Admits the keys the fleet lists; its `enforce(server)` ends the sessions of keys it drops. */
  readonly authorizer: FleetAuthorizer;
  readonly replica: FleetReplica;
  close(): Promise<void>;
}

/**
 * Follows the fleet server at `options.endpoint` and resolves once the first snapshot is in,
 * so that the authorizer never starts out refusing keys the fleet lists.
 *
 * @throws {@link TypeError}/{@link RangeError} naming a bad option;
 *   `MechanismError` `ERR_PEER_ERROR` (status 400) when the server refuses our key;
 *   `ChannelError` `ERR_HANDSHAKE_TIMEOUT` when no snapshot came in time, `ERR_ABORTED` on the signal
 */
export async function openFleetTrust(options: FleetTrustOptions): Promise<FleetTrust> {
  if (typeof options !== 'object' || options === null) throw new TypeError('"options" expected an object');
  const address = parseFleetEndpoint(options.endpoint, 'options.endpoint');
  if (!isValidGroup(options.group)) throw new RangeError('"options.group" expected 1 to 64 characters of A-Z a-z 0-9 _ . -');
  const timeout = checkDuration(options.timeout, 'options.timeout', 10_000, { zero: false });
  const keys = { secretKey: options.secretKey, serverKey: options.serverKey };
  const replica = FleetReplica.start({ ...address, ...keys, group: options.group, heartbeatTimeout: options.heartbeatTimeout });
  let authorizer: FleetAuthorizer;
  try {
    authorizer = fleetAuthorizer(replica, { group: options.group, ...(options.right === undefined ? {} : { right: options.right }) });
  } catch (error) {
    await replica.close();
    throw error;
  }
  // The replica's own sockets never learn of a refusal: a probe on the SNAPSHOT port does.
  const access = accessOf(address, keys, 'snapshot');
  try {
    await beforeDeadline(Promise.all([replica.ready, access.verdict]), address, Date.now() + timeout, timeout, options.signal);
  } catch (error) {
    await replica.close();
    throw error;
  } finally {
    access.close();
  }
  return { authorizer, replica, close: () => replica.close() };
}
