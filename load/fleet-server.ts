/**
 * The fleet server of the `fleet` load scenario, run in a child process (`load/fleet.ts` forks
 * it) so that its memory is measured apart from the clients'. It takes orders over the IPC
 * channel: fill the map, publish a batch of updates, report memory, stop.
 *
 * The map's content is a function of the entry index and the update number, shared here with
 * the parent, so that the parent knows what every client must end with.
 *
 * @module
 */
import { randomInt } from 'node:crypto';
import { FleetServer } from '../src/adapters/zeromq/fleet';
import { encodeKeyMetadata, keyPath } from '../src/fleet';

/** The group whose keys the map holds (what the clients follow). */
export const DATA_GROUP = 'load';
/** The group whose keys may read the server (the clients' keys). */
export const READER_GROUP = 'readers';

/** The value of entry `index` after update `update` (0 = as filled). */
export function entryValue(index: number, update: number): Uint8Array {
  return encodeKeyMetadata({ name: `svc-${index}-v${update}`, rights: ['read'] });
}

/** The entry update `update` (1-based) rewrites. */
export function entryOf(update: number, entries: number): number {
  return (update - 1) % entries;
}

/** Orders from the parent. */
export type ServerOrder =
  | { readonly type: 'start'; readonly secretKey: string; readonly readers: readonly string[]; readonly keys: readonly string[] }
  | { readonly type: 'publish'; readonly from: number; readonly count: number }
  | { readonly type: 'memory' }
  | { readonly type: 'stop' };

/** Memory of the server process, in bytes (peak rss sampled every 100 ms). */
export interface ServerMemory {
  readonly rss: number;
  readonly heapUsed: number;
  readonly arrayBuffers: number;
  readonly peakRss: number;
  /** CPU time the server process used so far (user + system), in milliseconds. */
  readonly cpuMs: number;
}

/** Replies to the parent. */
export type ServerReply =
  | { readonly type: 'ready'; readonly port: number; readonly sequence: number; readonly fillMs: number }
  | { readonly type: 'published'; readonly sequence: number }
  | { readonly type: 'memory'; readonly memory: ServerMemory; readonly stats: { snapshots: number; undelivered: number; refused: number } }
  | { readonly type: 'stopped' };

async function serve(): Promise<void> {
  let server: (FleetServer & { port: number }) | undefined;
  let keys: readonly string[] = [];
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  const reply = (message: ServerReply) => process.send!(message);
  process.on('message', (order: ServerOrder) => {
    void (async () => {
      switch (order.type) {
        case 'start': {
          keys = order.keys;
          server = await startOnFreePort(order.secretKey);
          const started = Date.now();
          for (const reader of order.readers) await server.set(keyPath(READER_GROUP, reader), encodeKeyMetadata({ rights: ['read'] }));
          for (let i = 0; i < keys.length; i++) await server.set(keyPath(DATA_GROUP, keys[i]!), entryValue(i, 0));
          reply({ type: 'ready', port: server.port, sequence: server.sequence, fillMs: Date.now() - started });
          return;
        }
        case 'publish': {
          for (let u = order.from; u < order.from + order.count; u++) {
            const index = entryOf(u, keys.length);
            await server!.set(keyPath(DATA_GROUP, keys[index]!), entryValue(index, u));
          }
          reply({ type: 'published', sequence: server!.sequence });
          return;
        }
        case 'memory': {
          const gc = (globalThis as { gc?: () => void }).gc;
          gc?.();
          const { rss, heapUsed, arrayBuffers } = process.memoryUsage();
          const cpu = process.cpuUsage();
          const { snapshots, undelivered, refused } = server!.stats;
          reply({ type: 'memory', memory: { rss, heapUsed, arrayBuffers, peakRss, cpuMs: (cpu.user + cpu.system) / 1000 }, stats: { snapshots, undelivered, refused: refused.snapshot + refused.publisher + refused.collector } });
          return;
        }
        case 'stop':
          clearInterval(sampler);
          await server?.close();
          reply({ type: 'stopped' });
          process.disconnect();
      }
    })().catch((error: unknown) => {
      // The parent's deadline would notice; saying why is quicker.
      console.error(error);
      process.exit(1);
    });
  });
}

/**
 * A server on a free base port, with the default `queueLength` (100): a snapshot larger than
 * the queue is paced by the server (`sendSnapshotPart`), which this scenario exercises.
 */
async function startOnFreePort(secretKey: string): Promise<FleetServer & { port: number }> {
  for (let attempt = 0; ; attempt++) {
    const port = randomInt(20_000, 60_000);
    try {
      const server = await FleetServer.start({ port, secretKey, group: READER_GROUP, maxEntries: 1_000_000 });
      return Object.assign(server, { port });
    } catch (error) {
      if (attempt > 20 || (error as { code?: string }).code !== 'EADDRINUSE') throw error;
    }
  }
}

if (require.main === module) void serve();
