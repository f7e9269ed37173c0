/**
 * The server's side of one peering, as a pure state machine: frames in, frames and requests out.
 * The binding supplies the authorizer's decision, the manifest and the file bytes.
 *
 * ```
 * expectOhai --OHAI--> handshaking --YARLY...--> (authorizing) --> expectIcanhaz
 *   --ICANHAZ--> planning --offer()--> serving --KTHXBAI--> closed
 * ```
 * HUGZ gets HUGZ-OK and NOM adds credit in every state after OHAI-OK. Anything invalid gets
 * RTFM and closes; a refusal gets SRSLY and closes. Frames without the signature are dropped.
 *
 * @module
 */
import { StateError } from '../errors';
import type { AuthDecision, AuthRequest, Mechanism } from '../mechanism';
import { decodeCommand, encodeCommand, PROTOCOL, VERSION, type Cheezburger, type Command, type Icanhaz } from './commands';
import { CreditLedger } from './credit';
import { FileMqError, isFileMqError } from './errors';
import { bytesToSend, type Transfer } from './manifest';
import { normaliseSubscription } from './paths';
import { seal, unseal } from './seal';

/** A mechanism the server accepts: its registry name and a per-peering factory. */
export interface NamedFactory {
  readonly name: string;
  readonly create: () => Mechanism;
}

/** Options of a {@link ServerSession}. */
export interface ServerSessionOptions {
  /** Accepted mechanisms in the server's order of preference. */
  readonly mechanisms: readonly NamedFactory[];
  /** Most file bytes in one CHEEZBURGER (default 512 KiB). */
  readonly chunkSize?: number;
}

/** What the binding must do after a call. */
export interface ServerActions {
  /** Frames to send to this peer, in order. */
  readonly send: Uint8Array[];
  /** A decision to make, then pass to {@link ServerSession.authorize}. */
  readonly auth?: AuthRequest;
  /** A subscription to plan: build the manifest and pass the transfers to {@link ServerSession.offer}. */
  readonly subscribe?: Icanhaz;
  /** True when the session is over: send `send`, then forget the peer. */
  readonly close?: boolean;
  /** True on the step that granted access (its `send` holds OHAI-OK). */
  readonly granted?: boolean;
  /** Why the session closed, when it closed on a fault or refusal. */
  readonly error?: FileMqError;
}

/** A piece of a file the binding must read and pass to {@link ServerSession.chunk}. */
export interface ChunkRead {
  readonly path: string;
  readonly offset: number;
  readonly length: number;
}

type ServerState = 'expectOhai' | 'handshaking' | 'authorizing' | 'expectIcanhaz' | 'planning' | 'serving' | 'closed';

const NONE: ServerActions = Object.freeze({ send: [] });

/** One client's peering on the server. */
export class ServerSession {
  private state: ServerState = 'expectOhai';
  private mechanism: Mechanism | undefined;
  private readonly ledger = new CreditLedger();
  private readonly chunkSize: number;
  private pendingBlobs: Uint8Array[] = [];
  private outgoing: Uint8Array[] = [];
  private queue: Transfer[] = [];
  private position = 0;
  private sequence = 0;
  private reading: ChunkRead | undefined;

  /** @throws {@link RangeError} for no mechanism or a chunk size that is not a positive integer */
  constructor(private readonly options: ServerSessionOptions) {
    if (!Array.isArray(options?.mechanisms) || options.mechanisms.length === 0) {
      throw new RangeError('"mechanisms" expected at least one mechanism');
    }
    this.chunkSize = options.chunkSize ?? 512 * 1024;
    if (!Number.isSafeInteger(this.chunkSize) || this.chunkSize <= 0) throw new RangeError('"chunkSize" expected a positive integer');
  }

  /** The protocol state. */
  get status(): ServerState {
    return this.state;
  }

  /** The authenticated peer, once access was granted. */
  get peer(): Mechanism['peer'] {
    return this.state === 'expectIcanhaz' || this.state === 'planning' || this.state === 'serving' ? this.mechanism?.peer : undefined;
  }

