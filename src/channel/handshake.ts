/**
 * The handshake driver: the one loop that runs a mechanism's handshake for every adapter (the
 * stream, ZeroMQ, ZMTP and FileMQ adapters and the in-memory pair). It turns the mechanism's
 * steps into "send these blobs", "a decision is pending", "ready with this peer" or "failed,
 * send this ERROR, then close", and owns what every adapter used to repeat:
 *
 * - the authorizer call, with the verified address added to the request, and every answer
 *   (a throw, a rejection, a malformed value) made a valid decision by {@link decide};
 * - the rule that a decision arriving after the driver was closed or failed is ignored;
 * - a mechanism step that is still computing (`Step.pending`, e.g. X25519 on WebCrypto) is
 *   awaited exactly like a decision: the state is `deciding`, nothing else reaches the
 *   mechanism, the rest of the step comes through `onDecision`, a close, expiry or failure
 *   meanwhile wins (the mechanism wipes the late result), and a rejection fails the handshake
 *   with a coded error;
 * - a mechanism that throws (a bug in it) fails the handshake instead of escaping;
 * - the handshake deadline as data ({@link HandshakeDriver.timeout}): the adapter arms its own
 *   timer and calls {@link HandshakeDriver.expire}, so this file owns no timer and no I/O;
 * - handshake blobs over the mechanism's largest command are refused (`ERR_FRAME_TOO_LARGE`),
 *   a second line behind the adapters, which refuse such a frame from its header alone.
 *
 * Ownership: the driver destroys the mechanism when the handshake fails or is closed before it
 * completed. Once `ready`, the adapter owns the mechanism (to encode and decode) and destroys it.
 *
 * @module
 */
import { decide, type Authorizer } from '../auth';
import { ChannelError, MechanismError, StateError } from '../errors';
import type { AuthDecision, AuthRequest, Mechanism, PeerIdentity, Step } from '../mechanism';

/**
 * Where a handshake is. `deciding`: the authorizer was asked, or the mechanism is computing
 * asynchronously; hold received blobs until `onDecision` brings the rest of the step.
 */
export type HandshakeState = 'handshaking' | 'deciding' | 'ready' | 'failed' | 'closed';

/** What one call produced: what to send, and where the handshake is now. */
export interface HandshakeOutcome {
  /**
   * Blobs for the peer, in order. With `failed` this may be the protocol's ERROR command: send
   * it, let it reach the peer, then close the channel.
   */
  readonly send: readonly Uint8Array[];
  readonly state: HandshakeState;
  /** The authenticated peer, with `ready`. */
  readonly peer?: PeerIdentity;
  /** Why, with `failed`: a `MechanismError` from the mechanism or a `ChannelError` of the channel. */
  readonly error?: Error;
}

/** Options of a {@link HandshakeDriver}. */
export interface HandshakeDriverOptions {
  /** Who may enter; required when the mechanism is a server. */
  readonly authorizer?: Authorizer;
  /** The peer's transport address, added to the authorizer's request; only a verified one. */
  readonly address?: string;
  /** The handshake deadline in milliseconds, for {@link HandshakeDriver.expire}'s message. */
  readonly timeout?: number;
  /** Largest handshake blob accepted (the mechanism's largest command); default no check. */
  readonly maxBlobSize?: number;
  /**
   * Called with the outcome of a decision, once the authorizer has answered, or of an
   * asynchronous mechanism step once it completed, unless the driver was closed or failed
   * meanwhile. Required when the mechanism is a server; a client without it cannot wait for an
   * asynchronous step, which then fails the handshake (`ERR_PROTOCOL`).
   */
  readonly onDecision?: (outcome: HandshakeOutcome) => void;
}

const NOTHING: readonly Uint8Array[] = Object.freeze([]);

/**
 * Drives one mechanism through its handshake. Call {@link start} once, then {@link receive} for
 * each handshake blob from the peer, never while the state is `deciding` (pause reading, or
 * hold the blobs, until {@link HandshakeDriverOptions.onDecision} has run).
 */
export class HandshakeDriver {
  /** The mechanism driven; after `ready` the adapter encodes and decodes with it. */
  readonly mechanism: Mechanism;
  /** The deadline the adapter should arm, in milliseconds (`undefined`: none given). */
  readonly timeout: number | undefined;
  private readonly authorizer: Authorizer | undefined;
  private readonly address: string | undefined;
  private readonly maxBlobSize: number;
  private readonly onDecision: ((outcome: HandshakeOutcome) => void) | undefined;
  private current: HandshakeState = 'handshaking';
  private started = false;
  private failure: Error | undefined;
  /** The asynchronous step being awaited; a settlement of any other one is stale. */
  private awaited: Promise<Step> | undefined;

  /**
   * @throws {@link TypeError} when `mechanism` is not a Mechanism, or a server mechanism comes
   *   without `options.authorizer` or `options.onDecision`
   */
  constructor(mechanism: Mechanism, options: HandshakeDriverOptions = {}) {
    if (typeof mechanism?.start !== 'function' || typeof mechanism.receive !== 'function') {
      throw new TypeError('"mechanism" expected a Mechanism');
    }
    if (mechanism.role === 'server') {
      if (typeof options.authorizer !== 'function') {
        throw new TypeError('"options.authorizer" is required for a server: pass a function deciding who may enter (allowAny() lets everyone in)');
      }
      if (typeof options.onDecision !== 'function') throw new TypeError('"options.onDecision" is required for a server');
    }
    this.mechanism = mechanism;
    this.authorizer = options.authorizer;
    this.address = options.address;
    this.timeout = options.timeout;
    this.maxBlobSize = options.maxBlobSize ?? Infinity;
    this.onDecision = options.onDecision;
  }

