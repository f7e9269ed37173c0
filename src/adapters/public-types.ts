/**
 * The types every adapter's entry point re-exports, so that `curvezmq/stream`,
 * `curvezmq/zeromq` and `curvezmq/zmtp` each name how a mechanism is chosen and where a peer
 * came from without a second import.
 *
 * @module
 */
export type {
  AuthorizerChoice,
  ClientChoice,
  DefinitionChoice,
  MechanismChoice,
  MechanismOptionsField,
  NamedChoice,
  PeerOrigin,
  ServerChoice,
} from './mechanism-choice';
