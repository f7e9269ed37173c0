/**
 * The FileMQ client over a zeromq Dealer: one sync of a path into a directory. The session
 * decides; this file moves frames, stores chunks, checks each file's SHA-256 and keeps the link
 * alive with HUGZ.
 *
 * @module
 */
import * as zmq from 'zeromq';
import { channelLimits, checkDuration, type ChannelLimitsInit } from '../../../channel/limits';
import type { ChannelError } from '../../../errors';
import { ClientSession, type ClientActions } from '../../../filemq/client-session';
import type { Cheezburger } from '../../../filemq/commands';
import type { CreditWindowOptions } from '../../../filemq/credit';
import { FileMqError, isFileMqError } from '../../../filemq/errors';
import { TreeSink } from '../../../filemq/fs-sink';
import { normaliseSubscription } from '../../../filemq/paths';
import type { PeerIdentity } from '../../../mechanism';
import { loopLink, type Link } from '../link';
import { clientFactories, type FileMqMechanisms } from './factories';

/**
 * Options of {@link syncFiles}: the offered mechanism (`mechanism`, with `registry` for a name,
 * and `mechanismOptions`), or several in order of preference (`mechanisms`).
 */
export type SyncOptions = SyncSettings & FileMqMechanisms;

/** Options of {@link syncFiles} besides its mechanisms. */
export interface SyncSettings extends Pick<ChannelLimitsInit, 'handshakeTimeout' | 'idleTimeout' | 'keepAlive'> {
  /** The server's endpoint (`tcp://host:port`). */
  readonly endpoint: string;
  /** The directory to write into (created when missing). */
  readonly into: string;
  /** What to fetch: `/` (default) for everything, or a file or directory name. */
  readonly path?: string;
  /** Flow-control window and slice (defaults 8 MiB and 2 MiB). */
  readonly credit?: CreditWindowOptions;
  /**
   * `handshakeTimeout`: fail with `ERR_FILEMQ_TIMEOUT` when access is not granted within this
   * many ms (default 30,000). `idleTimeout`: the same once access was granted, after this many
   * ms without a frame (default 30,000; 0 = never). `keepAlive`: send HUGZ after this many quiet
   * ms (default a third of `idleTimeout`, or 10,000 when it is 0), which also keeps the
   * server's peering alive.
   */
  readonly handshakeTimeout?: number;
  /** @deprecated use `handshakeTimeout` and `idleTimeout` (this set both) */
  readonly timeout?: number;
  /** @deprecated use `keepAlive` */
  readonly heartbeat?: number;
  /**
   * After a timeout once access was granted (a transfer broke off), start over this many times
   * (default 0) with a new connection: each attempt resyncs, so completed files and chunks are
   * not fetched again. A server that never completes the handshake is not retried.
   */
  readonly retries?: number;
  /** Aborts the sync; partial files stay for the next one to resume. */
  readonly signal?: AbortSignal;
  /** Called after each stored chunk (the byte counts are those of the current attempt). */
  readonly onProgress?: (progress: SyncProgress) => void;
}

/** Where a sync stands. */
export interface SyncProgress {
  /** File bytes the server said it would send (known once the subscription is accepted). */
  readonly expectedBytes: number;
  /** File bytes received so far. */
  readonly receivedBytes: number;
  /** File bytes granted to the server so far. */
  readonly grantedBytes: number;
  /** The chunk just stored. */
  readonly chunk: Cheezburger;
}

/** What a completed sync did. */
export interface SyncResult {
  /** Files received and verified, over all attempts. */
  readonly files: string[];
  /** File bytes received, over all attempts. */
  readonly bytes: number;
  /** Attempts made: 1, plus one per retry after a timeout. */
  readonly attempts: number;
  /** The authenticated server. */
  readonly peer: PeerIdentity | undefined;
  /** The mechanism the server picked from the offer (as `peer.mechanism`), for the record. */
  readonly mechanism: string | undefined;
}

/**
 * Brings `into` up to date with the server's `path`: resyncs against what is there, resumes
 * partial files, verifies every file's SHA-256 and moves it into place.
 *
 * ```typescript
 * await syncFiles({
 *   endpoint: 'tcp://127.0.0.1:5670', into: './mirror',
 *   mechanism: definition, mechanismOptions: { secretKey, serverKey },
 * })
 * ```
 *
 * @throws {@link FileMqError} `ERR_FILEMQ_REFUSED` (nothing is written), `ERR_FILEMQ_INTEGRITY`,
 *   `ERR_FILEMQ_NOT_FOUND`, `ERR_FILEMQ_TIMEOUT` (after the last retry), `ERR_FILEMQ_CLOSED`
 *   (aborted), or a protocol or security code
 */
