/**
 * The CURVE server at blob level: checklist rows about HELLO, INITIATE, cookies, vouches and
 * amplification, each test named after its row. The decision step is in server-decision.test.ts.
 */
import { encodeMetadata, generateKeyPair, seededRandom, utf8 } from '../../../src';
import { encodeCommand } from '../../../src/codec/command';
import { expectFailed } from '../../helpers/expect-error';
import { craftHello, craftInitiate, transient } from './craft';
import {
  handshake,
  makeClient,
  makeServerFactory,
  manualClock,
  only,
  serverKeys,
} from './helpers';
import { expectSilentFailure, honest, lowOrder, startedServer, welcomed } from './server-helpers';

describe('CURVE server: HELLO', () => {
  test('row 1: HELLO of every wrong size → ERR_MALFORMED_COMMAND, no WELCOME, terminal', () => {
    const hello = craftHello(transient(3), serverKeys.publicKey);
    for (const size of [6, 7, 50, 199, 201, 300]) {
      const blob = new Uint8Array(size);
      blob.set(hello.subarray(0, Math.min(size, 200)));
      expectSilentFailure(startedServer(), blob, 'ERR_MALFORMED_COMMAND');
    }
    expectSilentFailure(startedServer(), utf8('\x05HELLO'), 'ERR_MALFORMED_COMMAND');
  });

  test('row 2: HELLO with a wrong name or name length → ERR_UNEXPECTED_COMMAND (0 or overlong length → ERR_MALFORMED_COMMAND)', () => {
    const hello = craftHello(transient(3), serverKeys.publicKey);
    const renamed = hello.slice();
    renamed[5] = 'X'.charCodeAt(0);
    expectSilentFailure(startedServer(), renamed, 'ERR_UNEXPECTED_COMMAND');
    const relength = hello.slice();
    relength[0] = 6;
    expectSilentFailure(startedServer(), relength, 'ERR_UNEXPECTED_COMMAND');
    const zero = hello.slice();
    zero[0] = 0;
    expectSilentFailure(startedServer(), zero, 'ERR_MALFORMED_COMMAND');
    expectSilentFailure(startedServer(), Uint8Array.of(250, 72), 'ERR_MALFORMED_COMMAND');
  });

  test('row 3: HELLO version other than 1.0 → ERR_MALFORMED_COMMAND', () => {
    for (const version of [[1, 1], [0, 0], [2, 0], [0, 1], [255, 255]] as const) {
      expectSilentFailure(startedServer(), craftHello(transient(3), serverKeys.publicKey, { version }), 'ERR_MALFORMED_COMMAND');
    }
  });

  test('row 4: HELLO with non-zero padding → ERR_MALFORMED_COMMAND (stricter than libzmq)', () => {
    for (const at of [0, 35, 71]) {
      const padding = new Uint8Array(72);
      padding[at] = 1;
      expectSilentFailure(startedServer(), craftHello(transient(3), serverKeys.publicKey, { padding }), 'ERR_MALFORMED_COMMAND');
    }
  });

  test('row 5: HELLO boxed for another server → ERR_DECRYPT, no reply', () => {
    const other = generateKeyPair(seededRandom(77));
    expectSilentFailure(startedServer(), craftHello(transient(3), other.publicKey), 'ERR_DECRYPT');
  });

  test('row 5: HELLO with a tampered C\', nonce or box → ERR_DECRYPT', () => {
    const hello = craftHello(transient(3), serverKeys.publicKey);
    for (const offset of [80, 111, 112, 119, 120, 199]) {
      const tampered = hello.slice();
      tampered[offset] = tampered[offset]! ^ 0x40;
      const step = startedServer().receive(tampered);
      expect(step.status).toBe('failed');
      expect(['ERR_DECRYPT', 'ERR_INVALID_KEY']).toContain(step.error?.code);
      expect(step.send).toEqual([]);
    }
  });

  test('HELLO whose signature box opens but does not hold 64 zero bytes → ERR_MALFORMED_COMMAND', () => {
    const signature = new Uint8Array(64);
    signature[10] = 1;
    expectSilentFailure(startedServer(), craftHello(transient(3), serverKeys.publicKey, { signature }), 'ERR_MALFORMED_COMMAND');
  });

  test('row 6: HELLO with an all-zero or low-order C\' → ERR_INVALID_KEY, even though tweetnacl would box with it', () => {
    for (const point of lowOrder) {
      expectSilentFailure(startedServer(), craftHello(transient(3), serverKeys.publicKey, { clientTransient: point }), 'ERR_INVALID_KEY');
    }
  });

  test('HELLO is answered by exactly one 168-byte WELCOME, and a second HELLO is unexpected (row 27)', () => {
    const { c, server, welcome } = welcomed();
    expect(welcome).toHaveLength(168);
    expect(server.protocolState).toBe('expectInitiate');
    expectSilentFailure(server, craftHello(c, serverKeys.publicKey), 'ERR_UNEXPECTED_COMMAND');
  });

  test('row 36: a random source that fails while answering HELLO → ERR_RANDOM_FAILED, nothing sent', () => {
    const server = startedServer(makeServerFactory({ random: () => new Uint8Array(3) }));
    expectSilentFailure(server, craftHello(transient(3), serverKeys.publicKey), 'ERR_RANDOM_FAILED');
  });
});

