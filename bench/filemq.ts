/**
 * FileMQ throughput: one file (default 200 MB) fetched over tcp://127.0.0.1 with CURVE and with
 * NULL, the server in a child process so each side has its own core. Each figure is the median
 * of several rounds after a warm-up, CURVE and NULL interleaved. A round is the whole `syncFiles`: handshake,
 * credit flow, reading, sealing, writing and the SHA-256 check on arrival.
 *
 * `bench/run.ts` calls {@link runFileMq}; run alone:
 *
 * Usage: node --require ./bench/register.js bench/filemq.ts [--size MB] [--rounds N]
 *        [--chunk KiB] [--window KiB]   (server chunk size, client credit window; the defaults)
 *        [--backend auto|sodium|node|tweetnacl]   (crypto backend on both sides)
 *        [--mechanisms CURVE,NULL]   (which to measure)
 *        [--profile DIR]   (the server child writes a `--cpu-prof` profile into DIR; profile
 *                           the client by running this file under `node --cpu-prof`)
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultRegistry } from '../mechanisms';
import { cryptoBackend, generateKeyPair, keyToZ85, toKeyBytes, useCryptoBackend } from '../src';
import { FileMqServer, syncFiles } from '../src/adapters/zeromq/filemq';
import { median, now } from './stats';

const MB = 1024 * 1024;

interface ServerReady {
  readonly endpoints: Record<string, string>;
}

type Backend = 'auto' | 'sodium' | 'node' | 'tweetnacl';

/** Options of {@link runFileMq}; every one has the default of the command line. */
export interface FileMqOptions {
  /** File size in MiB (200). */
  readonly sizeMB?: number;
  /** Counted rounds after the warm-up (3). */
  readonly rounds?: number;
  /** The server's chunk size in KiB (512). */
  readonly chunkKiB?: number;
  /** The client's credit window in KiB (8192). */
  readonly windowKiB?: number;
  readonly backend?: Backend;
  /** Which mechanisms, in round order (CURVE and NULL). */
  readonly mechanisms?: readonly string[];
  /** Where the server child writes its CPU profile (none). */
  readonly profileDir?: string;
  readonly log?: (line: string) => void;
}

/** What {@link runFileMq} measured: bytes per second per mechanism (medians), and their setting. */
export interface FileMqFigures {
  readonly bytes: number;
  readonly chunkSize: number;
  readonly window: number;
  readonly backend: string;
  /** Median bytes per second of each mechanism. */
  readonly bytesPerSecond: Record<string, number>;
  /** Every counted round's bytes per second, per mechanism. */
  readonly rounds: Record<string, number[]>;
  /** CPU milliseconds per MiB on each side (medians): the client process's and the server's. */
  readonly cpuPerMiB: Record<string, { client: number; server: number }>;
  /** CURVE over NULL, when both ran. */
  readonly curveOverNull: number | undefined;
}

/** The child: serves `root` with each mechanism on its own endpoint and reports them. */
async function serveChild(root: string, secretZ85: string, chunkSize: number, backend: string, mechanisms: string[]): Promise<void> {
  useCryptoBackend(backend as Backend);
  const secretKey = toKeyBytes(secretZ85, 'secret key');
  const endpoints: Record<string, string> = {};
  const servers: FileMqServer[] = [];
  for (const name of mechanisms) {
    const server = new FileMqServer({
      root,
      mechanism: name,
      registry: defaultRegistry,
      mechanismOptions: name === 'CURVE' ? { secretKey } : {},
      authorizer: () => true,
      chunkSize,
    });
    servers.push(server);
    endpoints[name] = await server.bind('tcp://127.0.0.1:*');
  }
  process.on('message', (message) => {
    if (message === 'cpu') return void process.send!({ cpu: cpuMicros() });
    // Asked to stop, the child exits by itself, so that `--cpu-prof` writes its profile.
    void Promise.all(servers.map((s) => s.close())).finally(() => process.exit(0));
  });
  process.send!({ endpoints } satisfies ServerReady);
}

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

async function serverCpu(child: ChildProcess): Promise<number> {
  const reply = once(child, 'message');
  child.send('cpu');
  const [message] = (await reply) as [{ cpu: number }];
  return message.cpu;
}

