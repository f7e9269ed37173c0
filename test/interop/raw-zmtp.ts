/**
 * A raw ZMTP 3 peer for tests that need to misbehave on the wire (floods, half handshakes,
 * PINGs without reading) where the ZMTP adapter, being correct, cannot: the 64-byte greeting,
 * frames, a reader of the peer's greeting and frames, and a handshake run by the shared
 * handshake driver (src/channel/handshake.ts), so no test carries a handshake loop of its own.
 * Everything here is the production codec of `curvezmq/zmtp`; interop with libzmq itself goes
 * through the adapter (`connectZmtp`, `listenZmtp`), never through this file.
 */
import type { Socket } from 'node:net';
import type { Authorizer, Mechanism } from '../../src';
import { encodeFrame, encodeGreeting, FrameDecoder, GreetingReader, type Greeting } from '../../src/adapters/zmtp';
import { HandshakeDriver, type HandshakeOutcome, type HandshakeState } from '../../src/channel/handshake';

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
  /** The peer's greeting, collected by the adapter's reader; frames after it go to the decoder. */
  private readonly greetingReader = new GreetingReader();
  private readonly decoder = new FrameDecoder();
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
  async greeting(): Promise<Greeting> {
    while (this.greetingReader.greeting === undefined) await this.wait();
    return this.greetingReader.greeting;
  }

  /** The next frame; rejects once the peer closed and every frame was read. */
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
    const rest = this.greetingReader.push(chunk);
    if (this.greetingReader.greeting === undefined) return;
    for (const frame of this.decoder.push(rest)) {
      this.frames.push({ command: frame.command, more: frame.more, body: Buffer.from(frame.body) });
    }
  }
}

/** How a raw handshake ended. */
export interface RawHandshake {
  readonly status: HandshakeState;
  readonly error?: Error;
}

/**
 * Greets, then runs `mechanism`'s handshake over command frames with the handshake driver
 * (`authorizer` for a server mechanism). Resolves when the driver is `ready` or `failed`.
 */
export async function zmtpHandshake(socket: Socket, reader: ZmtpReader, mechanism: Mechanism, authorizer?: Authorizer): Promise<RawHandshake> {
  socket.write(greeting(mechanism.name, mechanism.role === 'server'));
  const { mechanism: name } = await reader.greeting();
  if (name !== mechanism.name) throw new Error(`the peer greets with another mechanism: ${name}`);
  let decided: ((outcome: HandshakeOutcome) => void) | undefined;
  const driver = new HandshakeDriver(mechanism, { authorizer, onDecision: (outcome) => decided?.(outcome) });
  let outcome = driver.start();
  for (;;) {
    for (const blob of outcome.send) socket.write(frame(blob, { command: true }));
    if (outcome.state === 'ready' || outcome.state === 'failed' || outcome.state === 'closed') {
      return { status: outcome.state, error: outcome.error };
    }
    outcome =
      outcome.state === 'deciding'
        ? await new Promise<HandshakeOutcome>((resolve) => (decided = resolve))
        : driver.receive((await reader.next()).body);
  }
}
