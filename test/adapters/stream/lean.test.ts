/**
 * The stream adapter's cost-saving paths: small frames written in one tick leave as one chunk,
 * frames are decrypted in place only where nobody else holds their bytes, messages held back
 * by a slow reader are all delivered, in order, before the end, and the `handshake` promise is
 * made only when asked for, with the same outcome whenever it is asked.
 */
import { once } from 'node:events';
import * as net from 'node:net';
import { Duplex } from 'node:stream';
import { defaultRegistry } from '../../../mechanisms';
import { connect, createServer, Deframer, encodeFrame, frameHeader, SecureStream, type StreamMessage } from '../../../src/adapters/stream';
import { concatBytes } from '../../../src';
import { allowAdmin, CLIENT_OPTIONS, dispose, MECHANISMS, messages, securePair, SERVER_OPTIONS } from './helpers';
import { memoryPair } from './memory-pair';

/** Distinct messages: message `i` is `size` bytes of `i % 251`, its index in the first 4. */
function numbered(count: number, size: number): Buffer[] {
  return Array.from({ length: count }, (_, i) => {
    const message = Buffer.alloc(size, i % 251);
    message.writeUInt32BE(i, 0);
    return message;
  });
}

/** A raw end that records (and keeps a copy of) every chunk its SecureStream receives. */
function recording(raw: Duplex) {
  const chunks: { chunk: Buffer; copy: Buffer }[] = [];
  raw.prependListener('data', (chunk: Buffer) => chunks.push({ chunk, copy: Buffer.from(chunk) }));
  return chunks;
}

describe('Deframer.isAssembled', () => {
  test('a frame whole in a chunk is a view of it; a frame across chunks has a buffer of its own', () => {
    const blob = Uint8Array.from({ length: 70_000 }, (_, i) => i % 253);
    const wire = concatBytes(encodeFrame(new Uint8Array([1, 2, 3])), encodeFrame(blob));
    const chunk = wire.subarray(0, 7 + 40);
    const deframer = new Deframer();
    const [small] = deframer.push(chunk);
    expect([...small!]).toEqual([1, 2, 3]);
    expect(small!.buffer).toBe(chunk.buffer);
    expect(Deframer.isAssembled(small!)).toBe(false);
    const [large] = deframer.push(wire.subarray(7 + 40));
    expect(Buffer.from(large!).equals(Buffer.from(blob))).toBe(true);
    expect(large!.buffer).not.toBe(wire.buffer);
    expect(Deframer.isAssembled(large!)).toBe(true);
    // A frame whose header came in an earlier chunk is assembled too, even if its body is whole.
    const split = new Deframer();
    expect(split.push(frameHeader(2).subarray(0, 3))).toEqual([]);
    const [late] = split.push(new Uint8Array([2, 9, 8]));
    expect([...late!]).toEqual([9, 8]);
    expect(Deframer.isAssembled(late!)).toBe(true);
  });
});

describe('writes in one tick', () => {
  test('small messages written in one tick reach the channel as one chunk, large ones uncopied, in order', async () => {
    const { client, server, rawServer } = securePair({ mechanism: 'CURVE' });
    await Promise.all([client.handshake, server.handshake]);
    const chunks = recording(rawServer);
    const small = numbered(10, 100);
    for (const message of small) client.write(message);
    const got = await messages(server, 10);
    expect(got).toEqual(small);
    expect(chunks).toHaveLength(1);
    // small, large (over 16 KiB: header and blob as they are), small: still in order.
    chunks.length = 0;
    const mixed = [Buffer.from('before'), Buffer.alloc(40_000, 7), Buffer.from('after')];
    for (const message of mixed) client.write(message);
    expect(await messages(server, 3)).toEqual(mixed);
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    dispose(client, server);
  });

  test('end() right after writes sends them first', async () => {
    const { client, server } = securePair({ mechanism: 'NULL' });
    await server.handshake;
    const ended = once(server, 'end');
    client.write('one');
    client.write('two');
    client.end();
    const got = await messages(server, 2);
    expect(got.map(String)).toEqual(['one', 'two']);
    server.resume();
    await ended;
    dispose(client, server);
  });
});

