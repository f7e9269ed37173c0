/**
 * Load: many idle, fully authenticated sessions, and what each one costs in heap.
 *
 * - ZeroMQ: N CURVE sessions on one server, opened over one raw Dealer (sessions are keyed by
 *   session id, so no file descriptor per session); the client side is then forgotten so that
 *   the heap figure is the server's alone.
 * - Streams: K CURVE connections over TCP 127.0.0.1, both ends in this process (two file
 *   descriptors each, so K is bounded by `ulimit -n`).
 *
 * @module
 */
import type { AddressInfo } from 'node:net';
import { defaultRegistry } from '../mechanisms';
import { connect, createServer, type SecureStream } from '../src/adapters/stream';
import { ZeroMqServer } from '../src/adapters/zeromq';
import { pool, settledHeap, withDeadline } from './measure';
import { RawSessions } from './raw-sessions';
import { curveSetup } from './setup';

/** Heap per idle session. */
export interface IdleResult {
  readonly sessions: number;
  readonly ready: number;
  readonly heapBytes: number;
  readonly perSessionBytes: number;
}

/** N idle sessions on a ZeroMQ server. */
export async function zeromqIdle(count: number): Promise<IdleResult> {
  const setup = curveSetup();
  const server = new ZeroMqServer({
    ...setup.zmqServer,
    authorizer: setup.authorizer,
    maxSessions: count + 10,
    maxHandshakes: 1_000,
    handshakeTimeout: 120_000,
    idleTimeout: 600_000,
  });
  const endpoint = await server.bind('tcp://127.0.0.1:*');
  const raw = new RawSessions(setup);
  raw.connect(endpoint);
  try {
    await raw.handshake(0);
    const before = settledHeap();
    const outcomes = await withDeadline(pool(count, 500, (i) => raw.handshake(i)), 300_000, 'opening idle ZeroMQ sessions');
    raw.forgetClients();
    const after = settledHeap();
    const ready = outcomes.filter(Boolean).length;
    return { sessions: server.sessionCount - 1, ready, heapBytes: after - before, perSessionBytes: (after - before) / Math.max(ready, 1) };
  } finally {
    raw.close();
    await server.close();
  }
}

/** K idle stream connections (both ends counted). */
export async function streamIdle(count: number): Promise<IdleResult> {
  const setup = curveSetup();
  const accepted: SecureStream[] = [];
  const server = createServer(
    { mechanism: 'CURVE', registry: defaultRegistry, mechanismOptions: { secretKey: setup.serverKeys.secretKey }, authorizer: setup.authorizer },
    (stream) => {
      accepted.push(stream);
      stream.on('error', () => undefined);
    },
  );
  server.on('handshakeError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const open: SecureStream[] = [];
  try {
    const before = settledHeap();
    const outcomes = await withDeadline(
      pool(count, 200, async (i) => {
        const keys = setup.clients[i % setup.clients.length]!;
        const stream = connect({
          host: '127.0.0.1',
          port,
          mechanism: 'CURVE',
          registry: defaultRegistry,
          mechanismOptions: { secretKey: keys.secretKey, serverKey: setup.serverKeys.publicKey },
        });
        stream.on('error', () => undefined);
        open.push(stream);
        try {
          await stream.handshake;
          return true;
        } catch {
          return false;
        }
      }),
      300_000,
      'opening idle stream connections',
    );
    const after = settledHeap();
    const ready = outcomes.filter(Boolean).length;
    return { sessions: accepted.length, ready, heapBytes: after - before, perSessionBytes: (after - before) / Math.max(ready, 1) };
  } finally {
    // Nobody reads the accepted streams, so they would never see their peer's end: close both.
    for (const stream of [...open, ...accepted]) stream.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
