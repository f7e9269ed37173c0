/**
 * `curvezmq/browser`: the entry for web pages and workers. It holds what runs without Node: the
 * core (the Mechanism contract, errors, bytes, Z85, keys, the crypto façade, the registry, the
 * in-memory pair), the built-in mechanisms, the WebCrypto X25519 probe and the WebSocket
 * channel. Like the package root it is an entry point, not a core module, so it may re-export
 * the mechanisms.
 *
 * Why a separate entry: the root also re-exports the stream adapter and the certificate files,
 * which import `node:net`, `node:fs` and `node:stream`, and a bundler cannot drop those. Nothing
 * reached from here imports a Node built-in; the crypto façade's Node backends are loaded by a
 * guarded `require()` that the package's `browser` field maps away (see docs/browser.md).
 *
 * @module
 */
export * from './index';
export * from '../mechanisms';
export { webCryptoX25519, type WebCryptoX25519, type AsyncX25519 } from './crypto/webcrypto';
export * from './adapters/browser';
