/**
 * The fleet's pure side: the CHP (RFC 12) codec, the key map, key entries and rights, the
 * replica's logic and {@link fleetAuthorizer}. The sockets are in the ZeroMQ adapter
 * (`src/adapters/zeromq/fleet/`). See `docs/fleet.md`.
 *
 * @module
 */
export * from './codec';
export * from './errors';
export * from './properties';
export * from './key-entry';
export * from './key-map';
export * from './replica-state';
export * from './authorizer';
export { DEFAULT_REVOKE_REASON, type SessionRevoker } from '../channel/revocation';
export { FLEET_REVOKE_REASON, type FleetFeedEvents } from './revocation-fleet';
export * from './binary-star';
export * from './pending';
