/**
 * The server's side of one peering, as a pure state machine: frames in, frames and requests out.
 * The binding supplies the manifest and the file bytes; the handshake driver asks the authorizer.
 *
 * ```
 * expectOhai --OHAI--> handshaking --YARLY...--> (authorizing) --> expectIcanhaz
 *   --ICANHAZ--> planning --offer()--> serving --KTHXBAI--> closed
 * ```
 * HUGZ gets HUGZ-OK and NOM adds credit in every state after OHAI-OK. Anything invalid gets
 * RTFM and closes; a refusal gets SRSLY and closes. Frames without the signature are dropped.
 *
 * The mechanism runs through the {@link HandshakeDriver}, which asks the authorizer; what the
 * decision leads to reaches the binding through `onDecision`. Until access is granted, a frame
 * larger than the mechanism's largest handshake command (plus FileMQ's envelope) ends the
 * peering (`ERR_FRAME_TOO_LARGE`), and frames arriving while a decision is pending are dropped
 * unread (`dropped`), so a peer cannot make the server hold or parse anything meanwhile.
 *
 * @module
 */
import type { Authorizer } from '../auth';
import { HandshakeDriver, type HandshakeOutcome } from '../channel/handshake';
import { checkSize } from '../channel/limits';
import { ChannelError, StateError } from '../errors';
import { DEFAULT_WIRE_TRAITS, type Mechanism } from '../mechanism';
import { decodeCommand, encodeChunkHeader, encodeCommand, PROTOCOL, VERSION, type Command, type Icanhaz } from './commands';
import { CreditLedger } from './credit';
import { FileMqError, isFileMqError } from './errors';
import { handshakeFrameLimit, type NamedFactory } from './factory';
import { bytesToSend, type Transfer } from './manifest';
import { normaliseSubscription } from './paths';
import { seal, sealFrame, unseal } from './seal';

export type { NamedFactory } from './factory';

/** Options of a {@link ServerSession}. */
export interface ServerSessionOptions {
  /** Accepted mechanisms in the server's order of preference. */
  readonly mechanisms: readonly NamedFactory[];
  /** Who may enter, asked by the handshake driver; `allowAny()` lets everyone in. */
  readonly authorizer: Authorizer;
  /**
   * What the authorizer's decision led to (frames to send, or the end of the peering); not
   * called once the session was closed meanwhile.
   */
  readonly onDecision: (actions: ServerActions) => void;
  /** Most file bytes in one CHEEZBURGER (default 512 KiB). */
  readonly chunkSize?: number;
  /** The handshake deadline the binding arms, in ms; only for the timeout's message. */
  readonly handshakeTimeout?: number;
}

/** What the binding must do after a call. */
export interface ServerActions {
  /** Frames to send to this peer, in order. */
  readonly send: Uint8Array[];
  /**
   * True when the frame was not taken: it lacks the FileMQ signature, or came while a decision
   * was pending. It is no sign of life: the binding does not refresh the peering's deadline.
   */
  readonly dropped?: boolean;
  /** True when the authorizer was asked: its outcome comes through `onDecision`. */
  readonly deciding?: boolean;
  /** A subscription to plan: build the manifest and pass the transfers to {@link ServerSession.offer}. */
  readonly subscribe?: Icanhaz;
  /** True when the session is over: send `send`, then forget the peer. */
  readonly close?: boolean;
  /** True on the step that granted access (its `send` holds OHAI-OK). */
  readonly granted?: boolean;
  /** Why the session closed, when it closed on a fault, a refusal or a channel limit. */
  readonly error?: FileMqError | ChannelError;
}

/** A piece of a file the binding must read and pass to {@link ServerSession.chunk}. */
export interface ChunkRead {
  readonly path: string;
  readonly offset: number;
  readonly length: number;
  /**
   * The size of the chunk's header. A binding may read the data behind this much free room
   * (`data.byteOffset === headroom`, `data.buffer.byteLength === headroom + length`): the
   * header is then written there and the data is not copied into the command.
   */
  readonly headroom?: number;
}

/** The outstanding read, with the chunk's header made when the read was asked for. */
interface Reading extends ChunkRead {
  readonly headroom: number;
  readonly header: Uint8Array;
  readonly eof: boolean;
}

type ServerState = 'expectOhai' | 'handshaking' | 'authorizing' | 'expectIcanhaz' | 'planning' | 'serving' | 'closed';

/** Most file bytes in one CHEEZBURGER unless told otherwise. */
export const DEFAULT_CHUNK_SIZE = 512 * 1024;

