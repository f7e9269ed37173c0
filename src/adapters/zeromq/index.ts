/**
 * The ZeroMQ adapter (`curvezmq/zeromq`): any `Mechanism` over zeromq v6 sockets, plus helpers
 * for users who let libzmq run its own security mechanism. This is the only module that loads
 * `zeromq`; the package root never imports it. See `docs/zeromq.md`.
 *
 * @module
 */
import './require-zeromq'; // first: a missing optional zeromq fails here, in one line
import { ZeroMqClient } from './client';
import { ZeroMqServer } from './server';

export { ZeroMqClient, ZeroMqServer };
export type { ZeroMqClientOptions, SecureClientOptions, ConnectOptions, ClientStatus, ClientEvents } from './client-types';
export type { ZeroMqServerOptions, SecureServerOptions, ZeroMqMessage, IncomingMessage, ServerEvents, SessionCloseReason } from './server-types';
export type * from '../public-types';
export { MAX_SUBSCRIPTION_FRAME, PART_OVERHEAD, maxInboundFrame } from './socket-limits';

/** @deprecated use `ZeroMqServer` */
export const SecureServer = ZeroMqServer;
/** @deprecated use `ZeroMqServer` */
export type SecureServer = ZeroMqServer;
/** @deprecated use `ZeroMqClient` */
export const SecureClient = ZeroMqClient;
/** @deprecated use `ZeroMqClient` */
export type SecureClient = ZeroMqClient;
export type { MessageLike, PartLike } from './parts';
export {
  encodeEnvelope,
  parseEnvelope,
  sessionTopic,
  KIND_HANDSHAKE,
  KIND_MESSAGE,
  SESSION_ID_BYTES,
  HEADER_BYTES,
  type Envelope,
  type EnvelopeKind,
} from './envelope';
export { nativeCurveServer, nativeCurveClient, type NativeCurveServerOptions, type NativeCurveClientOptions } from './native-curve';
export { ZapHandler, ZAP_ENDPOINT, type ZapHandlerOptions, type ZapEvents } from './zap';
/** Key distribution over CHP (RFC 12) with libzmq's CURVE: the server, a replica, an updater. */
export * from './fleet';
/** The FileMQ-style secure file transfer over Router/Dealer (`docs/filemq.md`). */
export { FileMqServer, syncFiles, type FileMqServerOptions, type SyncOptions, type SyncProgress, type SyncResult } from './filemq';