describe('CURVE server: statelessness and amplification', () => {
  // That it holds no secret is checked by the oracle in wiping.test.ts.
  test('after WELCOME the session keeps no byte array of its own (stateless until INITIATE)', () => {
    const { server } = welcomed();
    const fields = Object.values(server as unknown as Record<string, unknown>);
    expect(fields.filter((v) => v instanceof Uint8Array)).toEqual([]);
  });

  test('row 32: for a run of HELLOs and garbage before INITIATE, the server never sends more bytes than it received', () => {
    const random = seededRandom(5);
    const factory = makeServerFactory();
    let received = 0;
    let sent = 0;
    for (let i = 0; i < 40; i++) {
      const server = startedServer(factory);
      const blob = i % 2 === 0 ? craftHello(transient(i + 1), serverKeys.publicKey) : random(1 + (i * 37) % 400);
      received += blob.length;
      for (const out of server.receive(blob).send) sent += out.length;
      expect(sent).toBeLessThanOrEqual(received);
    }
    expect(sent).toBe(20 * 168);
  });

  test('HELLO is 200 bytes and WELCOME 168 in a real handshake', () => {
    const t = handshake();
    expect(t.hello).toHaveLength(200);
    expect(t.welcome).toHaveLength(168);
  });
});

describe('CURVE server: INITIATE', () => {
  test('row 10: INITIATE shorter than 257 bytes, or a bare name → ERR_MALFORMED_COMMAND', () => {
    const { c, welcome } = welcomed();
    const initiate = craftInitiate(welcome, c, serverKeys.publicKey, honest);
    for (const size of [9, 10, 100, 256]) {
      const { server } = welcomed();
      expectSilentFailure(server, initiate.subarray(0, size), 'ERR_MALFORMED_COMMAND');
    }
  });

  test('row 11: INITIATE with a wrong name → ERR_UNEXPECTED_COMMAND', () => {
    const { c, server, welcome } = welcomed();
    const initiate = craftInitiate(welcome, c, serverKeys.publicKey, honest);
    initiate[1] = 'J'.charCodeAt(0);
    expectSilentFailure(server, initiate, 'ERR_UNEXPECTED_COMMAND');
  });

  test('row 12: a corrupted cookie (every byte) → ERR_DECRYPT', () => {
    const factory = makeServerFactory();
    for (let offset = 9; offset < 105; offset++) {
      const { c: c2, server, welcome: w2 } = welcomed(4, factory);
      const fresh = craftInitiate(w2, c2, serverKeys.publicKey, honest);
      fresh[offset] = fresh[offset]! ^ (1 << (offset % 8));
      expectSilentFailure(server, fresh, 'ERR_DECRYPT');
    }
  });

  test('row 13: a corrupted INITIATE nonce or box → ERR_DECRYPT', () => {
    const factory = makeServerFactory();
    for (const offset of [105, 112, 113, 150, 256]) {
      const { c, server, welcome } = welcomed(3, factory);
      const initiate = craftInitiate(welcome, c, serverKeys.publicKey, honest);
      initiate[offset] = initiate[offset]! ^ 0x01;
      expectSilentFailure(server, initiate, 'ERR_DECRYPT');
    }
  });

  test('row 14: a valid cookie from another connection, with this connection\'s C\' → ERR_DECRYPT', () => {
    const factory = makeServerFactory();
    const a = welcomed(3, factory);
    const b = welcomed(4, factory);
    const cookieOfA = craftInitiate(a.welcome, a.c, serverKeys.publicKey, honest).subarray(9, 105);
    const swapped = craftInitiate(b.welcome, b.c, serverKeys.publicKey, { ...honest, cookie: cookieOfA });
    expectSilentFailure(b.server, swapped, 'ERR_DECRYPT');
  });

  test('row 14: a cookie from another endpoint (another cookie key) → ERR_DECRYPT', () => {
    const a = welcomed(3, makeServerFactory());
    const b = welcomed(3, makeServerFactory());
    expectSilentFailure(b.server, craftInitiate(a.welcome, a.c, serverKeys.publicKey, honest), 'ERR_DECRYPT');
  });

  test('row 15: a vouch that names another C\' → ERR_KEY_EXCHANGE, no decision asked', () => {
    const { c, server, welcome } = welcomed();
    const initiate = craftInitiate(welcome, c, serverKeys.publicKey, { ...honest, vouchTransient: transient(9).publicKey });
    expectSilentFailure(server, initiate, 'ERR_KEY_EXCHANGE');
  });

  test('row 16: a vouch for another server (names another S) → ERR_KEY_EXCHANGE (stricter than libzmq)', () => {
    const { c, server, welcome } = welcomed();
    const other = generateKeyPair(seededRandom(78)).publicKey;
    expectSilentFailure(server, craftInitiate(welcome, c, serverKeys.publicKey, { ...honest, vouchServer: other }), 'ERR_KEY_EXCHANGE');
  });

  test('row 17: claiming an allow-listed C without knowing c (bogus vouch) → ERR_DECRYPT, authorizer never reached', () => {
    const { c, server, welcome } = welcomed();
    const impostor = generateKeyPair(seededRandom(79));
    const step = server.receive(craftInitiate(welcome, c, serverKeys.publicKey, { ...honest, vouchSecret: impostor.secretKey }));
    expectFailed(step, 'ERR_DECRYPT');
    expect(step.auth).toBeUndefined();
  });

  test('row 6: INITIATE with an all-zero or low-order C → ERR_INVALID_KEY', () => {
    const factory = makeServerFactory();
    for (const point of lowOrder) {
      const { c, server, welcome } = welcomed(3, factory);
      const initiate = craftInitiate(welcome, c, serverKeys.publicKey, { ...honest, clientPublic: point });
      expectSilentFailure(server, initiate, 'ERR_INVALID_KEY');
    }
  });

  test('row 19: malformed metadata in INITIATE → ERR_INVALID_METADATA', () => {
    const factory = makeServerFactory();
    const broken = [
      Uint8Array.of(0, 0, 0, 0, 0),
      Uint8Array.of(3, 65, 66),
      Uint8Array.of(1, 65, 0x80, 0, 0, 0),
      Uint8Array.of(1, 65, 0, 0, 0, 0, 7),
      Uint8Array.of(1, 0x20, 0, 0, 0, 0),
    ];
    const dup = new Uint8Array([...encodeMetadata({ Ab: 'x' }), ...encodeMetadata({ aB: 'y' })]);
    for (const metadata of [...broken, dup]) {
      const { c, server, welcome } = welcomed(3, factory);
      expectSilentFailure(server, craftInitiate(welcome, c, serverKeys.publicKey, { ...honest, metadata }), 'ERR_INVALID_METADATA');
    }
  });

  test('row 20: large metadata works up to the codec limit; an INITIATE over it is refused before decryption', () => {
    const factory = makeServerFactory();
    const big = { 'X-Big': new Uint8Array(60_000).fill(65), Identity: new Uint8Array(255).fill(66) };
    const ok = welcomed(3, factory);
    const step = ok.server.receive(craftInitiate(ok.welcome, ok.c, serverKeys.publicKey, { ...honest, metadata: big }));
    expect(step.auth?.metadata.get('x-big')).toHaveLength(60_000);
    const huge = welcomed(4, factory);
    const oversize = new Uint8Array(257 + 262_145);
    oversize.set(craftInitiate(huge.welcome, huge.c, serverKeys.publicKey, honest));
    expectSilentFailure(huge.server, oversize, 'ERR_MALFORMED_COMMAND');
  });

  test('row 21: a recorded session replayed against a fresh endpoint fails at the cookie (ERR_DECRYPT)', () => {
    const t = handshake();
    const replayed = startedServer();
    expect(only(replayed.receive(t.hello).send)).toHaveLength(168);
    expectSilentFailure(replayed, t.initiate, 'ERR_DECRYPT');
  });

  test('row 22: an INITIATE replayed on another connection of the same endpoint within the cookie lifetime → ERR_REPLAY', () => {
    const factory = makeServerFactory();
    const t = handshake(makeClient(), factory());
    const replay = factory();
    replay.start();
    replay.receive(t.hello);
    const step = replay.receive(t.initiate);
    expectFailed(step, 'ERR_REPLAY');
    expect(step.auth).toBeUndefined();
  });

  test('row 27: a second INITIATE on the same connection, once ready, → ERR_UNEXPECTED_COMMAND', () => {
    const t = handshake();
    expect(() => t.server.decode(t.initiate)).toThrow(expect.objectContaining({ code: 'ERR_UNEXPECTED_COMMAND' }));
    expect(() => handshake().server.decode(t.hello)).toThrow(expect.objectContaining({ code: 'ERR_UNEXPECTED_COMMAND' }));
  });

  test('row 22: the replay record is bounded; a cookie dropped from it no longer opens (its key is retired)', () => {
    const factory = makeServerFactory({ replayRecordSize: 2 });
    const first = handshake(makeClient(), factory());
    handshake(makeClient(), factory());
    handshake(makeClient(), factory());
    const replay = factory();
    replay.start();
    replay.receive(first.hello);
    expectFailed(replay.receive(first.initiate), 'ERR_DECRYPT');
  });

  test('row 31: INITIATE after the cookie lifetime (injected clock) → ERR_DECRYPT; within it → accepted', () => {
    const clock = manualClock();
    const factory = makeServerFactory({ clock: clock.now, cookieKeyLifetimeMs: 60_000 });
    const late = welcomed(3, factory);
    const lateInitiate = craftInitiate(late.welcome, late.c, serverKeys.publicKey, honest);
    clock.advance(119_999);
    const inTime = welcomed(4, factory);
    expect(inTime.server.receive(craftInitiate(inTime.welcome, inTime.c, serverKeys.publicKey, honest)).auth).toBeDefined();
    clock.advance(1);
    expectSilentFailure(late.server, lateInitiate, 'ERR_DECRYPT');
  });

  test('row 31: a cookie made just before rotation still opens one lifetime later, not two', () => {
    const clock = manualClock();
    const factory = makeServerFactory({ clock: clock.now, cookieKeyLifetimeMs: 1_000 });
    welcomed(5, factory);
    clock.advance(999);
    const a = welcomed(3, factory);
    const b = welcomed(4, factory);
    const initA = craftInitiate(a.welcome, a.c, serverKeys.publicKey, honest);
    const initB = craftInitiate(b.welcome, b.c, serverKeys.publicKey, honest);
    clock.advance(1_000);
    expect(a.server.receive(initA).auth).toBeDefined();
    clock.advance(1);
    expectSilentFailure(b.server, initB, 'ERR_DECRYPT');
  });

  test('row 27: INITIATE before HELLO, and WELCOME, READY, MESSAGE or ERROR sent to the server → ERR_UNEXPECTED_COMMAND', () => {
    const t = handshake();
    for (const blob of [t.initiate, t.welcome, t.ready, t.client.encode(utf8('x')), encodeCommand('ERROR', Uint8Array.of(0))]) {
      expectSilentFailure(startedServer(), blob, 'ERR_UNEXPECTED_COMMAND');
    }
  });

  test('row 28: an ERROR sent by the client after HELLO → ERR_UNEXPECTED_COMMAND', () => {
    const { server } = welcomed();
    expectSilentFailure(server, encodeCommand('ERROR', Uint8Array.of(3), utf8('400')), 'ERR_UNEXPECTED_COMMAND');
  });
});