const NONE: ServerActions = Object.freeze({ send: [] });
const DROPPED: ServerActions = Object.freeze({ send: [], dropped: true });

/** One client's peering on the server. */
export class ServerSession {
  private state: ServerState = 'expectOhai';
  private mechanism: Mechanism | undefined;
  private driver: HandshakeDriver | undefined;
  private readonly frameLimit: number;
  private readonly ledger = new CreditLedger();
  private readonly chunkSize: number;
  private pendingBlobs: Uint8Array[] = [];
  private outgoing: Uint8Array[] = [];
  private queue: Transfer[] = [];
  private position = 0;
  private sequence = 0;
  private reading: Reading | undefined;

  /**
   * @throws {@link RangeError} for no mechanism or a chunk size that is not a positive integer
   * @throws {@link TypeError} without `options.authorizer` or `options.onDecision`
   */
  constructor(private readonly options: ServerSessionOptions) {
    if (!Array.isArray(options?.mechanisms) || options.mechanisms.length === 0) {
      throw new RangeError('"mechanisms" expected at least one mechanism');
    }
    if (typeof options.authorizer !== 'function') {
      throw new TypeError('"options.authorizer" is required: pass a function deciding who may enter (allowAny() lets everyone in)');
    }
    if (typeof options.onDecision !== 'function') throw new TypeError('"options.onDecision" expected a function');
    this.frameLimit = handshakeFrameLimit(options.mechanisms);
    this.chunkSize = checkSize(options.chunkSize, 'chunkSize', DEFAULT_CHUNK_SIZE);
  }

  /** The protocol state. */
  get status(): ServerState {
    return this.state;
  }

  /** The authenticated peer, once access was granted. */
  get peer(): Mechanism['peer'] {
    return this.authenticated ? this.mechanism?.peer : undefined;
  }

  /** True once access was granted, until the session closes. */
  get authenticated(): boolean {
    return this.state === 'expectIcanhaz' || this.state === 'planning' || this.state === 'serving';
  }

  /** True until access is granted or refused: the peering still holds a handshake slot. */
  get handshaking(): boolean {
    return this.state === 'expectOhai' || this.state === 'handshaking' || this.state === 'authorizing';
  }

  /** True while the authorizer has not answered. */
  get deciding(): boolean {
    return this.state === 'authorizing';
  }

  /** File bytes the peer has granted and the server has not used yet. */
  get credit(): number {
    return this.ledger.credit;
  }

  /** Processes one frame from the peer. Takes any bytes. */
  receive(frame: Uint8Array): ServerActions {
    if (this.state === 'closed') return NONE;
    if (this.handshaking && frame.length > this.frameLimit) {
      return this.end(new ChannelError('ERR_FRAME_TOO_LARGE', `a frame of ${frame.length} bytes before access exceeds ${this.frameLimit}`));
    }
    // Reading stops while the authorizer decides: what comes meanwhile is not even parsed.
    if (this.state === 'authorizing') return DROPPED;
    let command: Command;
    try {
      command = decodeCommand(frame);
    } catch (error) {
      // FileMQ drops what does not carry its signature: it is not a FileMQ peer talking.
      if (isFileMqError(error, 'ERR_FILEMQ_SIGNATURE')) return DROPPED;
      return this.rtfm(error as FileMqError);
    }
    try {
      return this.dispatch(command);
    } catch (error) {
      if (isFileMqError(error)) return this.rtfm(error);
      throw error;
    }
  }

  /**
   * The handshake deadline passed: ends a peering not yet granted (`ERR_HANDSHAKE_TIMEOUT`,
   * with SRSLY for the peer). Does nothing once access was granted or the session closed.
   */
  expire(): ServerActions {
    if (!this.handshaking) return NONE;
    const outcome = this.driver?.expire();
    return this.end((outcome?.error as ChannelError | undefined) ?? new ChannelError('ERR_HANDSHAKE_TIMEOUT', 'the handshake did not start in time'));
  }

  /**
   * Ends the session for a reason of the binding's (evicted, the server closing): a pending
   * decision is then ignored and the mechanism of an unfinished handshake destroyed.
   */
  close(): void {
    // The driver destroys an unfinished handshake's mechanism; a ready one is ours to wipe.
    if (this.driver?.state === 'ready' && this.state !== 'closed') this.mechanism!.destroy();
    this.driver?.close();
    this.state = 'closed';
    this.queue = [];
    this.reading = undefined;
  }

