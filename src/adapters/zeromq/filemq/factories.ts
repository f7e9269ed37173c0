/**
 * Mechanisms by registry and name, turned into the named factories the FileMQ sessions offer.
 *
 * @module
 */
import type { NamedFactory } from '../../../filemq/server-session';
import { clientFactory, serverFactory, type NamedMechanism } from '../mechanism-source';

/** One mechanism or several, in order of preference. */
export type MechanismChoice = NamedMechanism | readonly NamedMechanism[];

function list(choice: MechanismChoice): readonly NamedMechanism[] {
  const named = Array.isArray(choice) ? (choice as readonly NamedMechanism[]) : [choice as NamedMechanism];
  if (named.length === 0) throw new RangeError('"mechanism" expected at least one mechanism');
  return named;
}

/** Client factories: each call makes one client session of the named mechanism. */
export function clientFactories(choice: MechanismChoice): NamedFactory[] {
  return list(choice).map((named) => ({ name: named.name.toUpperCase(), create: clientFactory(named) }));
}

/** Server factories: `registry.server()` runs once per mechanism, shared by every peering. */
export function serverFactories(choice: MechanismChoice): NamedFactory[] {
  return list(choice).map((named) => ({ name: named.name.toUpperCase(), create: serverFactory(named) }));
}
