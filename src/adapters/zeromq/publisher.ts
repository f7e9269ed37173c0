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

/** Tracks which topics have a subscriber and lets senders wait for one. */
export class TopicPublisher {
  // A subscriber legitimately sends only short subscriptions: anything longer is refused at its header.
  private readonly socket = new zmq.XPublisher({ maxMessageSize: MAX_SUBSCRIPTION_FRAME });
  private readonly link: Link = writeLink(this.socket);
  private readonly subscribed = new Set<string>();
  private readonly waiters = new Map<string, Waiter[]>();

  /**
   * @param maxTopics - most topics remembered (the server's session limit): anyone may
   *   subscribe, so the record must not grow without bound
   */
  constructor(
    private readonly maxTopics: number,
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

  /** Resolves once `topic` has a subscriber; rejects through {@link cancel}. */
  whenSubscribed(topic: Uint8Array): Promise<void> {
    const key = toHex(topic);
    if (this.subscribed.has(key)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const list = this.waiters.get(key) ?? [];
      list.push({ resolve, reject });
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

  /**
   * XPUB delivers `%x01 topic` for a subscription and `%x00 topic` for its end. Only session
   * topics (`%x02 session-id`) are recorded; other subscriptions (an eavesdropper's `""`) are
   * left to ZeroMQ's own filtering.
   */
  private onSubscription(frames: Buffer[]): void {
    const frame = frames[0];
    if (frames.length !== 1 || frame?.length !== 1 + HEADER_BYTES || frame[1] !== KIND_MESSAGE) return;
    const key = toHex(frame.subarray(1));
    if (frame[0] === 0) {
      this.subscribed.delete(key);
      return;
    }
    if (frame[0] !== 1 || this.subscribed.size >= this.maxTopics) return;
    this.subscribed.add(key);
    for (const waiter of this.waiters.get(key) ?? []) waiter.resolve();
    this.waiters.delete(key);
  }
}
