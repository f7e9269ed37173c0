/**
 * `npm run load`: load scenarios on real sockets on 127.0.0.1. Each is bounded in count and
 * time and stops by itself; figures are printed, and the run exits 1 only when something was
 * lost, duplicated, reordered or locked out (never because of a speed figure).
 *
 * Environment (defaults in brackets): `LOAD_CLIENTS` [1000], `LOAD_MESSAGES` [100],
 * `LOAD_FLOOD_SECONDS` [10], `LOAD_HALF_OPEN` [2000], `LOAD_IDLE` [10000] ZeroMQ sessions,
 * `LOAD_STREAM_IDLE` [5000] stream connections, `LOAD_ONLY` (comma-separated scenario names:
 * zeromq-echo, stream-echo, zeromq-flood, stream-half-open, zeromq-idle, stream-idle, and the
 * 1,000 concurrent half-open handshakes per adapter: zeromq-half-open-1000, zmtp-half-open-1000,
 * stream-half-open-1000; `LOAD_HALF_OPEN_EACH` [1000] sets their count; and `fleet`:
 * `LOAD_FLEET_CLIENTS` [100] replicas take a snapshot of `LOAD_FLEET_ENTRIES` [10000] entries
 * and follow `LOAD_FLEET_UPDATES` [10000] updates).
 *
 * @module
 */
