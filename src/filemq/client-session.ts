/**
 * The client's side of one peering, as a pure state machine: frames in, frames and chunks to
 * store out. The binding stores each chunk, checks each finished file's SHA-256, and reports
 * back through {@link ClientSession.stored}.
 *
 * ```
 * handshaking --OHAI-OK--> subscribing --ICANHAZ-OK--> receiving --last file--> done
 *      \--SRSLY / RTFM / bad blob--> failed
 * ```
 * The mechanism runs through the {@link HandshakeDriver}. Until access is granted, a frame
 * larger than the mechanism's largest handshake command (plus FileMQ's envelope) fails the
 * session with `ERR_FRAME_TOO_LARGE`.
 *
 * @module
 */
import { equalBytes } from '../bytes';
import { HandshakeDriver } from '../channel/handshake';
import { ChannelError, StateError } from '../errors';
import { DEFAULT_WIRE_TRAITS, type Mechanism } from '../mechanism';
import { decodeCommand, encodeCommand, PROTOCOL, VERSION, type CacheEntry, type Cheezburger, type Command, type InnerCommand } from './commands';
import { CreditWindow, type CreditWindowOptions } from './credit';
import { FileMqError, isFileMqError } from './errors';
import { handshakeFrameLimit, type NamedFactory } from './factory';
import { checkDeliveredPath, normaliseSubscription } from './paths';
import { seal, unseal } from './seal';

/** Options of a {@link ClientSession}. */
export interface ClientSessionOptions {
  /** Offered mechanisms in the client's order of preference. */
  readonly mechanisms: readonly NamedFactory[];
  /** What to subscribe to: `/` for everything, or a file or directory name. */
  readonly path: string;
  /** What the client already holds (complete and partial files). */
  readonly cache?: readonly CacheEntry[];
  /** Flow-control window and slice. */
  readonly credit?: CreditWindowOptions;
}

/** Where the client is. */
export type ClientStatus = 'handshaking' | 'subscribing' | 'receiving' | 'done' | 'failed';

/** What the binding must do after a call. */
export interface ClientActions {
  /** Frames to send to the server, in order. */
  readonly send: Uint8Array[];
  /** A chunk to store; then call {@link ClientSession.stored} (with the verdict on its file when `eof`). */
  readonly store?: Cheezburger;
  readonly status: ClientStatus;
  /** Why the session failed, once `failed`. */
  readonly error?: FileMqError | ChannelError;
}

interface FileInProgress {
  readonly path: string;
  readonly size: number;
  readonly sha256: Uint8Array;
  next: number;
}

/** One peering of a client with a server. */
export class ClientSession {
  private state: ClientStatus = 'handshaking';
  private mechanism: Mechanism | undefined;
  private driver: HandshakeDriver | undefined;
  private readonly frameLimit: number;
  private readonly credit: CreditWindow;
  private readonly partial: Map<string, CacheEntry>;
  private readonly path: string;
  private current: FileInProgress | undefined;
  private storing: Cheezburger | undefined;
  private sequence = 0;
  private expectedFiles = 0;
  private finishedFiles = 0;
  private failure: FileMqError | ChannelError | undefined;
  private readonly failedFiles: string[] = [];
  private expected = 0;
  private received = 0;
  private accessGranted = false;
  private destroyed = false;

  /** @throws {@link RangeError} for no mechanism, a bad path or bad credit options */
  constructor(private readonly options: ClientSessionOptions) {
    if (!Array.isArray(options?.mechanisms) || options.mechanisms.length === 0) {
      throw new RangeError('"mechanisms" expected at least one mechanism');
    }
    try {
      this.path = normaliseSubscription(options.path);
    } catch {
      throw new RangeError(`"path" expected "/" or a relative file or directory name, got ${JSON.stringify(options.path)}`);
    }
    this.credit = new CreditWindow(options.credit);
    this.frameLimit = handshakeFrameLimit(options.mechanisms);
    this.partial = new Map((options.cache ?? []).filter((e) => !e.complete).map((e) => [e.path, e]));
  }

  /** Where the session is. */
  get status(): ClientStatus {
    return this.state;
  }