describe('decrypting in place', () => {
  test('over a Duplex that is not a socket, the chunks received are left as they were', async () => {
    const { client, server, rawServer } = securePair({ mechanism: 'CURVE' });
    const chunks = recording(rawServer);
    await Promise.all([client.handshake, server.handshake]);
    const sent = numbered(20, 300);
    for (const message of sent) client.write(message);
    client.write(Buffer.alloc(70_000, 3));
    const got = await messages(server, 21);
    expect(got.slice(0, 20)).toEqual(sent);
    expect((got[20] as Buffer).equals(Buffer.alloc(70_000, 3))).toBe(true);
    expect(chunks.length).toBeGreaterThan(1);
    for (const { chunk, copy } of chunks) expect(chunk.equals(copy)).toBe(true);
    dispose(client, server);
  });

  test.each(MECHANISMS)('%s over TCP: messages from one chunk stay intact while later ones are decoded', async (mechanism) => {
    const received: StreamMessage[] = [];
    const server = createServer(
      { mechanism, registry: defaultRegistry, mechanismOptions: SERVER_OPTIONS[mechanism]!, authorizer: allowAdmin },
      (stream) => {
        stream.on('error', () => undefined);
        stream.on('data', (message: StreamMessage) => received.push(message));
      },
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    const client = connect({ port, host: '127.0.0.1', mechanism, registry: defaultRegistry, mechanismOptions: CLIENT_OPTIONS[mechanism]! });
    const sent = [...numbered(200, 64), ...numbered(50, 1024), Buffer.alloc(70_000, 5), ...numbered(5, 64)];
    for (const message of sent) client.write(message);
    client.write(['multi', Buffer.alloc(5, 1)]);
    while (received.length < sent.length + 1) await new Promise((resolve) => setImmediate(resolve));
    // Compared only now: a message that were a view into bytes decoded later would have changed.
    expect(received.slice(0, sent.length)).toEqual(sent);
    expect((received[sent.length] as Buffer[]).map((part) => [...part])).toEqual([[...Buffer.from('multi')], [1, 1, 1, 1, 1]]);
    client.destroy();
    server.close();
    await once(server, 'close');
  });
});

describe('a reader that stops', () => {
  test('messages already received wait for it, and the end comes after all of them', async () => {
    const [rawClient, rawServer] = memoryPair();
    const client = new SecureStream(rawClient, { session: defaultRegistry.client('NULL', {}) });
    const server = new SecureStream(rawServer, {
      session: defaultRegistry.server('NULL', {})(),
      authorizer: allowAdmin,
      readableHighWaterMark: 2,
    });
    await server.handshake;
    server.pause();
    const sent = numbered(50, 10);
    for (const message of sent) client.write(message);
    client.end();
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    // The 50 messages came in one chunk; only the readable buffer's worth was pushed.
    expect(server.readableLength).toBeLessThanOrEqual(2);
    expect(rawServer.isPaused()).toBe(true);
    const got: Buffer[] = [];
    server.on('data', (message: Buffer) => got.push(message));
    server.resume();
    await once(server, 'end');
    expect(got).toEqual(sent);
    dispose(client, server);
  });
});

describe('the handshake promise, made when first asked for', () => {
  test('asked for late, it resolves with the peer; it is always the same promise', async () => {
    const { client, server } = securePair({ mechanism: 'CURVE' });
    await once(server, 'secure');
    if (!client.secure) await once(client, 'secure');
    const first = server.handshake;
    expect(server.handshake).toBe(first);
    expect((await first).mechanism).toBe('CURVE');
    expect((await client.handshake).publicKey).toBeDefined();
    dispose(client, server);
  });

  test('asked for after a destroy before the handshake, it rejects with the reason, and unhandled it is harmless', async () => {
    const [rawClient] = memoryPair();
    const quiet = new SecureStream(rawClient, { session: defaultRegistry.client('NULL', {}) });
    quiet.destroy();
    await once(quiet, 'close');
    await expect(quiet.handshake).rejects.toMatchObject({ code: 'ERR_CHANNEL_CLOSED' });
    const [rawOther] = memoryPair();
    const failed = new SecureStream(rawOther, { session: defaultRegistry.client('NULL', {}), handshakeTimeout: 60_000 });
    failed.on('error', () => undefined);
    const reason = new Error('given reason');
    failed.destroy(reason);
    await new Promise((resolve) => failed.once('close', resolve));
    await expect(failed.handshake).rejects.toBe(reason);
    // Never asked for: no unhandled rejection (jest would fail the test run on one).
    const [rawThird] = memoryPair();
    const never = new SecureStream(rawThird, { session: defaultRegistry.client('NULL', {}) });
    never.on('error', () => undefined);
    never.destroy(new Error('nobody asks'));
    await new Promise((resolve) => never.once('close', resolve));
  });

  test('a raw stream carries one SecureStream at a time', () => {
    const [raw] = memoryPair();
    const first = new SecureStream(raw, { session: defaultRegistry.client('NULL', {}) });
    expect(() => new SecureStream(raw, { session: defaultRegistry.client('NULL', {}) })).toThrow(/already carries/);
    first.destroy();
    const second = new SecureStream(raw, { session: defaultRegistry.client('NULL', {}) });
    second.destroy();
  });
});
