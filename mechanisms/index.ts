/**
 * The built-in mechanisms and a registry that holds them. Adapters take a registry (this one by
 * default in the CLI) and a name, so they never name a concrete mechanism.
 *
 * @module
 */
import { MechanismRegistry } from '../src';
import { CURVE } from './curve';
import { NULL } from './null';
import { PLAIN } from './plain';

export { NULL, NullMechanism, type NullOptions } from './null';
export { PLAIN, PlainMechanism, type PlainOptions, type PlainClientOptions, type PlainServerOptions } from './plain';
export {
  CURVE,
  CurveClient,
  CurveServer,
  type CurveOptions,
  type CurveCommonOptions,
  type CurveClientOptions,
  type CurveServerOptions,
  type CurveClientState,
  type CurveServerState,
  type CookieKeyRotation,
} from './curve';

/** A new registry holding NULL, PLAIN and CURVE. Add your own with `register()`. */
export function createDefaultRegistry(): MechanismRegistry {
  return new MechanismRegistry().register(NULL).register(PLAIN).register(CURVE);
}

/** The registry the package uses by default. */
export const defaultRegistry: MechanismRegistry = createDefaultRegistry();
