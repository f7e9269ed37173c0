/**
 * `npm run fuzz`: the seeded mutation fuzzer over every registered mechanism, the stream
 * deframer and the codecs, on one worker thread per core, with a watchdog for hangs.
 *
 * Environment:
 * - `FUZZ_SECONDS`: time budget (default 150, enough for well over 1,000,000 executions on 2 cores);
 * - `FUZZ_SEED`: the run's seed (default: random, printed);
 * - `FUZZ_WORKERS`: worker threads (default: available parallelism);
 * - `FUZZ_ONLY`: comma-separated target name prefixes (`handshake:CURVE,deframer`);
 * - `FUZZ_REPLAY=worker:index`: replay one execution of the run of `FUZZ_SEED` and print its
 *   violations.
 *
 * Exits 1 when any invariant broke, printing how to replay each failure.
 *
 * @module
 */
import { randomInt } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { replayExecution, type FuzzReport, type Violation } from './engine';
import type { WorkerInput } from './worker';

/** A worker that shows no heartbeat for this long is hung (beats come every 256 executions). */
const HANG_MS = 30_000;
const DEFAULT_SECONDS = 150;

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} expected a non-negative number, got ${raw}`);
  return value;
}

async function main(): Promise<number> {
  const seed = envNumber('FUZZ_SEED', randomInt(0, 2 ** 32 - 1)) >>> 0;
  const replay = process.env['FUZZ_REPLAY'];
  if (replay !== undefined && replay !== '') return replayOne(seed, replay);
  const seconds = envNumber('FUZZ_SECONDS', DEFAULT_SECONDS);
  const workers = Math.max(1, Math.floor(envNumber('FUZZ_WORKERS', availableParallelism())));
  const only = process.env['FUZZ_ONLY']?.split(',').filter((s) => s !== '');
  console.log(`fuzz: seed ${seed}, ${seconds} s, ${workers} worker(s)${only ? `, only ${only.join(',')}` : ''}`);
  const beats = new SharedArrayBuffer(4 * workers);
  const reports = await Promise.all(
    Array.from({ length: workers }, (_, worker) => runWorker({ seed, seconds, worker, beats, ...(only ? { only } : {}) })),
  );
  return summarise(seed, reports);
}

/** Runs one worker; a worker whose heartbeat stops is terminated and reported as a hang. */
function runWorker(input: WorkerInput): Promise<FuzzReport | Violation> {
  return new Promise((resolve, reject) => {
    const thread = new Worker(join(__dirname, 'worker.js'), { workerData: input });
    const beats = new Int32Array(input.beats);
    let last = -1;
    let lastChange = Date.now();
    const watchdog = setInterval(() => {
      const now = Atomics.load(beats, input.worker);
      if (now !== last) {
        last = now;
        lastChange = Date.now();
      } else if (Date.now() - lastChange > HANG_MS) {
        clearInterval(watchdog);
        void thread.terminate();
        resolve({
          kind: 'hang',
          target: '?',
          detail: `no progress for ${HANG_MS} ms after execution ${now}; replay indexes ${now} to ${now + 255}`,
          seed: input.seed,
          worker: input.worker,
          index: now,
        });
      }
    }, 1_000);
    thread.once('message', (report: FuzzReport) => {
      clearInterval(watchdog);
      resolve(report);
    });
    thread.once('error', (error) => {
      clearInterval(watchdog);
      reject(error);
    });
  });
}

function summarise(seed: number, results: ReadonlyArray<FuzzReport | Violation>): number {
  const reports = results.filter((r): r is FuzzReport => 'executions' in r);
  const violations = [...results.filter((r): r is Violation => !('executions' in r)), ...reports.flatMap((r) => r.violations)];
  const executions = reports.reduce((sum, r) => sum + r.executions, 0);
  const seconds = Math.max(...reports.map((r) => r.seconds), 0);
  const perTarget = new Map<string, { executions: number; totalMs: number }>();
  for (const report of reports) {
    for (const [name, stat] of Object.entries(report.targets)) {
      const sum = perTarget.get(name) ?? { executions: 0, totalMs: 0 };
      sum.executions += stat.executions;
      sum.totalMs += stat.totalMs;
      perTarget.set(name, sum);
    }
  }
  console.log('target                     executions     µs/exec');
  for (const [name, stat] of perTarget) {
    const micro = stat.executions === 0 ? 0 : (stat.totalMs * 1000) / stat.executions;
    console.log(`${name.padEnd(26)} ${String(stat.executions).padStart(10)} ${micro.toFixed(1).padStart(11)}`);
  }
  const slowest = Math.max(...reports.map((r) => r.slowestMs), 0);
  const peak = Math.max(...reports.map((r) => r.peakMemoryBytes), 0);
  console.log(
    `fuzz: ${executions} executions in ${seconds.toFixed(1)} s (${Math.round(executions / Math.max(seconds, 1e-9))}/s), ` +
      `seed ${seed}, slowest execution ${slowest.toFixed(1)} ms, peak heap+buffers per worker ${(peak / 2 ** 20).toFixed(1)} MiB, ` +
      `${violations.length} violation(s)`,
  );
  for (const v of violations) {
    console.log(`VIOLATION ${v.kind} in ${v.target} (worker ${v.worker}, execution ${v.index}): ${v.detail}`);
    if (v.input !== undefined) console.log(`  input ${v.input}`);
    console.log(`  replay: FUZZ_SEED=${v.seed} FUZZ_REPLAY=${v.worker}:${v.index} npm run fuzz`);
  }
  return violations.length === 0 ? 0 : 1;
}

function replayOne(seed: number, spec: string): number {
  const match = /^(\d+):(\d+)$/.exec(spec);
  if (match === null) throw new RangeError(`FUZZ_REPLAY expected worker:index, got ${spec}`);
  const found = replayExecution(seed, Number(match[1]), Number(match[2]));
  console.log(`fuzz replay: seed ${seed}, worker ${match[1]}, execution ${match[2]}: ${found.length} violation(s)`);
  for (const v of found) console.log(`VIOLATION ${v.kind} in ${v.target}: ${v.detail}${v.input ? `\n  input ${v.input}` : ''}`);
  return found.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
