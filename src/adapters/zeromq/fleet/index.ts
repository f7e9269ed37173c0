/**
 * The fleet over zeromq sockets: {@link FleetServer} (SNAPSHOT, PUBLISHER, COLLECTOR on P, P+1,
 * P+2), {@link FleetReplica} (follows a server; feed it to `fleetAuthorizer`) and
 * {@link FleetUpdater} (sends KVSET). Every socket runs libzmq's native CURVE.
 *
 * @module
 */
export { FleetServer, FLEET_DOMAINS, type FleetServerEvents, type FleetServerOptions, type FleetServerStats } from './server';
export { FleetReplica, type FleetReplicaEvents, type FleetReplicaOptions } from './replica';
export { FleetUpdater, type FleetUpdaterOptions } from './updater';
export type { FleetLimitsInit } from './sockets';
