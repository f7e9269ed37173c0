/**
 * A secure FileMQ-style file-distribution protocol: the pure codec, the client and server state
 * machines, credit accounting and resync planning, and the file-system modules they are fed
 * from. The ZeroMQ binding lives in `src/adapters/zeromq/filemq/`. See `docs/filemq.md`.
 *
 * @module
 */
export * from './errors';
export {
  SIGNATURE,
  PROTOCOL,
  VERSION,
  SHA256_BYTES,
  ID,
  encodeCommand,
  decodeCommand,
  type Command,
  type ClearCommand,
  type InnerCommand,
  type CacheEntry,
  type Ohai,
  type Orly,
  type Yarly,
  type OhaiOk,
  type Srsly,
  type Rtfm,
  type Sealed,
  type Icanhaz,
  type IcanhazOk,
  type Nom,
  type Cheezburger,
  type Hugz,
  type HugzOk,
  type Kthxbai,
} from './commands';
export { seal, unseal } from './seal';
export { checkFilePath, normaliseSubscription, isUnder } from './paths';
export { planTransfers, bytesToSend, type ManifestEntry, type Transfer } from './manifest';
export { CreditLedger, CreditWindow, type CreditWindowOptions } from './credit';
export { ServerSession, type ServerSessionOptions, type ServerActions, type ChunkRead, type NamedFactory } from './server-session';
export { ClientSession, type ClientSessionOptions, type ClientActions, type ClientStatus } from './client-session';
export { TreeSource, hashFile, listFiles, PARTIAL_DIR } from './fs-source';
export { TreeSink } from './fs-sink';
