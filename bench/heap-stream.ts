/**
 * Part 4 over the stream adapter: server heap per established connection, with `count`
 * connections held open, for CURVE over the stream adapter and for bare TCP (the Node socket
 * alone), so the adapter's own share is their difference. The parent (client side) runs in
 * one process and forks the server with `--expose-gc`.
 *
 * Usage: node --require ./bench/register.js bench/heap-stream.ts <count>
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import * as net from 'node:net';
import { generateKeyPair, seededRandom } from '../src';

type Mode = 'tcp' | 'curve';
const serverKeys = generateKeyPair(seededRandom(1001));
const clientKeys = generateKeyPair(seededRandom(1002));
const gcNow = () => {
  const gc = (globalThis as { gc?: () => void }).gc!;
  gc();
  gc();
};

async function serve(mode: Mode): Promise<void> {
  const kept: unknown[] = [];
  // A StreamServer is a net.Server whose close() returns a promise; neither is closed here.
  let server: Omit<net.Server, 'close'>;
  if (mode === 'tcp') {
    server = net.createServer((socket) => {
      socket.on('error', () => undefined);
      kept.push(socket);
    });
  } else {
    const { createServer } = await import('../src/adapters/stream');
    const { defaultRegistry } = await import('../mechanisms');
    const secure = createServer(
      { mechanism: 'CURVE', registry: defaultRegistry, mechanismOptions: { secretKey: serverKeys.secretKey }, authorizer: () => true },
      (stream) => {
        stream.on('error', () => undefined);
        kept.push(stream);
      },
    );
    secure.on('handshakeError', () => undefined);
    server = secure;
  }
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  gcNow();
  const baseline = process.memoryUsage().heapUsed;
  process.send!({ port: (server.address() as net.AddressInfo).port });
  process.on('message', () => {
    gcNow();
    process.send!({ bytes: process.memoryUsage().heapUsed - baseline, held: kept.length });
  });
}

async function openAll(mode: Mode, port: number, count: number): Promise<unknown[]> {
  const held: unknown[] = [];
  const { connect } = await import('../src/adapters/stream');
  const { defaultRegistry } = await import('../mechanisms');
  let next = 0;
  const lane = async () => {
    while (next < count) {
      next++;
      if (mode === 'tcp') {
        const socket = net.connect(port, '127.0.0.1');
        await once(socket, 'connect');
        held.push(socket);
      } else {
        const stream = connect({
          host: '127.0.0.1',
          port,
          mechanism: 'CURVE',
          registry: defaultRegistry,
          mechanismOptions: { secretKey: clientKeys.secretKey, serverKey: serverKeys.publicKey },
        });
        stream.on('error', () => undefined);
        await stream.handshake;
        held.push(stream);
      }
    }
  };
  await Promise.all(Array.from({ length: 64 }, lane));
  return held;
}

/** Heap per connection on the server, in bytes, for one mode. */
export async function measureStreamHeap(mode: Mode, count: number): Promise<number> {
  const server = fork(__filename, ['serve', mode], { execArgv: ['--expose-gc', '--require', require.resolve('./register.js')] });
  try {
    const [{ port }] = (await once(server, 'message')) as [{ port: number }];
    const held = await openAll(mode, port, count);
    // Let the server finish its side of the last handshakes.
    let reply: { bytes: number; held: number };
    do {
      await new Promise((resolve) => setTimeout(resolve, 200));
      server.send('measure');
      [reply] = (await once(server, 'message')) as [{ bytes: number; held: number }];
    } while (reply.held < count);
    for (const h of held) (h as { destroy(): void }).destroy();
    return reply.bytes / count;
  } finally {
    server.kill();
  }
}

if (require.main === module) {
  if (process.argv[2] === 'serve') {
    void serve(process.argv[3] as Mode);
  } else {
    const count = Number(process.argv[2] ?? 10_000);
    void (async () => {
      const tcp = await measureStreamHeap('tcp', count);
      const curve = await measureStreamHeap('curve', count);
      process.stdout.write(JSON.stringify({ connections: count, tcpBytesPerConnection: tcp, curveStreamBytesPerConnection: curve }));
      process.exit(0);
    })();
  }
}
