/**
 * A secure FileMQ-style file-distribution protocol: the pure codec, the client and server state
 * machines, credit accounting and resync planning; no I/O. The file-system modules
 * (`./fs-source`, `./fs-sink`) are exported with the ZeroMQ binding from
 * `src/adapters/zeromq/filemq/`, so this entry loads no Node module. See `docs/filemq.md`.
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
export { checkFilePath, checkDeliveredPath, normaliseSubscription, isUnder, PARTIAL_DIR } from './paths';
export { planTransfers, bytesToSend, type ManifestEntry, type Transfer } from './manifest';
export { CreditLedger, CreditWindow, type CreditWindowOptions } from './credit';
export { HANDSHAKE_ENVELOPE, handshakeFrameLimit, type NamedFactory } from './factory';
export { ServerSession, type ServerSessionOptions, type ServerActions, type ChunkRead } from './server-session';
export { ClientSession, type ClientSessionOptions, type ClientActions, type ClientStatus } from './client-session';
