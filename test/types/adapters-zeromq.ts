/**
 * Type tests of the ZeroMQ adapter's public options: the mistakes that matter do not compile.
 * Only type-checked (`tsc -p tsconfig.json --noEmit`); each `@ts-expect-error` pins one mistake.
 */
import { CURVE } from '../../mechanisms/curve';
import { PLAIN } from '../../mechanisms/plain';
import { ZeroMqClient, ZeroMqServer } from '../../src/adapters/zeromq';
import type { Authorizer } from '../../src/auth';
import type { KeyPair } from '../../src/keys';
import type { MechanismRegistry } from '../../src/registry';

declare const server: KeyPair;
declare const client: KeyPair;
declare const registry: MechanismRegistry;
declare const authorizer: Authorizer;

export function zeroMqOptionsCatchMistakes(): void {
  // @ts-expect-error a CURVE client without serverKey
  new ZeroMqClient({ mechanism: CURVE, mechanismOptions: { secretKey: client.secretKey } });

  // @ts-expect-error secretKey: 123 is not a key
  new ZeroMqClient({ mechanism: CURVE, mechanismOptions: { secretKey: 123, serverKey: server.publicKey } });

  // @ts-expect-error PLAIN's options given to CURVE
  new ZeroMqClient({ mechanism: CURVE, mechanismOptions: { username: 'admin', password: 'secret' } });

  // @ts-expect-error a server without an authorizer
  new ZeroMqServer({ mechanism: CURVE, mechanismOptions: { secretKey: server.secretKey } });

  // @ts-expect-error a CURVE server without secretKey
  new ZeroMqServer({ mechanism: CURVE, mechanismOptions: {}, authorizer });

  // @ts-expect-error a name without its registry
  new ZeroMqClient({ mechanism: 'CURVE', mechanismOptions: { secretKey: client.secretKey } });

  // What must compile.
  new ZeroMqClient({ mechanism: CURVE, mechanismOptions: { secretKey: client.secretKey, serverKey: server.publicKey }, keepAlive: 1000 });
  new ZeroMqClient({ mechanism: PLAIN, mechanismOptions: { username: 'u', password: 'p' } });
  new ZeroMqServer({ mechanism: CURVE, mechanismOptions: { secretKey: server.secretKey }, authorizer, maxHandshakes: 10 });
  new ZeroMqServer({ mechanism: 'CURVE', registry, mechanismOptions: { secretKey: server.secretKey }, authorizer });
}
