/**
 * In-memory measurements of CURVE on the active crypto backend: complete handshakes (both sides
 * on this thread, driven by hand, no promises) and MESSAGE encodes and decodes. No I/O: this is
 * the ceiling an adapter can reach. `curvezmq bench` prints them; `npm run bench` (part 3)
 * records them beside the network figures.
 *
 * @module
 */
import { CURVE } from '../mechanisms/curve';
import { generateKeyPair, type Mechanism, type TunedCodec } from '../src';

/** Seconds since an arbitrary origin, with nanosecond resolution. */
export function now(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Calls `fn` in batches until `seconds` have passed and returns calls per second. The batch
 * grows so the clock is read rarely for fast functions.
 */
export function rate(fn: () => void, seconds: number): number {
  let calls = 0;
  let batch = 1;
  const start = now();
  let elapsed = 0;
  while (elapsed < seconds) {
    for (let i = 0; i < batch; i++) fn();
    calls += batch;
    elapsed = now() - start;
    if (elapsed < seconds / 20) batch *= 2;
  }
  return calls / elapsed;
}

const serverKeys = generateKeyPair();
const clientKeys = generateKeyPair();
const ALLOW = { status: 200 } as const;

function newClient(): Mechanism {
  return CURVE.client({ secretKey: clientKeys.secretKey, serverKey: serverKeys.publicKey });
}

/**
 * Runs one CURVE handshake by hand (no promises, the decision 200) and returns the server's
 * share of the time, in seconds.
 *
 * @throws {@link Error} when either side is not ready at the end
 */
export function handshakeByHand(client: Mechanism, server: Mechanism): number {
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

/** Handshakes per second, and per second of the server's own time, over `seconds`. */
export function measureHandshakes(seconds: number): { total: number; server: number } {
  const sessions = CURVE.server({ secretKey: serverKeys.secretKey });
  let count = 0;
  let serverTime = 0;
  const start = now();
  while (now() - start < seconds) {
    const client = newClient();
    const server = sessions();
    serverTime += handshakeByHand(client, server);
    client.destroy();
    server.destroy();
    count++;
  }
  return { total: count / (now() - start), server: count / serverTime };
}

/** MESSAGE rates of one size, per second. */
export interface MessageRates {
  readonly encode: number;
  /** `decode(blob)`: opens into a new buffer, leaving the blob untouched. */
  readonly decode: number;
  /** `decode(blob, { inPlace: true })`: opens where the ciphertext was, as the adapters do. */
  readonly decodeInPlace: number;
}

/** A CURVE client and server session, their handshake done: ready to encode and decode. */
export function readyPair(): { client: Mechanism; server: Mechanism } {
  const client = newClient();
  const server = CURVE.server({ secretKey: serverKeys.secretKey })();
  handshakeByHand(client, server);
  return { client, server };
}

/** MESSAGE encodes and decodes per second of `size`-byte parts, each over about `seconds`. */
export function measureMessages(size: number, seconds: number): MessageRates {
  const { client, server } = readyPair();
  const data = new Uint8Array(size).fill(0x61);
  const encode = rate(() => client.encode(data), seconds);
  const decode = decodeRate(client, server, data, seconds, false);
  const decodeInPlace = decodeRate(client, server, data, seconds, true);
  client.destroy();
  server.destroy();
  return { encode, decode, decodeInPlace };
}

/**
 * Decodes per second. Decoding needs fresh, increasing nonces: encode a batch first (at most
 * 64 MiB), time its decoding, repeat until the time is up.
 */
function decodeRate(client: Mechanism, server: Mechanism, data: Uint8Array, seconds: number, inPlace: boolean): number {
  const batchSize = Math.max(1, Math.min(4096, Math.floor((64 << 20) / (data.length + 64))));
  const options = { inPlace };
  let decoded = 0;
  let decodeTime = 0;
  while (decodeTime < seconds) {
    const batch: Uint8Array[] = [];
    for (let i = 0; i < batchSize; i++) batch.push(client.encode(data));
    const start = now();
    for (const blob of batch) (server as TunedCodec).decode(blob, options);
    decodeTime += now() - start;
    decoded += batchSize;
  }
  return decoded / decodeTime;
}
