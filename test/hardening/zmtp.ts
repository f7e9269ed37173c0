/**
 * Just enough ZMTP 3.x (RFC 23/37, RFC 25) to put this package's CURVE `Mechanism` on a TCP
 * socket next to real libzmq: the 64-byte greeting, command frames for the handshake and
 * message frames for MESSAGE commands (outer flags 0x00 or 0x02, as libzmq sends them; see
 * shared/reference/curvezmq-wire.md §2-3). For interop tests only.
 */
import type { Socket } from 'node:net';
import type { Mechanism, Step } from '../../src';

const GREETING_SIZE = 64;
const FLAG_MORE = 0x01;
const FLAG_LONG = 0x02;
const FLAG_COMMAND = 0x04;

/** A ZMTP 3.0 greeting for `mechanism`. libzmq ignores as-server; we set it truthfully. */
export function greeting(mechanism: string, asServer: boolean): Buffer {
  const out = Buffer.alloc(GREETING_SIZE);
  out[0] = 0xff;
  out[9] = 0x7f;
  out[10] = 3;
  out[11] = 0;
  out.write(mechanism, 12, 'ascii');
  out[32] = asServer ? 1 : 0;
  return out;
}

/** One frame: flags, then a short (1-byte) or long (8-byte) size, then the body. */
export function frame(body: Uint8Array, options: { command?: boolean; more?: boolean } = {}): Buffer {
  const long = body.length > 255;
  const flags = (options.command ? FLAG_COMMAND : 0) | (options.more ? FLAG_MORE : 0) | (long ? FLAG_LONG : 0);
  const head = Buffer.alloc(long ? 9 : 2);
  head[0] = flags;
  if (long) head.writeBigUInt64BE(BigInt(body.length), 1);
  else head[1] = body.length;
  return Buffer.concat([head, body]);
}

/** A received frame. */
export interface Frame {
  readonly command: boolean;
  readonly more: boolean;
  readonly body: Buffer;
}

/** Reads a peer's greeting, then its frames, from a socket, in order. */
export class ZmtpReader {
  private buffer = Buffer.alloc(0);
  private peerGreeting: Buffer | undefined;
  private readonly frames: Frame[] = [];
  private waiting: (() => void) | undefined;
  private closed = false;

  constructor(socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.parse();
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  /** The peer's greeting. */
  async greeting(): Promise<Buffer> {
    while (this.peerGreeting === undefined) await this.wait();
    return this.peerGreeting;
  }

  /** The next frame. */
  async next(): Promise<Frame> {
    while (this.frames.length === 0) await this.wait();
    return this.frames.shift()!;
  }

  private wait(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the ZMTP peer closed the connection'));
    return new Promise((resolve) => (this.waiting = resolve));
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }

  private parse(): void {
    if (this.peerGreeting === undefined) {
      if (this.buffer.length < GREETING_SIZE) return;
      this.peerGreeting = this.buffer.subarray(0, GREETING_SIZE);
      this.buffer = this.buffer.subarray(GREETING_SIZE);
    }
    for (;;) {
      const flags = this.buffer[0];
      if (flags === undefined) return;
      const long = (flags & FLAG_LONG) !== 0;
      const headSize = long ? 9 : 2;
      if (this.buffer.length < headSize) return;
      const size = long ? Number(this.buffer.readBigUInt64BE(1)) : this.buffer[1]!;
      if (this.buffer.length < headSize + size) return;
      this.frames.push({
        command: (flags & FLAG_COMMAND) !== 0,
        more: (flags & FLAG_MORE) !== 0,
        body: Buffer.from(this.buffer.subarray(headSize, headSize + size)),
      });
      this.buffer = this.buffer.subarray(headSize + size);
    }
  }
}

/**
 * Runs `mechanism`'s handshake over ZMTP command frames: greeting exchange, then commands both
 * ways, answering decisions with `decide`. Resolves with the final step.
 */
export async function zmtpHandshake(
  socket: Socket,
  reader: ZmtpReader,
  mechanism: Mechanism,
  decide: (step: Step) => Step = (step) => step,
): Promise<Step> {
  socket.write(greeting(mechanism.name, mechanism.role === 'server'));
  const peer = await reader.greeting();
  if (peer.subarray(12, 32).toString('ascii').replace(/\0+$/, '') !== mechanism.name) {
    throw new Error(`the peer greets with another mechanism: ${peer.subarray(12, 32).toString('ascii')}`);
  }
  let step = mechanism.start();
  for (;;) {
    for (const blob of step.send) socket.write(frame(blob, { command: true }));
    if (step.auth !== undefined) {
      step = decide(step);
      continue;
    }
    if (step.status !== 'handshaking') return step;
    step = mechanism.receive((await reader.next()).body);
  }
}
