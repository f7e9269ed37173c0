/**
 * curvezmq: CurveZMQ (ZeroMQ RFC 26) security for ZeroMQ and any byte channel.
 *
 * The package root re-exports the core (`src/`), the built-in mechanisms (`mechanisms/`), keys
 * and trust (`src/trust/`), the stream adapter and the FileMQ-style protocol codec. The ZeroMQ
 * adapter has its own subpath export (`curvezmq/zeromq`), so `zeromq` loads only when it is used.
 *
 * @module
 */
export * from './src';
export * from './mechanisms';
export * from './src/trust';
/** The stream adapter (Node only): a secure Duplex over any byte channel, `createServer` / `connect` like `node:tls`. */
export * from './src/adapters/stream';
/** The FileMQ-style file-transfer protocol (codec, sessions, resync); its ZeroMQ binding is in the adapter. */
export * as filemq from './src/filemq';
/** Key distribution (CHP, RFC 12): the wire codec, the key map and `fleetAuthorizer`; its sockets are in `curvezmq/zeromq`. */
export * from './src/fleet';
/** The fleet server's journal (Node only: `node:fs`). */
export { Journal, type JournalLoad } from './src/fleet/journal';