  /** File bytes the peer has granted and the server has not used yet. */
  get credit(): number {
    return this.ledger.credit;
  }

  /** Processes one frame from the peer. Takes any bytes. */
  receive(frame: Uint8Array): ServerActions {
    if (this.state === 'closed') return NONE;
    let command: Command;
    try {
      command = decodeCommand(frame);
    } catch (error) {
      // FileMQ drops what does not carry its signature: it is not a FileMQ peer talking.
      if (isFileMqError(error, 'ERR_FILEMQ_SIGNATURE')) return NONE;
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
   * Answers the pending decision and continues the handshake.
   *
   * @throws {@link StateError} unless a decision is pending
   */
  authorize(decision: AuthDecision): ServerActions {
    if (this.state !== 'authorizing') throw new StateError(`no decision is pending (state ${this.state})`);
    this.state = 'handshaking';
    this.outgoing.push(...this.mechanism!.authorize(decision).send);
    return this.feed();
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
    this.reading = { path: transfer.path, offset: this.position, length };
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
    const transfer = this.queue[0]!;
    this.position += data.length;
    const eof = this.position === transfer.size;
    const command: Cheezburger = {
      name: 'CHEEZBURGER',
      sequence: this.sequence++,
      path: transfer.path,
      offset: read.offset,
      eof,
      size: transfer.size,
      sha256: transfer.sha256,
      data,
    };
    if (eof) {
      this.queue.shift();
      this.position = this.queue[0]?.offset ?? 0;
    }
    return seal(this.mechanism!, command);
  }

  /** Ends the session on a server-side fault (a file changed while it was being sent). */
  abort(reason: string): ServerActions {
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
      case 'authorizing':
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
    this.state = 'handshaking';
    const blobs = this.mechanism.start().send;
    return { send: [encodeCommand({ name: 'ORLY', mechanism: this.mechanism.name, blobs })] };
  }

  /** Feeds pending handshake blobs to the mechanism until it needs a decision or input. */
  private feed(): ServerActions {
    const mechanism = this.mechanism!;
    while (mechanism.status === 'handshaking' && this.pendingBlobs.length > 0) {
      const step = mechanism.receive(this.pendingBlobs.shift()!);
      this.outgoing.push(...step.send);
      if (step.auth !== undefined) {
        this.state = 'authorizing';
        return { send: [], auth: step.auth };
      }
    }
    const blobs = this.outgoing;
    this.outgoing = [];
    if (mechanism.status === 'failed') {
      const code = mechanism.error?.code ?? 'unknown';
      return this.refuse(code.startsWith('ERR_AUTH') ? 'access denied' : 'handshake failed', code.startsWith('ERR_AUTH') ? 'ERR_FILEMQ_REFUSED' : 'ERR_FILEMQ_SECURITY');
    }
    if (mechanism.status === 'ready') {
      this.state = 'expectIcanhaz';
      return { send: [encodeCommand({ name: 'OHAI-OK', blobs })], granted: true };
    }
    return blobs.length === 0 ? NONE : { send: [encodeCommand({ name: 'ORLY', mechanism: mechanism.name, blobs })] };
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

  private refuse(reason: string, code: 'ERR_FILEMQ_REFUSED' | 'ERR_FILEMQ_SECURITY'): ServerActions {
    this.close();
    return { send: [encodeCommand({ name: 'SRSLY', reason })], close: true, error: new FileMqError(code, reason) };
  }

  /** RTFM goes sealed when the mechanism can still seal, in the clear otherwise. */
  private rtfm(error: FileMqError): ServerActions {
    const command = { name: 'RTFM', reason: error.message } as const;
    const frame = this.mechanism?.status === 'ready' ? seal(this.mechanism, command) : encodeCommand(command);
    this.close();
    return { send: [frame], close: true, error };
  }

  private close(): void {
    this.state = 'closed';
    this.queue = [];
    this.reading = undefined;
  }
}
