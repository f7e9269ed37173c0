/**
 * The CURVE client at blob level: WELCOME, READY and ERROR handling (checklist rows 6, 27-30).
 */
import { CURVE, CurveClient } from '../../../mechanisms/curve';
import { encodeReady } from '../../../mechanisms/curve/commands';
import { MessageCodec } from '../../../mechanisms/curve/message';
import {
  MESSAGE_CLIENT_PREFIX,
  MESSAGE_SERVER_PREFIX,
  READY_PREFIX,
  SendCounter,
  shortNonce,
  shortNonceBytes,
} from '../../../mechanisms/curve/nonces';
import { seal } from '../../../src/crypto';
import { encodeCommand } from '../../../src/codec/command';
import { fromHex, generateKeyPair, seededRandom, utf8 } from '../../../src';
import { expectFailed } from '../../helpers/expect-error';
import { craftWelcome, openWelcome, transient } from './craft';
import { clientKeys, flipBit, handshake, makeClient, only, readVector, serverKeys, vector, vectorOptions } from './helpers';

const lowOrder = readVector<{ points: Array<{ public: string }> }>('x25519_low_order_points.json').points.map((p) => fromHex(p.public));

/** A client whose transient key is `c` (scripted), started; returns its HELLO too. */
function clientWith(c = transient(3)) {
  const client = makeClient({ random: (n) => (n === 32 ? c.secretKey.slice() : new Uint8Array(n).fill(1)) });
  const hello = only(client.start().send);
  return { client, hello, c };
}

/** A client that has sent INITIATE for the vector's WELCOME (session key known from the vector). */
function vectorClientAwaitingReady(): CurveClient {
  const client = CURVE.client(vectorOptions().client) as CurveClient;
  client.start();
  client.receive(fromHex(vector.commands.welcome));
  return client;
}

function craftReady(metadata: Uint8Array, nonce = 1n): Uint8Array {
  const box = seal(metadata, shortNonce(READY_PREFIX, nonce), fromHex(vector.derived.session_key_beforenm!));
  return encodeReady({ nonce: shortNonceBytes(nonce), box });
}

function expectNoReply(client: CurveClient, blob: Uint8Array, code: Parameters<typeof expectFailed>[1]) {
  const step = client.receive(blob);
  expectFailed(step, code);
  expect(step.send).toEqual([]);
}

describe('CURVE client: HELLO', () => {
  test('HELLO is 200 bytes: version 1.0, 72 zero bytes, C\', nonce 1', () => {
    const { hello, c } = clientWith();
    expect(hello).toHaveLength(200);
    expect([...hello.subarray(0, 8)]).toEqual([5, 72, 69, 76, 76, 79, 1, 0]);
    expect(hello.subarray(8, 80).every((b) => b === 0)).toBe(true);
    expect(hello.subarray(80, 112)).toEqual(c.publicKey);
    expect([...hello.subarray(112, 120)]).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
  });

  test('row 36: a random source that fails at start → ERR_RANDOM_FAILED, nothing sent', () => {
    const client = makeClient({ random: () => { throw new Error('no entropy'); } });
    const step = client.start();
    expectFailed(step, 'ERR_RANDOM_FAILED');
    expect(step.send).toEqual([]);
  });

  test('row 36: two clients never share transient keys or HELLO boxes', () => {
    const a = only(makeClient().start().send);
    const b = only(makeClient().start().send);
    expect(a.subarray(80, 112)).not.toEqual(b.subarray(80, 112));
    expect(a.subarray(120)).not.toEqual(b.subarray(120));
  });
});

describe('CURVE client: WELCOME', () => {
  test('row 29: WELCOME of 167 or 169 bytes → ERR_MALFORMED_COMMAND, no INITIATE', () => {
    const t = handshake();
    for (const size of [8, 167, 169]) {
      const blob = new Uint8Array(size);
      blob.set(t.welcome.subarray(0, Math.min(size, 168)));
      expectNoReply(clientWith().client, blob, 'ERR_MALFORMED_COMMAND');
    }
  });

  test('row 29: a corrupted WELCOME nonce or box → ERR_DECRYPT, no INITIATE', () => {
    for (const offset of [8, 23, 24, 100, 167]) {
      const { client, c } = clientWith();
      const welcome = craftWelcome(serverKeys.secretKey, c.publicKey, transient(5).publicKey);
      expectNoReply(client, flipBit(welcome, offset, 3), 'ERR_DECRYPT');
    }
  });

  test('row 29: a WELCOME from a man in the middle (another S) → ERR_DECRYPT, so C never leaves', () => {
    const { client, c } = clientWith();
    const mitm = generateKeyPair(seededRandom(90));
    expectNoReply(client, craftWelcome(mitm.secretKey, c.publicKey, transient(5).publicKey), 'ERR_DECRYPT');
  });

  test('row 6: a WELCOME carrying an all-zero or low-order S\' → ERR_INVALID_KEY, no INITIATE', () => {
    for (const point of lowOrder) {
      const { client, c } = clientWith();
      expectNoReply(client, craftWelcome(serverKeys.secretKey, c.publicKey, point), 'ERR_INVALID_KEY');
    }
  });

  test('a valid WELCOME is answered by INITIATE with nonce 2 and the cookie echoed verbatim', () => {
    const { client, c } = clientWith();
    const cookie = new Uint8Array(96).fill(0x33);
    const welcome = craftWelcome(serverKeys.secretKey, c.publicKey, transient(5).publicKey, cookie);
    expect(openWelcome(welcome, c, serverKeys.publicKey).cookie).toEqual(cookie);
    const initiate = only(client.receive(welcome).send);
    expect(initiate.subarray(0, 9)).toEqual(utf8('\x08INITIATE'));
    expect(initiate.subarray(9, 105)).toEqual(cookie);
    expect([...initiate.subarray(105, 113)]).toEqual([0, 0, 0, 0, 0, 0, 0, 2]);
    expect(client.protocolState).toBe('expectReady');
  });

  test('row 36: a random source that fails at the vouch → ERR_RANDOM_FAILED, no INITIATE', () => {
    const c = transient(3);
    let draws = 0;
    const client = makeClient({ random: (n) => (draws++ === 0 ? c.secretKey.slice() : new Uint8Array(n - 1)) });
    client.start();
    expectNoReply(client, craftWelcome(serverKeys.secretKey, c.publicKey, transient(5).publicKey), 'ERR_RANDOM_FAILED');
  });
});