  /** Where the handshake is. */
  get state(): HandshakeState {
    return this.current;
  }

  /** The authenticated peer, once `ready`. */
  get peer(): PeerIdentity | undefined {
    return this.current === 'ready' ? this.mechanism.peer : undefined;
  }

  /** Why the handshake failed, once `failed`. */
  get error(): Error | undefined {
    return this.failure;
  }

  /** True while the handshake is neither complete nor over. */
  get pending(): boolean {
    return this.current === 'handshaking' || this.current === 'deciding';
  }

  /**
   * Starts the mechanism; a client's outcome holds its first blob.
   *
   * @throws {@link StateError} when called twice
   */
  start(): HandshakeOutcome {
    if (this.started) throw new StateError('the handshake was already started');
    this.started = true;
    return this.step(() => this.mechanism.start());
  }

  /**
   * Processes one handshake blob from the peer.
   *
   * @throws {@link StateError} before {@link start}, while `deciding`, or once the handshake is
   *   over (the adapter must hold or drop blobs then)
   */
  receive(blob: Uint8Array): HandshakeOutcome {
    if (!this.started) throw new StateError('receive() before start()');
    if (this.current !== 'handshaking') throw new StateError(`receive() not allowed while ${this.current}`);
    if (blob.length > this.maxBlobSize) {
      return this.fail(new ChannelError('ERR_FRAME_TOO_LARGE', `a handshake command of ${blob.length} bytes exceeds the mechanism's largest, ${this.maxBlobSize}`));
    }
    return this.step(() => this.mechanism.receive(blob));
  }

  /**
   * Fails the handshake for a reason of the channel's (the peer left, an abort, a frame too
   * large): the mechanism is destroyed and a pending decision will be ignored. Nothing to send.
   * Once the handshake is over this changes nothing and returns the state as it is.
   */
  fail(error: Error): HandshakeOutcome {
    if (!this.pending) return { send: NOTHING, state: this.current, ...(this.failure ? { error: this.failure } : {}) };
    this.current = 'failed';
    this.failure = error;
    this.mechanism.destroy();
    return { send: NOTHING, state: 'failed', error };
  }

  /** The deadline passed: fails with `ERR_HANDSHAKE_TIMEOUT` (see {@link fail}). */
  expire(): HandshakeOutcome {
    const within = this.timeout === undefined ? '' : ` in ${this.timeout} ms`;
    return this.fail(new ChannelError('ERR_HANDSHAKE_TIMEOUT', `the handshake did not complete${within}`));
  }

  /**
   * Stops the driver: a pending decision is then ignored, and a mechanism that is not ready is
   * destroyed. A ready mechanism is left to the adapter. Idempotent.
   */
  close(): void {
    if (!this.pending) return;
    this.current = 'closed';
    this.mechanism.destroy();
  }

  /** Takes one mechanism step and follows it; a throwing mechanism fails the handshake. */
  private step(run: () => Step): HandshakeOutcome {
    let step: Step;
    try {
      step = run();
    } catch (error) {
      return this.fail(error instanceof Error ? error : new Error(String(error)));
    }
    return this.follow(step);
  }

  private follow(step: Step): HandshakeOutcome {
    if (step.pending !== undefined) return this.awaitStep(step);
    if (step.auth !== undefined) {
      this.current = 'deciding';
      this.ask(step.auth);
      return { send: step.send, state: 'deciding' };
    }
    if (step.status === 'failed') {
      const error = step.error ?? new StateError('the mechanism failed without an error');
      this.current = 'failed';
      this.failure = error;
      this.mechanism.destroy();
      return { send: step.send, state: 'failed', error };
    }
    if (step.status === 'ready') {
      this.current = 'ready';
      return { send: step.send, state: 'ready', peer: this.mechanism.peer! };
    }
    return { send: step.send, state: 'handshaking' };
  }

  /** Waits for a step still computing; the rest of it comes through `onDecision`. */
  private awaitStep(step: Step): HandshakeOutcome {
    const pending = step.pending!;
    if (this.onDecision === undefined) {
      // The mechanism wipes the late result once destroyed; the rejection is expected then.
      pending.catch(() => undefined);
      const error = new ChannelError('ERR_PROTOCOL', 'this channel cannot wait for an asynchronous mechanism step');
      const outcome = this.fail(error);
      return { ...outcome, send: step.send };
    }
    this.current = 'deciding';
    this.awaited = pending;
    pending.then(
      (next) => this.stepped(pending, () => this.follow(next)),
      (error: unknown) => this.stepped(pending, () => this.fail(codedError(error))),
    );
    return { send: step.send, state: 'deciding' };
  }

  private stepped(pending: Promise<Step>, next: () => HandshakeOutcome): void {
    if (this.current !== 'deciding' || this.awaited !== pending) return; // closed or failed meanwhile: too late
    this.awaited = undefined;
    this.current = 'handshaking';
    this.onDecision!(next());
  }

  /** Asks the authorizer; its answer goes on only while the driver still waits for it. */
  private ask(request: AuthRequest): void {
    const withAddress = this.address === undefined ? request : { ...request, address: this.address };
    void decide(this.authorizer!, withAddress).then((decision) => this.decided(decision));
  }

  private decided(decision: AuthDecision): void {
    if (this.current !== 'deciding') return; // closed or failed meanwhile: too late
    this.current = 'handshaking';
    this.onDecision!(this.step(() => this.mechanism.authorize(decision)));
  }
}

/** A rejected asynchronous step as a coded error: a coded one is kept, anything else wrapped. */
function codedError(error: unknown): Error {
  if (error instanceof MechanismError || error instanceof ChannelError) return error;
  return new MechanismError('ERR_KEY_EXCHANGE', 'the mechanism\'s asynchronous step failed', { cause: error });
}
