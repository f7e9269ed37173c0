/**
 * The turn-keeping and failure-handling scaffold every built-in mechanism extends, so that the
 * contract in `./mechanism.ts` (turn order, atomic steps, terminal failure, wiping) is enforced
 * in one place and each mechanism only writes one function per command.
 *
 * @module
 */
import { assertBytes } from './bytes';
import { Metadata } from './codec/metadata';
import { MechanismError, StateError } from './errors';
import type {
  AuthDecision,
  AuthRequest,
  DecodedPart,
  PeerIdentity,
  Role,
  Status,
  Step,
} from './mechanism';
import type { DecodeOptions, TunedCodec, TunedPartFlags } from './tuned-codec';

/** Lifecycle phases the scaffold itself tracks; mechanisms keep their own protocol state. */
type Phase = 'new' | 'handshaking' | 'deciding' | 'ready' | 'failed' | 'destroyed';

const AUTH_STATUSES = new Set([200, 300, 400, 500]);

/**
 * Base class for mechanisms. Subclasses implement the `on*` hooks; each hook either returns the
 * blobs to send or throws a {@link MechanismError}, which the base turns into a failed step.
 * Hooks must authenticate and validate before they mutate anything (atomic steps).
 */
export abstract class MechanismBase implements TunedCodec {
  abstract readonly name: string;
  /** Built-ins take the speed options (see `src/tuned-codec.ts`). */
  readonly tunedCodec = true as const;
  readonly role: Role;
  private phase: Phase = 'new';
  private pendingAuth: AuthRequest | undefined;
  private failure: MechanismError | undefined;
  private identity: PeerIdentity | undefined;

  protected constructor(role: Role) {
    if (role !== 'client' && role !== 'server') {
      throw new TypeError(`"role" expected 'client' or 'server', got ${String(role)}`);
    }
    this.role = role;
  }

  get status(): Status {
    if (this.phase === 'ready') return 'ready';
    if (this.phase === 'failed' || this.phase === 'destroyed') return 'failed';
    return 'handshaking';
  }

  get peer(): PeerIdentity | undefined {
    return this.identity;
  }

  get error(): MechanismError | undefined {
    return this.failure;
  }

  start(): Step {
    this.expectPhase('start', 'new');
    this.phase = 'handshaking';
    return this.run(() => this.onStart());
  }

  receive(blob: Uint8Array): Step {
    assertBytes(blob, 'blob');
    this.expectPhase('receive', 'handshaking');
    return this.run(() => this.onReceive(blob));
  }

  authorize(decision: AuthDecision): Step {
    const checked = checkDecision(decision);
    this.expectPhase('authorize', 'deciding');
    const request = this.pendingAuth!;
    this.pendingAuth = undefined;
    this.phase = 'handshaking';
    return this.run(() => this.onDecision(checked, request));
  }

  encode(data: Uint8Array, flags: TunedPartFlags = {}): Uint8Array {
    assertBytes(data, 'data');
    this.expectPhase('encode', 'ready');
    try {
      return this.encodePart(data, flags);
    } catch (error) {
      if (error instanceof MechanismError) this.enterFailed(error);
      throw error;
    }
  }

  decode(blob: Uint8Array, options: DecodeOptions = {}): DecodedPart {
    assertBytes(blob, 'blob');
    this.expectPhase('decode', 'ready');
    try {
      return this.decodePart(blob, options.inPlace === true);
    } catch (error) {
      if (error instanceof MechanismError && options.onError !== 'keep') this.enterFailed(error);
      throw error;
    }
  }

  destroy(): void {
    if (this.phase === 'destroyed') return;
    this.wipeSecrets();
    this.phase = 'destroyed';
    this.pendingAuth = undefined;
  }

