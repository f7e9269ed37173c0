/**
 * Type tests: an adapter that declares its options as the generic choice types (see
 * `src/adapters/mechanism-choice.ts`) checks the mechanism options per mechanism and per role,
 * and requires a server's authorizer. Only type-checked (`tsc -p tsconfig.json --noEmit`);
 * each `@ts-expect-error` pins one mistake.
 */
import { CURVE } from '../../mechanisms/curve';
import { NULL } from '../../mechanisms/null';
import { PLAIN } from '../../mechanisms/plain';
import {
  resolveMechanism,
  type ClientChoice,
  type MechanismChoice,
  type ServerChoice,
} from '../../src/adapters/mechanism-choice';
import type { Authorizer } from '../../src/auth';
import type { KeyPair } from '../../src/keys';
import type { AnyDefinition, MechanismDefinition, MechanismOptions } from '../../src/mechanism';
import type { MechanismRegistry } from '../../src/registry';

// Declared, not made: this file is only type-checked.
declare const server: KeyPair;
declare const client: KeyPair;
declare const registry: MechanismRegistry;
declare const authorizer: Authorizer;

/** An adapter's own options, as an adapter declares them beside the choice. */
interface ExampleBaseOptions {
  readonly handshakeTimeout?: number;
}

/** The way an adapter declares its options to get per-mechanism checking. */
type ExampleServerOptions<D extends AnyDefinition = AnyDefinition> = ServerChoice<D> & ExampleBaseOptions;
type ExampleClientOptions<D extends AnyDefinition = AnyDefinition> = ClientChoice<D> & ExampleBaseOptions;
declare function listen<D extends AnyDefinition>(options: ExampleServerOptions<D>): void;
declare function connect<D extends AnyDefinition>(options: ExampleClientOptions<D>): void;
/** A class infers `D` from its constructor's options as a function does. */
declare class ExampleServer<D extends AnyDefinition = AnyDefinition> {
  constructor(options: ExampleServerOptions<D>);
  close(): Promise<void>;
}

export function choicesCatchMistakes(): void {
  // @ts-expect-error a CURVE client without serverKey
  connect({ mechanism: CURVE, mechanismOptions: { secretKey: client.secretKey } });

  // @ts-expect-error secretKey: 123 is not a key
  connect({ mechanism: CURVE, mechanismOptions: { secretKey: 123, serverKey: server.publicKey } });

  // @ts-expect-error PLAIN's options given to CURVE
  connect({ mechanism: CURVE, mechanismOptions: { username: 'admin', password: 'secret' } });

  // @ts-expect-error PLAIN's credentials beside CURVE's keys
  connect({ mechanism: CURVE, mechanismOptions: { secretKey: client.secretKey, serverKey: server.publicKey, username: 'a' } });

  // @ts-expect-error CURVE needs options: no mechanismOptions at all
  connect({ mechanism: CURVE });

  // @ts-expect-error a CURVE server without secretKey
  listen({ mechanism: CURVE, mechanismOptions: {}, authorizer });

  // @ts-expect-error a CURVE server given a client's options (serverKey)
  listen({ mechanism: CURVE, mechanismOptions: { secretKey: server.secretKey, serverKey: server.publicKey }, authorizer });

  // @ts-expect-error a server choice without authorizer
  listen({ mechanism: CURVE, mechanismOptions: { secretKey: server.secretKey } });

  // @ts-expect-error a server choice by name without authorizer
  listen({ mechanism: 'CURVE', registry, mechanismOptions: { secretKey: server.secretKey } });

  // @ts-expect-error a NULL server without authorizer: NULL lets anyone in only when told to
  listen({ mechanism: NULL });

  // @ts-expect-error a name without the registry it is looked up in
  connect({ mechanism: 'CURVE', mechanismOptions: { secretKey: client.secretKey } });

  // @ts-expect-error a PLAIN client without its password
  connect({ mechanism: PLAIN, mechanismOptions: { username: 'admin' } });

  // Options built apart, then passed, are checked as well (no excess check, but required ones).
  const apart = { mechanism: CURVE, mechanismOptions: { secretKey: client.secretKey } };
  // @ts-expect-error serverKey missing from options built apart
  connect(apart);

  // @ts-expect-error a server class given a CURVE client's options
  new ExampleServer({ mechanism: CURVE, mechanismOptions: { secretKey: server.secretKey, serverKey: server.publicKey }, authorizer });

  // @ts-expect-error a server class without authorizer
  new ExampleServer({ mechanism: NULL });

  // @ts-expect-error the per-role types hold without a function too
  const pinned: ClientChoice<typeof CURVE> = { mechanism: CURVE, mechanismOptions: { secretKey: client.secretKey } };
  void pinned;
}

export function choicesAcceptCorrectOptions(): void {
  connect({ mechanism: CURVE, mechanismOptions: { secretKey: client.secretKey, serverKey: server.publicKey } });
  connect({ mechanism: PLAIN, mechanismOptions: { username: 'admin', password: 'secret' }, handshakeTimeout: 5_000 });
  // NULL's options are all optional, so mechanismOptions may be left out.
  connect({ mechanism: NULL });
  listen({ mechanism: NULL, authorizer });
  listen({ mechanism: NULL, mechanismOptions: { authenticate: true }, authorizer });
  listen({ mechanism: CURVE, mechanismOptions: { secretKey: server.secretKey, replayRecordSize: 1024 }, authorizer });
  listen({ mechanism: PLAIN, authorizer });
  const typed = new ExampleServer({ mechanism: CURVE, mechanismOptions: { secretKey: server.secretKey }, authorizer });
  // A server of a known mechanism is still a server of the default (any) type.
  const general: ExampleServer = typed;
  void general;
  // By name, options are loose: the definition is known only at run time.
  connect({ mechanism: 'CURVE', registry, mechanismOptions: { secretKey: client.secretKey, serverKey: server.publicKey } });
  listen({ mechanism: 'PLAIN', registry, authorizer });
  // A definition held as a variable of the general type keeps its own options type.
  const custom: MechanismDefinition<MechanismOptions & { readonly level?: number }> = NULL;
  connect({ mechanism: custom, mechanismOptions: { level: 2 } });
}

export function looseFormsStillFit(choice: ClientChoice, serverChoice: ServerChoice, legacy: MechanismChoice): void {
  // Every per-role choice is a MechanismChoice, which the resolvers take.
  const checked: ClientChoice<typeof CURVE> = {
    mechanism: CURVE,
    mechanismOptions: { secretKey: client.secretKey, serverKey: server.publicKey },
  };
  const serving: ServerChoice<typeof PLAIN> = { mechanism: PLAIN, authorizer };
  resolveMechanism(checked);
  resolveMechanism(serving);
  resolveMechanism(choice);
  resolveMechanism(serverChoice);
  resolveMechanism(legacy);
  // Unparameterised, a choice takes any definition with any options, as MechanismChoice does.
  const anyChoice: ClientChoice = { mechanism: CURVE, mechanismOptions: { anything: 1 } };
  // ...including a mechanism's own declared options type, which has no index signature.
  const declared: ClientChoice = { mechanism: CURVE, mechanismOptions: checked.mechanismOptions };
  const named: ServerChoice = { mechanism: 'CURVE', registry, mechanismOptions: checked.mechanismOptions, authorizer };
  void [anyChoice, declared, named];
  // An adapter that declares its options interface on MechanismChoice keeps compiling.
  interface LegacyAdapterOptions extends MechanismChoice {
    readonly port?: number;
  }
  const legacyOptions: LegacyAdapterOptions = { mechanism: 'NULL', port: 1 };
  void legacyOptions;
}
