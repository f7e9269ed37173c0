/**
 * Load: N CURVE clients over the stream adapter on TCP 127.0.0.1, each sending M messages to an
 * echo server and checking that it gets back exactly its own messages, in order, once each.
 *
 * @module
 */
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { defaultRegistry } from '../mechanisms';
import { connect, createServer, type SecureStream } from '../src/adapters/stream';
import { lagMonitor, pool, since, withDeadline } from './measure';
import { curveSetup } from './setup';
import { echoResult, type EchoResult } from './zeromq-echo';

/** Runs the scenario; connects at most `concurrency` clients at a time, all of them stay open. */
export async function streamEcho(clients: number, messages: number, concurrency = 200): Promise<EchoResult> {
  const setup = curveSetup();
  const server = createServer(
    { mechanism: 'CURVE', registry: defaultRegistry, mechanismOptions: { secretKey: setup.serverKeys.secretKey }, authorizer: setup.authorizer },
    (stream) => {
      stream.on('data', (message: Buffer) => stream.write(message));
      stream.on('error', () => undefined);
    },
  );
  server.on('handshakeError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const lag = lagMonitor();
  const started = performance.now();
  const handshakes: number[] = [];
  const open: SecureStream[] = [];
  try {
    const results = await withDeadline(
      pool(clients, concurrency, async (id) => {
        const keys = setup.clients[id % setup.clients.length]!;
        const stream = connect({
          host: '127.0.0.1',
          port,
          mechanism: 'CURVE',
          registry: defaultRegistry,
          mechanismOptions: { secretKey: keys.secretKey, serverKey: setup.serverKeys.publicKey },
          handshakeTimeout: 60_000,
        });
        open.push(stream);
        const t0 = performance.now();
        await stream.handshake;
        handshakes.push(since(t0));
        const replies: string[] = [];
        const done = new Promise<void>((resolve, reject) => {
          stream.on('data', (message: Buffer) => {
            replies.push(message.toString());
            if (replies.length === messages) resolve();
          });
          stream.once('error', reject);
          stream.once('close', () => resolve());
        });
        for (let i = 0; i < messages; i++) {
          if (!stream.write(`${id}:${i}`)) await new Promise((resolve) => stream.once('drain', resolve));
        }
        await done;
        return replies.length === messages && replies.every((reply, i) => reply === `${id}:${i}`);
      }),
      300_000,
      'the stream echo load',
    );
    return echoResult(clients, messages, results, started, handshakes, lag.stop());
  } finally {
    for (const stream of open) stream.destroy();
    await server.close();
  }
}