  /** File bytes the server said it would send (known after ICANHAZ-OK). */
  get expectedBytes(): number {
    return this.expected;
  }

  /** File bytes received so far. */
  get receivedBytes(): number {
    return this.received;
  }

  /** The error that failed the session, once `failed`. */
  get error(): FileMqError | ChannelError | undefined {
    return this.failure;
  }

  /** Files whose SHA-256 did not match, in the order they ended. */
  get integrityFailures(): readonly string[] {
    return this.failedFiles;
  }

  /** The credit window: the most file bytes one chunk may carry. */
  get window(): number {
    return this.credit.window;
  }

  /** Total file bytes granted to the server so far. */
  get granted(): number {
    return this.credit.totalGranted;
  }

  /** True once the server granted access, even if the session failed later. */
  get authenticated(): boolean {
    return this.accessGranted;
  }

  /** The authenticated server, once access was granted. */
  get peer(): Mechanism['peer'] {
    return this.state === 'handshaking' ? undefined : this.mechanism?.peer;
  }

  /**
   * Ends the session for the binding (the sync ended, failed or was aborted): the mechanism is
   * destroyed, so its keys are wiped whatever state the session reached. Send what
   * {@link kthxbai} gave first: nothing can be sealed afterwards. Idempotent.
   */
  close(): void {
    // The driver destroys a handshake it still runs; a ready mechanism is ours to wipe.
    this.driver?.close();
    if (this.driver?.state === 'ready' && !this.destroyed) this.mechanism!.destroy();
    this.destroyed = true;
  }

  /** The OHAI that opens the peering. */
  start(): ClientActions {
    const mechanisms = this.options.mechanisms.map((m) => m.name);
    return this.actions([encodeCommand({ name: 'OHAI', protocol: PROTOCOL, version: VERSION, mechanisms })]);
  }

  /** A HUGZ to send when the link has been quiet; `undefined` before access was granted. */
  hugz(): Uint8Array | undefined {
    return this.mechanism?.status === 'ready' && (this.state === 'subscribing' || this.state === 'receiving')
      ? seal(this.mechanism, { name: 'HUGZ' })
      : undefined;
  }

  /** A KTHXBAI to send when giving up early; `undefined` when it cannot be sealed. */
  kthxbai(): Uint8Array | undefined {
    return this.mechanism?.status === 'ready' ? seal(this.mechanism, { name: 'KTHXBAI' }) : undefined;
  }

  /**
   * Processes one frame from the server. Takes any bytes.
   *
   * @param owned - the caller gives `frame` up (a received frame nobody else reads): a sealed
   *   command is opened in place, and a chunk's data is a view into the frame, not a copy
   * @throws {@link StateError} while a chunk waits for {@link stored}
   */
  receive(frame: Uint8Array, owned = false): ClientActions {
    if (this.storing !== undefined) throw new StateError('a chunk is waiting to be stored');
    if (this.state === 'done' || this.state === 'failed') return this.actions([]);
    if (this.state === 'handshaking' && frame.length > this.frameLimit) {
      return this.fail(new ChannelError('ERR_FRAME_TOO_LARGE', `a frame of ${frame.length} bytes before access exceeds ${this.frameLimit}`));
    }
    let command: Command;
    try {
      command = decodeCommand(frame);
    } catch (error) {
      // Frames without the signature are not FileMQ: dropped, as FileMQ peers do.
      if (isFileMqError(error, 'ERR_FILEMQ_SIGNATURE')) return this.actions([]);
      return this.fail(error as FileMqError);
    }
    try {
      return this.dispatch(command, owned);
    } catch (error) {
      if (isFileMqError(error)) return this.fail(error);
      throw error;
    }
  }

  /**
   * The handshake deadline passed: fails a session not yet granted with `ERR_FILEMQ_TIMEOUT`
   * (its cause the driver's `ERR_HANDSHAKE_TIMEOUT`). Does nothing afterwards.
   *
   * @param timeout - the deadline, in ms, for the message
   */
  expire(timeout: number): ClientActions {
    if (this.state !== 'handshaking') return this.actions([]);
    const cause = this.driver?.expire().error;
    return this.fail(new FileMqError('ERR_FILEMQ_TIMEOUT', `no answer from the server in ${timeout} ms (handshaking)`, { cause }));
  }

