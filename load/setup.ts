/**
 * Keys and mechanism choices shared by the load scenarios: one CURVE server key pair and a
 * pool of allowed client key pairs.
 *
 * @module
 */
import { CURVE, type CurveClientOptions, type CurveServerOptions } from '../mechanisms';
import { curveKeyPair, type Authorizer, type Z85KeyPair } from '../src';
import type { DefinitionChoice } from '../src/adapters/zeromq';

/** The server's keys and an authorizer that lets in every key of `clients`. */
export interface CurveSetup {
  readonly serverKeys: Z85KeyPair;
  readonly clients: readonly Z85KeyPair[];
  readonly authorizer: Authorizer;
  /** The ZeroMQ server's mechanism, to spread into its options. */
  readonly zmqServer: DefinitionChoice<typeof CURVE, CurveServerOptions>;
  /** The ZeroMQ mechanism of client `i` (keys reused modulo the pool), to spread into its options. */
  zmqClient(i: number): DefinitionChoice<typeof CURVE, CurveClientOptions>;
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
    zmqServer: { mechanism: CURVE, mechanismOptions: { secretKey: serverKeys.secretKey } },
    zmqClient: (i) => ({
      mechanism: CURVE,
      mechanismOptions: { secretKey: clients[i % clients.length]!.secretKey, serverKey: serverKeys.publicKey },
    }),
  };
}
