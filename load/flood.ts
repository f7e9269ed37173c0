/**
 * Load: a flood of HELLOs and half-open handshakes while good clients keep connecting.
 *
 * - ZeroMQ: two raw Dealers send valid HELLOs (and some garbage) under new session ids as fast
 *   as the server takes them, for a while; none ever answers its WELCOME. Meanwhile good clients
 *   connect, exchange one message and leave, retrying after a handshake timeout. Reported: how
 *   many got in and how fast, the session table's peak, refusals by `maxHandshakes`, heap and
 *   event-loop lag; then whether good clients get in once the flood stops.
 * - Streams: H TCP connections each send a valid HELLO frame and go quiet while G good clients
 *   connect; reported: how many got in, heap per half-open connection, lag.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { defaultRegistry } from '../mechanisms';
import { connect, createServer, encodeFrame } from '../src/adapters/stream';
import { ZeroMqClient, ZeroMqServer } from '../src/adapters/zeromq';
import { lagMonitor, percentile, pool, settledHeap, since, withDeadline, type Lag } from './measure';
import { RawSessions } from './raw-sessions';
import { curveSetup, type CurveSetup } from './setup';

/** What the ZeroMQ flood found. */
export interface ZeromqFloodResult {
  readonly seconds: number;
  readonly hellosSent: number;
  readonly goodAttempts: number;
  readonly goodIn: number;
  readonly goodMsP50: number;
  readonly goodMsP99: number;
  readonly peakSessions: number;
  readonly limitEvents: number;
  readonly heapBefore: number;
  readonly heapPeak: number;
  readonly lag: Lag;
  /** Seconds from the end of the flood until the flood's half-open handshakes had expired. */
  readonly recoverySeconds: number;
  /** Good clients that got in once they had (of `afterTried`). */
  readonly afterIn: number;
  readonly afterTried: number;
}

const MAX_HANDSHAKES = 1_000;
const HANDSHAKE_TIMEOUT_MS = 2_000;

/** Floods a ZeroMQ server for `seconds` while good clients connect. */
export async function zeromqFlood(seconds: number): Promise<ZeromqFloodResult> {
  const setup = curveSetup();
  const server = new ZeroMqServer({
    ...setup.zmqServer,
    authorizer: setup.authorizer,
    maxHandshakes: MAX_HANDSHAKES,
    handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
  });
  let limitEvents = 0; // evictions of stalled handshakes and refusals alike
  server.on('limit', () => limitEvents++);
  const endpoint = await server.bind('tcp://127.0.0.1:*');
  const echo = (async () => {
    for await (const message of server) await message.reply(message.parts);
  })().catch(() => undefined);
  const hellos = Array.from({ length: 64 }, (_, i) => defaultRegistry.client('CURVE', setup.zmqClient(i).mechanismOptions).start().send[0]!);
  const attackers = [new RawSessions(setup), new RawSessions(setup)];
  for (const attacker of attackers) attacker.connect(endpoint);
  const heapBefore = settledHeap();
  let heapPeak = heapBefore;
  let peakSessions = 0;
  const sampler = setInterval(() => {
    const memory = process.memoryUsage();
    heapPeak = Math.max(heapPeak, memory.heapUsed + memory.arrayBuffers);
    peakSessions = Math.max(peakSessions, server.sessionCount);
  }, 100);
  const lag = lagMonitor();
  const started = performance.now();
  let stop = false;
  let sent = 0;
  const flooding = attackers.map(async (attacker) => {
    while (!stop) {
      // One in ten is garbage: it opens a session that fails at once.
      await attacker.sendHandshake(sent % 10 === 9 ? randomBytes(200) : hellos[sent % hellos.length]!);
      sent++;
    }
  });
  const latencies: number[] = [];
  let attempts = 0;
  const goodLoop = async (): Promise<void> => {
    while (!stop) {
      attempts++;
      const t0 = performance.now();
      if (await goodRoundTrip(setup, endpoint, attempts)) latencies.push(since(t0));
    }
  };
  try {
    const stopper = new Promise<void>((resolve) => setTimeout(resolve, seconds * 1000));
    const good = Promise.all(Array.from({ length: 4 }, goodLoop));
    await stopper;
    stop = true;
    await withDeadline(Promise.all([...flooding, good]), 60_000, 'the flood');
    const lagFigures = lag.stop();
    const floodSeconds = since(started) / 1000;
    clearInterval(sampler);
    // The server still works through the HELLOs queued in its socket, then the half-open
    // handshakes expire: measure how long that takes, then everybody must get in again.
    const stopped = performance.now();
    const readyBefore = latencies.length;
    while (server.sessionCount > readyBefore && since(stopped) < 60_000) await new Promise((resolve) => setTimeout(resolve, 100));
    const recoverySeconds = since(stopped) / 1000;
    const after = await pool(20, 10, (i) => goodRoundTrip(setup, endpoint, i));
    return {
      seconds: floodSeconds,
      hellosSent: sent,
      goodAttempts: attempts,
      goodIn: latencies.length,
      goodMsP50: percentile(latencies, 50),
      goodMsP99: percentile(latencies, 99),
      peakSessions,
      limitEvents,
      heapBefore,
      heapPeak,
      lag: lagFigures,
      recoverySeconds,
      afterIn: after.filter(Boolean).length,
      afterTried: after.length,
    };
  } finally {
    stop = true;
    clearInterval(sampler);
    for (const attacker of attackers) attacker.close();
    await server.close();
    await echo;
  }
}

