/**
 * A raw ZMTP 3.0 peer over TCP, for attacks a zeromq socket would not make: it greets with the
 * NULL mechanism, says READY as a DEALER, then writes whatever frame bytes the test wants and
 * reads the server's messages with a parser that keeps only the frame in progress.
 */
import * as net from 'node:net';

const GREETING = 64;

/** One message frame received from the server (commands are skipped). */
export interface RawFrame {
  readonly more: boolean;
  readonly body: Buffer;
}

/** A connected raw peer, past the ZMTP handshake. */
export interface RawPeer {
  readonly socket: net.Socket;
  /** Sends one single-frame message. */
  send(body: Uint8Array): void;
  /** The next message frame from the server. */
  next(): Promise<RawFrame>;
  /** Resolves when the server closed or reset the connection. */
  readonly closed: Promise<void>;
}

/** The 64-byte ZMTP 3.0 greeting with the NULL mechanism, as a client. */
function greeting(): Buffer {
  const g = Buffer.alloc(GREETING);
  g[0] = 0xff;
  g[9] = 0x7f;
  g[10] = 3;
  g[11] = 0;
  g.write('NULL', 12, 'ascii');
  return g;
}

/** A frame: flags, a 1- or 8-byte length, the body. */
export function frameHeader(size: number, flags = 0): Buffer {
  if (size < 256) return Buffer.of(flags, size);
  const header = Buffer.alloc(9);
  header[0] = flags | 0x02;
  header.writeBigUInt64BE(BigInt(size), 1);
  return header;
}

/** READY with Socket-Type DEALER (RFC 23 metadata: 1-byte name length, 4-byte value length). */
function ready(): Buffer {
  const name = Buffer.from('Socket-Type');
  const value = Buffer.from('DEALER');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(value.length);
  const body = Buffer.concat([Buffer.of(5), Buffer.from('READY'), Buffer.of(name.length), name, length, value]);
  return Buffer.concat([frameHeader(body.length, 0x04), body]);
}

/**
 * Sends the single-frame message `body` `burst` times every `everyMs` until `until` settles:
 * a peer that keeps talking at a steady pace (the written total is returned).
 */
export async function trickle(peer: RawPeer, body: Uint8Array, burst: number, everyMs: number, until: Promise<unknown>): Promise<number> {
  let written = 0;
  const timer = setInterval(() => {
    for (let i = 0; i < burst; i++) peer.send(body);
    written += burst * body.length;
  }, everyMs);
  try {
    await until;
    return written;
  } finally {
    clearInterval(timer);
  }
}

/** Connects to `endpoint` (`tcp://host:port`) and completes the ZMTP handshake as a DEALER. */
export async function connectRaw(endpoint: string): Promise<RawPeer> {
  const { hostname, port } = new URL(endpoint);
  const socket = net.connect(Number(port), hostname);
  socket.on('error', () => undefined); // a reset is how the server drops us: the test checks `closed`
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  let pending: Buffer = Buffer.alloc(0);
  let greeted = false;
  let readied!: () => void;
  const ready$ = new Promise<void>((resolve) => (readied = resolve));
  const frames: RawFrame[] = [];
  const waiters: Array<(frame: RawFrame) => void> = [];
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    if (!greeted) {
      if (pending.length < GREETING) return;
      greeted = true;
      pending = pending.subarray(GREETING);
    }
    for (;;) {
      if (pending.length < 2) return;
      const flags = pending[0]!;
      const long = (flags & 0x02) !== 0;
      const head = long ? 9 : 2;
      if (pending.length < head) return;
      const size = long ? Number(pending.readBigUInt64BE(1)) : pending[1]!;
      if (pending.length < head + size) return;
      const body: Buffer = Buffer.from(pending.subarray(head, head + size));
      pending = pending.subarray(head + size);
      if ((flags & 0x04) !== 0) {
        if (body.subarray(1, 6).toString() === 'READY') readied();
        continue;
      }
      const frame = { more: (flags & 0x01) !== 0, body };
      const waiter = waiters.shift();
      if (waiter) waiter(frame);
      else frames.push(frame);
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.write(greeting());
  socket.write(ready());
  await ready$;
  return {
    socket,
    closed,
    send: (body) => {
      socket.write(frameHeader(body.length));
      socket.write(body);
    },
    next: () => {
      const frame = frames.shift();
      return frame ? Promise.resolve(frame) : new Promise((resolve) => waiters.push(resolve));
    },
  };
}
