/**
 * The stream adapter: CurveZMQ (or any mechanism) over any Node byte Duplex, with a
 * `node:tls`-shaped `createServer` / `connect`. See `docs/stream.md`.
 *
 * @module
 */
export * from './framing';
export * from './message';
export * from './secure-stream';
export * from './net';
