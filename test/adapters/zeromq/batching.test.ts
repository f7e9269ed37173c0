/**
 * Batches: a ZeroMQ message of MESSAGE frames holds one or more application messages, each
 * ending at the part whose MORE flag is clear. The codec splits them (property-tested over
 * random batches, random cuts and corruptions), the outgoing queue builds them (pure, with a
 * recording send), and real sockets carry bursts in order, each message exactly once.
 */
import fc from 'fast-check';
import { once } from 'node:events';
import { defaultRegistry } from '../../../mechanisms';
import { MechanismError, runHandshake, type Mechanism } from '../../../src';
import { encodeEnvelope, KIND_MESSAGE } from '../../../src/adapters/zeromq';
import { decodeNext, encodeMessage, encodePing, parseFrames, type DecodedMessage } from '../../../src/adapters/zeromq/message-codec';
import { MAX_BATCH_FRAMES, Outbox } from '../../../src/adapters/zeromq/outbox';
import { KIND_PACKED, packEnvelopes } from '../../../src/adapters/zeromq/packed';
import { freshAddress, setup, texts, Tracker } from './helpers';

/** One application message of the model: data parts, or a PING with a context. */
type AppMessage = { readonly data: string[] } | { readonly ping: string };

/** Hex text: never holds the separators the checks below use. */
const hex = (max: number) => fc.uint8Array({ maxLength: max }).map((bytes) => Buffer.from(bytes).toString('hex'));
const appMessage: fc.Arbitrary<AppMessage> = fc.oneof(
  { weight: 5, arbitrary: fc.array(hex(12), { minLength: 1, maxLength: 4 }).map((data) => ({ data })) },
  { weight: 1, arbitrary: hex(8).map((ping) => ({ ping })) },
);

async function curvePair(): Promise<{ client: Mechanism; server: Mechanism }> {
  const s = setup('CURVE');
  const client = defaultRegistry.client('CURVE', s.client().mechanismOptions);
  const server = defaultRegistry.server('CURVE', s.server.mechanismOptions)();
  const result = await runHandshake(client, server, { authorizer: () => true });
  return { client: result.client, server: result.server };
}

/** Encodes the model's messages in order; returns each message's blobs (unique part text). */
function encodeAll(mechanism: Mechanism, messages: readonly AppMessage[]): Uint8Array[][] {
  const id = Buffer.alloc(16, 5);
  return messages.map((message, i) => {
    const frames =
      'data' in message
        ? encodeMessage(mechanism, id, message.data.map((text, j) => Buffer.from(`${i}.${j}:${text}`)))
        : encodePing(mechanism, id, Buffer.from(message.ping));
    return parseFrames(frames)!.map((envelope) => Buffer.from(envelope.blob));
  });
}

/** Splits one batch into its messages, as the adapters do; stops at a rejected part ('keep'). */
function receiveBatch(mechanism: Mechanism, blobs: readonly Uint8Array[]): (DecodedMessage | undefined)[] {
  const out: (DecodedMessage | undefined)[] = [];
  for (let index = 0; index < blobs.length; ) {
    try {
      const { message, next } = decodeNext(mechanism, blobs, index, 'keep', true);
      out.push(message);
      index = next;
    } catch (error) {
      expect(error).toBeInstanceOf(MechanismError);
      break;
    }
  }
  return out;
}

function describeMessage(message: DecodedMessage | undefined): string {
  if (message === undefined) return 'malformed';
  if (message.kind === 'data') return texts(message.parts).join('|');
  return message.kind === 'ping' ? `ping:${message.context.toString()}` : message.kind;
}

function expected(messages: readonly AppMessage[]): string[] {
  return messages.map((message, i) =>
    'data' in message ? message.data.map((text, j) => `${i}.${j}:${text}`).join('|') : `ping:${message.ping}`,
  );
}

