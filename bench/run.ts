/**
 * `npm run bench`: every figure of issue 7 in one run, printed as a table with our ratio to
 * each peer and written to `bench/results.json` with the machine it ran on.
 *
 * Environment: BENCH_QUICK=1 for a short smoke run (fewer, shorter rounds; figures are then
 * rough), BENCH_PARTS=memory,heap,network,zmtp,filemq,browser to run only some parts, BENCH_PEERS=curvezmq-stream,tls
 * to run only some network peers (a run limited so writes neither results.json nor the doc).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, type as osType, release } from 'node:os';
import { join } from 'node:path';
import { measureStreamHeap } from './heap-stream';
import { runMemory, type MemoryFigures } from './memory';
import { runNetwork, type NetFigures } from './net/runner';
import { renderTables } from './table';
import { runZmtp, type ZmtpFigures } from './zmtp';
import { runFileMq, type FileMqFigures } from './filemq';
import { runBrowser, renderBrowserTable, type BrowserFigures } from './browser';

/** The file a run writes. */
export interface Results {
  date: string;
  machine: { cpu: string; cores: number; memoryGiB: number; os: string; node: string; openssl: string; loadBefore: number[]; loadAfter: number[] };
  settings: { quick: boolean; rounds: number };
  durationSeconds: number;
  memory: MemoryFigures[] | null;
  heap: {
    sessions: number;
    bytesPerSession: number;
    replayRecordBytesPerSession: number;
    /** Over the stream adapter, with a bare TCP socket for scale; null when the adapter failed. */
    stream: { connections: number; tcpBytesPerConnection: number; curveStreamBytesPerConnection: number } | null;
  } | null;
  network: NetFigures[] | null;
  /** ZMTP adapter against zeromq.js on native CURVE, 64 B one-way (bench/zmtp.ts). */
  zmtp?: ZmtpFigures | null;
  /** FileMQ over CURVE and over NULL (bench/filemq.ts). */
  filemq?: FileMqFigures | null;
  /** In Chromium, when one is found (bench/browser.ts). */
  browser?: BrowserFigures | null;
}

const quick = process.env.BENCH_QUICK === '1';
const ALL_PARTS = ['memory', 'heap', 'network', 'zmtp', 'filemq', 'browser'];
const parts = new Set((process.env.BENCH_PARTS ?? ALL_PARTS.join(',')).split(','));
const rounds = quick ? 1 : 3;
const log = (line: string) => process.stderr.write(`${line}\n`);

async function streamHeap(connections: number): Promise<NonNullable<Results['heap']>['stream']> {
  try {
    const tcpBytesPerConnection = await measureStreamHeap('tcp', connections);
    const curveStreamBytesPerConnection = await measureStreamHeap('curve', connections);
    return { connections, tcpBytesPerConnection, curveStreamBytesPerConnection };
  } catch (error) {
    log(`  heap over the stream adapter failed: ${(error as Error).message}`);
    return null;
  }
}

function heapPerSession(sessions: number): Omit<NonNullable<Results['heap']>, 'stream'> {
  const output = execFileSync(
    process.execPath,
    ['--expose-gc', '--require', join(__dirname, 'register.js'), join(__dirname, 'heap.ts'), String(sessions)],
    { encoding: 'utf8', timeout: 300_000 },
  );
  const parsed = JSON.parse(output) as NonNullable<Results['heap']>;
  return {
    sessions: parsed.sessions,
    bytesPerSession: parsed.bytesPerSession,
    replayRecordBytesPerSession: parsed.replayRecordBytesPerSession,
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  const loadBefore = loadavg();
  log(`curvezmq benchmark${quick ? ' (quick)' : ''}: ${cpus().length} cores, load ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`);
  const memory = parts.has('memory') ? runMemory(rounds, quick ? 0.1 : 0.3, log) : null;
  let heap: Results['heap'] = null;
  if (parts.has('heap')) {
    log('  heap: 10,000 sessions');
    const sessions = quick ? 1000 : 10_000;
    heap = { ...heapPerSession(sessions), stream: await streamHeap(sessions) };
  }
  const network = parts.has('network')
    ? await runNetwork({ rounds: quick ? 1 : 3, connSeconds: quick ? 0.5 : 2, messageSeconds: quick ? 0.3 : 0.8, log, peers: process.env.BENCH_PEERS?.split(',') })
    : null;
  const zmtp = parts.has('zmtp') ? await runZmtp({ rounds, count: quick ? 10_000 : 100_000, log }) : null;
  const filemq = parts.has('filemq') ? await runFileMq({ rounds, sizeMB: quick ? 20 : 200, log }) : null;
  const browser = parts.has('browser') ? await runBrowser(quick ? { milliseconds: 500, messages: 100, log } : { log }) : null;
  const results: Results = {
    date: new Date().toISOString(),
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      os: `${osType()} ${release()}`,
      node: process.version,
      openssl: process.versions.openssl ?? 'none',
      loadBefore,
      loadAfter: loadavg(),
    },
    settings: { quick, rounds },
    durationSeconds: Math.round((Date.now() - started) / 1000),
    memory,
    heap,
    network,
    zmtp,
    filemq,
    browser,
  };
  const tables = renderTables(results);
  process.stdout.write(tables);
  if (browser) process.stdout.write(renderBrowserTable(browser));
  if (!quick && ALL_PARTS.every((part) => parts.has(part)) && process.env.BENCH_PEERS === undefined) {
    writeFileSync(join(__dirname, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    updateDoc(tables);
  }
  process.exit(0);
}

/** Replaces the "Latest run" section of docs/performance.md with this run's tables. */
function updateDoc(tables: string): void {
  const file = join(__dirname, '..', 'docs', 'performance.md');
  const doc = readFileSync(file, 'utf8');
  const start = '<!-- latest-run:start -->';
  const end = '<!-- latest-run:end -->';
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  if (from < 0 || to < from) return;
  writeFileSync(file, `${doc.slice(0, from + start.length)}\n${tables.trim()}\n${doc.slice(to)}`);
}

main().catch((error: Error) => {
  log(error.stack ?? error.message);
  process.exit(1);
});
