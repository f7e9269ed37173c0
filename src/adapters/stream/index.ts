/**
 * The stream adapter: CurveZMQ (or any mechanism) over any Node byte Duplex, with a
 * `node:tls`-shaped `createServer` / `connect`. See `docs/stream.md`.
 *
 * @module
 */
export {
  DEFAULT_MAX_FRAME_SIZE,
  Deframer,
  encodeFrame,
  FRAME_HEADER_SIZE,
  frameHeader,
  MAX_FRAME_SIZE_LIMIT,
  type DeframerOptions,
} from './framing';
export type { IncomingMessage, MessagePart, OutgoingMessage } from './message';
export {
  DEFAULT_HANDSHAKE_TIMEOUT,
  SecureStream,
  type SecureStreamBaseOptions,
  type SecureStreamOptions,
} from './secure-stream';
export {
  connect,
  createServer,
  SecureServer,
  type SecureChannelOptions,
  type SecureConnectOptions,
  type SecureServerOptions,
} from './net';
export type { MechanismChoice } from '../mechanism-choice';
