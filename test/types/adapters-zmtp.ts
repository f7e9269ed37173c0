/**
 * Type tests of the ZMTP adapter's public options: the mistakes that matter do not compile.
 * Only type-checked (`tsc -p tsconfig.json --noEmit`); each `@ts-expect-error` pins one mistake.
 */
import { CURVE } from '../../mechanisms/curve';
import { NULL } from '../../mechanisms/null';
import { connectZmtp, listenZmtp } from '../../src/adapters/zmtp';
import type { Authorizer } from '../../src/auth';
import type { KeyPair } from '../../src/keys';

declare const server: KeyPair;
declare const client: KeyPair;
declare const authorizer: Authorizer;

export async function zmtpOptionsCatchMistakes(): Promise<void> {
  // @ts-expect-error a CURVE client without serverKey
  await connectZmtp({ mechanism: CURVE, mechanismOptions: { secretKey: client.secretKey }, port: 1 });

  // @ts-expect-error secretKey: 123 is not a key
  await connectZmtp({ mechanism: CURVE, mechanismOptions: { secretKey: 123, serverKey: server.publicKey }, port: 1 });

  // @ts-expect-error PLAIN's options given to CURVE
  await connectZmtp({ mechanism: CURVE, mechanismOptions: { username: 'u', password: 'p' }, port: 1 });

  // @ts-expect-error a server without an authorizer, even NULL
  await listenZmtp({ mechanism: NULL });

  // @ts-expect-error a CURVE server without secretKey
  await listenZmtp({ mechanism: CURVE, mechanismOptions: {}, authorizer });

  // What must compile.
  await connectZmtp({ mechanism: CURVE, mechanismOptions: { secretKey: client.secretKey, serverKey: server.publicKey }, port: 1 });
  await listenZmtp({ mechanism: NULL, authorizer, maxHandshakes: 5 });
}