describe('CURVE client: READY', () => {
  test('row 30: READY shorter than 30 bytes → ERR_MALFORMED_COMMAND', () => {
    const ready = fromHex(vector.commands.ready);
    for (const size of [6, 14, 29]) expectNoReply(vectorClientAwaitingReady(), ready.subarray(0, size), 'ERR_MALFORMED_COMMAND');
  });

  test('row 30: a corrupted READY nonce or box → ERR_DECRYPT', () => {
    const ready = fromHex(vector.commands.ready);
    for (let offset = 6; offset < ready.length; offset++) {
      expectNoReply(vectorClientAwaitingReady(), flipBit(ready, offset, offset % 8), 'ERR_DECRYPT');
    }
  });

  test('row 30: READY with malformed metadata → ERR_INVALID_METADATA', () => {
    for (const metadata of [Uint8Array.of(0), Uint8Array.of(3, 65), Uint8Array.of(1, 65, 0, 0, 0, 9, 1)]) {
      expectNoReply(vectorClientAwaitingReady(), craftReady(metadata), 'ERR_INVALID_METADATA');
    }
  });

  test('READY may carry any nonce (libzmq does not check it); it becomes the baseline for MESSAGE', () => {
    const client = vectorClientAwaitingReady();
    expect(client.receive(craftReady(new Uint8Array(0), 1000n)).status).toBe('ready');
    expect(client.peer?.publicKeyZ85).toHaveLength(40);
    expect(client.peer?.publicKey).toEqual(fromHex(vector.inputs.server_public!));
    const server = new MessageCodec({
      key: fromHex(vector.derived.session_key_beforenm!),
      counter: new SendCounter(1000n),
      sendPrefix: MESSAGE_SERVER_PREFIX,
      receivePrefix: MESSAGE_CLIENT_PREFIX,
      lastReceived: 2n,
      maxMessageSize: Number.POSITIVE_INFINITY,
    });
    const atBaseline = server.encode(utf8('a'), {});
    expect(() => client.decode(atBaseline, { onError: 'keep' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_SEQUENCE' }));
    expect(client.decode(server.encode(utf8('b'), {})).data).toEqual(utf8('b'));
  });

  test('row 27: HELLO, INITIATE or MESSAGE sent to the client, or READY before WELCOME → ERR_UNEXPECTED_COMMAND', () => {
    const t = handshake();
    for (const blob of [t.hello, t.initiate, t.ready, t.server.encode(utf8('x'))]) {
      expectNoReply(clientWith().client, blob, 'ERR_UNEXPECTED_COMMAND');
    }
    expectNoReply(vectorClientAwaitingReady(), fromHex(vector.commands.welcome), 'ERR_UNEXPECTED_COMMAND');
  });
});

describe('CURVE client: ERROR', () => {
  test('row 28: ERROR "400" while expecting WELCOME or READY → ERR_PEER_ERROR with status 400', () => {
    const error = utf8('\x05ERROR\x03400');
    const first = expectFailed(clientWith().client.receive(error), 'ERR_PEER_ERROR');
    expect(first.status).toBe(400);
    expect(first.reason).toBe('400');
    const second = expectFailed(vectorClientAwaitingReady().receive(error), 'ERR_PEER_ERROR');
    expect(second.status).toBe(400);
  });

  test('row 28: an ERROR with free text has no status', () => {
    const error = expectFailed(clientWith().client.receive(encodeCommand('ERROR', Uint8Array.of(4), utf8('nope'))), 'ERR_PEER_ERROR');
    expect(error.status).toBeUndefined();
    expect(error.reason).toBe('nope');
  });

  test('row 28: ERROR shorter than 7 bytes, or with a reason length past the end → ERR_MALFORMED_COMMAND', () => {
    expectNoReply(clientWith().client, utf8('\x05ERROR'), 'ERR_MALFORMED_COMMAND');
    expectNoReply(clientWith().client, utf8('\x05ERROR\x05400'), 'ERR_MALFORMED_COMMAND');
    expectNoReply(clientWith().client, utf8('\x05ERROR\x01400'), 'ERR_MALFORMED_COMMAND');
  });

  test('row 28: ERROR received after READY (through decode) → ERR_UNEXPECTED_COMMAND', () => {
    const { client } = handshake();
    expect(() => client.decode(utf8('\x05ERROR\x03400'))).toThrow(expect.objectContaining({ code: 'ERR_UNEXPECTED_COMMAND' }));
    expect(client.status).toBe('failed');
  });
});

describe('CURVE client: secrets', () => {
  test('row 33: the client\'s long-term key C never appears in any blob of the handshake', () => {
    const t = handshake();
    const wire = Buffer.concat([t.hello, t.welcome, t.initiate, t.ready, t.client.encode(utf8('x')), t.server.encode(utf8('y'))]);
    expect(wire.indexOf(Buffer.from(clientKeys.publicKey))).toBe(-1);
    expect(wire.indexOf(Buffer.from(clientKeys.publicKey.subarray(0, 8)))).toBe(-1);
  });
});
