/**
 * The core of curvezmq: the `Mechanism` contract, errors, byte and key helpers, codecs, the
 * crypto façade, authorizer helpers, the registry and the in-memory pair. Concrete mechanisms
 * live in `mechanisms/`; adapters in `src/adapters/`.
 *
 * @module
 */
export * from './mechanism';
export * from './tuned-codec';
export * from './errors';
export {
  isBytes,
  assertBytes,
  concatBytes,
  equalBytes,
  wipe,
  utf8,
  fromUtf8,
  fromUtf8Strict,
  toHex,
  fromHex,
} from './bytes';
export * from './codec/metadata';
export * from './codec/command';
export { drawRandom, scriptedRandom, secureRandom, seededRandom, type RandomSource } from './random';
export * from './z85';
export * from './keys';
export * from './auth';
export * from './registry';
export * from './pair';
export { MechanismBase, decisionError } from './mechanism-base';
export {
  publicKeyFromSecret,
  isValidPublicKey,
  useCryptoBackend,
  cryptoBackend,
  availableBackends,
  type BackendName,
  type CryptoBackend,
  type SecretLifetime,
} from './crypto';
