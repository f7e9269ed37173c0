/**
 * FileMQ throughput: one file (default 200 MB) fetched over tcp://127.0.0.1 with CURVE and with
 * NULL, the server in a child process so each side has its own core. Each figure is the median
 * of several rounds after a warm-up, CURVE and NULL interleaved. A round is the whole `syncFiles`: handshake,
 * credit flow, reading, sealing, writing and the SHA-256 check on arrival.
 *
 * Usage: node --require ./bench/register.js bench/filemq.ts [--size MB] [--rounds N]
 *        [--chunk KiB] [--window KiB]   (server chunk size, client credit window; the defaults)
 *        [--backend auto|sodium|node|tweetnacl]   (crypto backend on both sides)
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
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

/** The child: serves `root` with each mechanism on its own endpoint and reports them. */
async function serveChild(root: string, secretZ85: string, chunkSize: number, backend: string): Promise<void> {
  useCryptoBackend(backend as Parameters<typeof useCryptoBackend>[0]);
  const secretKey = toKeyBytes(secretZ85, 'secret key');
  const endpoints: Record<string, string> = {};
  for (const name of ['CURVE', 'NULL']) {
    const server = new FileMqServer({
      root,
      mechanism: name,
      registry: defaultRegistry,
      mechanismOptions: name === 'CURVE' ? { secretKey } : {},
      authorizer: () => true,
      chunkSize,
    });
    endpoints[name] = await server.bind('tcp://127.0.0.1:*');
  }
  process.send!({ endpoints } satisfies ServerReady);
}

async function writeFile(path: string, bytes: number): Promise<void> {
  const out = createWriteStream(path);
  for (let left = bytes; left > 0; left -= 4 * MB) {
    if (!out.write(randomBytes(Math.min(4 * MB, left)))) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: '200' },
      rounds: { type: 'string', default: '3' },
      chunk: { type: 'string', default: '512' },
      window: { type: 'string', default: '8192' },
      backend: { type: 'string', default: 'auto' },
    },
  });
  useCryptoBackend(values.backend as Parameters<typeof useCryptoBackend>[0]);
  const chunkSize = Number(values.chunk) * 1024;
  const credit = { window: Number(values.window) * 1024, slice: Math.max(1024, (Number(values.window) * 1024) / 4) };
  const size = Number(values.size) * MB;
  const rounds = Number(values.rounds);
  const root = await mkdtemp(join(tmpdir(), 'curvezmq-bench-filemq-'));
  const server = generateKeyPair();
  let child: ChildProcess | undefined;
  try {
    await writeFile(join(root, 'file.bin'), size);
    child = fork(__filename, ['--child', root, keyToZ85(server.secretKey), String(chunkSize), values.backend], { execArgv: ['--require', require.resolve('./register.js')] });
    const ready = await new Promise<ServerReady>((resolve, reject) => {
      child!.once('message', (m) => resolve(m as ServerReady));
      child!.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    const client = generateKeyPair();
    const times: Record<string, number[]> = { CURVE: [], NULL: [] };
    // Round 0 is a warm-up, not counted: each server hashes the file once (as a long-running
    // server would have done already) and the JIT settles.
    for (let round = 0; round <= rounds; round++) {
      for (const name of ['CURVE', 'NULL']) {
        const into = await mkdtemp(join(tmpdir(), 'curvezmq-bench-filemq-into-'));
        try {
          const options = name === 'CURVE' ? { secretKey: client.secretKey, serverKey: server.publicKey } : {};
          const start = now();
          const result = await syncFiles({ endpoint: ready.endpoints[name]!, into, mechanism: name, registry: defaultRegistry, mechanismOptions: options, credit });
          if (round > 0) times[name]!.push(now() - start);
          if (result.bytes !== size) throw new Error(`${name}: received ${result.bytes} of ${size} bytes`);
        } finally {
          await rm(into, { recursive: true, force: true });
        }
      }
    }
    process.stdout.write(`FileMQ, ${values.size} MB file over tcp://127.0.0.1, median of ${rounds}, chunk ${values.chunk} KiB, window ${values.window} KiB (crypto backend: ${cryptoBackend().name}, node ${process.version})\n`);
    for (const name of ['CURVE', 'NULL']) {
      const seconds = median(times[name]!);
      process.stdout.write(`  ${name.padEnd(6)} ${(size / MB / seconds).toFixed(1).padStart(7)} MB/s  (${seconds.toFixed(2)} s)\n`);
    }
  } finally {
    child?.kill();
    await rm(root, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') void serveChild(process.argv[3]!, process.argv[4]!, Number(process.argv[5]), process.argv[6]!);
else
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  });
