import { defaultRegistry } from '../../../mechanisms';
import { encodeCommand } from '../../../src';
import { encodePing } from '../../../src/codec/heartbeat';
import { Deframer, encodeFrame, SecureStream } from '../../../src/adapters/stream';
import { dispose, outcome, securePair } from './helpers';
import { memoryPair } from './memory-pair';

/** Lets the streams move their bytes (they use ticks and microtasks, which stay real). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Advances the fake clock by `ms`, letting the streams work between steps. */
async function advance(ms: number, step = 5): Promise<void> {
  for (let elapsed = 0; elapsed < ms; elapsed += step) {
    jest.advanceTimersByTime(step);
    await settle();
  }
}

beforeEach(() => {
  jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
});

afterEach(() => {
  jest.useRealTimers();
});

describe('keepalive', () => {
  test.each(['NULL', 'CURVE'])('%s: one side keeping alive feeds both idle timeouts, and no application sees it', async (mechanism) => {
    const { client, server } = securePair({ mechanism });
    await Promise.all([client.handshake, server.handshake]);
    const seen: string[] = [];
    client.on('data', () => seen.push('client data'));
    server.on('data', () => seen.push('server data'));
    client.setTimeout(100).setKeepAlive(30);
    server.setTimeout(100);
    await advance(1000);
    expect(client.destroyed || server.destroyed).toBe(false);
    expect(seen).toEqual([]);
    client.write('still here');
    await settle();
    expect(seen).toEqual(['server data']);
    dispose(client, server);
  });

  test('without keepalive the idle timeouts fire (the control for the test above)', async () => {
    const { client, server } = securePair({ mechanism: 'NULL' });
    await Promise.all([client.handshake, server.handshake]);
    const ends = [outcome(client), outcome(server)];
    client.setTimeout(100);
    server.setTimeout(100);
    await advance(150);
    const [clientEnd, serverEnd] = await Promise.all(ends);
    expect(clientEnd!.error).toMatchObject({ code: 'ERR_IDLE_TIMEOUT' });
    expect(serverEnd!.error?.code).toMatch(/^ERR_(IDLE_TIMEOUT|CHANNEL_CLOSED)$/);
  });

  test('setKeepAlive(0) stops the pings, and the peer then times out', async () => {
    const { client, server } = securePair({ mechanism: 'NULL', client: { keepAlive: 20 }, server: { idleTimeout: 100 } });
    await Promise.all([client.handshake, server.handshake]);
    await advance(300);
    expect(server.destroyed).toBe(false);
    const serverEnd = outcome(server);
    client.on('error', () => undefined);
    client.setKeepAlive(0);
    await advance(150);
    expect((await serverEnd).error).toMatchObject({ code: 'ERR_IDLE_TIMEOUT' });
  });
});

describe('heartbeat policy (src/codec/heartbeat.ts)', () => {
  test('a PING with a context over 16 bytes is answered with 16; a PING without its TTL ends the stream with ERR_PROTOCOL', async () => {
    const [raw, peer] = memoryPair();
    const server = new SecureStream(raw, { session: defaultRegistry.server('NULL', {})(), authorizer: () => true });
    const ended = outcome(server);
    const client = defaultRegistry.client('NULL', {});
    const deframer = new Deframer();
    const replies: Uint8Array[] = [];
    peer.on('data', (chunk: Buffer) => replies.push(...deframer.push(chunk)));
    peer.write(encodeFrame(client.start().send[0]!));
    await server.handshake;
    await settle();
    client.receive(replies.shift()!);
    const command = (bytes: Uint8Array) => encodeFrame(client.encode(bytes, { command: true }));
    peer.write(command(encodePing(0, new Uint8Array(16))));
    peer.write(command(encodeCommand('PING', Uint8Array.of(0, 0), new Uint8Array(20).fill(7))));
    await settle();
    const pongs = replies.map((blob) => client.decode(blob));
    expect(pongs.map((part) => [part.command, part.data.length])).toEqual([
      [true, 1 + 4 + 16],
      [true, 1 + 4 + 16],
    ]);
    peer.write(command(encodeCommand('PING')));
    expect((await ended).error).toMatchObject({ code: 'ERR_PROTOCOL' });
  });
});
