/**
 * Parts 1 and 2, driven from the parent: one server process and one client process per peer,
 * kept for the whole run; rounds interleave the peers; each figure is the median of the rounds.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { median } from '../stats';
import { tlsCredentials } from './cert';
import { PEERS } from './peers';
import type { ProfileSummary } from './cpu-profile';
import { CERT_DIR, type WorkerResult } from './protocol';

/** Sizes of the one-way message test. */
export const NET_SIZES = [64, 1024, 64 * 1024] as const;

/** One peer's network figures: medians, or why there are none. */
export interface NetFigures {
  peer: string;
  /** Set when the peer did not run: "pending: ..." or the failure. */
  status: string;
  connectionsPerSecond: number | null;
  /** CPU microseconds per connection: the client process's and the server process's (medians). */
  connectionCpu: { client: number; server: number } | null;
  messages: {
    size: number;
    messagesPerSecond: number | null;
    bytesPerSecond: number | null;
    /** CPU microseconds per message: the sender's and the sink's (medians). */
    cpu: { client: number; server: number } | null;
  }[];
}

/** Options of {@link runNetwork}. */
export interface NetOptions {
  readonly rounds: number;
  readonly connSeconds: number;
  /** Target duration of one message measurement, in seconds. */
  readonly messageSeconds: number;
  readonly log: (line: string) => void;
  /** Only these peers (by name); all when absent. */
  readonly peers?: readonly string[];
}

interface Running {
  name: string;
  server: ChildProcess;
  client: ChildProcess;
  echo: string;
  sink: string;
  conn: number[];
  connCpu: Cpu[];
  msg: number[][];
  msgCpu: Cpu[][];
  counts: number[];
  failure: string | undefined;
}

/** CPU microseconds per operation of one measurement, on each side. */
interface Cpu {
  client: number;
  server: number;
}

const WORKER = join(__dirname, 'worker.ts');
const REGISTER = join(__dirname, '..', 'register.js');