async function writeFile(path: string, bytes: number): Promise<void> {
  const out = createWriteStream(path);
  for (let left = bytes; left > 0; left -= 4 * MB) {
    if (!out.write(randomBytes(Math.min(4 * MB, left)))) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.send('exit');
  const timer = setTimeout(() => child.kill(), 5000);
  await exited;
  clearTimeout(timer);
}

/**
 * Fetches one file of `sizeMB` MiB over each mechanism, rounds interleaved, and returns the
 * medians; round 0 is a warm-up, not counted: each server hashes the file once (as a
 * long-running server would have done already) and the JIT settles.
 */
export async function runFileMq(options: FileMqOptions = {}): Promise<FileMqFigures> {
  const backend = options.backend ?? 'auto';
  const mechanisms = [...(options.mechanisms ?? ['CURVE', 'NULL'])];
  useCryptoBackend(backend);
  const chunkSize = (options.chunkKiB ?? 512) * 1024;
  const window = (options.windowKiB ?? 8192) * 1024;
  const credit = { window, slice: Math.max(1024, window / 4) };
  const size = Math.round((options.sizeMB ?? 200) * MB);
  const rounds = options.rounds ?? 3;
  const root = await mkdtemp(join(tmpdir(), 'curvezmq-bench-filemq-'));
  const server = generateKeyPair();
  let child: ChildProcess | undefined;
  try {
    await writeFile(join(root, 'file.bin'), size);
    const profile = options.profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', options.profileDir];
    child = fork(__filename, ['--child', root, keyToZ85(server.secretKey), String(chunkSize), backend, mechanisms.join(',')], {
      execArgv: ['--require', require.resolve('./register.js'), ...profile],
    });
    const ready = await new Promise<ServerReady>((resolve, reject) => {
      child!.once('message', (m) => resolve(m as ServerReady));
      child!.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    const client = generateKeyPair();
    const times: Record<string, number[]> = Object.fromEntries(mechanisms.map((name) => [name, []]));
    const cpu: Record<string, { client: number[]; server: number[] }> = Object.fromEntries(mechanisms.map((name) => [name, { client: [], server: [] }]));
    for (let round = 0; round <= rounds; round++) {
      for (const name of mechanisms) {
        const into = await mkdtemp(join(tmpdir(), 'curvezmq-bench-filemq-into-'));
        try {
          const mechanismOptions = name === 'CURVE' ? { secretKey: client.secretKey, serverKey: server.publicKey } : {};
          const serverBefore = await serverCpu(child);
          const clientBefore = cpuMicros();
          const start = now();
          const result = await syncFiles({ endpoint: ready.endpoints[name]!, into, mechanism: name, registry: defaultRegistry, mechanismOptions, credit });
          const elapsed = now() - start;
          const clientCpu = cpuMicros() - clientBefore;
          const serverUsed = (await serverCpu(child)) - serverBefore;
          if (round > 0) {
            times[name]!.push(elapsed);
            cpu[name]!.client.push(clientCpu / 1000 / (size / MB));
            cpu[name]!.server.push(serverUsed / 1000 / (size / MB));
          }
          if (result.bytes !== size) throw new Error(`${name}: received ${result.bytes} of ${size} bytes`);
        } finally {
          await rm(into, { recursive: true, force: true });
        }
      }
      if (round > 0) options.log?.(`  filemq round ${round}/${rounds}: ${mechanisms.map((name) => `${name} ${(size / MB / times[name]!.at(-1)!).toFixed(0)} MB/s`).join(', ')}`);
    }
    const bytesPerSecond = Object.fromEntries(mechanisms.map((name) => [name, size / median(times[name]!)]));
    const curve = bytesPerSecond.CURVE;
    const nul = bytesPerSecond.NULL;
    return {
      bytes: size,
      chunkSize,
      window,
      backend: String(cryptoBackend().name),
      bytesPerSecond,
      rounds: Object.fromEntries(mechanisms.map((name) => [name, times[name]!.map((seconds) => size / seconds)])),
      cpuPerMiB: Object.fromEntries(mechanisms.map((name) => [name, { client: median(cpu[name]!.client), server: median(cpu[name]!.server) }])),
      curveOverNull: curve !== undefined && nul !== undefined ? curve / nul : undefined,
    };
  } finally {
    if (child !== undefined) await stopChild(child);
    await rm(root, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: '200' },
      rounds: { type: 'string', default: '3' },
      chunk: { type: 'string', default: '512' },
      window: { type: 'string', default: '8192' },
      backend: { type: 'string', default: 'auto' },
      mechanisms: { type: 'string', default: 'CURVE,NULL' },
      profile: { type: 'string' },
    },
  });
  const figures = await runFileMq({
    sizeMB: Number(values.size),
    rounds: Number(values.rounds),
    chunkKiB: Number(values.chunk),
    windowKiB: Number(values.window),
    backend: values.backend as Backend,
    mechanisms: values.mechanisms.split(','),
    profileDir: values.profile,
    log: (line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write(`FileMQ, ${values.size} MB file over tcp://127.0.0.1, median of ${values.rounds}, chunk ${values.chunk} KiB, window ${values.window} KiB (crypto backend: ${figures.backend}, node ${process.version})\n`);
  for (const [name, rate] of Object.entries(figures.bytesPerSecond)) {
    const { client, server } = figures.cpuPerMiB[name]!;
    process.stdout.write(`  ${name.padEnd(6)} ${(rate / MB).toFixed(1).padStart(7)} MB/s   CPU ms per MiB: client ${client.toFixed(2)}, server ${server.toFixed(2)}\n`);
  }
  if (figures.curveOverNull !== undefined) process.stdout.write(`  CURVE / NULL ${figures.curveOverNull.toFixed(2)}×\n`);
}

if (process.argv[2] === '--child') void serveChild(process.argv[3]!, process.argv[4]!, Number(process.argv[5]), process.argv[6]!, process.argv[7]!.split(','));
else if (require.main === module)
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  });