  /**
   * Starts serving the planned transfers: the peer learns how much will come, and how many
   * files the server holds under the path (`available`, at least the number of transfers).
   *
   * @throws {@link StateError} unless a subscription is being planned
   */
  offer(transfers: readonly Transfer[], available: number): ServerActions {
    if (this.state !== 'planning') throw new StateError(`no subscription is being planned (state ${this.state})`);
    this.state = 'serving';
    this.queue = [...transfers];
    this.position = this.queue[0]?.offset ?? 0;
    const files = transfers.length;
    const ok = { name: 'ICANHAZ-OK', files, bytes: bytesToSend(transfers), available: Math.max(available, files) } as const;
    return { send: [seal(this.mechanism!, ok)] };
  }

  /**
   * The next piece of file to read, taking its length from the credit; `undefined` when there
   * is nothing to send or no credit left. An empty file needs no credit.
   *
   * @throws {@link StateError} while a read is outstanding
   */
  nextRead(): ChunkRead | undefined {
    if (this.reading !== undefined) throw new StateError('a read is already outstanding');
    const transfer = this.queue[0];
    if (this.state !== 'serving' || transfer === undefined) return undefined;
    const remaining = transfer.size - this.position;
    const length = this.ledger.take(Math.min(this.chunkSize, remaining));
    if (length === 0 && remaining > 0) return undefined;
    const offset = this.position;
    const eof = offset + length === transfer.size;
    const chunk = { name: 'CHEEZBURGER', sequence: this.sequence, path: transfer.path, offset, eof, size: transfer.size, sha256: transfer.sha256 } as const;
    const header = encodeChunkHeader(chunk, length);
    this.reading = { path: transfer.path, offset, length, headroom: header.length, header, eof };
    return this.reading;
  }

  /**
   * Wraps the bytes of the outstanding read in a CHEEZBURGER.
   *
   * @throws {@link StateError} when no read is outstanding
   * @throws {@link RangeError} when `data` is not exactly the length asked for
   */
  chunk(data: Uint8Array): Uint8Array {
    const read = this.reading;
    if (read === undefined) throw new StateError('no read is outstanding');
    if (data.length !== read.length) throw new RangeError(`"data" expected ${read.length} bytes, got ${data.length}`);
    this.reading = undefined;
    this.sequence++;
    this.position += data.length;
    if (read.eof) {
      this.queue.shift();
      this.position = this.queue[0]?.offset ?? 0;
    }
    return sealFrame(this.mechanism!, withHeader(read.header, data));
  }

  /** Ends the session on a server-side fault (a file changed while it was being sent). */
  abort(reason: string): ServerActions {
    if (this.state === 'closed') return NONE; // the peer left while the file was being read
    return this.rtfm(new FileMqError('ERR_FILEMQ_CLOSED', reason));
  }

  private dispatch(command: Command): ServerActions {
    switch (this.state) {
      case 'expectOhai':
        if (command.name === 'OHAI') return this.ohai(command.protocol, command.version, command.mechanisms);
        break;
      case 'handshaking':
        if (command.name === 'YARLY' && command.mechanism === this.mechanism!.name) {
          this.pendingBlobs = [...command.blobs];
          return this.feed();
        }
        break;
      default:
        if (command.name === 'SEALED') return this.sealed(command.blob);
    }
    return this.rtfm(new FileMqError('ERR_FILEMQ_UNEXPECTED', `${command.name} in state ${this.state}`));
  }

  private ohai(protocol: string, version: number, offered: readonly string[]): ServerActions {
    if (protocol !== PROTOCOL || version !== VERSION) {
      return this.rtfm(new FileMqError('ERR_FILEMQ_UNEXPECTED', `unsupported protocol ${protocol} ${version}`));
    }
    const wanted = new Set(offered.map((name) => name.toUpperCase()));
    const chosen = this.options.mechanisms.find((m) => wanted.has(m.name.toUpperCase()));
    if (chosen === undefined) return this.refuse('no common mechanism', 'ERR_FILEMQ_REFUSED');
    this.mechanism = chosen.create();
    this.driver = new HandshakeDriver(this.mechanism, {
      authorizer: this.options.authorizer,
      timeout: this.options.handshakeTimeout,
      maxBlobSize: chosen.maxHandshakeSize ?? DEFAULT_WIRE_TRAITS.maxHandshakeSize,
      onDecision: (outcome) => this.decided(outcome),
    });
    this.state = 'handshaking';
    const started = this.driver.start();
    if (started.state === 'failed') return this.settle();
    return { send: [encodeCommand({ name: 'ORLY', mechanism: this.mechanism.name, blobs: started.send })] };
  }

