/**
 * The test page's script, bundled by esbuild from `curvezmq/browser` as a web app would and run
 * in Chromium by test/browser/chromium*.test.ts and bench/browser.ts. It puts its functions on
 * `globalThis.suite` (and `globalThis.bench`); the tests call them through playwright and check what they return. Keys
 * travel as Z85 or hex strings, results as plain JSON.
 */
import {
  CURVE,
  connectWebSocket,
  connectZws,
  cryptoBackend,
  fromHex,
  isValidPublicKey,
  toHex,
  useCryptoBackend,
  webCryptoX25519,
} from 'curvezmq/browser';
import type { AsyncX25519 } from 'curvezmq/browser';
import { precompute } from '../../src/crypto';

/** A Wycheproof X25519 vector, as the file has it. */
export interface Vector {
  tcId: number;
  private: string;
  public: string;
  shared: string;
}

/** How one backend did on the vectors. */
export interface VectorReport {
  backend: string;
  checked: number;
  /** tcIds whose outcome was not the expected shared secret (or ERR_INVALID_KEY when it is all zero). */
  wrong: number[];
  refused: number;
  /** Low-order points a call did not refuse with ERR_INVALID_KEY, or that isValidPublicKey accepted. */
  lowOrderAccepted: string[];
}

/** What an echo run saw. */
export interface EchoReport {
  serverKey: string;
  sent: number;
  received: number;
  bytes: number;
  /** Indexes of messages that came back different (or out of order). */
  mismatches: number[];
  milliseconds: number;
}

/** The part of a channel the echo run uses: both browser channels have it. */
export interface EchoChannel {
  readonly handshake: Promise<{ publicKeyZ85?: string }>;
  send(parts: Uint8Array[]): void;
  on(event: 'message', listener: (parts: Uint8Array[]) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  close(): Promise<void>;
}

const ALL_ZERO = /^0{64}$/;
const LOW_ORDER_SECRETS = ['5a'.repeat(32), 'ff'.repeat(32)].map(fromHex);

function codeOf(error: unknown): string {
  return (error as { code?: string }).code ?? `unexpected ${String(error)}`;
}

async function outcome(run: () => Uint8Array | Promise<Uint8Array>): Promise<string> {
  try {
    return toHex(await run());
  } catch (error) {
    return codeOf(error);
  }
}

function report(backend: string, vectors: Vector[], results: string[], lowOrderAccepted: string[]): VectorReport {
  return {
    backend,
    checked: vectors.length,
    wrong: vectors.filter((t, i) => results[i] !== (ALL_ZERO.test(t.shared) ? 'ERR_INVALID_KEY' : t.shared)).map((t) => t.tcId),
    refused: results.filter((r) => r === 'ERR_INVALID_KEY').length,
    lowOrderAccepted,
  };
}

/** WebCrypto's X25519 on every vector and low-order point; `undefined` when this browser has none. */
async function webCryptoVectors(vectors: Vector[], lowOrder: string[]): Promise<VectorReport | undefined> {
  const x25519 = await webCryptoX25519();
  if (x25519 === undefined) return undefined;
  const results = await Promise.all(vectors.map((t) => outcome(() => x25519.scalarMult(fromHex(t.private), fromHex(t.public)))));
  const accepted: string[] = [];
  for (const point of lowOrder) {
    for (const secret of LOW_ORDER_SECRETS) {
      if ((await outcome(() => x25519.scalarMult(secret, fromHex(point)))) !== 'ERR_INVALID_KEY') accepted.push(point);
    }
  }
  return report(x25519.name, vectors, results, accepted);
}

/**
 * The synchronous backend the handshakes run on (tweetnacl in a page): its raw X25519, and the
 * façade's refusal (`precompute`, as CURVE calls it) where the secret would be all zero.
 */
function tweetnaclVectors(vectors: Vector[], lowOrder: string[]): VectorReport {
  useCryptoBackend('tweetnacl');
  const backend = cryptoBackend();
  const viaFacade = (secret: Uint8Array, point: Uint8Array): string => {
    try {
      precompute(point, secret);
      return 'accepted';
    } catch (error) {
      return codeOf(error);
    }
  };
  const results = vectors.map((t) => {
    const shared = toHex(backend.scalarMult(fromHex(t.private), fromHex(t.public)));
    return ALL_ZERO.test(shared) ? viaFacade(fromHex(t.private), fromHex(t.public)) : shared;
  });
  const accepted = lowOrder.filter(
    (point) => isValidPublicKey(fromHex(point)) || LOW_ORDER_SECRETS.some((secret) => viaFacade(secret, fromHex(point)) !== 'ERR_INVALID_KEY'),
  );
  return report(backend.name, vectors, results, accepted);
}

/**
 * Message `index` of an echo run: one to three parts, mostly under 4 KiB, with a 1 MiB first
 * part every hundredth message; the bytes depend on the index and the part, so a swap shows.
 */
export function echoMessage(index: number): Uint8Array[] {
  const parts: Uint8Array[] = [];
  for (let j = 0; j <= index % 3; j++) {
    const size = j === 0 && index % 100 === 50 ? 1 << 20 : (index * 131 + j * 977) % 4096;
    const part = new Uint8Array(size);
    for (let k = 0; k < size; k++) part[k] = (index + j * 7 + k) & 0xff;
    parts.push(part);
  }
  return parts;
}

function sameMessage(a: Uint8Array[], b: Uint8Array[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((part, j) => {
    const other = b[j]!;
    if (part.length !== other.length) return false;
    for (let k = 0; k < part.length; k++) if (part[k] !== other[k]) return false;
    return true;
  });
}

/** Sends `count` messages (see {@link echoMessage}) once the handshake is done, and checks each echo. */
export async function echoRun(channel: EchoChannel, count: number): Promise<EchoReport> {
  const peer = await channel.handshake;
  const started = performance.now();
  const mismatches: number[] = [];
  let received = 0;
  let bytes = 0;
  const done = new Promise<void>((resolve, reject) => {
    channel.on('error', reject);
    channel.on('message', (parts) => {
      if (!sameMessage(parts, echoMessage(received))) mismatches.push(received);
      for (const part of parts) bytes += part.length;
      if (++received === count) resolve();
    });
  });
  for (let i = 0; i < count; i++) channel.send(echoMessage(i));
  await done;
  const milliseconds = performance.now() - started;
  await channel.close();
  return { serverKey: peer.publicKeyZ85 ?? '', sent: count, received, bytes, mismatches, milliseconds };
}

/** CURVE over the stream channel to `url`, with the client's secret key and the server's public key in Z85. */
function connectStream(url: string, secretKey: string, serverKey: string, x25519?: AsyncX25519): EchoChannel {
  return connectWebSocket({ url, mechanism: CURVE, mechanismOptions: { secretKey, serverKey, ...(x25519 === undefined ? {} : { x25519 }) } });
}

/** A handshake that should be refused: the code and status it was refused with. */
async function refusal(channel: EchoChannel): Promise<{ code: string; status?: number }> {
  try {
    await channel.handshake;
    return { code: 'accepted' };
  } catch (error) {
    return { code: codeOf(error), status: (error as { status?: number }).status };
  } finally {
    await channel.close();
  }
}

/** Calls `step` back to back for about `milliseconds`: how many calls completed per second. */
async function rate(milliseconds: number, step: () => unknown): Promise<number> {
  const started = performance.now();
  let done = 0;
  while (performance.now() - started < milliseconds) {
    await step();
    done++;
  }
  return (done * 1000) / (performance.now() - started);
}

/** What bench/browser.ts measures in the page. */
export const bench = {
  /** X25519 (one scalar multiplication, the unit of a handshake's cost) per second, on each backend. */
  async x25519(milliseconds: number) {
    const secret = fromHex('5a'.repeat(32));
    const point = fromHex('0900000000000000000000000000000000000000000000000000000000000000');
    const web = await webCryptoX25519();
    useCryptoBackend('tweetnacl');
    const backend = cryptoBackend();
    return {
      tweetnacl: await rate(milliseconds, () => backend.scalarMult(secret, point)),
      webcrypto: web === undefined ? null : await rate(milliseconds, () => web.scalarMult(secret, point)),
    };
  },
  /** CURVE handshakes per second, one after another, each on a new WebSocket that is then closed. */
  handshakes: (milliseconds: number, url: string, secretKey: string, serverKey: string) =>
    rate(milliseconds, async () => {
      const channel = connectStream(url, secretKey, serverKey);
      await channel.handshake;
      await channel.close();
    }),
  /** The same with the client's X25519 on WebCrypto (`x25519` option); null without it. */
  async webCryptoHandshakes(milliseconds: number, url: string, secretKey: string, serverKey: string) {
    const web = await webCryptoX25519();
    if (web === undefined) return null;
    return rate(milliseconds, async () => {
      const channel = connectStream(url, secretKey, serverKey, web);
      await channel.handshake;
      await channel.close();
    });
  },
  /** Messages of `size` bytes echoed per second: the page seals each and opens its echo. */
  async echoes(count: number, size: number, url: string, secretKey: string, serverKey: string) {
    const channel = connectStream(url, secretKey, serverKey);
    await channel.handshake;
    const message = [new Uint8Array(size).fill(7)];
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      let received = 0;
      channel.on('error', reject);
      channel.on('message', () => ++received === count && resolve());
      for (let i = 0; i < count; i++) channel.send(message);
    });
    const perSecond = (count * 1000) / (performance.now() - started);
    await channel.close();
    return perSecond;
  },
};

