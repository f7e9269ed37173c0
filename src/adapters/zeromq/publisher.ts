/**
 * The server's PUB side: an XPublisher that also reads subscriptions, so publishing to a session
 * waits until that session's subscriber is known to be listening (PUB drops what is sent before
 * a subscription arrives: the "slow joiner").
 *
 * @module
 */
import * as zmq from 'zeromq';
import { ChannelError } from '../../errors';
import { toHex } from '../../bytes';
import { HEADER_BYTES, KIND_MESSAGE } from './envelope';
import { startReader, writeLink, type Link } from './link';
import { MAX_SUBSCRIPTION_FRAME } from './socket-limits';

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

/**
 * Tracks which topics have a subscriber and lets senders wait for one, for a bounded time.
 *
 * Anyone may connect a SUB socket and subscribe to anything, authenticated or not. So only the
 * topic of a session that is ready now is recorded (`accepts`), and the server forgets it when
 * the session ends ({@link cancel}): the record never holds more than the ready sessions, and
 * strangers cannot fill it (issue 15, finding 2).
 */
export class TopicPublisher {
  // A subscriber legitimately sends only short subscriptions: anything longer is refused at its
  // header. `allSubs`: XPUB passes on every subscription, repeats included, so a topic a
  // stranger subscribed to before its session was ready is still seen when the real client
  // subscribes (without it XPUB reports only a topic's first subscriber).
  private readonly socket = new zmq.XPublisher({ maxMessageSize: MAX_SUBSCRIPTION_FRAME, verbosity: 'allSubs' });
  private readonly link: Link = writeLink(this.socket);
  private readonly subscribed = new Set<string>();
  private readonly waiters = new Map<string, Waiter[]>();

  /**
   * @param accepts - whether a subscription to the topic of the session with this 16-byte id
   *   may be recorded (the server: the session is ready)
   */
  constructor(
    private readonly accepts: (sessionId: Uint8Array) => boolean,
    private readonly onFault: (error: unknown) => void,
  ) {}

  /**
   * Binds the PUB endpoint and starts reading subscriptions (after the bind: zeromq.js can miss
   * the first inproc message of a reader started earlier). Resolves with the bound endpoint.
   */
  async bind(endpoint: string): Promise<string> {
    await this.socket.bind(endpoint);
    startReader(this.socket, (frames) => this.onSubscription(frames), this.onFault);
    return this.socket.lastEndpoint ?? endpoint;
  }

  /**
   * Resolves once `topic` has a subscriber. Rejects through {@link cancel}, or after `ms` with
   * `ERR_IDLE_TIMEOUT` (the subscriber never came: a publish must not wait forever).
   */
  whenSubscribed(topic: Uint8Array, ms: number): Promise<void> {
    const key = toHex(topic);
    if (this.subscribed.has(key)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.removeWaiter(key, waiter);
        reject(new ChannelError('ERR_IDLE_TIMEOUT', `no subscriber for the session in ${ms} ms`));
      }, ms);
      const settle = (): void => clearTimeout(timer);
      const waiter: Waiter = {
        resolve: () => (settle(), resolve()),
        reject: (error) => (settle(), reject(error)),
      };
      const list = this.waiters.get(key) ?? [];
      list.push(waiter);
      this.waiters.set(key, list);
    });
  }

  /** Forgets `topic` and rejects whoever waits for it (its session closed; ids never return). */
  cancel(topic: Uint8Array, error: Error): void {
    const key = toHex(topic);
    this.subscribed.delete(key);
    for (const waiter of this.waiters.get(key) ?? []) waiter.reject(error);
    this.waiters.delete(key);
  }

  /** Sends one ZeroMQ message (its first frame starts with the topic). */
  send(frames: Buffer[]): Promise<void> {
    return this.link.send(frames);
  }

  /** Closes the socket and rejects every waiter. */
  close(): void {
    const error = new ChannelError('ERR_CHANNEL_CLOSED', 'the server is closed');
    for (const list of this.waiters.values()) for (const waiter of list) waiter.reject(error);
    this.waiters.clear();
    this.link.close();
  }

  private removeWaiter(key: string, waiter: Waiter): void {
    const list = this.waiters.get(key)?.filter((other) => other !== waiter) ?? [];
    if (list.length === 0) this.waiters.delete(key);
    else this.waiters.set(key, list);
  }

  /**
   * XPUB delivers `%x01 topic` for a subscription and `%x00 topic` for its end. Only topics of
   * sessions the server accepts (`%x02 session-id` of a ready session) are recorded; other
   * subscriptions (an eavesdropper's `""`, a guessed or not yet ready id) are left to ZeroMQ's
   * own filtering.
   */
  private onSubscription(frames: Buffer[]): void {
    const frame = frames[0];
    if (frames.length !== 1 || frame?.length !== 1 + HEADER_BYTES || frame[1] !== KIND_MESSAGE) return;
    const key = toHex(frame.subarray(1));
    if (frame[0] === 0) {
      this.subscribed.delete(key);
      return;
    }
    if (frame[0] !== 1 || !this.accepts(frame.subarray(2))) return;
    this.subscribed.add(key);
    for (const waiter of this.waiters.get(key) ?? []) waiter.resolve();
    this.waiters.delete(key);
  }
}
