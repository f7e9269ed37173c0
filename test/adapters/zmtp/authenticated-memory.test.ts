/**
 * After authentication, what a ZMTP connection buffers for a slow reader is capped too
 * (docs/architecture.md, "Nothing unbounded before authentication", last sentence): the inbox in
 * bytes (`maxBufferedBytes`, reading paused meanwhile) and the PONG replies to a peer that pings
 * without reading (none queued while the socket asks for drain).
 *
 * The bounds asserted are exact byte counts of the server's socket (`bytesRead`,
 * `writableLength`). The process's peak growth is printed too, but not held to 8 MiB here: both
 * ends run in this process, so it counts the garbage of every byte in transit (the kernel's
 * buffers hold several MiB of the sender's copies) and of 100,000 commands processed (V8's young
 * generation), not what the server keeps. In a file of its own: its own jest worker.
 */
import { once } from 'node:events';
import * as net from 'node:net';
import { NULL } from '../../../mechanisms/null';
import { connectZmtp, connectionMetadata, listenZmtp, type ZmtpConnection, type ZmtpServer } from '../../../src/adapters/zmtp';
import { frame, ZmtpReader, zmtpHandshake } from '../../interop/raw-zmtp';
import { ALLOWED_GROWTH, describeGrowth, peakGrowth, type MemoryGrowth } from '../../helpers/memory';
import { Closers } from '../../interop/helpers';

const closers = new Closers();
afterEach(() => closers.closeAll());

const figures: string[] = [];
afterAll(() => console.log(`ZMTP authenticated-memory:\n${figures.join('\n')}`));

function record(growth: MemoryGrowth): void {
  figures.push(`  ${expect.getState().currentTestName}: ${describeGrowth(growth)}`);
}

async function nullServer(extra: { maxBufferedBytes?: number } = {}): Promise<ZmtpServer> {
  return closers.add(await listenZmtp({ mechanism: NULL, authorizer: () => true, ...extra }), (s) => s.close());
}

/** Resolves once `condition()` holds, checking every few milliseconds. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

/**
 * Writes `chunk` again and again, `bytes` in all, waiting for `'drain'` whenever asked; ends
 * early when the socket closes.
 */
function pump(socket: net.Socket, chunk: Buffer, bytes: number): Promise<number> {
  return new Promise((resolve) => {
    let written = 0;
    const go = (): void => {
      while (written < bytes && !socket.destroyed) {
        written += chunk.length;
        if (!socket.write(chunk)) return void socket.once('drain', go);
      }
      resolve(written);
    };
    socket.once('close', () => resolve(written));
    go();
  });
}

describe('ZMTP after authentication: buffers for a slow reader are capped', () => {
  test('a reader that never reads: the inbox holds about maxBufferedBytes, then the socket pauses', async () => {
    const server = await nullServer({ maxBufferedBytes: 1024 * 1024 });
    const served = once(server, 'connection') as Promise<[ZmtpConnection]>;
    const client = closers.add(await connectZmtp({ mechanism: NULL, port: server.address().port }), (c) => c.close());
    const [connection] = await served;
    const part = Buffer.alloc(64 * 1024, 0x61);
    const { growth } = await peakGrowth(async () => {
      const sending = (async () => {
        for (let sent = 0; sent < 256 * 1024 * 1024; sent += part.length) await client.send(part);
      })().catch((error: Error) => error);
      // Both ends blocked: the server stopped reading, and the client waits for its socket.
      await until(() => connection.socket.isPaused() && client.socket.writableNeedDrain);
      await client.close();
      return sending;
    });
    record(growth);
    // The inbox (1 MiB, plus the message that crossed the mark), the read in hand, frame headers.
    expect(connection.socket.bytesRead).toBeLessThan(1024 * 1024 + 4 * part.length);
  });

  test('a peer that sends PINGs and never reads: no PONG is queued while the socket asks for drain', async () => {
    const server = await nullServer();
    const served = once(server, 'connection') as Promise<[ZmtpConnection]>;
    const socket = closers.add(net.connect({ host: '127.0.0.1', port: server.address().port }), (s) => s.destroy());
    await once(socket, 'connect');
    const mechanism = NULL.client({ metadata: connectionMetadata('DEALER') });
    expect((await zmtpHandshake(socket, new ZmtpReader(socket), mechanism)).status).toBe('ready');
    const [connection] = await served;
    socket.pause(); // from here on this peer reads nothing
    // A message larger than the kernel's buffers: the server's socket now asks for drain.
    void connection.send(Buffer.alloc(16 * 1024 * 1024)).catch(() => undefined);
    await until(() => connection.socket.writableNeedDrain);
    const backlog = connection.socket.writableLength;
    let pings = 0;
    connection.on('command', () => pings++);
    // 1,000 PINGs (TTL 0, no context) per chunk, as NULL carries them: command frames.
    const chunk = Buffer.concat(Array.from({ length: 1000 }, () => frame(Buffer.from('\x04PING\x00\x00', 'latin1'), { command: true })));
    const count = 100_000;
    const { growth } = await peakGrowth(async () => {
      await pump(socket, chunk, count * 9);
      await until(() => pings >= count);
    });
    record(growth);
    expect(growth.arrayBuffers).toBeLessThan(ALLOWED_GROWTH);
    // Without the rule, 100,000 PONGs (11 bytes each) would wait behind the message.
    expect(connection.socket.writableLength - backlog).toBe(0);
    expect(connection.error).toBeUndefined();
  });
});
