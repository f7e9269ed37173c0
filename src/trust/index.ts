/**
 * Keys and trust (Node only, uses `node:fs`): CZMQ/pyzmq certificate files, a certificate store,
 * password files and ready-made authorizers. The core (`src/index.ts`) does not export it, so
 * the core stays free of Node modules; the package root does.
 *
 * @module
 */
export * from './errors';
export { parseZpl, formatZpl, isZplName, zplNode, type ZplNode } from './zpl';
export * from './certificate';
export * from './cert-files';
export * from './read-file';
export * from './cert-store';
export type { RefreshOptions } from './refresh';
export * from './authorizers';
export * from './addresses';
export * from './store-authorizer';
export * from './password-file';
