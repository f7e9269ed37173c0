/**
 * Part 3: in-memory CURVE, per crypto backend: full handshakes per second (both sides on this
 * thread), the server's share of a handshake, and MESSAGE encodes and decodes per second at
 * each size. No I/O: this is the ceiling the adapters can reach.
 */
import { CURVE } from '../mechanisms/curve';
import { generateKeyPair, type Mechanism } from '../src';
import { availableBackends, useCryptoBackend, type CryptoBackend } from '../src/crypto';
import { median, now, rate } from './stats';

/** Message sizes measured, in bytes. */
export const MESSAGE_SIZES = [16, 64, 1024, 64 * 1024, 1024 * 1024] as const;

/** One backend's figures (medians over the rounds). */
export interface MemoryFigures {
  backend: string;
  /** Complete handshakes per second, client and server both on one core. */
  handshakesPerSecond: number;
  /** Handshakes per second counting only the server's CPU time. */
  serverHandshakesPerSecond: number;
  /** Per size: encodes/s, decodes/s and the matching payload bytes/s. */
  messages: { size: number; encodesPerSecond: number; decodesPerSecond: number; encodeBytesPerSecond: number; decodeBytesPerSecond: number }[];
}

const serverKeys = generateKeyPair();
const clientKeys = generateKeyPair();
const ALLOW = { status: 200 } as const;

/** Runs one handshake by hand (no promises) and returns the server's CPU seconds. */
function handshake(client: Mechanism, server: Mechanism): number {
  let serverTime = 0;
  const onServer = <T>(fn: () => T): T => {
    const start = now();
    const result = fn();
    serverTime += now() - start;
    return result;
  };
  onServer(() => server.start());
  const hello = client.start().send[0]!;
  const welcome = onServer(() => server.receive(hello)).send[0]!;
  const initiate = client.receive(welcome).send[0]!;
  const ready = onServer(() => {
    const step = server.receive(initiate);
    return step.auth !== undefined ? server.authorize(ALLOW) : step;
  }).send[0]!;
  client.receive(ready);
  if (client.status !== 'ready' || server.status !== 'ready') {
    throw new Error(`handshake failed: ${client.error?.message ?? server.error?.message}`);
  }
  return serverTime;
}

function pair(serverFactory: () => Mechanism): { client: Mechanism; server: Mechanism } {
  const client = CURVE.client({ secretKey: clientKeys.secretKey, serverKey: serverKeys.publicKey });
  const server = serverFactory();
  return { client, server };
}

function measureHandshakes(seconds: number): { total: number; server: number } {
  const serverFactory = CURVE.server({ secretKey: serverKeys.secretKey });
  let count = 0;
  let serverTime = 0;
  const start = now();
  while (now() - start < seconds) {
    const { client, server } = pair(serverFactory);
    serverTime += handshake(client, server);
    client.destroy();
    server.destroy();
    count++;
  }
  return { total: count / (now() - start), server: count / serverTime };
}

function measureMessages(size: number, seconds: number): { encode: number; decode: number } {
  const { client, server } = pair(CURVE.server({ secretKey: serverKeys.secretKey }));
  handshake(client, server);
  const data = new Uint8Array(size).fill(0x61);
  const encode = rate(() => client.encode(data), seconds);
  // Decoding needs fresh, increasing nonces: encode a batch first (at most 64 MiB), time its
  // decoding, repeat until the time is up.
  const batchSize = Math.max(1, Math.min(4096, Math.floor((64 << 20) / (size + 64))));
  let decoded = 0;
  let decodeTime = 0;
  while (decodeTime < seconds) {
    const batch: Uint8Array[] = [];
    for (let i = 0; i < batchSize; i++) batch.push(client.encode(data));
    const start = now();
    for (const blob of batch) server.decode(blob);
    decodeTime += now() - start;
    decoded += batchSize;
  }
  client.destroy();
  server.destroy();
  return { encode, decode: decoded / decodeTime };
}

/**
 * Measures every available backend, `rounds` times, interleaved; returns medians.
 *
 * @param seconds - the time given to each single measurement
 */
export function runMemory(rounds: number, seconds: number, log: (line: string) => void): MemoryFigures[] {
  const backends: CryptoBackend[] = availableBackends();
  const samples = new Map<string, { hs: number[]; server: number[]; enc: number[][]; dec: number[][] }>();
  for (const b of backends) {
    samples.set(b.name, { hs: [], server: [], enc: MESSAGE_SIZES.map(() => []), dec: MESSAGE_SIZES.map(() => []) });
  }
  // Warm-up: compile every path on every backend before anything is recorded.
  for (const backend of backends) {
    useCryptoBackend(backend);
    measureHandshakes(seconds / 2);
    for (const size of MESSAGE_SIZES) measureMessages(size, seconds / 4);
  }
  for (let round = 0; round < rounds; round++) {
    for (const backend of backends) {
      useCryptoBackend(backend);
      const s = samples.get(backend.name)!;
      // tweetnacl handshakes take milliseconds: give them the time to reach a stable count.
      const hs = measureHandshakes(seconds * 2);
      s.hs.push(hs.total);
      s.server.push(hs.server);
      MESSAGE_SIZES.forEach((size, i) => {
        const m = measureMessages(size, seconds);
        s.enc[i]!.push(m.encode);
        s.dec[i]!.push(m.decode);
      });
      log(`  memory round ${round + 1}/${rounds} ${backend.name}: ${hs.total.toFixed(0)} handshakes/s`);
    }
  }
  useCryptoBackend('auto');
  return backends.map((b) => {
    const s = samples.get(b.name)!;
    return {
      backend: b.name,
      handshakesPerSecond: median(s.hs),
      serverHandshakesPerSecond: median(s.server),
      messages: MESSAGE_SIZES.map((size, i) => {
        const enc = median(s.enc[i]!);
        const dec = median(s.dec[i]!);
        return { size, encodesPerSecond: enc, decodesPerSecond: dec, encodeBytesPerSecond: enc * size, decodeBytesPerSecond: dec * size };
      }),
    };
  });
}
