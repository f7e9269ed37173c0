/**
 * Load: N CURVE clients over the ZeroMQ adapter, each sending M messages to an echo server on
 * 127.0.0.1 and checking that it gets back exactly its own messages, in order, once each.
 *
 * @module
 */
import { performance } from 'node:perf_hooks';
import { ZeroMqClient, ZeroMqServer } from '../src/adapters/zeromq';
import { formatLag, lagMonitor, percentile, pool, since, withDeadline, type Lag } from './measure';
import { curveSetup } from './setup';

/** What the scenario found. */
export interface EchoResult {
  readonly clients: number;
  readonly messages: number;
  /** Clients whose replies were not exactly their messages in order. */
  readonly broken: number;
  readonly seconds: number;
  readonly handshakeMsP50: number;
  readonly handshakeMsP99: number;
  readonly lag: Lag;
}

/** Runs the scenario; connects at most `concurrency` clients at a time, all of them stay open. */
export async function zeromqEcho(clients: number, messages: number, concurrency = 200): Promise<EchoResult> {
  const setup = curveSetup();
  const server = new ZeroMqServer({ ...setup.zmqServer, authorizer: setup.authorizer, maxHandshakes: concurrency * 2 });
  const endpoint = await server.bind('tcp://127.0.0.1:*');
  const echo = (async () => {
    for await (const message of server) await message.reply(message.parts);
  })().catch(() => undefined);
  const lag = lagMonitor();
  const started = performance.now();
  const handshakes: number[] = [];
  const open: ZeroMqClient[] = [];
  try {
    const results = await withDeadline(
      pool(clients, concurrency, async (id) => {
        const client = new ZeroMqClient({ ...setup.zmqClient(id), handshakeTimeout: 60_000 });
        open.push(client);
        const t0 = performance.now();
        await client.connect(endpoint);
        handshakes.push(since(t0));
        const replies: string[] = [];
        const receiving = (async () => {
          while (replies.length < messages) replies.push((await client.receive())[0]!.toString());
        })();
        for (let i = 0; i < messages; i++) await client.send(`${id}:${i}`);
        await receiving;
        return replies.every((reply, i) => reply === `${id}:${i}`) && replies.length === messages;
      }),
      300_000,
      'the ZeroMQ echo load',
    );
    return echoResult(clients, messages, results, started, handshakes, lag.stop());
  } finally {
    for (const client of open) client.close();
    await server.close();
    await echo;
  }
}

/** One line for the report. */
/** The figures of an echo run: how many clients saw their replies broken, and how fast. */
export function echoResult(
  clients: number,
  messages: number,
  results: readonly boolean[],
  started: number,
  handshakes: readonly number[],
  lag: Lag,
): EchoResult {
  return {
    clients,
    messages,
    broken: results.filter((ok) => !ok).length,
    seconds: since(started) / 1000,
    handshakeMsP50: percentile(handshakes, 50),
    handshakeMsP99: percentile(handshakes, 99),
    lag,
  };
}

export function formatEcho(name: string, r: EchoResult): string {
  const total = r.clients * r.messages;
  return (
    `${name}: ${r.clients} clients × ${r.messages} messages, ${r.broken} client(s) with lost, duplicated or reordered replies; ` +
    `${r.seconds.toFixed(1)} s (${Math.round((2 * total) / r.seconds)} messages/s both ways); ` +
    `handshake p50 ${r.handshakeMsP50.toFixed(0)} ms, p99 ${r.handshakeMsP99.toFixed(0)} ms; ${formatLag(r.lag)}`
  );
}
