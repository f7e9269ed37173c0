/**
 * The fleet over zeromq sockets: {@link FleetServer} (SNAPSHOT, PUBLISHER, COLLECTOR on P, P+1,
 * P+2), {@link FleetReplica} (follows a server; feed it to `fleetAuthorizer`) and
 * {@link FleetUpdater} (sends KVSET). Every socket runs libzmq's native CURVE. Two servers form
 * a Binary Star pair with the `pair` option; clients then take `servers` (both).
 *
 * @module
 */
export { FleetServer, FLEET_DOMAINS, type FleetServerEvents, type FleetServerOptions, type FleetServerStats } from './server';
export { FleetReplica, type FleetReplicaEvents, type FleetReplicaOptions } from './replica';
export { FleetUpdater, type FleetUpdaterEvents, type FleetUpdaterOptions } from './updater';
export type { FleetClientAddressing, FleetServerAddress } from './endpoints';
export type { FleetPairOptions } from './pair';
export { VOTE_SUBTREE } from './pair-watch';
export type { FleetLimitsInit } from './sockets';
