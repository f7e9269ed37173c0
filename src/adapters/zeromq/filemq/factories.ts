/**
 * FileMQ's mechanisms, in the shape every adapter takes (see `../../mechanism-choice`), turned
 * into the named factories the FileMQ sessions offer in OHAI and pick from in ORLY.
 *
 * @module
 */
import type { NamedFactory } from '../../../filemq/factory';
import type { ServerSessions } from '../../../mechanism';
import { resolveMechanism, type MechanismChoice, type ResolvedMechanism } from '../../mechanism-choice';

/** Several mechanisms, in order of preference; each entry is a full {@link MechanismChoice}. */
export interface MechanismList {
  readonly mechanisms: readonly MechanismChoice[];
  /** Not with a list: each entry names its own mechanism. */
  readonly mechanism?: never;
  /**
   * A client's offer and the server's choice travel in the clear, so a man in the middle can
   * answer with the weakest mechanism offered. A client therefore may not offer mechanisms that
   * seal every command (`wire.parts: 'sealed'`, which authenticate the server) beside ones that
   * do not, unless this is true (default false). Unused by a server.
   */
  readonly allowDowngrade?: boolean;
}

/**
 * FileMQ's mechanisms: one, given flat as every adapter takes it, or several in order of
 * preference (the server picks the first of its own that the client offers).
 */
export type FileMqMechanisms = MechanismChoice | MechanismList;

/** A server factory under its name: `close()` wipes the endpoint's shared secrets. */
export interface NamedServerSessions extends NamedFactory {
  readonly create: ServerSessions;
}

/**
 * Client factories: each `create()` makes one client session of its mechanism.
 *
 * @throws {@link TypeError} / {@link RangeError} as `resolveMechanism`, naming the entry
 *   (`"options.mechanisms[1].registry"...`), or for an empty or missing list
 */
export function clientFactories(choice: FileMqMechanisms): NamedFactory[] {
  const resolved = resolveAll(choice);
  if ((choice as MechanismList).allowDowngrade !== true) refuseMixedOffer(resolved);
  return resolved.map(({ name, definition, options, wire }) => ({
    name,
    create: () => definition.client(options),
    maxHandshakeSize: wire.maxHandshakeSize,
  }));
}

/**
 * Finding 3 (downgrade): an offer of a sealing mechanism beside one that does not seal is
 * answered, by whoever sits in the middle, with the one that does not; the sealed commands that
 * follow would prove nothing, as that mechanism has no seal. So such an offer is a mistake.
 *
 * @throws {@link TypeError} naming `options.mechanisms` and `options.allowDowngrade`
 */
function refuseMixedOffer(offer: readonly ResolvedMechanism[]): void {
  const sealed = offer.filter((m) => m.wire.parts === 'sealed').map((m) => m.name);
  const open = offer.filter((m) => m.wire.parts !== 'sealed').map((m) => m.name);
  if (sealed.length === 0 || open.length === 0) return;
  throw new TypeError(
    `"options.mechanisms" offers ${sealed.join(', ')}, which seal every command, beside ${open.join(', ')}, which do not: ` +
      'a man in the middle could pick the latter; offer one kind, or set "options.allowDowngrade" to true',
  );
}

/**
 * Server factories: each definition's `server()` runs once here, shared by every peering, so
 * that the server's `close()` can wipe what they share (a mechanism's endpoint secrets).
 *
 * @throws as {@link clientFactories}, or whatever a mechanism throws for bad options
 */
export function serverFactories(choice: FileMqMechanisms): NamedServerSessions[] {
  return resolveAll(choice).map(({ name, definition, options, wire }) => ({
    name,
    create: definition.server(options),
    maxHandshakeSize: wire.maxHandshakeSize,
  }));
}

function resolveAll(choice: FileMqMechanisms): ResolvedMechanism[] {
  if (typeof choice !== 'object' || choice === null) throw new TypeError('"options" expected an object');
  if (!('mechanisms' in choice) || choice.mechanisms === undefined) return [resolveMechanism(choice as MechanismChoice)];
  const list: unknown = choice.mechanisms;
  if ((choice as { mechanism?: unknown }).mechanism !== undefined) {
    throw new TypeError('"options.mechanism" and "options.mechanisms" cannot both be given');
  }
  if (!Array.isArray(list)) throw new TypeError('"options.mechanisms" expected an array');
  if (list.length === 0) throw new RangeError('"options.mechanisms" expected at least one mechanism');
  return (list as MechanismChoice[]).map((entry, i) => resolveMechanism(entry, `options.mechanisms[${i}]`));
}
