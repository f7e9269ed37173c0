import { once } from 'node:events';
import { defaultRegistry } from '../../../mechanisms';
import { Deframer, encodeFrame, SecureStream } from '../../../src/adapters/stream';
import { dispose, messages, securePair, Unpausable } from './helpers';

/** Bytes held anywhere between the writing application and the reading one. */
function buffered(pair: ReturnType<typeof securePair>): number {
  const { client, server, rawClient, rawServer } = pair;
  const messageBytes = (stream: typeof client) => stream.writableLength * 1024 + stream.readableLength * 1024;
  return messageBytes(client) + messageBytes(server) + rawClient.writableLength + rawServer.readableLength;
}

describe('backpressure', () => {
  test.each(['NULL', 'CURVE'])('%s: a writer faster than a stalled reader is held back, and nothing is lost', async (mechanism) => {
    const pair = securePair({ mechanism });
    const { client, server } = pair;
    await Promise.all([client.handshake, server.handshake]);
    server.pause();
    const message = Buffer.alloc(1024, 1);
    // A well-behaved writer: writes until write() says no, lets the pipeline move, and goes on
    // whenever it drained. With the reader stalled, it must end up held, with little buffered.
    let accepted = 0;
    for (let round = 0; round < 20 && !client.writableNeedDrain; round++) {
      do accepted++;
      while (client.write(message) && accepted < 2000);
      await new Promise<void>((resolve) => setImmediate(resolve));
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    expect(client.writableNeedDrain).toBe(true);
    expect(accepted).toBeLessThan(2000);
    expect(buffered(pair)).toBeLessThan(256 * 1024);
    const drained = once(client, 'drain');
    const all = messages(server, accepted);
    server.resume();
    await drained;
    expect((await all).every((m) => Buffer.isBuffer(m) && m.equals(message))).toBe(true);
    dispose(client, server);
  });

  test('the readable side pauses the channel when the application does not read', async () => {
    const pair = securePair({ mechanism: 'NULL', server: { readableHighWaterMark: 4 } });
    const { client, server, rawServer } = pair;
    await server.handshake;
    server.pause();
    for (let i = 0; i < 100; i++) client.write(`message ${i}`);
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(rawServer.isPaused()).toBe(true);
    expect(server.readableLength).toBeLessThan(100);
    const all = await messages(server, 100);
    expect(all.map(String)).toEqual(Array.from({ length: 100 }, (_, i) => `message ${i}`));
    dispose(client, server);
  });
});

describe('a channel that ignores pause(), after authentication', () => {
  test('frames held for a reader that does not read stop at maxBufferedBytes: ERR_LIMIT_REACHED', async () => {
    const raw = new Unpausable();
    const maxBufferedBytes = 64 * 1024;
    const server = new SecureStream(raw, {
      session: defaultRegistry.server('NULL', {})(),
      authorizer: () => true,
      maxBufferedBytes,
      readableHighWaterMark: 1,
    });
    const errors: Array<Error & { code?: string }> = [];
    server.on('error', (error) => errors.push(error));
    const client = defaultRegistry.client('NULL', {});
    const secured = once(server, 'secure');
    raw.feed(encodeFrame(client.start().send[0]!));
    await secured;
    await new Promise((resolve) => setImmediate(resolve));
    for (const frame of new Deframer().push(Buffer.concat(raw.written))) client.receive(frame);
    expect(client.status).toBe('ready');
    // The application never reads; the channel keeps delivering 1 KiB messages regardless.
    const frame = encodeFrame(client.encode(new Uint8Array(1024), { more: false }));
    let fed = 0;
    while (!server.destroyed && fed < 64 * 1024 * 1024) {
      raw.feed(frame);
      fed += frame.length;
    }
    expect(server.destroyed).toBe(true);
    await new Promise((resolve) => server.once('close', resolve));
    expect(errors.map((error) => error.code)).toEqual(['ERR_LIMIT_REACHED']);
    expect(fed).toBeLessThanOrEqual(maxBufferedBytes + 4 * frame.length);
  });
});
