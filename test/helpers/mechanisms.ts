import { defaultRegistry } from '../../mechanisms';
import { allow, generateKeyPair, type Mechanism } from '../../src';

/** A client/server pair of each registered built-in mechanism, with what it needs to succeed. */
export interface MechanismCase {
  readonly name: string;
  client(): Mechanism;
  server(): Mechanism;
}

const serverKeys = generateKeyPair();
const clientKeys = generateKeyPair();

const OPTIONS: Record<string, { client: Record<string, unknown>; server: Record<string, unknown> }> = {
  NULL: { client: {}, server: {} },
  PLAIN: { client: { username: 'user', password: 'pass' }, server: {} },
  CURVE: {
    client: { secretKey: clientKeys.secretKey, serverKey: serverKeys.publicKey },
    server: { secretKey: serverKeys.secretKey },
  },
};

/** Every built-in mechanism that is registered, ready to pair. */
export function mechanismCases(): MechanismCase[] {
  return Object.entries(OPTIONS)
    .filter(([name]) => defaultRegistry.has(name))
    .map(([name, options]) => {
      const sessions = defaultRegistry.server(name, options.server);
      return { name, client: () => defaultRegistry.client(name, options.client), server: sessions };
    });
}

/** An authorizer that lets everyone in. */
export const allowAll = () => allow();