  /**
   * Reports that the last chunk was stored; for the file's last chunk, `verified` says whether
   * its SHA-256 matched.
   *
   * @throws {@link StateError} when no chunk waits
   */
  stored(verified = true): ClientActions {
    const chunk = this.storing;
    if (chunk === undefined) throw new StateError('no chunk is waiting to be stored');
    this.storing = undefined;
    const send: Uint8Array[] = [];
    const credit = this.credit.consume(chunk.data.length);
    if (!chunk.eof) {
      if (credit > 0) send.push(seal(this.mechanism!, { name: 'NOM', credit }));
      return this.actions(send);
    }
    this.current = undefined;
    this.finishedFiles += 1;
    if (!verified) this.failedFiles.push(chunk.path);
    if (this.finishedFiles < this.expectedFiles) {
      if (credit > 0) send.push(seal(this.mechanism!, { name: 'NOM', credit }));
      return this.actions(send);
    }
    return this.finish();
  }

  private dispatch(command: Command, owned: boolean): ClientActions {
    if (this.state === 'handshaking') {
      switch (command.name) {
        case 'ORLY':
          return this.orly(command.mechanism, command.blobs);
        case 'OHAI-OK':
          return this.ohaiOk(command.blobs);
        case 'SRSLY':
          return this.fail(new FileMqError('ERR_FILEMQ_REFUSED', `the server refused us: ${command.reason}`));
      }
    }
    if (command.name === 'RTFM') return this.fail(new FileMqError('ERR_FILEMQ_RTFM', `the server says: ${command.reason}`));
    if (command.name === 'SEALED' && this.state !== 'handshaking') return this.inner(unseal(this.mechanism!, command.blob, owned));
    return this.fail(new FileMqError('ERR_FILEMQ_UNEXPECTED', `${command.name} in state ${this.state}`));
  }

  private orly(name: string, blobs: readonly Uint8Array[]): ClientActions {
    const send: Uint8Array[] = [];
    if (this.driver === undefined) {
      const chosen = this.options.mechanisms.find((m) => m.name.toUpperCase() === name.toUpperCase());
      if (chosen === undefined) return this.fail(new FileMqError('ERR_FILEMQ_UNEXPECTED', `the server picked ${name}, which we did not offer`));
      this.mechanism = chosen.create();
      this.driver = new HandshakeDriver(this.mechanism, { maxBlobSize: chosen.maxHandshakeSize ?? DEFAULT_WIRE_TRAITS.maxHandshakeSize });
      send.push(...this.driver.start().send);
    } else if (name !== this.mechanism!.name) {
      return this.fail(new FileMqError('ERR_FILEMQ_UNEXPECTED', `the server switched to ${name}`));
    }
    send.push(...this.handshake(blobs));
    if (this.driver.state === 'failed') return this.securityFailure();
    return this.actions([encodeCommand({ name: 'YARLY', mechanism: this.mechanism!.name, blobs: send })]);
  }

  private ohaiOk(blobs: readonly Uint8Array[]): ClientActions {
    // OHAI-OK travels in the clear; only the mechanism reaching `ready` on its blobs proves it.
    if (this.driver === undefined) return this.fail(new FileMqError('ERR_FILEMQ_UNEXPECTED', 'OHAI-OK before ORLY'));
    this.handshake(blobs);
    if (this.driver.state !== 'ready') return this.securityFailure();
    this.state = 'subscribing';
    this.accessGranted = true;
    const cache = this.options.cache ?? [];
    return this.actions([seal(this.mechanism!, { name: 'ICANHAZ', path: this.path === '' ? '/' : this.path, cache })]);
  }

  /** Feeds the server's handshake blobs to the driver while it still handshakes. */
  private handshake(blobs: readonly Uint8Array[]): Uint8Array[] {
    const send: Uint8Array[] = [];
    for (const blob of blobs) {
      if (this.driver!.state !== 'handshaking') break;
      send.push(...this.driver!.receive(blob).send);
    }
    return send;
  }