export async function syncFiles(options: SyncOptions): Promise<SyncResult> {
  if (typeof options?.endpoint !== 'string') throw new TypeError('"endpoint" expected a string');
  if (typeof options.into !== 'string' || options.into === '') throw new TypeError('"into" expected a directory path');
  const path = options.path ?? '/';
  const mechanisms = clientFactories(options);
  const timing = clientTiming(options);
  const retries = options.retries ?? 0;
  if (!Number.isSafeInteger(retries) || retries < 0) throw new RangeError('"retries" expected a non-negative integer');
  // Parsed before anything touches the disk, so a bad path writes nothing.
  new ClientSession({ mechanisms, path, credit: options.credit });
  const files: string[] = [];
  let bytes = 0;
  for (let attempt = 1; ; attempt++) {
    const sink = new TreeSink(options.into);
    const cache = await sink.cache(normaliseSubscription(path));
    const session = new ClientSession({ mechanisms, path, cache, credit: options.credit });
    const run = new SyncRun(session, sink, options, timing);
    try {
      const result = await run.run();
      return { files: [...files, ...result.files], bytes: bytes + result.bytes, peer: result.peer, mechanism: result.peer?.mechanism, attempts: attempt };
    } catch (error) {
      files.push(...run.files);
      bytes += session.receivedBytes;
      const brokeOff = isFileMqError(error, 'ERR_FILEMQ_TIMEOUT') && session.authenticated;
      if (!brokeOff || attempt > retries || options.signal?.aborted === true) throw error;
    }
  }
}

/** The client's deadlines, checked by the one check of each (`channel/limits`). */
interface ClientTiming {
  readonly handshakeTimeout: number;
  readonly idleTimeout: number;
  readonly keepAlive: number;
}

/** A sync must end when the server goes silent, so `idleTimeout` defaults to 30 s here, not never. */
function clientTiming(options: SyncOptions): ClientTiming {
  // The deprecated names are checked under their own names, so an error names what was given.
  checkDuration(options.timeout, 'options.timeout', 0, { zero: false });
  checkDuration(options.heartbeat, 'options.heartbeat', 0);
  const limits = channelLimits(
    {
      handshakeTimeout: options.handshakeTimeout ?? options.timeout,
      idleTimeout: options.idleTimeout ?? options.timeout,
      keepAlive: options.keepAlive ?? options.heartbeat,
    },
    'options',
    { idleTimeout: 30_000 },
  );
  // keepAlive 0 (never, the default) would let the server's peering expire: a third of idleTimeout.
  const fallback = limits.idleTimeout > 0 ? limits.idleTimeout / 3 : 10_000;
  return { handshakeTimeout: limits.handshakeTimeout, idleTimeout: limits.idleTimeout, keepAlive: limits.keepAlive || fallback };
}

/** What one attempt did. */
type AttemptResult = Omit<SyncResult, 'attempts' | 'mechanism'>;

/** One attempt of a sync: one connection, one peering. */
class SyncRun {
  private readonly socket: zmq.Dealer;
  private link: Link | undefined;
  private lastSeen = Date.now();
  private readonly started = Date.now();
  /** Files received and verified so far. */
  readonly files: string[] = [];
  private settle: { resolve(result: AttemptResult): void; reject(error: Error): void } | undefined;
  private cleanup: () => void = () => undefined;
  /** The chunk being written, which {@link end} lets finish before it closes the sink. */
  private storing: Promise<boolean> | undefined;

  constructor(
    private readonly session: ClientSession,
    private readonly sink: TreeSink,
    private readonly options: SyncOptions,
    private readonly timing: ClientTiming,
  ) {
    // A frame larger than the credit window plus a chunk's headers (a path of at most 64 KiB)
    // cannot be legitimate: ZeroMQ drops such a connection before buffering it.
    this.socket = new zmq.Dealer({ linger: 500, maxMessageSize: session.window + 128 * 1024 });
  }

