/**
 * The fuzz loop. Runs executions until the time budget or the execution cap is spent, each one
 * drawn from a generator seeded by `(seed, worker, index)`, so that any execution can be
 * replayed alone with {@link replayExecution}. Checks, besides each target's invariants, a
 * per-execution time bound and a memory bound.
 *
 * @module
 */
import { performance } from 'node:perf_hooks';
import { toHex, type Mechanism } from '../src';
import { buildCorpus, type Corpus } from './corpus';
import { describe } from './invariants';
import { mixSeed, Prng } from './prng';
import { profiles as makeProfiles } from './profiles';
import { targets as makeTargets, type Target } from './targets';

/** Options of {@link runFuzz}. */
export interface FuzzOptions {
  /** The run's seed (32-bit unsigned). */
  readonly seed: number;
  /** Time budget in seconds. */
  readonly seconds: number;
  /** Stop after this many executions even if time is left. */
  readonly maxExecutions?: number;
  /** This worker's index (default 0); workers of one run use distinct indexes. */
  readonly worker?: number;
  /** An execution slower than this, in ms, is a violation (default 2,000). */
  readonly execLimitMs?: number;
  /**
   * Growth of heap plus array buffers since the run started, in bytes, above which the run
   * stops with a violation (default 384 MiB; a whole run grows by well under 100 MiB).
   */
  readonly memoryLimitBytes?: number;
  /** Only targets whose name starts with one of these (default: all). */
  readonly only?: readonly string[];
  /** Called every few hundred executions with the index about to run (a watchdog's heartbeat). */
  readonly onBeat?: (index: number) => void;
}

/** One broken invariant, with what is needed to replay it. */
export interface Violation {
  readonly kind: string;
  readonly target: string;
  readonly detail: string;
  readonly seed: number;
  readonly worker: number;
  readonly index: number;
  /** The offending input in hex (at most 1 KiB of it). */
  readonly input?: string;
}

/** Per-target counts. */
export interface TargetStats {
  executions: number;
  totalMs: number;
}

/** What a run did. */
export interface FuzzReport {
  readonly seed: number;
  readonly worker: number;
  readonly executions: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly targets: Readonly<Record<string, TargetStats>>;
  readonly violations: readonly Violation[];
  readonly slowestMs: number;
  readonly peakMemoryBytes: number;
  readonly corpusBlobs: number;
}

const MAX_VIOLATIONS = 50;

/** A prepared fuzzer: corpus, targets and the cache of ready mechanisms. */
class Fuzzer {
  readonly corpus: Corpus;
  readonly targets: Target[];
  private readonly cumulative: number[];
  private readonly ready = new Map<string, Mechanism>();

  constructor(readonly seed: number, readonly worker: number, only?: readonly string[]) {
    const profiles = makeProfiles(seed);
    this.corpus = buildCorpus(seed, profiles);
    const all = makeTargets(this.corpus, profiles);
    this.targets = only === undefined ? all : all.filter((t) => only.some((prefix) => t.name.startsWith(prefix)));
    if (this.targets.length === 0) throw new RangeError(`no fuzz target matches ${String(only)}`);
    let sum = 0;
    this.cumulative = this.targets.map((t) => (sum += t.weight));
  }

  /** Runs execution `index`; returns the target's name. */
  execute(index: number, onViolation: (v: Omit<Violation, 'seed' | 'worker' | 'index'>) => void): Target {
    const prng = new Prng(mixSeed(this.seed, this.worker, index));
    const total = this.cumulative[this.cumulative.length - 1]!;
    const roll = (prng.next() / 0x1_0000_0000) * total;
    const target = this.targets[this.cumulative.findIndex((c) => roll < c)] ?? this.targets[0]!;
    const violate = (kind: string, detail: string, input?: Uint8Array): void =>
      onViolation({ kind, target: target.name, detail, ...(input === undefined ? {} : { input: toHex(input.subarray(0, 1024)) }) });
    try {
      target.run({ prng, corpus: this.corpus, violate, ready: this.ready });
    } catch (error) {
      // A throw out of a target is an exception the code under test let escape (or a fuzzer bug):
      // either way the input must be looked at.
      violate('uncaught', describe(error));
      this.ready.clear();
    }
    return target;
  }
}

/**
 * Runs the fuzz loop for `options.seconds` and returns the report. Never throws for a violation.
 * Stack traces are off during the loop: every rejection builds an error, and capturing its
 * stack was the largest single cost. {@link replayExecution} keeps them for the report.
 */
export function runFuzz(options: FuzzOptions): FuzzReport {
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return loop(options);
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

function loop(options: FuzzOptions): FuzzReport {
  const worker = options.worker ?? 0;
  const execLimitMs = options.execLimitMs ?? 2_000;
  const memoryLimit = options.memoryLimitBytes ?? 384 * 1024 * 1024;
  const fuzzer = new Fuzzer(options.seed, worker, options.only);
  const stats: Record<string, TargetStats> = {};
  for (const t of fuzzer.targets) stats[t.name] = { executions: 0, totalMs: 0 };
  const violations: Violation[] = [];
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  const cap = options.maxExecutions ?? Number.POSITIVE_INFINITY;
  let slowest = 0;
  let peakMemory = 0;
  const baseline = memoryInUse();
  let index = 0;
  for (; index < cap; index++) {
    if ((index & 0xff) === 0) {
      if (performance.now() >= deadline) break;
      options.onBeat?.(index);
      const used = memoryInUse();
      peakMemory = Math.max(peakMemory, used);
      if (used - baseline > memoryLimit) {
        violations.push({ kind: 'memory', target: '-', detail: `${used - baseline} bytes more than at the start`, seed: options.seed, worker, index });
        break;
      }
    }
    const t0 = performance.now();
    const target = fuzzer.execute(index, (v) => {
      if (violations.length < MAX_VIOLATIONS) violations.push({ ...v, seed: options.seed, worker, index });
    });
    const elapsed = performance.now() - t0;
    const stat = stats[target.name]!;
    stat.executions++;
    stat.totalMs += elapsed;
    slowest = Math.max(slowest, elapsed);
    if (elapsed > execLimitMs) {
      violations.push({ kind: 'slow', target: target.name, detail: `${elapsed.toFixed(0)} ms`, seed: options.seed, worker, index });
    }
    if (violations.length >= MAX_VIOLATIONS) break;
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    seed: options.seed,
    worker,
    executions: index,
    seconds,
    perSecond: index / seconds,
    targets: stats,
    violations,
    slowestMs: slowest,
    peakMemoryBytes: peakMemory,
    corpusBlobs: fuzzer.corpus.donors.length,
  };
}

function memoryInUse(): number {
  const memory = process.memoryUsage();
  return memory.heapUsed + memory.arrayBuffers;
}

/** Replays one execution of a run, for a failure report. Returns its violations. */
export function replayExecution(seed: number, worker: number, index: number): Violation[] {
  const fuzzer = new Fuzzer(seed, worker);
  const found: Violation[] = [];
  fuzzer.execute(index, (v) => found.push({ ...v, seed, worker, index }));
  return found;
}
