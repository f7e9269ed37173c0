/**
 * Keys and mechanism choices shared by the load scenarios: one CURVE server key pair and a
 * pool of allowed client key pairs.
 *
 * @module
 */
import { defaultRegistry } from '../mechanisms';
import { curveKeyPair, type Authorizer, type Z85KeyPair } from '../src';
import type { NamedMechanism } from '../src/adapters/zeromq';

/** The server's keys and an authorizer that lets in every key of `clients`. */
export interface CurveSetup {
  readonly serverKeys: Z85KeyPair;
  readonly clients: readonly Z85KeyPair[];
  readonly authorizer: Authorizer;
  /** The ZeroMQ server's mechanism. */
  readonly zmqServer: NamedMechanism;
  /** The ZeroMQ mechanism of client `i` (keys reused modulo the pool). */
  zmqClient(i: number): NamedMechanism;
}

/** Makes a server key pair and `count` allowed client key pairs. */
export function curveSetup(count = 64): CurveSetup {
  const serverKeys = curveKeyPair();
  const clients = Array.from({ length: count }, () => curveKeyPair());
  const allowed = new Set(clients.map((k) => k.publicKey));
  return {
    serverKeys,
    clients,
    authorizer: (request) => request.publicKeyZ85 !== undefined && allowed.has(request.publicKeyZ85),
    zmqServer: { registry: defaultRegistry, name: 'CURVE', options: { secretKey: serverKeys.secretKey } },
    zmqClient: (i) => ({
      registry: defaultRegistry,
      name: 'CURVE',
      options: { secretKey: clients[i % clients.length]!.secretKey, serverKey: serverKeys.publicKey },
    }),
  };
}
