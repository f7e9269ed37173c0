/**
 * The ZMTP adapter beside libzmq, CURVE, one-way PUSH to PULL: our adapter's PUSH to a
 * zeromq.js PULL, a zeromq.js PUSH to our adapter's PULL, and zeromq.js to zeromq.js (libzmq's
 * native CURVE on both ends: the reference). Each end runs in its own process (one core each);
 * the connections stay up for the whole run, and rounds interleave the three pairs. A figure is
 * the receiver's rate over one batch of messages, from its first message to its last.
 *
 * `bench/run.ts` calls {@link runZmtp}; run alone:
 *
 * Usage: node --require ./bench/register.js bench/zmtp.ts [--size B] [--count N] [--rounds N]
 *        [--profile DIR]   (every child writes a `--cpu-prof` profile into DIR)
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { defaultRegistry } from '../mechanisms';
import { generateKeyPair, seededRandom, z85Encode } from '../src';
import type { ZmtpConnection } from '../src/adapters/zmtp';
import { median } from './stats';

/** One end of a pair: our ZMTP adapter or a zeromq.js socket. */
type End = 'zmtp' | 'zmq';

/** The pairs measured, sender first; the last is the reference. */
export const ZMTP_PAIRS = [
  { name: 'ZMTP adapter PUSH → zeromq.js PULL', sender: 'zmtp', receiver: 'zmq' },
  { name: 'zeromq.js PUSH → ZMTP adapter PULL', sender: 'zmq', receiver: 'zmtp' },
  { name: 'zeromq.js PUSH → zeromq.js PULL', sender: 'zmq', receiver: 'zmq' },
] as const satisfies readonly { name: string; sender: End; receiver: End }[];

/** Options of {@link runZmtp}. */
export interface ZmtpBenchOptions {
  /** Message size in bytes (64). */
  readonly size?: number;
  /** Messages per batch (100,000). */
  readonly count?: number;
  /** Counted rounds after a warm-up batch (3). */
  readonly rounds?: number;
  /** Where every child writes a CPU profile (none). */
  readonly profileDir?: string;
  readonly log?: (line: string) => void;
}

/** What {@link runZmtp} measured: messages per second per pair (medians), and ratios to the reference. */
export interface ZmtpFigures {
  readonly size: number;
  readonly count: number;
  readonly pairs: { readonly name: string; readonly messagesPerSecond: number; readonly rounds: number[]; readonly ratio: number }[];
}

// Benchmark-only keys from fixed seeds, so that every process agrees.
const SERVER = generateKeyPair(seededRandom(2001));
const CLIENT = generateKeyPair(seededRandom(2002));

/** Messages the parent sends its children. */
type Order = { op: 'send'; count: number; size: number } | { op: 'expect'; count: number } | { op: 'exit' };

/** The receiver binds (it is CURVE's server, as a PULL usually binds) and reports its port. */
async function receiver(kind: End): Promise<void> {
  let expected = 0;
  let seen = 0;
  let first = 0n;
  const onMessage = (): void => {
    if (expected === 0) return;
    seen++;
    if (seen === 1) first = process.hrtime.bigint();
    if (seen === expected) {
      const seconds = Number(process.hrtime.bigint() - first) / 1e9;
      process.send!({ rate: (expected - 1) / seconds });
      expected = 0;
    }
  };
  let port: number;
  let close: () => Promise<void>;
  if (kind === 'zmq') {
    const zmq = require('zeromq') as typeof import('zeromq');
    const pull = new zmq.Pull({ linger: 0, curveServer: true, curveSecretKey: z85Encode(SERVER.secretKey) });
    await pull.bind('tcp://127.0.0.1:0');
    port = Number(new URL(pull.lastEndpoint!).port);
    void (async () => {
      for await (const _ of pull) onMessage();
    })();
    close = async () => pull.close();
  } else {
    const { listenZmtp } = require('../src/adapters/zmtp') as typeof import('../src/adapters/zmtp');
    const server = await listenZmtp({
      registry: defaultRegistry,
      mechanism: 'CURVE',
      mechanismOptions: { secretKey: SERVER.secretKey },
      authorizer: () => true,
      socketType: 'PULL',
    });
    port = server.address().port;
    server.on('connection', (connection: ZmtpConnection) => {
      void (async () => {
        for await (const _ of connection) onMessage();
      })().catch(() => undefined);
    });
    close = () => server.close();
  }
  process.on('message', (order: Order) => {
    if (order.op === 'expect') {
      expected = order.count;
      seen = 0;
      process.send!({ expecting: true });
    } else if (order.op === 'exit') void close().finally(() => process.exit(0));
  });
  process.send!({ port });
}