  /** Produces the first blobs (client) or nothing (server). */
  protected abstract onStart(): Uint8Array[];
  /** Handles one handshake blob; returns the blobs to send. */
  protected abstract onReceive(blob: Uint8Array): Uint8Array[];
  /** Handles the caller's decision on the request made by {@link askDecision}. */
  protected onDecision(_decision: AuthDecision, _request: AuthRequest): Uint8Array[] {
    throw new StateError(`${this.name} does not ask for decisions`);
  }
  /** Encodes a part once ready. */
  protected abstract encodePart(data: Uint8Array, flags: TunedPartFlags): Uint8Array;
  /**
   * Decodes a part once ready; must leave state untouched when it throws. With `inPlace` it may
   * write into `blob` and return a view into it (see {@link DecodeOptions.inPlace}).
   */
  protected abstract decodePart(blob: Uint8Array, inPlace: boolean): DecodedPart;
  /** Zero-fills every secret; called on failure and on destroy. */
  protected abstract wipeSecrets(): void;

  /** Called by a hook: the step ends waiting for the caller's decision on `request`. */
  protected askDecision(request: AuthRequest): void {
    this.pendingAuth = request;
    this.phase = 'deciding';
  }

  /** Called by a hook: the handshake is complete with `peer`. */
  protected becomeReady(peer: PeerIdentity): void {
    this.identity = peer;
    this.phase = 'ready';
  }

  /**
   * Called by a hook that must fail while still sending something (the protocol's ERROR).
   * Throwing a {@link MechanismError} fails without sending.
   */
  protected failWith(error: MechanismError, send: Uint8Array[]): never {
    throw new FailureWithReply(error, send);
  }

  private run(hook: () => Uint8Array[]): Step {
    try {
      const send = hook();
      const auth = this.phase === 'deciding' ? this.pendingAuth : undefined;
      return auth === undefined ? { send, status: this.status } : { send, status: this.status, auth };
    } catch (error) {
      if (error instanceof FailureWithReply) return this.failedStep(error.error, error.send);
      if (error instanceof MechanismError) return this.failedStep(error, []);
      throw error;
    }
  }

  private failedStep(error: MechanismError, send: Uint8Array[]): Step {
    this.enterFailed(error);
    return { send, status: 'failed', error };
  }

  private enterFailed(error: MechanismError): void {
    this.failure = error;
    this.phase = 'failed';
    this.pendingAuth = undefined;
    this.wipeSecrets();
  }

  private expectPhase(call: string, phase: Phase): void {
    if (this.phase === phase) return;
    throw new StateError(`${this.name} ${this.role}: ${call}() not allowed ${describePhase(this.phase)}`);
  }
}

class FailureWithReply {
  constructor(
    readonly error: MechanismError,
    readonly send: Uint8Array[],
  ) {}
}

function describePhase(phase: Phase): string {
  switch (phase) {
    case 'new':
      return 'before start()';
    case 'handshaking':
      return 'while handshaking';
    case 'deciding':
      return 'while a decision is pending';
    case 'ready':
      return 'once ready';
    case 'failed':
      return 'after the mechanism failed';
    case 'destroyed':
      return 'after destroy()';
  }
}

/**
 * Validates a decision given by the caller.
 *
 * @throws {@link TypeError} when it is not an object or its fields have the wrong types
 * @throws {@link RangeError} when `status` is not 200, 300, 400 or 500
 */
function checkDecision(decision: AuthDecision): AuthDecision {
  if (typeof decision !== 'object' || decision === null) {
    throw new TypeError('"decision" expected an object with a status');
  }
  if (!AUTH_STATUSES.has(decision.status)) {
    throw new RangeError(`"decision.status" expected 200, 300, 400 or 500, got ${String(decision.status)}`);
  }
  if (decision.userId !== undefined && typeof decision.userId !== 'string') {
    throw new TypeError('"decision.userId" expected a string');
  }
  Metadata.from(decision.metadata);
  return decision;
}

/** The mechanism error that stands for a refusing decision (300, 400 or 500). */
export function decisionError(decision: AuthDecision, command: string): MechanismError {
  const text = decision.statusText ?? '';
  switch (decision.status) {
    case 300:
      return new MechanismError('ERR_AUTH_TEMPORARY', `authentication temporarily failed ${text}`.trim(), { command, status: 300 });
    case 400:
      return new MechanismError('ERR_AUTH_DENIED', `authentication denied ${text}`.trim(), { command, status: 400 });
    default:
      return new MechanismError('ERR_AUTH_ERROR', `authentication error ${text}`.trim(), { command, status: 500 });
  }
}
