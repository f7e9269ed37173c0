/**
 * Shared set-up for the ZeroMQ adapter tests: fresh addresses, mechanisms by name, and a
 * tracker that closes every client and server after each test so jest exits.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultRegistry } from '../../../mechanisms';
import { curveKeyPair, type Authorizer, type Z85KeyPair } from '../../../src';
import { ZeroMqClient, ZeroMqServer, type NamedChoice, type ZeroMqClientOptions, type ZeroMqServerOptions } from '../../../src/adapters/zeromq';

/** The transports every end-to-end test runs over. */
export const TRANSPORTS = ['tcp', 'ipc', 'inproc'] as const;
export type Transport = (typeof TRANSPORTS)[number];

/** A fresh address: an OS-chosen loopback port, or an ipc path or inproc name nobody else uses. */
export function freshAddress(transport: Transport): string {
  const unique = `curvezmq-test-${process.pid}-${randomBytes(8).toString('hex')}`;
  if (transport === 'inproc') return `inproc://${unique}`;
  if (transport === 'tcp') return 'tcp://127.0.0.1:*';
  const file = `${path.join(os.tmpdir(), unique)}.sock`;
  ipcFiles.add(file);
  return `ipc://${file}`;
}

const ipcFiles = new Set<string>();

/** Removes the ipc socket files {@link freshAddress} handed out (libzmq may leave them). */
export function removeIpcFiles(): void {
  for (const file of ipcFiles) fs.rmSync(file, { force: true });
  ipcFiles.clear();
}

/** True once CURVE is registered (it is being written alongside this adapter). */
export const hasCurve = defaultRegistry.has('CURVE');

/** The mechanisms to test end to end. */
export const MECHANISMS = hasCurve ? (['NULL', 'PLAIN', 'CURVE'] as const) : (['NULL', 'PLAIN'] as const);
export type MechanismName = 'NULL' | 'PLAIN' | 'CURVE';

/** Keys and credentials for one server and its clients. */
export interface Setup {
  /** The server's mechanism by name, to spread into `ZeroMqServerOptions`. */
  readonly server: NamedChoice;
  /** A client's mechanism by name, to spread into `ZeroMqClientOptions`. */
  readonly client: (credentials?: ClientCredentials) => NamedChoice;
  readonly authorizer: Authorizer;
  readonly serverKeys: Z85KeyPair;
  /** A client allowed in. */
  readonly allowed: ClientCredentials;
  /** A client the authorizer refuses. */
  readonly refused: ClientCredentials;
}

/** A client's credentials: a key pair (CURVE) or a user name and password (PLAIN). */
export interface ClientCredentials {
  readonly keys: Z85KeyPair;
  readonly username: string;
  readonly password: string;
}

/** Builds a server and client set-up for `name`; the authorizer lets in only `allowed`. */
export function setup(name: MechanismName): Setup {
  const serverKeys = curveKeyPair();
  const allowed = { keys: curveKeyPair(), username: 'alice', password: 'secret' };
  const refused = { keys: curveKeyPair(), username: 'mallory', password: 'guess' };
  const authorizer: Authorizer = (request) =>
    name === 'CURVE' ? request.publicKeyZ85 === allowed.keys.publicKey : request.password === allowed.password;
  return {
    server: {
      mechanism: name,
      registry: defaultRegistry,
      mechanismOptions: name === 'NULL' ? { authenticate: true } : { secretKey: serverKeys.secretKey },
    },
    client: (credentials = allowed) => ({
      mechanism: name,
      registry: defaultRegistry,
      mechanismOptions: clientOptions(name, credentials, serverKeys.publicKey),
    }),
    authorizer: name === 'NULL' ? (request) => request.metadata.getString('X-User') === allowed.username : authorizer,
    serverKeys,
    allowed,
    refused,
  };
}

/** Creates clients and servers and closes them all in {@link Tracker.closeAll}. */
export class Tracker {
  private readonly closers: Array<() => void> = [];

  server(options: ZeroMqServerOptions): ZeroMqServer {
    const server = new ZeroMqServer(options);
    this.closers.push(() => server.close());
    return server;
  }

  client(options: ZeroMqClientOptions): ZeroMqClient {
    const client = new ZeroMqClient(options);
    this.closers.push(() => client.close());
    return client;
  }

  /** Registers anything else with a `close()`. */
  track<T extends { close(): void }>(closable: T): T {
    this.closers.push(() => closable.close());
    return closable;
  }

  closeAll(): void {
    for (const close of this.closers.splice(0).reverse()) close();
    removeIpcFiles();
  }
}

/** Text of each part. */
export function texts(parts: readonly Uint8Array[]): string[] {
  return parts.map((part) => Buffer.from(part).toString('utf8'));
}

function clientOptions(name: MechanismName, credentials: ClientCredentials, serverKey: string): Record<string, unknown> {
  if (name === 'NULL') return { metadata: { 'X-User': credentials.username } };
  if (name === 'PLAIN') return { username: credentials.username, password: credentials.password };
  return { secretKey: credentials.keys.secretKey, serverKey };
}
