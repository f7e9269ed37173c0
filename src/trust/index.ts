/**
 * Keys and trust (Node only, uses `node:fs`): CZMQ/pyzmq certificate files, a certificate store,
 * password files and ready-made authorizers. Not part of the core exports, which stay free of
 * Node modules.
 *
 * @module
 */
export * from './errors';
export { parseZpl, formatZpl, isZplName, zplNode, type ZplNode } from './zpl';
export * from './certificate';
export * from './cert-files';
export * from './read-file';
export * from './cert-store';
export * from './refresh';
export * from './authorizers';
export * from './addresses';
export * from './store-authorizer';
export * from './password-file';