  private inner(command: InnerCommand): ClientActions {
    if (command.name === 'HUGZ-OK') return this.actions([]);
    // After access is granted the server's RTFM (a fault, a revoked key) arrives sealed.
    if (command.name === 'RTFM') return this.fail(new FileMqError('ERR_FILEMQ_RTFM', `the server says: ${command.reason}`));
    if (command.name === 'ICANHAZ-OK' && this.state === 'subscribing') {
      this.expectedFiles = command.files;
      this.expected = command.bytes;
      // A path that names nothing is a mistake to report, not an empty success.
      if (command.available === 0 && this.path !== '') {
        const bye = seal(this.mechanism!, { name: 'KTHXBAI' });
        return this.fail(new FileMqError('ERR_FILEMQ_NOT_FOUND', `the server has no file under ${this.path}`), [bye]);
      }
      if (command.files === 0) return this.finish();
      this.state = 'receiving';
      return this.actions([seal(this.mechanism!, { name: 'NOM', credit: this.credit.open() })]);
    }
    if (command.name === 'CHEEZBURGER' && this.state === 'receiving') return this.cheezburger(command);
    return this.fail(new FileMqError('ERR_FILEMQ_UNEXPECTED', `${command.name} in state ${this.state}`));
  }

  private cheezburger(chunk: Cheezburger): ClientActions {
    if (chunk.sequence !== this.sequence) {
      return this.fail(new FileMqError('ERR_FILEMQ_SEQUENCE', `chunk ${chunk.sequence} arrived, ${this.sequence} expected`));
    }
    this.sequence += 1;
    this.credit.receive(chunk.data.length);
    // Only names under the subscription, and never the client's partial-file directory.
    checkDeliveredPath(chunk.path, this.path);
    const file = this.current ?? this.begin(chunk);
    const continues = file.path === chunk.path && file.size === chunk.size && equalBytes(file.sha256, chunk.sha256);
    if (!continues || chunk.offset !== file.next) {
      return this.fail(new FileMqError('ERR_FILEMQ_SEQUENCE', `chunk of ${chunk.path} at ${chunk.offset} does not continue the file`));
    }
    file.next += chunk.data.length;
    this.received += chunk.data.length;
    this.current = file;
    this.storing = chunk;
    return { send: [], store: chunk, status: this.state };
  }

  /** A new file starts at 0, or where our partial copy of the same content stops. */
  private begin(chunk: Cheezburger): FileInProgress {
    const held = this.partial.get(chunk.path);
    const resumes = held !== undefined && equalBytes(held.sha256, chunk.sha256) && held.size === chunk.offset;
    return { path: chunk.path, size: chunk.size, sha256: chunk.sha256, next: resumes ? held.size : 0 };
  }

  private finish(): ClientActions {
    const bye = seal(this.mechanism!, { name: 'KTHXBAI' });
    if (this.failedFiles.length > 0) {
      return this.fail(new FileMqError('ERR_FILEMQ_INTEGRITY', `SHA-256 mismatch: ${this.failedFiles.join(', ')}`), [bye]);
    }
    this.state = 'done';
    return this.actions([bye]);
  }

  private securityFailure(): ClientActions {
    // An OHAI-OK the mechanism did not complete leaves the driver handshaking: fail it too.
    const cause = this.driver?.error ?? this.driver?.fail(new StateError('OHAI-OK before the handshake completed')).error;
    const code = (cause as { code?: unknown } | undefined)?.code;
    return this.fail(new FileMqError('ERR_FILEMQ_SECURITY', `the handshake failed (${typeof code === 'string' ? code : 'incomplete'})`, { cause }));
  }

  private fail(error: FileMqError | ChannelError, send: Uint8Array[] = []): ClientActions {
    // A handshake cut short by the server leaves the mechanism to the driver to destroy.
    this.driver?.close();
    this.state = 'failed';
    this.failure = error;
    this.storing = undefined;
    return { send, status: 'failed', error };
  }

  private actions(send: Uint8Array[]): ClientActions {
    return { send, status: this.state };
  }
}
