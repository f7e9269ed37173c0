/**
 * Which mechanism an adapter runs, in the one shape every adapter takes (stream, ZeroMQ,
 * FileMQ over ZeroMQ, ZMTP): flat options, as `node:tls` takes its own. The mechanism is given
 * as a definition or as a name in a registry, so no adapter ever names a concrete mechanism.
 *
 * @module
 */
import {
  wireTraits,
  type AnyDefinition,
  type ClientOptionsOf,
  type Mechanism,
  type MechanismDefinition,
  type ServerOptionsOf,
  type ServerSessions,
  type WireTraits,
} from '../mechanism';
import type { Authorizer } from '../auth';
import type { AnyMechanismOptions, LooseMechanismOptions, MechanismRegistry } from '../registry';

/**
 * Which mechanism to run, and its options, loosely typed: any definition or name, any options.
 * The resolvers take this, as every per-role choice below is one. Options types of adapters
 * declare {@link ClientChoice} or {@link ServerChoice} instead, which check the options.
 */
export interface MechanismChoice {
  /**
   * A definition (one of the package's built-ins, or your own
   * `{ name, client(options), server(options) }`) or a name in `registry`. A definition of any
   * options type is taken (`never`); `mechanismOptions` must suit it.
   */
  readonly mechanism: string | AnyDefinition;
  /** Where a mechanism given by name is looked up; required with a name, unused with a definition. */
  readonly registry?: MechanismRegistry;
  /** The mechanism's own options (keys, credentials), checked by the mechanism at run time. */
  readonly mechanismOptions?: LooseMechanismOptions;
}

/**
 * A mechanism given by name. Which definition it names is known only at run time, so its
 * options are typed loosely; the registry is required, as the resolvers require it.
 */
export interface NamedChoice {
  readonly mechanism: string;
  readonly registry: MechanismRegistry;
  readonly mechanismOptions?: LooseMechanismOptions;
}

/**
 * `mechanismOptions` typed `O`: optional when every option of `O` is, required when one is (a
 * secret key), so a forgotten options object is a compile error too.
 */
export type MechanismOptionsField<O> = {} extends O
  ? { readonly mechanismOptions?: O }
  : { readonly mechanismOptions: O };

/** A definition given with its options for one role. */
export type DefinitionChoice<D extends AnyDefinition, O> = {
  readonly mechanism: D;
  /** Unused with a definition; allowed so that one options object can carry either form. */
  readonly registry?: MechanismRegistry;
} & MechanismOptionsField<O>;

/**
 * What a server takes besides its mechanism: who may enter is always the caller's decision,
 * so the authorizer is required (`allowAny()` is the explicit way to let everyone in).
 */
export interface AuthorizerChoice {
  readonly authorizer: Authorizer;
}

/**
 * A client's mechanism. With a definition whose type is known, `mechanismOptions` must be that
 * definition's client options (for the built-in with keys, the server's key is required); with
 * a name, a {@link NamedChoice}. Without a type argument (`ClientChoice`), either form loosely.
 *
 * A function that takes `ClientChoice<D>` with `D` a type parameter infers `D` from
 * `mechanism` alone, never from the options, so the options are checked against it.
 */
export type ClientChoice<D extends AnyDefinition = AnyDefinition> = [ClientOptionsOf<D>] extends [never]
  ? DefinitionChoice<AnyDefinition, LooseMechanismOptions> | NamedChoice
  : DefinitionChoice<D, ClientOptionsOf<D>>;

/**
 * A server's mechanism and authorizer. As {@link ClientChoice}, with the definition's server
 * options (so a client-only option, such as the server's key, does not compile).
 */
export type ServerChoice<D extends AnyDefinition = AnyDefinition> = AuthorizerChoice &
  ([ServerOptionsOf<D>] extends [never]
    ? DefinitionChoice<AnyDefinition, LooseMechanismOptions> | NamedChoice
    : DefinitionChoice<D, ServerOptionsOf<D>>);

