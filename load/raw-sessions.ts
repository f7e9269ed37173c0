/**
 * Many sessions over one raw ZeroMQ Dealer. The ZeroMQ adapter keys sessions by session id, not
 * by connection, so one socket can hold thousands of them: enough for 10,000 idle sessions, or a
 * flood of HELLOs, without thousands of file descriptors. Each session runs a real client
 * `Mechanism`, driven by hand over the adapter's envelopes.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import * as zmq from 'zeromq';
import { defaultRegistry } from '../mechanisms';
import type { Mechanism, Step } from '../src';
import { encodeEnvelope, KIND_HANDSHAKE, parseEnvelope, SESSION_ID_BYTES } from '../src/adapters/zeromq';
import type { CurveSetup } from './setup';

/** A Dealer carrying many hand-driven client sessions. */
export class RawSessions {
  private readonly dealer = new zmq.Dealer({ linger: 0 });
  private readonly sessions = new Map<string, { mechanism: Mechanism; done: (ok: boolean) => void }>();
  /** zeromq.js allows one send in progress per socket: sends wait their turn here. */
  private sending: Promise<void> = Promise.resolve();

  constructor(private readonly setup: CurveSetup) {}

  connect(endpoint: string): void {
    this.dealer.connect(endpoint);
    void this.read();
  }

  /** Runs one full handshake; resolves true when the session is ready. */
  handshake(index: number): Promise<boolean> {
    const id = randomBytes(SESSION_ID_BYTES);
    const mechanism = defaultRegistry.client('CURVE', this.setup.zmqClient(index).mechanismOptions);
    return new Promise<boolean>((resolve) => {
      this.sessions.set(sessionKey(id), { mechanism, done: resolve });
      void this.apply(id, mechanism.start());
    });
  }

  /** Sends a valid HELLO for a new session id and never answers the WELCOME (a half-open handshake). */
  async halfOpen(index: number): Promise<void> {
    const hello = defaultRegistry.client('CURVE', this.setup.zmqClient(index).mechanismOptions).start().send[0]!;
    await this.send(encodeEnvelope(KIND_HANDSHAKE, randomBytes(SESSION_ID_BYTES), hello));
  }

  /** Sends `blob` as a handshake command of a new random session id. */
  async sendHandshake(blob: Uint8Array): Promise<void> {
    await this.send(encodeEnvelope(KIND_HANDSHAKE, randomBytes(SESSION_ID_BYTES), blob));
  }

  /** Client-side sessions still open. */
  get size(): number {
    return this.sessions.size;
  }

  /** Forgets the client side of every session (the server keeps its side), to weigh the server alone. */
  forgetClients(): void {
    for (const session of this.sessions.values()) session.mechanism.destroy();
    this.sessions.clear();
  }

  close(): void {
    for (const session of this.sessions.values()) session.mechanism.destroy();
    this.sessions.clear();
    this.dealer.close();
  }

  private async apply(id: Buffer, step: Step): Promise<void> {
    const key = sessionKey(id);
    for (const blob of step.send) await this.send(encodeEnvelope(KIND_HANDSHAKE, id, blob));
    const session = this.sessions.get(key);
    if (session === undefined) return;
    if (step.status === 'ready') session.done(true);
    if (step.status === 'failed') {
      this.sessions.delete(key);
      session.done(false);
    }
  }

  private send(frame: Buffer): Promise<void> {
    const sent = this.sending.then(() => this.dealer.send(frame));
    this.sending = sent.catch(() => undefined);
    return sent;
  }

  private async read(): Promise<void> {
    try {
      for await (const frames of this.dealer) {
        const envelope = frames.length === 1 ? parseEnvelope(frames[0]!) : undefined;
        if (envelope === undefined || envelope.kind !== KIND_HANDSHAKE) continue;
        const session = this.sessions.get(sessionKey(envelope.sessionId));
        if (session === undefined || session.mechanism.status !== 'handshaking') continue;
        await this.apply(Buffer.from(envelope.sessionId), session.mechanism.receive(envelope.blob));
      }
    } catch {
      // The Dealer was closed.
    }
  }
}

function sessionKey(id: Uint8Array): string {
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex');
}