import { streamEcho } from './stream-echo';
import { streamHalfOpen, zeromqFlood } from './flood';
import { streamIdle, zeromqIdle } from './idle';
import { LIMIT_DEFAULTS } from '../src/channel/limits';
import { formatLag, mib, type HalfOpenFigures } from './measure';
import { formatEcho, zeromqEcho } from './zeromq-echo';
import { halfOpenZeroMq } from './halfopen-zeromq';
import { halfOpenZmtp } from './halfopen-zmtp';
import { halfOpenStream } from './halfopen-stream';
import { fleetLoad, formatFleet } from './fleet';

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} expected a positive integer, got ${raw}`);
  return value;
}

const CLIENTS = envInt('LOAD_CLIENTS', 1_000);
const MESSAGES = envInt('LOAD_MESSAGES', 100);
const FLOOD_SECONDS = envInt('LOAD_FLOOD_SECONDS', 10);
const HALF_OPEN = envInt('LOAD_HALF_OPEN', 2_000);
const IDLE = envInt('LOAD_IDLE', 10_000);
const STREAM_IDLE = envInt('LOAD_STREAM_IDLE', 5_000);
const HALF_OPEN_EACH = envInt('LOAD_HALF_OPEN_EACH', 1_000);
// 100 fleet clients by default: each FleetReplica holds the whole map (about 13 MiB at 10,000
// entries), so 1,000 in one process does not fit this machine (docs/fleet.md, "Load").
const FLEET_CLIENTS = envInt('LOAD_FLEET_CLIENTS', 100);
const FLEET_ENTRIES = envInt('LOAD_FLEET_ENTRIES', 10_000);
const FLEET_UPDATES = envInt('LOAD_FLEET_UPDATES', 10_000);
const ONLY = process.env['LOAD_ONLY']?.split(',').filter((s) => s !== '');


/** Runs one adapter's half-open scenario and prints its figures; a problem only when the server held the wrong number. */
async function halfOpen(name: string, run: (count: number) => Promise<HalfOpenFigures>): Promise<string[]> {
  const r = await run(HALF_OPEN_EACH);
  console.log(
    `${name}: ${r.count} concurrent half-open handshakes, server held ${r.heldByServer}; process rss +${mib(r.rssGrowthBytes)}, ` +
      `arrayBuffers +${mib(r.arrayBuffersGrowthBytes)}; per connection (both ends) ${(r.perConnectionBytes / 1024).toFixed(1)} KiB of rss, ` +
      `${(r.heapPerConnectionBytes / 1024).toFixed(1)} KiB of heap and buffers`,
  );
  // Every server runs with the default maxHandshakes: it must hold that many (or all, if fewer),
  // and never more. Holding fewer means good half-open peers were dropped early.
  const expected = Math.min(r.count, LIMIT_DEFAULTS.maxHandshakes);
  return r.heldByServer === expected ? [] : [`${name}: the server held ${r.heldByServer} handshakes for ${r.count} peers (expected ${expected})`];
}

/** Each scenario prints its figures and returns the problems it found. */
const SCENARIOS: Record<string, () => Promise<string[]>> = {
  'zeromq-echo': async () => {
    const r = await zeromqEcho(CLIENTS, MESSAGES);
    console.log(formatEcho('zeromq-echo', r));
    return r.broken === 0 ? [] : [`zeromq-echo: ${r.broken} client(s) lost, duplicated or reordered messages`];
  },
  'stream-echo': async () => {
    const r = await streamEcho(CLIENTS, MESSAGES);
    console.log(formatEcho('stream-echo', r));
    return r.broken === 0 ? [] : [`stream-echo: ${r.broken} client(s) lost, duplicated or reordered messages`];
  },
  'zeromq-flood': async () => {
    const r = await zeromqFlood(FLOOD_SECONDS);
    console.log(
      `zeromq-flood: ${r.hellosSent} HELLOs (10% garbage) in ${r.seconds.toFixed(1)} s (${Math.round(r.hellosSent / r.seconds)}/s), none continued; ` +
        `good clients in ${r.goodIn} of ${r.goodAttempts} attempts (round trip p50 ${r.goodMsP50.toFixed(0)} ms, p99 ${r.goodMsP99.toFixed(0)} ms); ` +
        `peak sessions ${r.peakSessions}, maxHandshakes evictions or refusals ${r.limitEvents}; heap ${mib(r.heapBefore)} → peak ${mib(r.heapPeak)}; ` +
        `${formatLag(r.lag)}; half-open handshakes gone ${r.recoverySeconds.toFixed(1)} s after the flood, then ${r.afterIn} of ${r.afterTried} good clients got in`,
    );
    const problems: string[] = [];
    if (r.afterIn !== r.afterTried) problems.push(`zeromq-flood: only ${r.afterIn} of ${r.afterTried} good clients got in after the flood`);
    // Ready sessions of good clients stay until they idle out; handshakes are capped at 1,000.
    if (r.peakSessions > 1_000 + r.goodIn + 4) problems.push(`zeromq-flood: ${r.peakSessions} sessions, more than maxHandshakes allows`);
    return problems;
  },
  'stream-half-open': async () => {
    const r = await streamHalfOpen(HALF_OPEN, 100);
    console.log(
      `stream-half-open: ${r.halfOpen} connections sent HELLO and went quiet; good clients in ${r.goodIn} of ${r.goodTried} ` +
        `(round trip p99 ${r.goodMsP99.toFixed(0)} ms); heap ${(r.heapPerHalfOpen / 1024).toFixed(1)} KiB per half-open connection; ${formatLag(r.lag)}`,
    );
    return r.goodIn === r.goodTried ? [] : [`stream-half-open: only ${r.goodIn} of ${r.goodTried} good clients got in`];
  },
  'zeromq-half-open-1000': () => halfOpen('zeromq-half-open-1000', halfOpenZeroMq),
  'zmtp-half-open-1000': () => halfOpen('zmtp-half-open-1000', halfOpenZmtp),
  'stream-half-open-1000': () => halfOpen('stream-half-open-1000', halfOpenStream),
  'zeromq-idle': async () => {
    const r = await zeromqIdle(IDLE);
    console.log(
      `zeromq-idle: ${r.ready} idle CURVE sessions ready (server holds ${r.sessions}); server heap ${mib(r.heapBytes)}, ` +
        `${(r.perSessionBytes / 1024).toFixed(2)} KiB per session`,
    );
    return r.ready === IDLE && r.sessions === IDLE ? [] : [`zeromq-idle: ${r.ready} of ${IDLE} sessions ready, server holds ${r.sessions}`];
  },
  'stream-idle': async () => {
    const r = await streamIdle(STREAM_IDLE);
    console.log(
      `stream-idle: ${r.ready} idle CURVE connections (both ends in this process); heap ${mib(r.heapBytes)}, ` +
        `${(r.perSessionBytes / 1024).toFixed(2)} KiB per connection (client and server side together)`,
    );
    return r.ready === STREAM_IDLE ? [] : [`stream-idle: ${r.ready} of ${STREAM_IDLE} connections ready`];
  },
  fleet: async () => {
    const r = await fleetLoad(FLEET_CLIENTS, FLEET_ENTRIES, FLEET_UPDATES);
    console.log(formatFleet(r));
    return r.broken === 0 ? [] : [`fleet: ${r.broken} client(s) ended with another map than the server's`];
  },
};

async function main(): Promise<number> {
  if ((globalThis as { gc?: unknown }).gc === undefined) console.log('load: run with --expose-gc for settled heap figures');
  const problems: string[] = [];
  for (const [name, run] of Object.entries(SCENARIOS)) {
    if (ONLY !== undefined && !ONLY.includes(name)) continue;
    try {
      problems.push(...(await run()));
    } catch (error) {
      problems.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  for (const problem of problems) console.log(`PROBLEM ${problem}`);
  console.log(`load: ${problems.length === 0 ? 'all scenarios held' : `${problems.length} problem(s)`}`);
  return problems.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