/** A {@link MechanismChoice} checked and looked up: the definition and the options to call it with. */
export interface ResolvedMechanism {
  /**
   * The mechanism's name as it goes on the wire, in upper case (a ZMTP greeting, FileMQ's
   * OHAI): a definition registered nowhere may spell it otherwise.
   */
  readonly name: string;
  readonly definition: MechanismDefinition<AnyMechanismOptions>;
  readonly options: AnyMechanismOptions;
  /** How the mechanism looks on a wire (the definition's `wire`, defaulted). */
  readonly wire: WireTraits;
}

/**
 * Checks `choice` and looks its mechanism up. The mechanism's own options are checked later, by
 * the mechanism itself, when a session or a server factory is made.
 *
 * @param argument - how the caller names `choice` in error messages (`'options'`, or for one of
 *   FileMQ's list `'options.mechanisms[1]'`)
 * @throws {@link TypeError} `"<argument>.mechanism" expected a mechanism definition or a name`,
 *   `"<argument>.registry" is required when "<argument>.mechanism" is a name`,
 *   `"<argument>.registry" expected a MechanismRegistry`,
 *   `"<argument>.mechanismOptions" expected an object`, or `"<argument>" expected an object`
 * @throws {@link RangeError} for a name the registry does not hold
 */
export function resolveMechanism(choice: MechanismChoice, argument = 'options'): ResolvedMechanism {
  if (typeof choice !== 'object' || choice === null) throw new TypeError(`"${argument}" expected an object`);
  // Typed loosely from here: the mechanism checks its own options when a session is made.
  const options = (choice.mechanismOptions ?? {}) as AnyMechanismOptions;
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`"${argument}.mechanismOptions" expected an object`);
  }
  const definition = definitionOf(choice, argument);
  return { name: definition.name.toUpperCase(), definition, options, wire: wireTraits(definition) };
}

/**
 * The client side of `choice`: each call of the returned function makes one client session.
 * The definition is looked up once, here, so a bad choice fails before anything connects.
 *
 * @throws as {@link resolveMechanism}
 */
export function clientSessions(choice: MechanismChoice, argument = 'options'): () => Mechanism {
  const { definition, options } = resolveMechanism(choice, argument);
  return () => definition.client(options);
}

/**
 * The server side of `choice`: the definition's `server()` runs once, here, so every session
 * of the endpoint shares its state (for RFC 26: the keys that seal its WELCOME cookies, and the
 * replay record), and the endpoint's `close()` can wipe it through `ServerSessions.close`.
 *
 * @throws as {@link resolveMechanism}, or whatever the mechanism throws for bad options
 */
export function serverSessions(choice: MechanismChoice, argument = 'options'): ServerSessions {
  const { definition, options } = resolveMechanism(choice, argument);
  return definition.server(options);
}

function definitionOf(choice: MechanismChoice, argument: string): MechanismDefinition<AnyMechanismOptions> {
  const { mechanism, registry } = choice;
  if (typeof mechanism === 'string') {
    if (registry === undefined) {
      throw new TypeError(`"${argument}.registry" is required when "${argument}.mechanism" is a name`);
    }
    if (typeof registry?.get !== 'function') throw new TypeError(`"${argument}.registry" expected a MechanismRegistry`);
    return registry.get<AnyMechanismOptions>(mechanism);
  }
  // The name is checked too: FileMQ offers it in OHAI and ZMTP sends it in its greeting.
  if (typeof mechanism?.name !== 'string' || typeof mechanism.client !== 'function' || typeof mechanism.server !== 'function') {
    throw new TypeError(`"${argument}.mechanism" expected a mechanism definition or a name`);
  }
  // The mechanism checks its own options at run time, as the registry's client()/server() do.
  return mechanism as MechanismDefinition<AnyMechanismOptions>;
}

/**
 * Where a peer's handshake came from, as every server reports it with `'handshake'` and
 * `'handshakeError'`: the verified transport address when the adapter has one, and the session
 * id where the adapter keys sessions by one (ZeroMQ).
 */
export interface PeerOrigin {
  readonly address?: string;
  readonly sessionId?: string;
}
