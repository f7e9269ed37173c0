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
  type FrameSink,
} from './framing';
export type { IncomingMessage, MessagePart, OutgoingMessage, StreamMessage } from './message';
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
  StreamServer,
  type SecureChannelOptions,
  type SecureConnectOptions,
  type SecureConnectBaseOptions,
  type SecureServerOptions,
  type StreamServerOptions,
} from './net';
export { CLOSE_GRACE_MS, type StreamServerBaseOptions } from './server';
export type * from '../public-types';
