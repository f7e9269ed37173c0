/**
 * Security properties of whole CURVE sessions: tampering at every offset of every command,
 * forward secrecy (row 34), client identity hiding (row 33). Wiping is in wiping.test.ts.
 */
import fc from 'fast-check';
import { CURVE, CurveClient, CurveServer } from '../../../mechanisms/curve';
import { MESSAGE_CLIENT_PREFIX, MESSAGE_SERVER_PREFIX, READY_PREFIX, shortNonce } from '../../../mechanisms/curve/nonces';
import { precompute, secretboxOpenOrNull } from './open-or-null';
import { fromHex, generateKeyPair, seededRandom, utf8, type Mechanism } from '../../../src';
import { flipBit, handshake, makeClient, makeServerFactory, serverKeys, vector, vectorOptions, vectorSession } from './helpers';

const commands = vector.commands;

function failsQuietly(mechanism: Mechanism, blob: Uint8Array, allowed: readonly string[]): void {
  const step = mechanism.receive(blob);
  expect(step.status).toBe('failed');
  expect(allowed).toContain(step.error?.code);
  expect(step.send).toEqual([]);
}

describe('tampering: a flipped bit at every offset of every command is rejected', () => {
  test('HELLO: every offset → no WELCOME', () => {
    const hello = fromHex(commands.hello);
    const genuine = CURVE.server(vectorOptions().server)();
    genuine.start();
    expect(genuine.receive(hello).send).toHaveLength(1);
    for (let offset = 0; offset < hello.length; offset++) {
      const server = CURVE.server(vectorOptions().server)();
      server.start();
      const expected = offset < 6 ? ['ERR_UNEXPECTED_COMMAND', 'ERR_MALFORMED_COMMAND'] : offset < 80 ? ['ERR_MALFORMED_COMMAND'] : ['ERR_DECRYPT', 'ERR_INVALID_KEY'];
      failsQuietly(server, flipBit(hello, offset, offset % 8), expected);
    }
  });

  test('WELCOME: every offset → no INITIATE', () => {
    const welcome = fromHex(commands.welcome);
    for (let offset = 0; offset < welcome.length; offset++) {
      const client = CURVE.client(vectorOptions().client);
      client.start();
      const expected = offset < 8 ? ['ERR_UNEXPECTED_COMMAND', 'ERR_MALFORMED_COMMAND'] : ['ERR_DECRYPT'];
      failsQuietly(client, flipBit(welcome, offset, offset % 8), expected);
    }
  });

  test('INITIATE: every offset → no decision asked, no READY', () => {
    const initiate = fromHex(commands.initiate);
    for (let offset = 0; offset < initiate.length; offset++) {
      const server = CURVE.server(vectorOptions().server)();
      server.start();
      server.receive(fromHex(commands.hello));
      const expected = offset < 9 ? ['ERR_UNEXPECTED_COMMAND', 'ERR_MALFORMED_COMMAND'] : ['ERR_DECRYPT'];
      failsQuietly(server, flipBit(initiate, offset, offset % 8), expected);
    }
  });

  test('READY: every offset → the client does not become ready', () => {
    const ready = fromHex(commands.ready);
    for (let offset = 0; offset < ready.length; offset++) {
      const client = CURVE.client(vectorOptions().client);
      client.start();
      client.receive(fromHex(commands.welcome));
      const expected = offset < 6 ? ['ERR_UNEXPECTED_COMMAND', 'ERR_MALFORMED_COMMAND'] : ['ERR_DECRYPT'];
      failsQuietly(client, flipBit(ready, offset, offset % 8), expected);
    }
  });

  test('MESSAGE: every offset → rejected, session kept with onError keep', () => {
    const { server } = vectorSession();
    const message = fromHex(vector.messages[0]!.command);
    for (let offset = 0; offset < message.length; offset++) {
      expect(() => server.decode(flipBit(message, offset, offset % 8), { onError: 'keep' })).toThrow(
        expect.objectContaining({ code: expect.stringMatching(/^ERR_(DECRYPT|INVALID_SEQUENCE|UNEXPECTED_COMMAND|MALFORMED_COMMAND)$/) }),
      );
    }
    expect(server.decode(message).data).toEqual(utf8('Hello'));
  });
});