  /** The driver's answer to the authorizer's decision: go on with the blobs held meanwhile. */
  private decided(outcome: HandshakeOutcome): void {
    if (this.state !== 'authorizing') return; // closed meanwhile
    this.state = 'handshaking';
    this.outgoing.push(...outcome.send);
    this.options.onDecision(this.feed());
  }

  /** Feeds held handshake blobs to the driver until it needs a decision or input. */
  private feed(): ServerActions {
    const driver = this.driver!;
    while (driver.state === 'handshaking' && this.pendingBlobs.length > 0) {
      const outcome = driver.receive(this.pendingBlobs.shift()!);
      this.outgoing.push(...outcome.send);
      if (outcome.state === 'deciding') {
        this.state = 'authorizing';
        return { send: [], deciding: true };
      }
    }
    return this.settle();
  }

  /** Sends what the handshake produced: ORLY to go on, OHAI-OK when ready, SRSLY when failed. */
  private settle(): ServerActions {
    const driver = this.driver!;
    const blobs = this.outgoing;
    this.outgoing = [];
    if (driver.state === 'failed') {
      const code = (driver.error as { code?: unknown } | undefined)?.code;
      const denied = typeof code === 'string' && code.startsWith('ERR_AUTH');
      return this.refuse(denied ? 'access denied' : 'handshake failed', denied ? 'ERR_FILEMQ_REFUSED' : 'ERR_FILEMQ_SECURITY', driver.error);
    }
    if (driver.state === 'ready') {
      this.state = 'expectIcanhaz';
      return { send: [encodeCommand({ name: 'OHAI-OK', blobs })], granted: true };
    }
    return blobs.length === 0 ? NONE : { send: [encodeCommand({ name: 'ORLY', mechanism: this.mechanism!.name, blobs })] };
  }

  private sealed(blob: Uint8Array): ServerActions {
    const command = unseal(this.mechanism!, blob);
    switch (command.name) {
      case 'HUGZ':
        return { send: [seal(this.mechanism!, { name: 'HUGZ-OK' })] };
      case 'NOM':
        this.ledger.grant(command.credit);
        return NONE;
      case 'KTHXBAI':
        this.close();
        return { send: [], close: true };
      case 'ICANHAZ':
        if (this.state !== 'expectIcanhaz') break;
        normaliseSubscription(command.path);
        this.state = 'planning';
        return { send: [], subscribe: command };
      case 'RTFM':
        this.close();
        return { send: [], close: true, error: new FileMqError('ERR_FILEMQ_RTFM', `the client says: ${command.reason}`) };
    }
    return this.rtfm(new FileMqError('ERR_FILEMQ_UNEXPECTED', `${command.name} in state ${this.state}`));
  }

  private refuse(reason: string, code: 'ERR_FILEMQ_REFUSED' | 'ERR_FILEMQ_SECURITY', cause?: Error): ServerActions {
    this.close();
    const error = new FileMqError(code, reason, { cause });
    return { send: [encodeCommand({ name: 'SRSLY', reason })], close: true, error };
  }

  /** RTFM goes sealed when the mechanism can still seal, in the clear otherwise. */
  private rtfm(error: FileMqError): ServerActions {
    const command = { name: 'RTFM', reason: error.message } as const;
    const frame = this.mechanism?.status === 'ready' ? seal(this.mechanism, command) : encodeCommand(command);
    this.close();
    return { send: [frame], close: true, error };
  }

  /** Ends a peering not yet granted for a channel reason: SRSLY tells the peer why. */
  private end(error: ChannelError): ServerActions {
    this.close();
    return { send: [encodeCommand({ name: 'SRSLY', reason: error.message })], close: true, error };
  }
}

/**
 * The CHEEZBURGER frame `header ‖ data`: written into the room left in front of `data` when
 * there is exactly that much (see {@link ChunkRead.headroom}), copied together otherwise.
 */
function withHeader(header: Uint8Array, data: Uint8Array): Uint8Array {
  if (data.byteOffset === header.length && data.buffer.byteLength === header.length + data.length) {
    const frame = new Uint8Array(data.buffer, 0, header.length + data.length);
    frame.set(header);
    return frame;
  }
  const frame = new Uint8Array(header.length + data.length);
  frame.set(header);
  frame.set(data, header.length);
  return frame;
}
