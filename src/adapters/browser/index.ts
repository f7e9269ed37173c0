/**
 * The browser channels, on the standard `WebSocket` API. Today: the stream adapter's wire to a
 * Node server (`connectWebSocket`).
 *
 * @module
 */
export {
  CLOSE_GRACE_MS,
  connectWebSocket,
  SecureWebSocket,
  type SecureWebSocketBaseOptions,
  type SecureWebSocketOptions,
} from './secure-websocket';
export type { OutgoingPart } from './parts';
export type { WebSocketConstructor, WebSocketLike, WebSocketSource } from './socket';
export { connectZws, ZwsSocket, type ZwsBaseOptions, type ZwsOptions, type ZwsSocketType } from './zws';
export { ZWS_COMMAND, ZWS_MORE } from './zws-frames';