describe('forward secrecy (row 34)', () => {
  test('a recorded session cannot be opened with both long-term secret keys, in any combination', () => {
    const t = vectorSession();
    const up = t.client.encode(utf8('secret up'));
    const down = t.server.encode(utf8('secret down'));
    const secrets = [fromHex(vector.inputs.client_secret!), fromHex(vector.inputs.server_secret!)];
    const publics = ['client_public', 'server_public'].map((k) => fromHex(vector.inputs[k]!));
    publics.push(fromHex(vector.derived.client_transient_public!), fromHex(vector.derived.server_transient_public!));
    const boxes: Array<[Uint8Array, Uint8Array]> = [
      [t.ready.subarray(14), shortNonce(READY_PREFIX, 1n)],
      [up.subarray(16), shortNonce(MESSAGE_CLIENT_PREFIX, 3n)],
      [down.subarray(16), shortNonce(MESSAGE_SERVER_PREFIX, 2n)],
    ];
    for (const secret of secrets) {
      for (const pub of publics) {
        const key = precompute(pub, secret);
        for (const [box, nonce] of boxes) expect(secretboxOpenOrNull(box, nonce, key)).toBeNull();
      }
      for (const [box, nonce] of boxes) expect(secretboxOpenOrNull(box, nonce, secret)).toBeNull();
    }
  });

  test('two sessions with the same long-term keys use different transient keys and session keys', () => {
    const factory = makeServerFactory();
    const a = handshake(makeClient(), factory());
    const b = handshake(makeClient(), factory());
    expect(a.hello.subarray(80, 112)).not.toEqual(b.hello.subarray(80, 112));
    // Each server reads its own client's messages and not the other's: the session keys differ.
    expect(a.server.decode(a.client.encode(utf8('a'))).data).toEqual(utf8('a'));
    expect(() => b.server.decode(a.client.encode(utf8('a')), { onError: 'keep' })).toThrow(expect.objectContaining({ code: 'ERR_DECRYPT' }));
    b.client.encode(utf8('skipped')); // so the next nonce is above the one a.server last saw
    expect(() => a.server.decode(b.client.encode(utf8('b')), { onError: 'keep' })).toThrow(expect.objectContaining({ code: 'ERR_DECRYPT' }));
  });
});

describe('client identity hiding (row 33)', () => {
  test('property: C and every metadata value of 4+ bytes never occur in the transcript', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.dictionary(fc.constantFrom('X-A', 'X-B', 'Identity'), fc.uint8Array({ minLength: 4, maxLength: 40 })), (seed, metadata) => {
        const keys = generateKeyPair(seededRandom(seed));
        const client = CURVE.client({ secretKey: keys.secretKey, serverKey: serverKeys.publicKey, metadata }) as CurveClient;
        const server = CURVE.server({ secretKey: serverKeys.secretKey, metadata })() as CurveServer;
        const t = handshake(client, server);
        const wire = Buffer.concat([t.hello, t.welcome, t.initiate, t.ready, t.client.encode(utf8('m')), t.server.encode(utf8('n'))]);
        expect(wire.indexOf(Buffer.from(keys.publicKey))).toBe(-1);
        for (const value of Object.values(metadata)) expect(wire.indexOf(Buffer.from(value))).toBe(-1);
      }),
      { numRuns: 40 },
    );
  });

  test('HELLOs of one client on two connections share nothing but the fixed fields', () => {
    const a = only(makeClient().start().send);
    const b = only(makeClient().start().send);
    expect(a.subarray(0, 80)).toEqual(b.subarray(0, 80));
    expect(a.subarray(112, 120)).toEqual(b.subarray(112, 120));
    let equalBytes = 0;
    for (const i of [...range(80, 112), ...range(120, 200)]) if (a[i] === b[i]) equalBytes++;
    expect(equalBytes).toBeLessThan(8);
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

function only(send: readonly Uint8Array[]): Uint8Array {
  expect(send).toHaveLength(1);
  return send[0]!;
}