/**
 * CURVE over ZWS 2.0 to `url`: the echo run when this browser lets the channel open, else the
 * coded error `connectZws` threw and the name of the browser's own error behind it.
 */
async function zws(url: string, secretKey: string, serverKey: string, count: number): Promise<EchoReport | { code: string; cause?: string }> {
  let channel: EchoChannel;
  try {
    channel = connectZws({ url, mechanism: CURVE, mechanismOptions: { secretKey, serverKey } });
  } catch (error) {
    return { code: codeOf(error), cause: ((error as { cause?: Error }).cause)?.name };
  }
  return echoRun(channel, count);
}

/** What the tests call. */
export const suite = {
  zws,
  async vectors(vectors: Vector[], lowOrder: string[]) {
    return { webcrypto: await webCryptoVectors(vectors, lowOrder), tweetnacl: tweetnaclVectors(vectors, lowOrder) };
  },
  echoStream: (url: string, secretKey: string, serverKey: string, count: number) => echoRun(connectStream(url, secretKey, serverKey), count),
  refusedStream: (url: string, secretKey: string, serverKey: string) => refusal(connectStream(url, secretKey, serverKey)),
  /** The same echo with the client's X25519 on the page's WebCrypto; null where it has none. */
  async echoStreamWebCrypto(url: string, secretKey: string, serverKey: string, count: number) {
    const web = await webCryptoX25519();
    return web === undefined ? null : echoRun(connectStream(url, secretKey, serverKey, web), count);
  },
};

Object.assign(globalThis, { suite, bench, ready: true });