describe('batch codec (CURVE)', () => {
  let pair: { client: Mechanism; server: Mechanism };
  beforeEach(async () => {
    pair = await curvePair();
  });

  test('messages grouped into batches of any size at message boundaries come out exactly once, in order', () => {
    fc.assert(
      fc.property(fc.array(appMessage, { minLength: 1, maxLength: 12 }), fc.array(fc.nat(12), { maxLength: 12 }), (messages, sizes) => {
        const encoded = encodeAll(pair.client, messages);
        const received: string[] = [];
        let at = 0;
        for (const size of [...sizes, encoded.length]) {
          const group = encoded.slice(at, at + Math.max(1, size));
          at += group.length;
          if (group.length === 0) break;
          for (const message of receiveBatch(pair.server, group.flat())) received.push(describeMessage(message));
        }
        expect(received).toEqual(expected(messages));
      }),
      { numRuns: 60 },
    );
  });

  test('random cuts, corrupted, dropped and replayed parts: no throw but MechanismError, nothing twice, nothing out of order, intact batches delivered', () => {
    const damage = fc.record({ at: fc.nat(60), how: fc.constantFrom('flip', 'drop', 'replay', 'truncate') });
    fc.assert(
      fc.property(
        fc.array(appMessage, { minLength: 1, maxLength: 10 }),
        fc.array(fc.nat(60), { maxLength: 6 }),
        fc.array(damage, { maxLength: 3 }),
        (messages, cuts, damages) => {
          const encoded = encodeAll(pair.client, messages);
          // Each blob remembers which message it came from; damage keeps that label.
          const stream: { blob: Uint8Array; message: number; damaged: boolean }[] = encoded.flatMap((blobs, message) =>
            blobs.map((blob) => ({ blob, message, damaged: false })),
          );
          for (const { at, how } of damages) {
            const index = at % stream.length;
            const item = stream[index]!;
            if (how === 'drop') stream.splice(index, 1);
            else if (how === 'replay') stream.splice(index + 1, 0, { blob: Buffer.from(stream[0]!.blob), message: stream[0]!.message, damaged: true });
            else if (how === 'truncate') stream[index] = { ...item, blob: item.blob.subarray(0, item.blob.length >> 1), damaged: true };
            else {
              const blob = Buffer.from(item.blob);
              blob[blob.length - 1]! ^= 1;
              stream[index] = { ...item, blob, damaged: true };
            }
            if (how !== 'replay') stream.forEach((other) => other.message === item.message && (other.damaged = true));
            if (stream.length === 0) return;
          }
          const points = [...new Set([0, ...cuts.map((cut) => cut % stream.length), stream.length])].sort((a, b) => a - b);
          const delivered: string[] = [];
          const want = expected(messages);
          for (let k = 0; k + 1 < points.length; k++) {
            const batch = stream.slice(points[k], points[k + 1]);
            const out = receiveBatch(pair.server, batch.map((item) => item.blob)).filter((m) => m !== undefined);
            delivered.push(...out.map(describeMessage));
            // A batch with no damage that starts and ends at message boundaries arrives whole.
            const aligned = batch[0] !== undefined && (points[k] === 0 || stream[points[k]! - 1]!.message !== batch[0].message) &&
              (points[k + 1] === stream.length || stream[points[k + 1]!]!.message !== batch[batch.length - 1]!.message);
            if (aligned && batch.every((item) => !item.damaged) && !damages.some((d) => d.how === 'replay')) {
              const ids = [...new Set(batch.map((item) => item.message))];
              expect(out.map(describeMessage)).toEqual(ids.map((id) => want[id]));
            }
          }
          // Whatever came out: whole data messages or their tails, each original part at most
          // once and in order (a cut may leave a message's tail to look like a message).
          const parts = delivered.flatMap((text) => (text.startsWith('ping:') ? [] : text.split('|')));
          const order = parts.map((part) => part.slice(0, part.indexOf(':')));
          const allParts = want.flatMap((text) => (text.startsWith('ping:') ? [] : text.split('|')));
          expect(new Set(order).size).toBe(order.length);
          const positions = parts.map((part) => allParts.indexOf(part));
          expect(positions.every((p) => p >= 0)).toBe(true);
          expect(positions).toEqual([...positions].sort((a, b) => a - b));
        },
      ),
      { numRuns: 150 },
    );
  });

  test('a command inside a multipart message, or a batch ending with MORE set, is dropped; the next message still comes out', () => {
    const part = (text: string, more: boolean, command = false) => pair.client.encode(Buffer.from(text), { more, command });
    const out = receiveBatch(pair.server, [part('a', true), part('\x05CLOSE', false, true), part('b', false), part('c', true)]);
    expect(out.map(describeMessage)).toEqual(['malformed', 'b', 'malformed']);
  });

  test('frames of another session or a handshake frame make the whole ZeroMQ message no batch', () => {
    const blob = Buffer.from('x');
    const mine = encodeEnvelope(KIND_MESSAGE, Buffer.alloc(16, 1), blob);
    expect(parseFrames([mine, mine, encodeEnvelope(KIND_MESSAGE, Buffer.alloc(16, 2), blob)])).toBeUndefined();
    expect(parseFrames([mine, encodeEnvelope(0x01, Buffer.alloc(16, 1), blob)])).toBeUndefined();
  });
});

