/**
 * What every benchmark peer shares: the peer interfaces, the fixed benchmark keys, the sink
 * protocol's header and the clock.
 *
 * @module
 */
import { generateKeyPair, seededRandom, type KeyPair } from '../../src';
import type { TlsCredentials } from './cert';

/** What both processes share: fixed keys (seeded, benchmark only) and the TLS files. */
export interface PeerContext {
  readonly tls: TlsCredentials | undefined;
}

/** A running server of one peer. */
export interface PeerServer {
  /** Where the echo endpoint listens (a TCP port or a ZeroMQ endpoint). */
  readonly echo: string;
  /** Where the sink endpoint listens. */
  readonly sink: string;
  close(): Promise<void>;
}

/** One subject of the comparison. */
export interface Peer {
  readonly name: string;
  /** Why the peer cannot run here (an adapter not written yet, a package missing), if so. */
  unavailable(ctx: PeerContext): string | undefined;
  serve(ctx: PeerContext): Promise<PeerServer>;
  /** Connects, completes the handshake, echoes one byte, closes. */
  echoOnce(address: string, ctx: PeerContext): Promise<void>;
  /** Connects, then times sending `count` messages of `size` bytes until the sink's answer. */
  sendMany(address: string, size: number, count: number, ctx: PeerContext): Promise<number>;
}

// Benchmark-only keys from fixed seeds, so that client and server processes agree.
export const serverKeys: KeyPair = generateKeyPair(seededRandom(1001));
export const clientKeys: KeyPair = generateKeyPair(seededRandom(1002));
export const HOST = '127.0.0.1';
export const ONE = new Uint8Array([1]);

/** What the helpers need of a stream: writes with back-pressure, events, destroy. */
export interface Channel extends NodeJS.EventEmitter {
  write(chunk: Uint8Array): boolean;
  destroy(): unknown;
}

export function header(value: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(BigInt(value));
  return out;
}

export function seconds(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

export type Mechanisms = typeof import('../../mechanisms');

/** Why a peer cannot run here: the loader's first line, or `undefined` when it loads. */
export function loadFailure(load: () => unknown): string | undefined {
  try {
    load();
    return undefined;
  } catch (error) {
    return `not loadable yet: ${(error as Error).message.split('\n')[0]}`;
  }
}
