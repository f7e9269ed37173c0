/**
 * The ZMTP adapter: any registered mechanism (the built-ins or your own) on the ZMTP 3.1 wire, so that
 * libzmq peers (and pyzmq, CZMQ, zeromq.js sockets) talk to this package directly over TCP, one
 * peer per connection. See `docs/zmtp.md`.
 *
 * @module
 */
export {
  checkGreetingPrefix,
  encodeGreeting,
  GREETING_SIZE,
  GreetingReader,
  parseGreeting,
  type Greeting,
  type GreetingInit,
} from './greeting';
export {
  checkMaxFrameSize,
  DEFAULT_MAX_COMMAND_SIZE,
  DEFAULT_MAX_FRAME_SIZE,
  encodeFrame,
  encodeFrameHeader,
  FLAG_COMMAND,
  FLAG_LONG,
  FLAG_MORE,
  FrameDecoder,
  type FrameDecoderOptions,
  type FrameFlags,
  type ZmtpFrame,
} from './frames';
export { checkSocketType, connectionMetadata, socketTypesMatch, type ZmtpSocketType } from './socket-type';
export { CLOSE_GRACE_MS, type ZmtpCommand, type ZmtpConnectionConfig } from './config';
export { ZmtpConnection } from './connection';
export { ZmtpServer } from './server';
export {
  connectZmtp,
  DEFAULT_HANDSHAKE_TIMEOUT,
  listenZmtp,
  type ZmtpConnectOptions,
  type ZmtpListenOptions,
  type ZmtpOptions,
  type ZmtpBaseOptions,
  type ZmtpConnectBaseOptions,
  type ZmtpListenBaseOptions,
} from './net';
export type * from '../public-types';