describe('outgoing queue', () => {
  const frame = (text: string) => Buffer.from(text);
  function recording(options: { highWaterMark?: number; canBatch?: boolean } = {}) {
    const sent: string[][] = [];
    let release: (() => void) | undefined;
    let hold = false;
    const outbox = new Outbox({
      highWaterMark: options.highWaterMark ?? 1000,
      send: async (frames) => {
        sent.push(frames.map(String));
        if (hold) await new Promise<void>((resolve) => (release = resolve));
      },
      canBatch: () => options.canBatch ?? true,
      onError: () => undefined,
    });
    return { outbox, sent, hold: (on: boolean) => (hold = on), release: () => release?.() };
  }

  test('messages queued in one burst leave as one ZeroMQ message, in order', async () => {
    const { outbox, sent } = recording();
    for (let i = 0; i < 10; i++) outbox.push([frame(`m${i}a`), frame(`m${i}b`)]);
    await outbox.idle();
    expect(sent).toEqual([Array.from({ length: 10 }, (_, i) => [`m${i}a`, `m${i}b`]).flat()]);
  });

  test('with packing, a burst of small envelopes leaves as one packed frame behind the route', async () => {
    const sent: Buffer[][] = [];
    const outbox = new Outbox({ highWaterMark: 100, send: async (frames) => void sent.push(frames), canBatch: () => true, onError: () => undefined, pack: packEnvelopes });
    const route = [Buffer.from('route')];
    const session = Buffer.alloc(16, 5);
    for (let i = 0; i < 5; i++) outbox.push([encodeEnvelope(KIND_MESSAGE, session, Buffer.from(`m${i}`))], false, 's', route);
    await outbox.idle();
    expect(sent).toHaveLength(1);
    const [routeFrame, packed, ...rest] = sent[0]!;
    expect(routeFrame).toBe(route[0]);
    expect(rest).toEqual([]);
    expect(packed![0]).toBe(KIND_PACKED);
    expect(parseFrames([packed!])!.map((e) => Buffer.from(e.blob).toString())).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
  });

  test('a handshake command leaves alone and at once; a Request socket gets one message per send', async () => {
    const { outbox, sent } = recording();
    outbox.push([frame('HELLO')], true, 's', []);
    expect(sent).toEqual([['HELLO']]);
    const req = recording({ canBatch: false });
    req.outbox.push([frame('a')]);
    req.outbox.push([frame('b')]);
    await req.outbox.idle();
    expect(req.sent).toEqual([['a'], ['b']]);
  });

  test('each peer gets its own batches behind its route; peers keep their order, a command of the same peer is not jumped', async () => {
    const { outbox, sent } = recording();
    const routeA = [frame('A')];
    const routeB = [frame('B')];
    outbox.push([frame('a1')], false, 'a', routeA);
    outbox.push([frame('b1')], false, 'b', routeB);
    outbox.push([frame('a2')], false, 'a', routeA);
    outbox.push([frame('aH')], true, 'a', routeA);
    outbox.push([frame('a3')], false, 'a', routeA);
    outbox.push([frame('b2')], false, 'b', routeB);
    await outbox.idle();
    expect(sent).toEqual([['A', 'a1', 'a2'], ['B', 'b1', 'b2'], ['A', 'aH'], ['A', 'a3']]);
  });

  test('a batch stops at the frame limit; the rest follows in the next one', async () => {
    const { outbox, sent } = recording({ highWaterMark: 5000 });
    for (let i = 0; i < MAX_BATCH_FRAMES + 3; i++) outbox.push([frame(String(i))]);
    await outbox.idle();
    expect(sent.map((batch) => batch.length)).toEqual([MAX_BATCH_FRAMES, 3]);
    expect(sent.flat()).toEqual(Array.from({ length: MAX_BATCH_FRAMES + 3 }, (_, i) => String(i)));
  });

  test('over the high-water mark a sender waits until the writer takes the queue; end() rejects waiters and discards the queue', async () => {
    const { outbox, sent, hold, release } = recording({ highWaterMark: 2 });
    hold(true);
    outbox.push([frame('1')]);
    outbox.push([frame('2')]);
    expect(outbox.full).toBe(true);
    const waiting = outbox.drained();
    await waiting; // the writer took both into one send (still in progress)
    expect(sent).toEqual([['1', '2']]);
    outbox.push([frame('3')]);
    outbox.push([frame('4')]);
    const blocked = outbox.drained();
    outbox.end(new Error('gone'));
    await expect(blocked).rejects.toThrow('gone');
    outbox.push([frame('5')]);
    release();
    await outbox.idle();
    expect(sent).toEqual([['1', '2']]);
  });
});

