/**
 * Type tests of the stream adapter's public options: the mistakes that matter do not compile.
 * Only type-checked (`tsc -p tsconfig.json --noEmit`); each `@ts-expect-error` pins one mistake.
 */
import { CURVE } from '../../mechanisms/curve';
import { NULL } from '../../mechanisms/null';
import { connect, createServer, StreamServer } from '../../src/adapters/stream';
import type { Authorizer } from '../../src/auth';
import type { KeyPair } from '../../src/keys';

declare const server: KeyPair;
declare const client: KeyPair;
declare const authorizer: Authorizer;

export function streamOptionsCatchMistakes(): void {
  // @ts-expect-error a CURVE client without serverKey
  connect({ mechanism: CURVE, mechanismOptions: { secretKey: client.secretKey }, port: 1 });

  // @ts-expect-error secretKey: 123 is not a key
  connect({ mechanism: CURVE, mechanismOptions: { secretKey: 123, serverKey: server.publicKey }, port: 1 });

  // @ts-expect-error PLAIN's options given to CURVE
  connect({ mechanism: CURVE, mechanismOptions: { username: 'u', password: 'p' }, port: 1 });

  // @ts-expect-error a server without an authorizer, even NULL
  createServer({ mechanism: NULL });

  // @ts-expect-error a CURVE server without secretKey, through the class too
  new StreamServer({ mechanism: CURVE, mechanismOptions: {}, authorizer });

  // What must compile.
  connect({ mechanism: CURVE, mechanismOptions: { secretKey: client.secretKey, serverKey: server.publicKey }, port: 1, idleTimeout: 5000 });
  createServer({ mechanism: CURVE, mechanismOptions: { secretKey: server.secretKey }, authorizer, maxHandshakes: 100 });
}
