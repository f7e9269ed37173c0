/**
 * The FileMQ-style secure file transfer over zeromq: a Router server for many clients and a
 * Dealer client that syncs a path into a directory. See `docs/filemq.md`.
 *
 * @module
 */
export { FileMqServer, type FileMqServerOptions, type FileMqServerSettings, type FileMqServerEvents } from './server';
export { syncFiles, type SyncOptions, type SyncSettings, type SyncProgress, type SyncResult } from './client';
export { clientFactories, serverFactories, type FileMqMechanisms, type MechanismList, type NamedServerSessions } from './factories';
export { TreeSource, hashFile, listFiles, PARTIAL_DIR } from '../../../filemq/fs-source';
export { TreeSink } from '../../../filemq/fs-sink';
