/**
 * How the adapter is told which mechanism to run, without ever naming one: a factory, or a
 * registry and a name.
 *
 * @module
 */
import type { Mechanism, ServerSessions } from '../../mechanism';
import type { AnyMechanismOptions, MechanismRegistry } from '../../registry';

/** Makes one fresh mechanism (one session). */
export type MechanismFactory = () => Mechanism;

/** A mechanism by registry and name, with its options. */
export interface NamedMechanism {
  readonly registry: MechanismRegistry;
  /** The registered name (`'CURVE'`, `'PLAIN'`, `'NULL'`...). */
  readonly name: string;
  /** The mechanism's own options (e.g. CURVE `secretKey`, `serverKey`). */
  readonly options?: AnyMechanismOptions;
}

/** Either way of naming a mechanism. */
export type MechanismSource = MechanismFactory | NamedMechanism;

/**
 * The client's factory: each call makes one client session.
 *
 * @throws {@link TypeError} when `source` is neither a function nor a `{registry, name}` object
 */
export function clientFactory(source: MechanismSource): MechanismFactory {
  if (typeof source === 'function') return source;
  const named = checkNamed(source);
  return () => named.registry.client(named.name, named.options ?? {});
}

/**
 * The server's factory: `registry.server()` is called once here, so every session of the
 * endpoint shares its state (for CURVE: the cookie keys and the replay record), which its
 * `close()`, when it has one, wipes.
 *
 * @throws {@link TypeError} when `source` is neither a function nor a `{registry, name}` object
 */
export function serverFactory(source: MechanismSource): ServerSessions {
  if (typeof source === 'function') return source;
  const named = checkNamed(source);
  return named.registry.server(named.name, named.options ?? {});
}

function checkNamed(source: unknown): NamedMechanism {
  const named = source as NamedMechanism | undefined;
  if (typeof named !== 'object' || named === null || typeof named.name !== 'string' || typeof named.registry?.client !== 'function') {
    throw new TypeError('"mechanism" expected a factory function or { registry, name, options }');
  }
  return named;
}
