/**
 * Type tests: security mistakes in mechanism options must not compile. Nothing here runs;
 * `tsc -p tsconfig.json --noEmit` (part of `npm test`) checks it. Each `@ts-expect-error`
 * pins one mistake: if the types stop catching it, the directive itself becomes the error.
 */
import { CURVE, type CurveClientOptions, type CurveServerOptions } from '../../mechanisms/curve';
import { NULL } from '../../mechanisms/null';
import { PLAIN } from '../../mechanisms/plain';
import type { AnyDefinition, ClientOptionsOf, MechanismDefinition, MechanismOptions, ServerOptionsOf } from '../../src/mechanism';
import { defaultRegistry } from '../../mechanisms';
import type { KeyPair, Z85KeyPair } from '../../src/keys';

// Declared, not made: this file is only type-checked.
declare const server: KeyPair;
declare const client: KeyPair;
declare const z85: Z85KeyPair;

/** True when A and B are the same type; used to pin what the helper types compute. */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const same = <A, B>(proof: Same<A, B>): Same<A, B> => proof;

export function definitionsCatchMistakes(): void {
  // A CURVE client that does not pin the server's key cannot authenticate the server.
  // @ts-expect-error serverKey is required on a CURVE client
  CURVE.client({ secretKey: client.secretKey });

  // @ts-expect-error a number is not a key (KeyLike: 32 bytes or 40 Z85 characters)
  CURVE.client({ secretKey: 123, serverKey: server.publicKey });

  // @ts-expect-error a number is not a server key either
  CURVE.client({ secretKey: client.secretKey, serverKey: 123 });

  // @ts-expect-error PLAIN credentials are no CURVE options (and leave out the CURVE keys)
  CURVE.client({ username: 'admin', password: 'secret' });

  // @ts-expect-error PLAIN credentials beside CURVE keys are still not CURVE options
  CURVE.client({ secretKey: client.secretKey, serverKey: server.publicKey, username: 'admin' });

  // @ts-expect-error a CURVE server needs its secret key
  CURVE.server({});

  // @ts-expect-error a CURVE server has no serverKey: client options given to a server
  CURVE.server({ secretKey: server.secretKey, serverKey: server.publicKey });

  // @ts-expect-error a PLAIN client sends credentials; without them it cannot start
  PLAIN.client({ username: 'admin' });

  // @ts-expect-error a PLAIN server checks credentials through its authorizer, not options
  PLAIN.server({ username: 'admin', password: 'secret' });

  // @ts-expect-error authenticate is the NULL server's option, meaningless on a client
  NULL.client({ authenticate: true });
}

export function definitionsAcceptCorrectOptions(): void {
  CURVE.client({ secretKey: client.secretKey, serverKey: server.publicKey });
  CURVE.client({ secretKey: z85.secretKey, serverKey: z85.publicKey, maxMessageSize: 1024 });
  CURVE.server({ secretKey: server.secretKey, cookieKeyLifetimeMs: 30_000, replayRecordSize: 1024 });
  PLAIN.client({ username: 'admin', password: 'secret', metadata: { 'Socket-Type': 'DEALER' } });
  PLAIN.server({});
  NULL.client({});
  NULL.server({ authenticate: true });
  const options: CurveClientOptions = { secretKey: client.secretKey, serverKey: server.publicKey };
  CURVE.client(options);
  // The registry hands definitions out by name, with options checked at run time only.
  defaultRegistry.register(CURVE, true).register(PLAIN, true).register(NULL, true);
  defaultRegistry.client('CURVE', { secretKey: client.secretKey, serverKey: server.publicKey });
}

export function helperTypesComputeEachRole(): boolean[] {
  return [
    same<ClientOptionsOf<typeof CURVE>, CurveClientOptions>(true),
    same<ServerOptionsOf<typeof CURVE>, CurveServerOptions>(true),
    same<ClientOptionsOf<typeof NULL>, MechanismOptions>(true),
    same<(typeof CURVE)['name'], 'CURVE'>(true),
    // A definition of any options is an AnyDefinition, and its options are then unknown (never).
    same<ClientOptionsOf<AnyDefinition>, never>(true),
    // One options type serves both roles when a definition gives only one.
    same<ServerOptionsOf<MechanismDefinition<CurveClientOptions>>, CurveClientOptions>(true),
  ];
}

export function customDefinitionsStillFit(definition: MechanismDefinition<MechanismOptions & { readonly level: number }>): void {
  defaultRegistry.register(definition, true);
  definition.client({ level: 1 });
  // @ts-expect-error the custom option's type is checked as the built-ins' are
  definition.client({ level: 'high' });
}
