/**
 * `fleet` load scenario (issue 17): N clients ({@link FleetReplica}s, all in this process on
 * zeromq's one global context) take a snapshot of E entries from a fleet server in a child
 * process (`fleet-server.ts`), then follow U updates. Figures: each client's snapshot time
 * (p50, max), the update rate every client followed, the server's rss and heap, CPU of both
 * processes. A client that ends with another map than the server's is counted as broken.
 *
 * Updates are published in batches of {@link BATCH}, each once every client has applied the
 * one before: a PUB drops what a subscriber's queue (`queueLength`, 100 by default) cannot
 * hold, and RFC 12 has no recovery for a missed update short of a new snapshot, so a publisher
 * faster than its slowest follower loses updates by design. The rate measured is the one that
 * every follower keeps up with.
 *
 * @module
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as zmq from 'zeromq';
import { FleetReplica } from '../src/adapters/zeromq/fleet';
import { equalBytes } from '../src/bytes';
import { keyPath } from '../src/fleet';
import { curveKeyPair } from '../src/keys';
import { z85Encode } from '../src/z85';
import { DATA_GROUP, entryValue, type ServerMemory, type ServerOrder, type ServerReply } from './fleet-server';
import { mib, percentile, since, withDeadline } from './measure';

/** Updates published per batch: under the PUB's per-subscriber queue (100), so none is dropped. */
export const BATCH = 50;
/** Distinct client keys (reused modulo; libzmq's CURVE lets one key connect many times). */
const READER_KEYS = 64;

/** What the scenario measured. */
export interface FleetFigures {
  readonly clients: number;
  readonly entries: number;
  readonly updates: number;
  /** Milliseconds from a client's start to its first snapshot applied. */
  readonly snapshotMs: { readonly p50: number; readonly max: number };
  /** Seconds until every client held its snapshot. */
  readonly snapshotSeconds: number;
  /** Seconds from the first update published to the last one applied by every client. */
  readonly updateSeconds: number;
  /** Server memory: after filling the map, after every snapshot, after every update. */
  readonly server: { readonly filled: ServerMemory; readonly snapshots: ServerMemory; readonly updated: ServerMemory };
  /** Snapshots the server sent (more than `clients` when some were retaken), abandoned, refused handshakes. */
  readonly serverStats: { readonly snapshots: number; readonly undelivered: number; readonly refused: number };
  /** This process (the clients): rss after every snapshot, CPU milliseconds over the run. */
  readonly clientRss: number;
  readonly clientCpuMs: number;
  /** Times a client found the server quiet and took a new snapshot. */
  readonly resyncs: number;
  /** Clients whose final map differs from the server's. */
  readonly broken: number;
}

