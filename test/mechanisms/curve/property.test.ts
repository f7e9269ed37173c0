/**
 * Property: for any sequence of blobs (random, mutated from valid ones, or valid ones out of
 * order) a CURVE client or server never throws anything but a typed error, only ever accepts a
 * blob that a genuine peer produced byte for byte, reaches `ready` only with the peer whose
 * keys were proven, and (server) never sends more bytes than it received before INITIATE
 * (checklist rows 7, 27, 32).
 */
import fc from 'fast-check';
import { CURVE, CurveClient, CurveServer } from '../../../mechanisms/curve';
import { allow, equalBytes, MechanismError, seededRandom, tunedCodec, utf8, type Mechanism } from '../../../src';
import { clientKeys, handshake, serverKeys } from './helpers';

/** One input to feed: a corpus blob as is, a mutation of one, or random bytes. */
type Op =
  | { kind: 'valid'; index: number }
  | { kind: 'flip'; index: number; bit: number }
  | { kind: 'truncate'; index: number; length: number }
  | { kind: 'extend'; index: number; tail: Uint8Array }
  | { kind: 'overwrite'; index: number; at: number; value: number }
  | { kind: 'random'; bytes: Uint8Array };

const CORPUS_SIZE = 8;
const index = fc.nat(CORPUS_SIZE - 1);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: index.map((i) => ({ kind: 'valid' as const, index: i })) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('flip' as const), index, bit: fc.nat(8 * 300) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), index, length: fc.nat(300) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('extend' as const), index, tail: fc.uint8Array({ minLength: 1, maxLength: 8 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('overwrite' as const), index, at: fc.nat(300), value: fc.nat(255) }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ kind: 'random' as const, bytes })) },
);

function materialize(o: Op, corpus: readonly Uint8Array[]): Uint8Array {
  if (o.kind === 'random') return o.bytes;
  const blob = corpus[o.index]!;
  switch (o.kind) {
    case 'valid':
      return blob;
    case 'flip': {
      const out = blob.slice();
      const bit = o.bit % (8 * blob.length);
      out[bit >> 3] = out[bit >> 3]! ^ (1 << (bit & 7));
      return out;
    }
    case 'truncate':
      return blob.slice(0, o.length % blob.length);
    case 'extend':
      return Uint8Array.from([...blob, ...o.tail]);
    case 'overwrite': {
      const out = blob.slice();
      out[o.at % blob.length] = o.value;
      return out;
    }
  }
}

/**
 * A genuine session and twins of both its peers: the twins use the same random sources, so a
 * fresh twin fed the genuine peer's blobs would replay the session exactly.
 */
function world(seed: number) {
  const serverOptions = () => ({ secretKey: serverKeys.secretKey, random: seededRandom(seed), metadata: { 'Socket-Type': 'ROUTER' } });
  const clientOptions = () => ({ secretKey: clientKeys.secretKey, serverKey: serverKeys.publicKey, random: seededRandom(seed + 1) });
  const t = handshake(CURVE.client(clientOptions()) as CurveClient, CURVE.server(serverOptions())() as CurveServer);
  const fromClient = [t.hello, t.initiate, t.client.encode(utf8('c1'), { more: true }), t.client.encode(utf8('c2'))];
  const fromServer = [t.welcome, t.ready, t.server.encode(utf8('s1')), t.server.encode(utf8('s2'), { command: true })];
  return {
    corpus: [...fromClient, ...fromServer],
    fromClient,
    fromServer,
    serverTwin: () => CURVE.server(serverOptions())(),
    clientTwin: () => CURVE.client(clientOptions()),
  };
}

const isGenuine = (blob: Uint8Array, genuine: readonly Uint8Array[]) => genuine.some((g) => equalBytes(g, blob));

/** Feeds `blobs` and checks the invariants; returns the bytes in and out before any decision. */
function drive(subject: Mechanism, blobs: readonly Uint8Array[], genuine: readonly Uint8Array[], peerKey: Uint8Array) {
  let bytesIn = 0;
  let bytesOut = 0;
  let decided = false;
  for (const blob of blobs) {
    if (subject.status === 'failed') break;
    if (subject.status === 'ready') {
      try {
        tunedCodec(subject)!.decode(blob, { onError: 'keep' });
        expect(isGenuine(blob, genuine)).toBe(true);
      } catch (error) {
        expect(error).toBeInstanceOf(MechanismError);
      }
      continue;
    }
    if (!decided) bytesIn += blob.length;
    let step = subject.receive(blob);
    if (step.status === 'failed') {
      expect(step.error).toBeInstanceOf(MechanismError);
      continue;
    }
    expect(isGenuine(blob, genuine)).toBe(true);
    if (step.auth !== undefined) {
      decided = true;
      step = subject.authorize(allow());
    }
    if (!decided) bytesOut += step.send.reduce((n, b) => n + b.length, 0);
    if (step.status === 'ready') expect(subject.peer?.publicKey).toEqual(peerKey);
  }
  return { bytesIn, bytesOut };
}

describe('CURVE under hostile input (property)', () => {
  /** Runs that reached ready: the invariants about ready sessions were really exercised. */
  let readyRuns = 0;
  beforeEach(() => {
    readyRuns = 0;
  });

  test('server: only genuine client blobs are accepted, ready only with C, and no amplification before INITIATE', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 30 }), fc.nat(2), fc.array(op, { minLength: 1, maxLength: 6 }), (seed, prefix, ops) => {
        const w = world(seed);
        const server = w.serverTwin();
        server.start();
        const blobs = [...w.fromClient.slice(0, prefix), ...ops.map((o) => materialize(o, w.corpus))];
        const { bytesIn, bytesOut } = drive(server, blobs, w.fromClient, clientKeys.publicKey);
        expect(bytesOut).toBeLessThanOrEqual(bytesIn);
        if (server.status === 'ready') readyRuns++;
      }),
      { numRuns: 150 },
    );
    expect(readyRuns).toBeGreaterThan(0);
  });

  test('client: only genuine server blobs are accepted and it is ready only with S', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 30 }), fc.nat(2), fc.array(op, { minLength: 1, maxLength: 6 }), (seed, prefix, ops) => {
        const w = world(seed);
        const client = w.clientTwin();
        client.start();
        const blobs = [...w.fromServer.slice(0, prefix), ...ops.map((o) => materialize(o, w.corpus))];
        drive(client, blobs, w.fromServer, serverKeys.publicKey);
        if (client.status === 'ready') readyRuns++;
      }),
      { numRuns: 150 },
    );
    expect(readyRuns).toBeGreaterThan(0);
  });

  test('the genuine sequence drives both twins to ready (so the properties above can reach it)', () => {
    const w = world(7);
    const server = w.serverTwin();
    server.start();
    drive(server, w.fromClient, w.fromClient, clientKeys.publicKey);
    expect(server.status).toBe('ready');
    const client = w.clientTwin();
    client.start();
    drive(client, w.fromServer, w.fromServer, serverKeys.publicKey);
    expect(client.status).toBe('ready');
  });

  test('row 7: garbage and 64 KiB of zeros instead of HELLO fail with a typed error and no reply', () => {
    for (const blob of [new Uint8Array(65_536), seededRandom(9)(4096), new Uint8Array(0), Uint8Array.of(5)]) {
      const server = CURVE.server({ secretKey: serverKeys.secretKey })();
      server.start();
      const step = server.receive(blob);
      expect(step.error).toBeInstanceOf(MechanismError);
      expect(step.send).toEqual([]);
    }
  });
});
