/**
 * The CURVE client on an asynchronous X25519 (WebCrypto's, which Node 20 has): the same wire
 * bytes as the synchronous client, steps that complete through `Step.pending`, and the rules
 * of a pending step (nothing else in the meantime, a late result wiped after `destroy()`, a
 * failed X25519 becomes a coded failure).
 */
import { CURVE, type CurveClient } from '../../../mechanisms/curve';
import { cryptoBackend } from '../../../src/crypto';
import { webCryptoX25519, type AsyncX25519, type WebCryptoX25519 } from '../../../src/crypto/webcrypto';
import { MechanismError, runHandshake, StateError, toHex, type Step } from '../../../src';
import { clientKeys, makeServerFactory, serverKeys, vector, vectorOptions } from './helpers';

let webcrypto: WebCryptoX25519;

beforeAll(async () => {
  const found = await webCryptoX25519();
  // Node 20 has X25519 in WebCrypto: its absence here is a failure, not a skip.
  expect(found).toBeDefined();
  webcrypto = found!;
});

/** An X25519 whose answers the test releases, to act while a step is pending. */
function heldX25519(real: AsyncX25519) {
  const releases: Array<() => void> = [];
  const hold = <T>(work: () => Promise<T>): Promise<T> =>
    new Promise<void>((resolve) => releases.push(resolve)).then(work);
  const x25519: AsyncX25519 = {
    scalarMultBase: (secret) => hold(() => real.scalarMultBase(secret)),
    scalarMult: (secret, publicKey) => hold(() => real.scalarMult(secret, publicKey)),
  };
  return { x25519, release: () => releases.splice(0).forEach((release) => release()) };
}

function asyncClient(x25519: AsyncX25519 | undefined): CurveClient {
  return CURVE.client({ secretKey: clientKeys.secretKey, serverKey: serverKeys.publicKey, x25519 }) as CurveClient;
}

describe('CURVE client on WebCrypto X25519', () => {
  test('produces the known-answer HELLO and INITIATE, byte for byte', async () => {
    const options = vectorOptions();
    const client = CURVE.client({ ...options.client, x25519: webcrypto });
    const server = CURVE.server(options.server)();
    const { transcript } = await runHandshake(client, server, { authorizer: () => true });
    expect([client.error, server.error]).toEqual([undefined, undefined]);
    expect(client.status).toBe('ready');
    expect(server.status).toBe('ready');
    expect(toHex(transcript[0]!.blob)).toBe(vector.commands.hello);
    expect(toHex(transcript[2]!.blob)).toBe(vector.commands.initiate);
    expect(toHex(transcript[3]!.blob)).toBe(vector.commands.ready);
  });

  test('start() and receive(WELCOME) are pending steps; the rest are synchronous', async () => {
    const client = asyncClient(webcrypto);
    const server = makeServerFactory()();
    server.start();
    const started = client.start();
    expect(started).toMatchObject({ send: [], status: 'handshaking' });
    const hello = await started.pending!;
    expect(hello.pending).toBeUndefined();
    const welcome = server.receive(hello.send[0]!);
    const welcomed = client.receive(welcome.send[0]!);
    expect(welcomed.send).toEqual([]);
    const initiate = await welcomed.pending!;
    const asked = server.receive(initiate.send[0]!);
    const ready = server.authorize({ status: 200 });
    expect(asked.auth?.publicKeyZ85).toBeDefined();
    const done = client.receive(ready.send[0]!);
    expect(done.pending).toBeUndefined();
    expect(client.status).toBe('ready');
    const part = server.decode(client.encode(Uint8Array.of(1, 2, 3)));
    expect([...part.data]).toEqual([1, 2, 3]);
  });

  test('refuses every call but destroy() while a step is pending', async () => {
    const { x25519, release } = heldX25519(webcrypto);
    const client = asyncClient(x25519);
    const started = client.start();
    expect(() => client.receive(new Uint8Array(168))).toThrow(StateError);
    expect(() => client.start()).toThrow(StateError);
    release();
    await expect(started.pending).resolves.toMatchObject({ status: 'handshaking' });
  });

  test('destroy() while pending: the late result is wiped and the step rejects', async () => {
    const { x25519, release } = heldX25519(webcrypto);
    const client = asyncClient(x25519); // before the spy: construction derives a fingerprint
    const backend = cryptoBackend();
    const derived: Uint8Array[] = [];
    const hsalsa20 = backend.hsalsa20.bind(backend);
    const spy = jest.spyOn(backend, 'hsalsa20').mockImplementation((key, input) => {
      const out = hsalsa20(key, input);
      derived.push(out);
      return out;
    });
    try {
      const started = client.start();
      client.destroy();
      release();
      await expect(started.pending).rejects.toThrow(StateError);
      // The HELLO key arrived after destroy(): it was derived, then zero-filled.
      expect(derived).toHaveLength(1);
      expect(derived[0]!.every((byte) => byte === 0)).toBe(true);
    } finally {
      spy.mockRestore();
    }
  });

  test('a failing X25519 fails the step with ERR_KEY_EXCHANGE', async () => {
    const broken: AsyncX25519 = {
      scalarMultBase: () => Promise.reject(new Error('OperationError')),
      scalarMult: () => Promise.reject(new Error('OperationError')),
    };
    const client = asyncClient(broken);
    const step = await client.start().pending!;
    expect(step.status).toBe('failed');
    expect(step.error).toBeInstanceOf(MechanismError);
    expect(step.error?.code).toBe('ERR_KEY_EXCHANGE');
    expect(client.status).toBe('failed');
  });

  test('a WELCOME that does not open fails at once, without waiting', async () => {
    const client = asyncClient(webcrypto);
    await client.start().pending!;
    const forged = new Uint8Array(168);
    forged.set(new TextEncoder().encode('\x07WELCOME'));
    const step: Step = client.receive(forged);
    expect(step.pending).toBeUndefined();
    expect(step.status).toBe('failed');
  });

  test('x25519 is checked: a non-implementation is a TypeError, and servers take none', () => {
    expect(() => asyncClient({} as AsyncX25519)).toThrow(/"x25519"/);
    expect(() => CURVE.server({ secretKey: serverKeys.secretKey, x25519: webcrypto } as never)).toThrow(TypeError);
  });

  test('x25519: undefined (no WebCrypto) is the synchronous client', () => {
    const step = asyncClient(undefined).start();
    expect(step.pending).toBeUndefined();
    expect(step.send).toHaveLength(1);
  });
});
