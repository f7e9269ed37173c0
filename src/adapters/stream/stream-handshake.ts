/**
 * A secure stream's handshake: the shared {@link HandshakeDriver} runs it; this file turns its
 * outcomes into what the stream does (send, pause for a decision, fail, become secure) and
 * keeps the stream's `handshake` promise.
 *
 * @module
 */
import type { Authorizer } from '../../auth';
import { HandshakeDriver, type HandshakeOutcome } from '../../channel/handshake';
import { ChannelError, StateError } from '../../errors';
import type { Mechanism, PeerIdentity } from '../../mechanism';

/** What the handshake asks of its stream. */
export interface HandshakeHost {
  /** Sends one handshake blob. */
  sendFrame(blob: Uint8Array): void;
  /** A decision is pending: stop reading until {@link decided}. */
  awaitDecision(): void;
  /** The decision came and was followed: handle held frames and read again. */
  decided(): void;
  /** The handshake failed; `linger`: an ERROR reply was sent, let it reach the peer. */
  failed(error: Error, linger: boolean): void;
  /** The peer is authenticated. */
  secured(peer: PeerIdentity): void;
}

/** Options of a {@link StreamHandshake}. */
export interface StreamHandshakeOptions {
  readonly authorizer?: Authorizer | undefined;
  readonly address?: string | undefined;
  readonly timeout: number;
  readonly maxBlobSize: number;
}

const ignore = (): void => undefined;

/** One stream's handshake, from `start()` to ready or failed. */
export class StreamHandshake {
  private readonly host: HandshakeHost;
  /** Dropped once the handshake is over (a ready stream needs none of it). */
  private driver: HandshakeDriver | undefined;
  /** The `handshake` promise, made when first asked for, and how to settle it while pending. */
  private promise: Promise<PeerIdentity> | undefined;
  private settle: { resolve: (peer: PeerIdentity) => void; reject: (error: Error) => void } | undefined;
  private peer: PeerIdentity | undefined;
  /** Set when the stream was destroyed before the handshake completed: the error, or null. */
  private failure: Error | null | undefined;

  /** @throws {@link TypeError} for a server session without `options.authorizer` */
  constructor(session: Mechanism, options: StreamHandshakeOptions, host: HandshakeHost) {
    this.host = host;
    this.driver = new HandshakeDriver(session, {
      ...(options.authorizer === undefined ? {} : { authorizer: options.authorizer }),
      ...(options.address === undefined ? {} : { address: options.address }),
      timeout: options.timeout,
      maxBlobSize: options.maxBlobSize,
      onDecision: (outcome) => this.onDecision(outcome),
    });
  }

  /** True while the authorizer is deciding. */
  get deciding(): boolean {
    return this.driver?.state === 'deciding';
  }

  /** True once someone asked for the {@link promised} promise. */
  get watched(): boolean {
    return this.promise !== undefined;
  }

  /**
   * Starts the mechanism; the outcome is for {@link proceed}, once the stream is wired.
   *
   * @throws {@link StateError} for a session that was already started (caller misuse)
   */
  begin(): HandshakeOutcome {
    const outcome = this.driver!.start();
    if (outcome.error instanceof StateError) {
      this.driver = undefined;
      throw outcome.error;
    }
    return outcome;
  }

  /** Follows the outcome of {@link begin}. */
  proceed(outcome: HandshakeOutcome): void {
    this.follow(outcome);
  }

  /** One handshake frame from the peer (never while {@link deciding}). */
  receive(frame: Uint8Array): void {
    this.follow(this.driver!.receive(frame));
  }

  /** The deadline passed. */
  expire(): void {
    if (this.driver !== undefined) this.follow(this.driver.expire());
  }

  /**
   * The `handshake` promise: made when first asked for, always the same, never an unhandled
   * rejection.
   */
  promised(): Promise<PeerIdentity> {
    if (this.promise === undefined) {
      if (this.peer !== undefined) {
        this.promise = Promise.resolve(this.peer);
      } else if (this.failure !== undefined) {
        this.promise = Promise.reject(this.failure ?? destroyedError());
      } else {
        this.promise = new Promise<PeerIdentity>((resolve, reject) => {
          this.settle = { resolve, reject };
        });
      }
      this.promise.catch(ignore);
    }
    return this.promise;
  }

  /**
   * The stream is destroyed: a decision that lands from now on is ignored, and a pending
   * promise rejects with `error` (or `ERR_CHANNEL_CLOSED` for a quiet destroy).
   */
  close(error: Error | null): void {
    this.driver?.close();
    this.driver = undefined;
    if (this.peer !== undefined) return;
    this.failure = error;
    const settle = this.settle;
    this.settle = undefined;
    // The reason is built only for someone waiting to learn it: a normal close makes no error
    // (building one took 3.5% of a client's CPU in the connection benchmark).
    settle?.reject(error ?? destroyedError());
  }

  /** Sends an outcome's blobs, then follows it: a decision, failure or completion. */
  private follow(outcome: HandshakeOutcome): void {
    for (const blob of outcome.send) this.host.sendFrame(blob);
    if (outcome.state === 'deciding') {
      this.host.awaitDecision();
    } else if (outcome.state === 'failed') {
      this.host.failed(outcome.error!, outcome.send.length > 0);
    } else if (outcome.state === 'ready') {
      const peer = outcome.peer!;
      this.driver = undefined;
      this.peer = peer;
      this.settle?.resolve(peer);
      this.settle = undefined;
      this.host.secured(peer);
    }
  }

  /** The authorizer answered (the driver calls this only while not closed). */
  private onDecision(outcome: HandshakeOutcome): void {
    this.follow(outcome);
    this.host.decided();
  }
}

/** Why a stream destroyed without an error failed its handshake or its held write. */
export function destroyedError(): ChannelError {
  return new ChannelError('ERR_CHANNEL_CLOSED', 'the stream was destroyed');
}