describe('bursts over real sockets', () => {
  const tracker = new Tracker();
  afterEach(() => tracker.closeAll());

  test.each(['tcp', 'inproc'] as const)('over %s: 2,000 messages sent without waiting arrive once each, in order, and replies too', async (transport) => {
    const s = setup('CURVE');
    const server = tracker.server({ ...s.server, authorizer: s.authorizer });
    const endpoint = await server.bind(freshAddress(transport));
    const client = tracker.client({ ...s.client() });
    await client.connect(endpoint);
    const count = 2000;
    const sends = Array.from({ length: count }, (_, i) => client.send(i % 7 === 0 ? [`m${i}`, 'second part'] : `m${i}`));
    await Promise.all(sends);
    const received: string[] = [];
    for (let i = 0; i < count; i++) {
      const message = await server.receive();
      received.push(texts(message.parts).join('+'));
      if (i % 2 === 0) void message.reply(`r${i}`);
    }
    expect(received).toEqual(Array.from({ length: count }, (_, i) => (i % 7 === 0 ? `m${i}+second part` : `m${i}`)));
    const replies: string[] = [];
    for (let i = 0; i < count / 2; i++) replies.push(texts(await client.receive())[0]!);
    expect(replies).toEqual(Array.from({ length: count / 2 }, (_, i) => `r${2 * i}`));
  });

  test('messages still queued when the client closes go out before its CLOSE', async () => {
    const s = setup('CURVE');
    const server = tracker.server({ ...s.server, authorizer: s.authorizer });
    const endpoint = await server.bind(freshAddress('tcp'));
    const client = tracker.client({ ...s.client() });
    await client.connect(endpoint);
    const left = once(server, 'session:close');
    for (let i = 0; i < 50; i++) void client.send(`m${i}`);
    client.close();
    const received: string[] = [];
    for (let i = 0; i < 50; i++) received.push(texts((await server.receive()).parts)[0]!);
    expect(received).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));
    expect((await left)[1]).toBe('left');
  });

  test('after a failure, queued messages are discarded, a send waiting for room and later sends reject with the failure', async () => {
    const s = setup('CURVE');
    const server = tracker.server({ ...s.server, authorizer: s.authorizer });
    const endpoint = await server.bind(freshAddress('tcp'));
    const client = tracker.client({ ...s.client(), sendHighWaterMark: 3 });
    await client.connect(endpoint);
    const first = await Promise.all([client.send('a'), client.send('b')]);
    expect(first).toEqual([undefined, undefined]);
    const waiting = client.send('c'); // the third fills the queue: this send waits for room
    server.closeSession(client.sessionId.toString('hex'));
    // The server's CLOSE fails the session; whatever waited is refused with the coded error.
    const [error] = (await once(client, 'session:close')) as [Error & { code: string }];
    expect(error.code).toBe('ERR_CHANNEL_CLOSED');
    await waiting.catch(() => undefined);
    await expect(client.send('late')).rejects.toMatchObject({ code: 'ERR_CHANNEL_CLOSED' });
  });
});
