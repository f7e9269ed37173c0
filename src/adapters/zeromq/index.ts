/**
 * The ZeroMQ adapter (`curvezmq/zeromq`): any `Mechanism` over zeromq v6 sockets, plus helpers
 * for users who let libzmq run CURVE itself. This is the only module that loads `zeromq`; the
 * package root never imports it. See `docs/zeromq.md`.
 *
 * @module
 */
export { SecureClient, type SecureClientOptions, type ConnectOptions, type ClientStatus, type ClientEvents } from './client';
export {
  SecureServer,
  type SecureServerOptions,
  type IncomingMessage,
  type ServerEvents,
  type SessionCloseReason,
} from './server';
export type { MechanismFactory, MechanismSource, NamedMechanism } from './mechanism-source';
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