function spawn(role: string, peer: string): ChildProcess {
  return fork(WORKER, [role, peer], { execArgv: ['--require', REGISTER], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

async function firstMessage<T>(child: ChildProcess, timeoutMs: number): Promise<T> {
  const timer = setTimeout(() => child.kill(), timeoutMs);
  // Both waits are cancelled once one wins: `once` leaves its listeners otherwise, and a
  // process asked a hundred questions would pile up as many.
  const cancel = new AbortController();
  const message = once(child, 'message', { signal: cancel.signal });
  const exit = once(child, 'exit', { signal: cancel.signal }).then(() => [{ error: 'process exited' }]);
  message.catch(() => undefined);
  exit.catch(() => undefined);
  try {
    const [reply] = (await Promise.race([message, exit])) as [T];
    return reply;
  } finally {
    cancel.abort();
    clearTimeout(timer);
  }
}

async function ask(run: Running, request: object, timeoutMs: number): Promise<WorkerResult> {
  run.client.send(request);
  const reply = await firstMessage<WorkerResult | { error: string }>(run.client, timeoutMs);
  return 'ok' in reply ? reply : { ok: false, error: reply.error };
}

async function start(name: string): Promise<Running | string> {
  const server = spawn('server', name);
  const ready = await firstMessage<{ echo?: string; sink?: string; error?: string }>(server, 30_000);
  if (ready.echo === undefined || ready.sink === undefined) {
    server.kill();
    return `failed to serve: ${ready.error ?? 'no answer'}`;
  }
  const client = spawn('client', name);
  await firstMessage(client, 30_000);
  return { name, server, client, echo: ready.echo, sink: ready.sink, conn: [], connCpu: [], msg: NET_SIZES.map(() => []), msgCpu: NET_SIZES.map(() => []), counts: NET_SIZES.map(() => 0), failure: undefined };
}

async function serverCpu(run: Running): Promise<number> {
  run.server.send({ op: 'cpu' });
  const reply = await firstMessage<{ cpuMicros?: number }>(run.server, 10_000);
  return reply.cpuMicros ?? Number.NaN;
}

/** Asks for one measurement and adds each side's CPU time per operation to it. */
async function measure(run: Running, request: object, timeoutMs: number): Promise<{ result: WorkerResult; cpu: Cpu | undefined }> {
  const before = await serverCpu(run);
  const result = await ask(run, request, timeoutMs);
  const after = await serverCpu(run);
  if (!result.ok || result.count === 0) return { result, cpu: undefined };
  return { result, cpu: { client: result.cpuMicros / result.count, server: (after - before) / result.count } };
}

function medianCpu(samples: readonly Cpu[]): Cpu | null {
  if (samples.length === 0) return null;
  return { client: median(samples.map((s) => s.client)), server: median(samples.map((s) => s.server)) };
}

function stop(run: Running): void {
  run.client.kill();
  run.server.send('close');
  setTimeout(() => run.server.kill(), 2000).unref();
}

/** Measures every peer; peers that cannot run are reported with their reason. */
export async function runNetwork(options: NetOptions): Promise<NetFigures[]> {
  tlsCredentials(CERT_DIR);
  const skipped = new Map<string, string>();
  const running: Running[] = [];
  for (const peer of PEERS) {
    if (options.peers !== undefined && !options.peers.includes(peer.name)) {
      skipped.set(peer.name, 'pending: not asked for (BENCH_PEERS)');
      continue;
    }
    const reason = peer.unavailable({ tls: tlsCredentials(CERT_DIR) });
    if (reason !== undefined) {
      skipped.set(peer.name, `pending: ${reason}`);
      continue;
    }
    const run = await start(peer.name);
    if (typeof run === 'string') skipped.set(peer.name, run);
    else running.push(run);
  }
  const guard = (seconds: number) => Math.round(seconds * 1000 * 10 + 20_000);
  // Calibration (also the warm-up): a short message run per size sets each peer's count.
  for (const run of running) {
    await ask(run, { op: 'conn', address: run.echo, seconds: Math.min(0.5, options.connSeconds), concurrency: 8 }, guard(1));
    for (const [i, size] of NET_SIZES.entries()) {
      const probe = size >= 65536 ? 500 : 5000;
      const result = await ask(run, { op: 'msg', address: run.sink, size, count: probe }, guard(5));
      if (!result.ok) {
        run.failure = `failed: ${result.error}`;
        break;
      }
      run.counts[i] = Math.max(probe, Math.round(result.rate * options.messageSeconds));
    }
  }
  for (let round = 0; round < options.rounds; round++) {
    for (const run of running) {
      if (run.failure !== undefined) continue;
      const { result: conn, cpu: connCpu } = await measure(run, { op: 'conn', address: run.echo, seconds: options.connSeconds, concurrency: 8 }, guard(options.connSeconds));
      if (!conn.ok) {
        run.failure = `failed: ${conn.error}`;
        continue;
      }
      run.conn.push(conn.rate);
      if (connCpu !== undefined) run.connCpu.push(connCpu);
      for (const [i, size] of NET_SIZES.entries()) {
        const { result, cpu } = await measure(run, { op: 'msg', address: run.sink, size, count: run.counts[i] }, guard(options.messageSeconds * 3));
        if (!result.ok) {
          run.failure = `failed: ${result.error}`;
          break;
        }
        run.msg[i]!.push(result.rate);
        if (cpu !== undefined) run.msgCpu[i]!.push(cpu);
      }
      options.log(`  network round ${round + 1}/${options.rounds} ${run.name}: ${conn.rate.toFixed(0)} conns/s`);
    }
  }
  running.forEach(stop);
  return PEERS.map((peer): NetFigures => {
    const run = running.find((r) => r.name === peer.name);
    const status = skipped.get(peer.name) ?? run?.failure ?? 'ok';
    const ok = run !== undefined && run.failure === undefined && run.conn.length > 0;
    return {
      peer: peer.name,
      status,
      connectionsPerSecond: ok ? median(run.conn) : null,
      connectionCpu: ok ? medianCpu(run.connCpu) : null,
      messages: NET_SIZES.map((size, i) => {
        const rate = ok && run.msg[i]!.length > 0 ? median(run.msg[i]!) : null;
        return { size, messagesPerSecond: rate, bytesPerSecond: rate === null ? null : rate * size, cpu: ok ? medianCpu(run.msgCpu[i]!) : null };
      }),
    };
  });
}

/** What {@link profilePeer} found: the measurement, and each process's profile during it. */
export interface PeerProfile {
  readonly result: WorkerResult;
  readonly cpu: Cpu | undefined;
  readonly client: ProfileSummary;
  readonly server: ProfileSummary;
}

/**
 * Profiles one peer during one measurement: connections for `seconds` (`size` absent), or
 * one-way messages of `size` bytes for about `seconds`. A warm-up run comes first, unprofiled.
 * With `saveDir`, each process also writes its whole profile there as
 * `PEER-(conn|SIZE)-(client|server).cpuprofile`.
 */
export async function profilePeer(name: string, size: number | undefined, seconds: number, top: number, saveDir?: string): Promise<PeerProfile> {
  tlsCredentials(CERT_DIR);
  const run = await start(name);
  if (typeof run === 'string') throw new Error(`${name}: ${run}`);
  try {
    const timeout = Math.round(seconds * 10_000 + 20_000);
    let request: object = { op: 'conn', address: run.echo, seconds, concurrency: 8 };
    if (size !== undefined) {
      const probe = await ask(run, { op: 'msg', address: run.sink, size, count: size >= 65536 ? 500 : 5000 }, timeout);
      if (!probe.ok) throw new Error(`${name}: ${probe.error}`);
      request = { op: 'msg', address: run.sink, size, count: Math.max(500, Math.round(probe.rate * seconds)) };
    } else {
      await ask(run, { ...request, seconds: Math.min(seconds, 0.5) }, timeout);
    }
    const begin = (child: ChildProcess) => (child.send({ op: 'profile' }), firstMessage(child, 10_000));
    await Promise.all([begin(run.client), begin(run.server)]);
    const { result, cpu } = await measure(run, request, timeout);
    const save = (role: string) => (saveDir === undefined ? undefined : join(saveDir, `${name}-${size ?? 'conn'}-${role}.cpuprofile`));
    const end = (child: ChildProcess, role: string) => (child.send({ op: 'profile', top, save: save(role) }), firstMessage<ProfileSummary>(child, 30_000));
    const [client, server] = await Promise.all([end(run.client, 'client'), end(run.server, 'server')]);
    return { result, cpu, client, server };
  } finally {
    stop(run);
  }
}