/** One good client: handshake, one round trip, close. False on any failure (timeout included). */
async function goodRoundTrip(setup: CurveSetup, endpoint: string, i: number): Promise<boolean> {
  const client = new ZeroMqClient({ ...setup.zmqClient(i), handshakeTimeout: HANDSHAKE_TIMEOUT_MS });
  try {
    await client.connect(endpoint);
    await client.send('ping');
    const [reply] = await withDeadline(client.receive(), 10_000, 'a reply');
    return reply?.toString() === 'ping';
  } catch {
    return false;
  } finally {
    client.close();
  }
}

/** What the stream half-open test found. */
export interface StreamHalfOpenResult {
  readonly halfOpen: number;
  readonly goodIn: number;
  readonly goodTried: number;
  readonly goodMsP99: number;
  readonly heapPerHalfOpen: number;
  readonly lag: Lag;
}

/** Holds `halfOpen` TCP connections that sent a HELLO and went quiet while `good` clients connect. */
export async function streamHalfOpen(halfOpen: number, good: number): Promise<StreamHalfOpenResult> {
  const setup = curveSetup();
  const server = createServer(
    {
      mechanism: 'CURVE',
      registry: defaultRegistry,
      mechanismOptions: { secretKey: setup.serverKeys.secretKey },
      authorizer: setup.authorizer,
      handshakeTimeout: 120_000,
    },
    (stream) => {
      stream.on('data', (message: Buffer) => stream.write(message));
      stream.on('error', () => undefined);
    },
  );
  server.on('handshakeError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const sockets: net.Socket[] = [];
  try {
    const hello = encodeFrame(defaultRegistry.client('CURVE', setup.zmqClient(0).mechanismOptions).start().send[0]!);
    const before = settledHeap();
    await withDeadline(
      pool(halfOpen, 200, async () => {
        const socket = net.connect({ host: '127.0.0.1', port });
        socket.on('error', () => undefined);
        sockets.push(socket);
        await new Promise<void>((resolve) => socket.once('connect', resolve));
        // Read and ignore the WELCOME; never send INITIATE.
        socket.resume();
        await new Promise<void>((resolve) => socket.write(hello, () => resolve()));
      }),
      120_000,
      'opening half-open connections',
    );
    const heap = settledHeap() - before;
    const lag = lagMonitor();
    const latencies: number[] = [];
    const outcomes = await pool(good, 20, async (i) => {
      const keys = setup.clients[i % setup.clients.length]!;
      const stream = connect({
        host: '127.0.0.1',
        port,
        mechanism: 'CURVE',
        registry: defaultRegistry,
        mechanismOptions: { secretKey: keys.secretKey, serverKey: setup.serverKeys.publicKey },
        handshakeTimeout: 30_000,
      });
      stream.on('error', () => undefined);
      const t0 = performance.now();
      try {
        await stream.handshake;
        stream.write('ping');
        const [reply] = (await withDeadline(new Promise<Buffer[]>((resolve) => stream.once('data', (m: Buffer) => resolve([m]))), 10_000, 'a reply'));
        latencies.push(since(t0));
        return reply?.toString() === 'ping';
      } catch {
        return false;
      } finally {
        stream.destroy();
      }
    });
    return {
      halfOpen,
      goodIn: outcomes.filter(Boolean).length,
      goodTried: good,
      goodMsP99: percentile(latencies, 99),
      heapPerHalfOpen: heap / halfOpen,
      lag: lag.stop(),
    };
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
