/**
 * Mechanisms by name, so that adapters never name a concrete mechanism and users can add or
 * replace one. The built-in NULL, PLAIN and CURVE are registered in `mechanisms/index.ts`.
 *
 * @module
 */
import type { AnyDefinition, Mechanism, MechanismDefinition, MechanismOptions, ServerSessions } from './mechanism';

/** Options of any mechanism: the common ones plus whatever the named mechanism takes. */
export type AnyMechanismOptions = MechanismOptions & Readonly<Record<string, unknown>>;

/**
 * What a loosely typed place (a name's options, {@link MechanismRegistry.client}) takes: a
 * literal of any options ({@link AnyMechanismOptions}), or a mechanism's own declared options
 * type (`CurveClientOptions`), which as an interface has no index signature to match the first.
 */
export type LooseMechanismOptions = AnyMechanismOptions | MechanismOptions;

const NAME_PATTERN = /^[A-Z0-9_-]{1,20}$/;

/** A set of mechanism definitions keyed by their upper-case name. */
export class MechanismRegistry {
  private readonly definitions = new Map<string, AnyDefinition>();

  /**
   * Adds a definition. Names are 1 to 20 characters of `A-Z 0-9 _ -` (SASL and ZMTP style).
   *
   * A definition of any options types is taken: the registry hands it out by name, where
   * options are typed loosely ({@link AnyMechanismOptions}) and checked by the mechanism.
   *
   * @param replace - allow replacing an existing definition of the same name
   * @throws {@link RangeError} for a bad name, or a name already taken without `replace`
   */
  register(definition: AnyDefinition, replace = false): this {
    const name = definition?.name;
    if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
      throw new RangeError(`"definition.name" expected 1-20 of A-Z 0-9 _ -, got ${String(name)}`);
    }
    if (this.definitions.has(name) && !replace) {
      throw new RangeError(`mechanism ${name} is already registered`);
    }
    this.definitions.set(name, definition);
    return this;
  }

  /** True when `name` is registered (names are case-insensitive). */
  has(name: string): boolean {
    return this.definitions.has(name.toUpperCase());
  }

  /** The registered names. */
  names(): string[] {
    return [...this.definitions.keys()];
  }

  /**
   * The definition registered as `name`.
   *
   * @throws {@link RangeError} when nothing is registered under that name
   */
  get<O extends MechanismOptions = MechanismOptions>(name: string): MechanismDefinition<O> {
    const definition = this.definitions.get(String(name).toUpperCase());
    if (definition === undefined) {
      throw new RangeError(`unknown mechanism ${String(name)}; known: ${this.names().join(', ')}`);
    }
    return definition as unknown as MechanismDefinition<O>;
  }

  /**
   * Makes a client session of mechanism `name`. The options are the mechanism's own (checked
   * by the mechanism at run time).
   */
  client(name: string, options: LooseMechanismOptions = {}): Mechanism {
    return this.get<LooseMechanismOptions>(name).client(options);
  }

  /** Makes the per-connection server factory of mechanism `name`. */
  server(name: string, options: LooseMechanismOptions = {}): ServerSessions {
    return this.get<LooseMechanismOptions>(name).server(options);
  }
}