/** Talks to the server child: one order, one reply, in turn. */
class ServerChild {
  private readonly child = fork(path.join(__dirname, 'fleet-server.js'), [], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  private readonly exited = once(this.child, 'exit');

  async ask<T extends ServerReply['type']>(order: ServerOrder, expect: T, ms: number): Promise<Extract<ServerReply, { type: T }>> {
    const reply = once(this.child, 'message').then(([message]) => message as ServerReply);
    const died = this.exited.then(([code]) => Promise.reject(new Error(`the fleet server exited (${String(code)})`)));
    this.child.send(order);
    const message = await withDeadline(Promise.race([reply, died]), ms, `fleet server: ${order.type}`);
    if (message.type !== expect) throw new Error(`fleet server: expected ${expect}, got ${message.type}`);
    return message as Extract<ServerReply, { type: T }>;
  }

  async memory(): Promise<{ memory: ServerMemory; stats: FleetFigures['serverStats'] }> {
    return this.ask({ type: 'memory' }, 'memory', 10_000);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    await this.ask({ type: 'stop' }, 'stopped', 10_000).catch(() => this.child.kill());
    await this.exited;
  }
}

/** Runs the scenario. */
export async function fleetLoad(clients: number, entries: number, updates: number): Promise<FleetFigures> {
  const serverKeys = curveKeyPair();
  const readers = Array.from({ length: Math.min(READER_KEYS, clients) }, () => curveKeyPair());
  const keys = Array.from({ length: entries }, () => z85Encode(randomBytes(32)));
  const server = new ServerChild();
  const replicas: FleetReplica[] = [];
  // Two sockets per client while it takes a snapshot; libzmq's default cap is 1,023.
  zmq.context.maxSockets = Math.max(zmq.context.maxSockets, 2 * clients + 64);
  const cpuStart = process.cpuUsage();
  try {
    const start = { type: 'start', secretKey: serverKeys.secretKey, readers: readers.map((r) => r.publicKey), keys } as const;
    const { port } = await server.ask(start, 'ready', 60_000 + entries);
    const filled = (await server.memory()).memory;

    // Snapshots: every client starts at once and asks for the group's 10,000 entries.
    const snapshotMs: number[] = [];
    let resyncs = 0;
    const begun = performance.now();
    for (let i = 0; i < clients; i++) {
      const started = performance.now();
      const replica = FleetReplica.start({ port, serverKey: serverKeys.publicKey, secretKey: readers[i % readers.length]!.secretKey, group: DATA_GROUP });
      replica.events.on('resync', () => resyncs++);
      void replica.ready.then(() => snapshotMs.push(since(started)), () => undefined);
      replicas.push(replica);
    }
    // Bounded: 2 minutes, plus 50 µs per entry delivered (about 10 times what was measured).
    await withDeadline(Promise.all(replicas.map((r) => r.ready)), 120_000 + clients * entries * 0.05, 'fleet snapshots');
    const snapshotSeconds = since(begun) / 1000;
    const afterSnapshots = await server.memory();
    const clientRss = process.memoryUsage().rss;

    // Updates, in batches that every client applies before the next is published.
    const updateBegun = performance.now();
    for (let from = 1; from <= updates; from += BATCH) {
      const count = Math.min(BATCH, updates - from + 1);
      const { sequence } = await server.ask({ type: 'publish', from, count }, 'published', 60_000);
      await withDeadline(allReach(replicas, sequence), 60_000, `fleet updates ${from}-${from + count - 1}`);
    }
    const updateSeconds = since(updateBegun) / 1000;
    const after = await server.memory();
    const cpu = process.cpuUsage(cpuStart);
    return {
      clients,
      entries,
      updates,
      snapshotMs: { p50: percentile(snapshotMs, 50), max: Math.max(...snapshotMs) },
      snapshotSeconds,
      updateSeconds,
      server: { filled, snapshots: afterSnapshots.memory, updated: after.memory },
      serverStats: after.stats,
      clientRss,
      clientCpuMs: (cpu.user + cpu.system) / 1000,
      resyncs,
      broken: countBroken(replicas, keys, updates),
    };
  } finally {
    await Promise.all(replicas.map((r) => r.close()));
    await server.stop();
  }
}

/** Resolves once every replica has applied `sequence` (by an update, or a snapshot after a resync). */
function allReach(replicas: readonly FleetReplica[], sequence: number): Promise<void> {
  return new Promise((resolve) => {
    let behind = 0;
    const listeners: Array<() => void> = [];
    const finish = () => {
      replicas.forEach((replica, i) => {
        replica.events.off('update', listeners[i]!);
        replica.events.off('snapshot', listeners[i]!);
      });
      resolve();
    };
    replicas.forEach((replica, i) => {
      let done = replica.sequence >= sequence;
      if (!done) behind++;
      const check = () => {
        if (done || replica.sequence < sequence) return;
        done = true;
        if (--behind === 0) finish();
      };
      listeners[i] = check;
      replica.events.on('update', check);
      replica.events.on('snapshot', check);
    });
    if (behind === 0) finish();
  });
}

/** Clients whose map is not exactly the server's after `updates`. */
function countBroken(replicas: readonly FleetReplica[], keys: readonly string[], updates: number): number {
  // The last update that rewrote entry i is i + 1 + E * k, the largest such number <= updates.
  const expected = keys.map((_, i) => entryValue(i, i + 1 > updates ? 0 : i + 1 + keys.length * Math.floor((updates - i - 1) / keys.length)));
  let broken = 0;
  for (const replica of replicas) {
    const good = replica.size === keys.length && keys.every((key, i) => {
      const entry = replica.get(keyPath(DATA_GROUP, key));
      return entry !== undefined && equalBytes(entry.value, expected[i]!);
    });
    if (!good) broken++;
  }
  return broken;
}

/** The scenario's line of figures. */
export function formatFleet(r: FleetFigures): string {
  const memory = (m: ServerMemory) => `rss ${mib(m.rss)} (peak ${mib(m.peakRss)}), heap ${mib(m.heapUsed)}, arrayBuffers ${mib(m.arrayBuffers)}`;
  return (
    `fleet: ${r.clients} clients took a snapshot of ${r.entries} entries in ${r.snapshotSeconds.toFixed(1)} s ` +
      `(per client p50 ${(r.snapshotMs.p50 / 1000).toFixed(1)} s, max ${(r.snapshotMs.max / 1000).toFixed(1)} s; ` +
      `${Math.round((r.clients * r.entries) / r.snapshotSeconds)} entries/s delivered), then followed ${r.updates} updates in ${r.updateSeconds.toFixed(1)} s ` +
      `(${Math.round(r.updates / r.updateSeconds)} updates/s, ${Math.round((r.updates * r.clients) / r.updateSeconds)} applied/s, batches of ${BATCH}); ` +
      `server after fill: ${memory(r.server.filled)}; after snapshots: ${memory(r.server.snapshots)}; after updates: ${memory(r.server.updated)}, ` +
      `CPU ${(r.server.updated.cpuMs / 1000).toFixed(1)} s; snapshots sent ${r.serverStats.snapshots}, abandoned ${r.serverStats.undelivered}, refused ${r.serverStats.refused}; ` +
      `clients' process rss ${mib(r.clientRss)}, CPU ${(r.clientCpuMs / 1000).toFixed(1)} s; resyncs ${r.resyncs}; broken ${r.broken}`
  );
}

/** Runs the scenario alone: `node .tmp/load/load/fleet.js [clients] [entries] [updates]`. */
if (require.main === module) {
  const [clients = 1_000, entries = 10_000, updates = 10_000] = process.argv.slice(2).map(Number);
  fleetLoad(clients, entries, updates).then(
    (r) => {
      console.log(formatFleet(r));
      process.exit(r.broken === 0 ? 0 : 1);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(2);
    },
  );
}
