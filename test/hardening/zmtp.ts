/**
 * Just enough ZMTP 3.x (RFC 23/37, RFC 25) to put this package's CURVE `Mechanism` on a TCP
 * socket next to real libzmq: the 64-byte greeting, command frames for the handshake and
 * message frames for MESSAGE commands (outer flags 0x00 or 0x02, as libzmq sends them; see
 * RFC 25 and docs/zmtp.md, "What goes on the wire"). For interop tests only: it drives a bare
 * `Mechanism` step by step, over the codec of `curvezmq/zmtp` (src/adapters/zmtp).
 */
import type { Socket } from 'node:net';
import type { Mechanism, Step } from '../../src';
import { encodeFrame, encodeGreeting, FrameDecoder, GREETING_SIZE } from '../../src/adapters/zmtp';

/** A ZMTP 3.0 greeting for `mechanism`. libzmq ignores as-server; we set it truthfully. */
export function greeting(mechanism: string, asServer: boolean): Buffer {
  return Buffer.from(encodeGreeting({ mechanism, asServer, minor: 0 }));
}

/** One frame: flags, then a short (1-byte) or long (8-byte) size, then the body. */
export function frame(body: Uint8Array, options: { command?: boolean; more?: boolean } = {}): Buffer {
  return Buffer.from(encodeFrame(body, options));
}

/** A received frame. */
export interface Frame {
  readonly command: boolean;
  readonly more: boolean;
  readonly body: Buffer;
}

/** Reads a peer's greeting, then its frames, from a socket, in order. */
export class ZmtpReader {
  /** Bytes of the greeting received so far; frames after it go to the decoder. */
  private buffer = Buffer.alloc(0);
  private readonly decoder = new FrameDecoder();
  private peerGreeting: Buffer | undefined;
  private readonly frames: Frame[] = [];
  private waiting: (() => void) | undefined;
  private closed = false;

  constructor(socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.parse(chunk);
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

  private parse(chunk: Buffer): void {
    let rest = chunk;
    if (this.peerGreeting === undefined) {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      if (this.buffer.length < GREETING_SIZE) return;
      this.peerGreeting = this.buffer.subarray(0, GREETING_SIZE);
      rest = this.buffer.subarray(GREETING_SIZE);
    }
    for (const frame of this.decoder.push(rest)) {
      this.frames.push({ command: frame.command, more: frame.more, body: Buffer.from(frame.body) });
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