  run(): Promise<AttemptResult> {
    return new Promise<AttemptResult>((resolve, reject) => {
      this.settle = { resolve, reject };
      const { handshakeTimeout, idleTimeout, keepAlive } = this.timing;
      const shortest = Math.min(handshakeTimeout, keepAlive, idleTimeout > 0 ? idleTimeout : Infinity);
      const timer = setInterval(() => void this.tick(), Math.max(10, shortest / 2));
      const onAbort = (): void => void this.end(new FileMqError('ERR_FILEMQ_CLOSED', 'the sync was aborted'));
      this.options.signal?.addEventListener('abort', onAbort, { once: true });
      this.cleanup = () => {
        clearInterval(timer);
        this.options.signal?.removeEventListener('abort', onAbort);
      };
      if (this.options.signal?.aborted) return onAbort();
      this.link = loopLink(this.socket, (frames) => this.onMessage(frames), (error) =>
        void this.end(new FileMqError('ERR_FILEMQ_CLOSED', 'the socket failed', { cause: error })),
      );
      this.socket.connect(this.options.endpoint);
      void this.perform(this.session.start());
    });
  }

  private async onMessage(frames: Buffer[]): Promise<void> {
    if (this.settle === undefined || frames.length !== 1) return;
    this.lastSeen = Date.now();
    // The frame is ours alone: opened in place, its chunk written from where it arrived.
    await this.perform(this.session.receive(frames[0]!, true));
  }

  private async perform(first: ClientActions): Promise<void> {
    let actions = first;
    for (;;) {
      // All frames are queued at once: each was sealed with the next nonce, so nothing may
      // slip in between them (a HUGZ from the timer would arrive out of nonce order).
      await Promise.all(actions.send.map((frame) => this.send(frame)));
      const chunk = actions.store;
      // An aborted or failed run stores nothing more: its partial files stay as they are.
      if (chunk === undefined || this.settle === undefined) break;
      let verified: boolean;
      try {
        this.storing = this.sink.store(chunk);
        verified = await this.storing;
        this.storing = undefined;
        // Time spent on our own disk (hashing a long prefix to resume) is not the server's silence.
        this.lastSeen = Date.now();
      } catch (error) {
        // A refused path (a symbolic link on the way) keeps its own code and message.
        if (isFileMqError(error)) return this.end(error);
        return this.end(new FileMqError('ERR_FILEMQ_CLOSED', `cannot write ${chunk.path}: ${(error as Error).message}`, { cause: error }));
      }
      if (chunk.eof && verified) this.files.push(chunk.path);
      // Ended while the chunk was written: the session is closed, and nothing more is sealed.
      if (this.settle === undefined) return;
      actions = this.session.stored(verified);
      this.options.onProgress?.({
        expectedBytes: this.session.expectedBytes,
        receivedBytes: this.session.receivedBytes,
        grantedBytes: this.session.granted,
        chunk,
      });
    }
    if (actions.status === 'done') return this.end(undefined);
    if (actions.status === 'failed') return this.end(actions.error);
  }

  private async tick(): Promise<void> {
    const { handshakeTimeout, idleTimeout, keepAlive } = this.timing;
    if (this.session.status === 'handshaking') {
      if (Date.now() - this.started >= handshakeTimeout) return this.perform(this.session.expire(handshakeTimeout));
      return;
    }
    const quiet = Date.now() - this.lastSeen;
    // While a chunk is being stored, frames wait unread: only keep the server's peering alive.
    if (idleTimeout > 0 && quiet >= idleTimeout && this.storing === undefined) {
      const where = `${this.session.status}, ${this.session.receivedBytes} of ${this.session.expectedBytes} bytes`;
      return this.end(new FileMqError('ERR_FILEMQ_TIMEOUT', `no answer from the server in ${idleTimeout} ms (${where})`));
    }
    const hugz = quiet >= keepAlive ? this.session.hugz() : undefined;
    if (hugz !== undefined) await this.send(hugz);
  }

  private async send(frame: Uint8Array): Promise<void> {
    try {
      await this.link?.send([Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength)]);
    } catch (error) {
      await this.end(new FileMqError('ERR_FILEMQ_CLOSED', 'cannot send to the server', { cause: error }));
    }
  }

  private async end(error: FileMqError | ChannelError | undefined): Promise<void> {
    const settle = this.settle;
    if (settle === undefined) return;
    this.settle = undefined;
    this.cleanup();
    if (error !== undefined && this.session.status !== 'failed') {
      const bye = this.session.kthxbai();
      if (bye !== undefined) await this.send(bye).catch(() => undefined);
    }
    // Nothing is sealed any more: the mechanism's keys are wiped on every end (finding 9).
    const peer = this.session.peer;
    this.session.close();
    await this.storing?.catch(() => undefined);
    await this.sink.close().catch(() => undefined);
    if (error === undefined) await this.sink.tidy();
    this.link?.close();
    if (this.link === undefined) this.socket.close();
    if (error === undefined) settle.resolve({ files: this.files, bytes: this.session.receivedBytes, peer });
    else settle.reject(error);
  }
}
