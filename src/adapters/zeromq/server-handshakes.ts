/**
 * The server's handshakes: each session's handshake driver, from the first command to ready or
 * failed, the session table's timers and evictions, and the events of both. The server hands
 * it HANDSHAKE envelopes; it hands back what to send and which sessions to drop.
 *
 * @module
 */
import type { EventEmitter } from 'node:events';
import type { Authorizer } from '../../auth';
import { HandshakeDriver, type HandshakeOutcome } from '../../channel/handshake';
import type { ChannelLimits } from '../../channel/limits';
import { StateError } from '../../errors';
import type { Mechanism, WireTraits } from '../../mechanism';
import { sessionKey, type Envelope } from './envelope';
import type { ServerEvents, SessionCloseReason } from './server-types';
import { sameRoute, ServerSession } from './session';
import { SessionTable } from './session-table';

/** What the handshakes need of the server. */
export interface HandshakeHost {
  readonly events: EventEmitter<ServerEvents>;
  readonly limits: ChannelLimits;
  readonly wire: WireTraits;
  readonly authorizer: Authorizer;
  makeMechanism(): Mechanism;
  /** Queues a handshake command for the session's route, alone in its ZeroMQ message. */
  send(session: ServerSession, blob: Uint8Array): void;
  /** Removes a session (the server tells the client and emits `session:close`). */
  drop(key: string, reason: SessionCloseReason, error?: Error): void;
  fault(error: unknown): void;
  closed(): boolean;
}

/** Runs every session's handshake through the shared driver. */
export class ServerHandshakes {
  /** Every session, handshaking and ready. */
  readonly table: SessionTable;

  constructor(private readonly host: HandshakeHost) {
    this.table = new SessionTable(host.limits, {
      limit: (which) => host.events.emit('limit', which),
      evict: (session, error) => this.failHandshake(session, session.driver.fail(error).error ?? error),
      expire: (session) => this.guarded(session, () => this.expire(session)),
    });
  }

  /**
   * Runs what a timer or a decision started, outside the reader: whatever escapes it (a
   * throwing event listener) goes to `fault` and fails the session, instead of an uncaught
   * exception or a session left half-done until its timeout.
   */
  private guarded(session: ServerSession, run: () => void): void {
    try {
      run();
    } catch (error) {
      this.host.fault(error);
      this.host.drop(session.key, 'failed', error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Handles one HANDSHAKE envelope (`count`: envelopes in its ZeroMQ message). */
  onHandshake(envelope: Envelope, count: number, route: Buffer[]): void {
    if (count !== 1) return void this.host.events.emit('message:drop', 'several handshake commands in one message');
    const key = sessionKey(envelope.sessionId);
    const session = this.table.get(key);
    if (session === undefined) return this.open(key, envelope, route);
    // A handshake belongs to the route that started it; anything else is dropped untouched,
    // as is a command sent while the authorizer has not answered.
    if (session.driver.state !== 'handshaking' || !sameRoute(session.route, route)) {
      return void this.host.events.emit('message:drop', 'handshake command out of turn');
    }
    this.guarded(session, () => this.follow(session, session.driver.receive(envelope.blob), envelope.blob));
  }

  private open(key: string, envelope: Envelope, route: Buffer[]): void {
    if (this.host.closed()) return; // a HELLO read before the sockets closed: the factory is closed
    // Refused before a session exists: an oversize first command costs nothing to keep.
    if (envelope.blob.length > this.host.wire.maxHandshakeSize) return void this.host.events.emit('message:drop', 'handshake command too large');
    if (this.table.admit() !== undefined) return;
    let session: ServerSession | undefined;
    const driver = new HandshakeDriver(this.host.makeMechanism(), {
      authorizer: this.host.authorizer,
      timeout: this.host.limits.handshakeTimeout,
      maxBlobSize: this.host.wire.maxHandshakeSize,
      onDecision: (outcome) => this.guarded(session!, () => this.follow(session!, outcome)),
    });
    session = new ServerSession(Buffer.from(envelope.sessionId), key, driver, route);
    this.table.add(session);
    const opened = session;
    this.guarded(opened, () => {
      this.follow(opened, driver.start());
      if (driver.state === 'handshaking') this.follow(opened, driver.receive(envelope.blob), envelope.blob);
    });
  }

  /** Sends what a handshake step produced, then completes or fails the session. */
  private follow(session: ServerSession, outcome: HandshakeOutcome, received?: Uint8Array): void {
    if (session.closed) return;
    if (received !== undefined && outcome.state !== 'failed') this.host.events.emit('handshake:receive', session.key, received);
    for (const blob of outcome.send) this.host.send(session, blob);
    if (outcome.state === 'failed') this.failHandshake(session, outcome.error ?? new StateError('the handshake failed'));
    else if (outcome.state === 'ready') {
      this.table.ready(session);
      this.host.events.emit('handshake', outcome.peer ?? session.mechanism.peer!, { sessionId: session.key });
    }
  }

  /** The deadline of a handshake, or the idle time-to-live of a ready session, passed. */
  private expire(session: ServerSession): void {
    if (session.state === 'handshaking') this.follow(session, session.driver.expire());
    else this.host.drop(session.key, 'expired');
  }

  private failHandshake(session: ServerSession, error: Error): void {
    const key = session.key;
    this.host.events.emit('handshakeError', error, { sessionId: key });
    this.host.events.emit('handshake:error', key, error);
    this.host.drop(key, (error as { code?: string }).code === 'ERR_HANDSHAKE_TIMEOUT' ? 'expired' : 'failed', error);
  }
}