/** The sender connects and sends each batch it is asked for, with back-pressure. */
async function sender(kind: End, port: number): Promise<void> {
  let send: (data: Uint8Array) => Promise<void>;
  let close: () => Promise<void>;
  if (kind === 'zmq') {
    const zmq = require('zeromq') as typeof import('zeromq');
    const push = new zmq.Push({
      linger: 0,
      curveServerKey: z85Encode(SERVER.publicKey),
      curvePublicKey: z85Encode(CLIENT.publicKey),
      curveSecretKey: z85Encode(CLIENT.secretKey),
    });
    push.connect(`tcp://127.0.0.1:${port}`);
    send = (data) => push.send(data);
    close = async () => push.close();
  } else {
    const { connectZmtp } = require('../src/adapters/zmtp') as typeof import('../src/adapters/zmtp');
    const connection = await connectZmtp({
      registry: defaultRegistry,
      mechanism: 'CURVE',
      mechanismOptions: { secretKey: CLIENT.secretKey, serverKey: SERVER.publicKey },
      socketType: 'PUSH',
      port,
    });
    send = (data) => connection.send(data);
    close = () => connection.close();
  }
  process.on('message', (order: Order) => {
    if (order.op === 'send') {
      void (async () => {
        const data = new Uint8Array(order.size).fill(0x61);
        for (let i = 0; i < order.count; i++) await send(data);
        process.send!({ sent: true });
      })();
    } else if (order.op === 'exit') void close().finally(() => process.exit(0));
  });
  process.send!({ ready: true });
}

function child(args: string[], profileDir: string | undefined): ChildProcess {
  const profile = profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', profileDir];
  return fork(__filename, ['--child', ...args], { execArgv: ['--require', require.resolve('./register.js'), ...profile], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

async function reply<T>(process: ChildProcess, timeoutMs = 120_000): Promise<T> {
  const timer = setTimeout(() => process.kill(), timeoutMs);
  try {
    const [message] = (await Promise.race([once(process, 'message'), once(process, 'exit').then(() => [{ error: 'exited' }])])) as [T & { error?: string }];
    if (message.error !== undefined) throw new Error(`a zmtp bench process ${message.error}`);
    return message;
  } finally {
    clearTimeout(timer);
  }
}

async function stop(processes: ChildProcess[]): Promise<void> {
  await Promise.all(
    processes.map(async (p) => {
      if (p.exitCode !== null || p.signalCode !== null) return;
      const exited = once(p, 'exit');
      p.send({ op: 'exit' } satisfies Order);
      const timer = setTimeout(() => p.kill(), 5000);
      await exited;
      clearTimeout(timer);
    }),
  );
}

/** Runs one batch over a pair and returns the receiver's rate. */
async function batch(pair: { sender: ChildProcess; receiver: ChildProcess }, count: number, size: number): Promise<number> {
  pair.receiver.send({ op: 'expect', count } satisfies Order);
  await reply(pair.receiver);
  const rate = reply<{ rate: number }>(pair.receiver);
  pair.sender.send({ op: 'send', count, size } satisfies Order);
  await reply(pair.sender);
  return (await rate).rate;
}

/**
 * Measures each pair of {@link ZMTP_PAIRS}: a warm-up batch (the handshake, the JIT), then
 * `rounds` batches each, interleaved; each ratio is the pair's median over the reference's.
 */
export async function runZmtp(options: ZmtpBenchOptions = {}): Promise<ZmtpFigures> {
  const size = options.size ?? 64;
  const count = options.count ?? 100_000;
  const rounds = options.rounds ?? 3;
  const running: { sender: ChildProcess; receiver: ChildProcess }[] = [];
  try {
    for (const pair of ZMTP_PAIRS) {
      const receiving = child(['receiver', pair.receiver], options.profileDir);
      running.push({ sender: receiving, receiver: receiving });
      const { port } = await reply<{ port: number }>(receiving);
      const sending = child(['sender', pair.sender, String(port)], options.profileDir);
      running[running.length - 1] = { sender: sending, receiver: receiving };
      await reply(sending);
      await batch(running[running.length - 1]!, Math.min(count, 10_000), size);
    }
    const rates: number[][] = ZMTP_PAIRS.map(() => []);
    for (let round = 0; round < rounds; round++) {
      for (const [index, pair] of running.entries()) rates[index]!.push(await batch(pair, count, size));
      options.log?.(`  zmtp round ${round + 1}/${rounds}: ${rates.map((r, i) => `${ZMTP_PAIRS[i]!.sender}→${ZMTP_PAIRS[i]!.receiver} ${(r.at(-1)! / 1000).toFixed(0)} k/s`).join(', ')}`);
    }
    const reference = median(rates[rates.length - 1]!);
    return {
      size,
      count,
      pairs: ZMTP_PAIRS.map((pair, index) => ({ name: pair.name, messagesPerSecond: median(rates[index]!), rounds: rates[index]!, ratio: median(rates[index]!) / reference })),
    };
  } finally {
    await stop(running.flatMap((pair) => (pair.sender === pair.receiver ? [pair.sender] : [pair.sender, pair.receiver])));
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: '64' },
      count: { type: 'string', default: '100000' },
      rounds: { type: 'string', default: '3' },
      profile: { type: 'string' },
    },
  });
  const figures = await runZmtp({
    size: Number(values.size),
    count: Number(values.count),
    rounds: Number(values.rounds),
    profileDir: values.profile,
    log: (line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write(`ZMTP, CURVE, ${figures.size} B one-way, ${figures.count} messages a batch, medians (node ${process.version})\n`);
  for (const pair of figures.pairs) {
    process.stdout.write(`  ${pair.name.padEnd(36)} ${(pair.messagesPerSecond / 1000).toFixed(1).padStart(8)} k/s  ${pair.ratio.toFixed(2)}× libzmq to libzmq\n`);
  }
}

if (process.argv[2] === '--child') {
  const [role, kind, port] = process.argv.slice(3);
  void (role === 'receiver' ? receiver(kind as End) : sender(kind as End, Number(port)));
} else if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  });
}
