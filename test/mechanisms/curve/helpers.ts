/**
 * Shared fixtures for the CURVE tests: the known-answer vector, key pairs, and drivers that
 * run a handshake step by step so tests can capture or alter each blob.
 */
import { loadVectors } from '../../crypto/load-vectors';
import { CURVE, CurveClient, CurveServer, type CurveClientOptions, type CurveServerOptions } from '../../../mechanisms/curve';
import {
  allow,
  fromHex,
  generateKeyPair,
  runHandshake,
  scriptedRandom,
  seededRandom,
  type AuthDecision,
  type KeyPair,
  type Mechanism,
} from '../../../src';

/** The vector file `test/vectors/curvezmq_handshake.json`, hex decoded where used. */
export interface HandshakeVector {
  readonly inputs: Record<string, string>;
  readonly derived: Record<string, string>;
  readonly commands: Record<'hello' | 'cookie' | 'welcome' | 'vouch' | 'initiate' | 'ready', string>;
  readonly messages: ReadonlyArray<{ direction: string; nonce: number; flags: number; payload_hex: string; command: string }>;
}

/** Reads a JSON file of `test/vectors/` (see its README for sources and licences). */
export const readVector = loadVectors;

/** The deterministic handshake vector. */
export const vector = readVector<HandshakeVector>('curvezmq_handshake.json');

/** Hex of the vector's input `name`, decoded. */
export function input(name: string): Uint8Array {
  return fromHex(vector.inputs[name]!);
}

/** Client and server options reproducing the vector byte for byte. */
export function vectorOptions(): { client: CurveClientOptions; server: CurveServerOptions } {
  return {
    client: {
      secretKey: input('client_secret'),
      serverKey: input('server_public'),
      metadata: [
        ['Socket-Type', 'DEALER'],
        ['Identity', ''],
      ],
      random: scriptedRandom([input('client_transient_secret'), input('vouch_nonce')]),
    },
    server: {
      secretKey: input('server_secret'),
      metadata: { 'Socket-Type': 'ROUTER' },
      random: scriptedRandom([
        input('server_transient_secret'),
        input('cookie_key'),
        input('cookie_nonce'),
        input('welcome_nonce'),
      ]),
    },
  };
}

/** Fixed key pairs for tests that need no particular bytes. */
export const serverKeys: KeyPair = generateKeyPair(seededRandom(1));
export const clientKeys: KeyPair = generateKeyPair(seededRandom(2));

/** A manual clock for cookie-expiry tests. */
export function manualClock(start = 1_000_000): { now: () => number; advance(ms: number): void } {
  let time = start;
  return { now: () => time, advance: (ms) => void (time += ms) };
}

/** A client with the fixed keys and any extra options. */
export function makeClient(extra: Partial<CurveClientOptions> = {}): CurveClient {
  return CURVE.client({ secretKey: clientKeys.secretKey, serverKey: serverKeys.publicKey, ...extra }) as CurveClient;
}

/** A server session factory with the fixed keys and any extra options. */
export function makeServerFactory(extra: Partial<CurveServerOptions> = {}): () => CurveServer {
  return CURVE.server({ secretKey: serverKeys.secretKey, ...extra }) as () => CurveServer;
}

/** Every blob of one handshake, captured step by step. */
export interface Transcript {
  readonly hello: Uint8Array;
  readonly welcome: Uint8Array;
  readonly initiate: Uint8Array;
  readonly ready: Uint8Array;
  readonly client: CurveClient;
  readonly server: CurveServer;
}

/** Runs one handshake by hand (decision: `decision`, default allow) and returns its blobs. */
export function handshake(
  client: CurveClient = makeClient(),
  server: CurveServer = makeServerFactory()(),
  decision: AuthDecision = allow(),
): Transcript {
  server.start();
  const hello = only(client.start().send);
  const welcome = only(server.receive(hello).send);
  const initiate = only(client.receive(welcome).send);
  const step = server.receive(initiate);
  if (step.auth === undefined) throw new Error(`no decision asked: ${step.error?.code ?? step.status}`);
  const ready = only(server.authorize(decision).send);
  client.receive(ready);
  return { hello, welcome, initiate, ready, client, server };
}

/** The single blob of a step, or an error naming what came instead. */
export function only(send: readonly Uint8Array[]): Uint8Array {
  if (send.length !== 1) throw new Error(`expected one blob, got ${send.length}`);
  return send[0]!;
}

/** A copy of `blob` with bit `bit` of byte `offset` flipped. */
export function flipBit(blob: Uint8Array, offset: number, bit = 0): Uint8Array {
  const out = blob.slice();
  out[offset] = out[offset]! ^ (1 << bit);
  return out;
}

/** Runs `runHandshake` with an allow-all authorizer. */
export function pair(client: Mechanism, server: Mechanism) {
  return runHandshake(client, server, { authorizer: () => true });
}

/** A ready client and server pair from the vector (session key `vector.derived.session_key_beforenm`). */
export function vectorSession(overrides: { client?: Partial<CurveClientOptions>; server?: Partial<CurveServerOptions> } = {}): Transcript {
  const options = vectorOptions();
  const client = CURVE.client({ ...options.client, ...overrides.client }) as CurveClient;
  const server = CURVE.server({ ...options.server, ...overrides.server })() as CurveServer;
  return handshake(client, server);
}
