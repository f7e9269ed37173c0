/**
 * `node --require ./bench/register.js bench/profile-worker-seal.ts [SIZE] [SECONDS]`: does
 * sealing large messages on worker threads beat sealing them on the JavaScript thread, on this
 * machine? Issue 18 asked before building a pool into the stream adapter.
 *
 * Three ways to seal a stream of SIZE-byte messages (default 64 KiB) with XSalsa20-Poly1305
 * (sodium-native, as the adapter's fastest backend), in order, for SECONDS each, interleaved
 * over three rounds:
 * - inline: on this thread, into a fresh buffer per message, as the adapter does;
 * - 1 worker / 2 workers: each message's buffer is transferred (not copied) to a worker, which
 *   seals it in place and transfers it back; up to 4 messages are in flight per worker, and
 *   results are taken in order, as a stream adapter would have to.
 * It prints messages per second and the process's CPU time per message (all threads). A pool
 * wins only if its rate beats inline's with the other side of a connection also needing a core.
 */
import { Worker } from 'node:worker_threads';
import { median } from './stats';

const SIZE = Number(process.argv[2] ?? 65536);
const SECONDS = Number(process.argv[3] ?? 1);
const IN_FLIGHT = 4;
const TAG = 16;

interface SodiumSeal {
  crypto_secretbox_easy(c: Uint8Array, m: Uint8Array, n: Uint8Array, k: Uint8Array): void;
}

// Benchmark-only key and nonce: what is measured is the cost of moving work to a thread.
const key = new Uint8Array(32).fill(7);
const nonce = new Uint8Array(24);

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const sodium = require(workerData.sodium);
const key = new Uint8Array(workerData.key);
parentPort.on('message', ({ buffer, nonce }) => {
  const frame = new Uint8Array(buffer);
  // In place: the plaintext lies at 16, the box takes its place from 0.
  sodium.crypto_secretbox_easy(frame, frame.subarray(16), new Uint8Array(nonce), key);
  parentPort.postMessage(buffer, [buffer]);
});
`;

function sodium(): SodiumSeal {
  return require('sodium-native') as SodiumSeal;
}

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** Seals on this thread for `seconds`; returns messages/s and CPU µs per message. */
function inline(data: Uint8Array, seconds: number): { rate: number; cpu: number } {
  const seal = sodium().crypto_secretbox_easy;
  const cpu0 = cpuMicros();
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(seconds * 1e9));
  let count = 0;
  while (process.hrtime.bigint() < end) {
    const frame = new Uint8Array(data.length + TAG);
    frame.set(data, TAG);
    seal(frame, frame.subarray(TAG), nonce, key);
    count++;
  }
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  return { rate: count / elapsed, cpu: (cpuMicros() - cpu0) / count };
}

/** Seals on `workers` for `seconds`, in order, IN_FLIGHT per worker. */
async function pooled(workers: Worker[], data: Uint8Array, seconds: number): Promise<{ rate: number; cpu: number }> {
  const cpu0 = cpuMicros();
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(seconds * 1e9));
  let sent = 0;
  let done = 0;
  // Results come back per worker in the order sent to it; taking them round-robin keeps the
  // stream's order.
  const queues = workers.map(() => [] as ((buffer: ArrayBuffer) => void)[]);
  workers.forEach((worker, i) => worker.on('message', (buffer: ArrayBuffer) => queues[i]!.shift()!(buffer)));
  await new Promise<void>((resolve) => {
    const pump = (): void => {
      while (sent - done < IN_FLIGHT * workers.length && process.hrtime.bigint() < end) {
        const frame = new Uint8Array(data.length + TAG);
        frame.set(data, TAG);
        const index = sent % workers.length;
        queues[index]!.push(() => {
          done++;
          if (done === sent && process.hrtime.bigint() >= end) resolve();
          else pump();
        });
        workers[index]!.postMessage({ buffer: frame.buffer, nonce: nonce.slice().buffer }, [frame.buffer]);
        sent++;
      }
    };
    pump();
  });
  workers.forEach((worker) => worker.removeAllListeners('message'));
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  return { rate: done / elapsed, cpu: (cpuMicros() - cpu0) / done };
}

async function main(): Promise<void> {
  const data = new Uint8Array(SIZE).fill(0x61);
  const spawn = () => new Worker(WORKER_SOURCE, { eval: true, workerData: { sodium: require.resolve('sodium-native'), key: key.slice().buffer } });
  const one = [spawn()];
  const two = [spawn(), spawn()];
  const rows: Record<string, { rate: number[]; cpu: number[] }> = { inline: { rate: [], cpu: [] }, '1 worker': { rate: [], cpu: [] }, '2 workers': { rate: [], cpu: [] } };
  const add = (name: string, figure: { rate: number; cpu: number }) => (rows[name]!.rate.push(figure.rate), rows[name]!.cpu.push(figure.cpu));
  inline(data, 0.2); // warm-up
  await pooled(one, data, 0.2);
  await pooled(two, data, 0.2);
  for (let round = 0; round < 3; round++) {
    add('inline', inline(data, SECONDS));
    add('1 worker', await pooled(one, data, SECONDS));
    add('2 workers', await pooled(two, data, SECONDS));
  }
  const base = median(rows.inline!.rate);
  for (const [name, row] of Object.entries(rows)) {
    const rate = median(row.rate);
    process.stdout.write(`${name.padEnd(10)} ${rate.toFixed(0).padStart(7)} messages/s of ${SIZE} B  ${(rate / base).toFixed(2)}× inline  CPU ${median(row.cpu).toFixed(1)} µs per message\n`);
  }
  await Promise.all([...one, ...two].map((worker) => worker.terminate()));
}

void main();
