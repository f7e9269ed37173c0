/**
 * NULL (ZMTP 3.x, RFC 23 and RFC 37): no security. Each side sends READY with its metadata;
 * the server answers the client's READY with its own. When created with `authenticate: true`,
 * the server asks the caller's decision (like libzmq with a ZAP domain) and answers a refusal
 * with ERROR (400, 500) or silence (300).
 *
 * ```
 * null = C:READY ( S:READY / S:ERROR )
 * ready = %d5 "READY" metadata
 * ```
 *
 * @module
 */
import {
  decisionError,
  decodeMetadata,
  encodeCommand,
  encodeError,
  encodeMetadata,
  Metadata,
  MechanismBase,
  MechanismError,
  parseCommand,
  peerErrorFrom,
  type AuthDecision,
  type DecodedPart,
  type MechanismDefinition,
  type MechanismOptions,
  type PartFlags,
  type Role,
} from '../../src';
import { commandWithMetadataSize, decodePlainPart, encodePlainPart } from '../message-part';

/** Options of the NULL mechanism. */
export interface NullOptions extends MechanismOptions {
  /** Server: ask the caller's decision before answering READY (default false). */
  readonly authenticate?: boolean;
}

type NullState = 'start' | 'expectReady' | 'ready';

/** One NULL session. */
export class NullMechanism extends MechanismBase {
  readonly name = 'NULL';
  private state: NullState = 'start';
  private readonly metadata: Uint8Array;
  private readonly authenticate: boolean;
  /** The client's metadata, kept while the server waits for its decision. */
  private peerMetadata: Metadata = Metadata.EMPTY;

  constructor(role: Role, options: NullOptions = {}) {
    super(role);
    this.metadata = encodeMetadata(options.metadata);
    this.authenticate = options.authenticate === true;
  }

  protected onStart(): Uint8Array[] {
    this.state = 'expectReady';
    return this.role === 'client' ? [this.makeReady()] : [];
  }

  protected onReceive(blob: Uint8Array): Uint8Array[] {
    const { name, body } = parseCommand(blob);
    if (name === 'ERROR' && this.role === 'client') throw peerErrorFrom(body);
    if (name !== 'READY') {
      throw new MechanismError('ERR_UNEXPECTED_COMMAND', `unexpected ${name}`, { command: name });
    }
    return this.onReady(body);
  }

  /** RFC 23 READY: the peer's metadata. */
  private onReady(body: Uint8Array): Uint8Array[] {
    const peerMetadata = decodeMetadata(body);
    if (this.role === 'client') {
      this.finish(peerMetadata);
      return [];
    }
    if (this.authenticate) {
      this.peerMetadata = peerMetadata;
      this.askDecision({ mechanism: 'NULL', metadata: peerMetadata });
      return [];
    }
    this.finish(peerMetadata);
    return [this.makeReady()];
  }

  protected override onDecision(decision: AuthDecision): Uint8Array[] {
    if (decision.status !== 200) {
      const error = decisionError(decision, 'READY');
      if (decision.status === 300) throw error;
      this.failWith(error, [encodeError(String(decision.status))]);
    }
    this.finish(this.peerMetadata, decision);
    return [this.makeReady()];
  }

  private makeReady(): Uint8Array {
    return encodeCommand('READY', this.metadata);
  }

  private finish(peerMetadata: Metadata, decision?: AuthDecision): void {
    this.state = 'ready';
    this.becomeReady({
      mechanism: 'NULL',
      metadata: peerMetadata,
      authMetadata: Metadata.from(decision?.metadata),
      ...(decision?.userId === undefined ? {} : { userId: decision.userId }),
    });
  }

  protected encodePart(data: Uint8Array, flags: PartFlags): Uint8Array {
    return encodePlainPart(data, flags);
  }

  protected decodePart(blob: Uint8Array, inPlace: boolean): DecodedPart {
    return decodePlainPart(blob, inPlace);
  }

  protected wipeSecrets(): void {
    // NULL holds no secrets.
  }

  /** The protocol state, named by what is expected next (for tests and logs). */
  get protocolState(): NullState {
    return this.state;
  }
}

/**
 * The NULL definition for the registry. Its client takes only the common options;
 * `authenticate` is the server's.
 */
export const NULL: MechanismDefinition<MechanismOptions, NullOptions, 'NULL'> = {
  name: 'NULL',
  // No security layer and no roles (RFC 23); READY with the most metadata is the largest command.
  wire: { parts: 'flagged', roles: false, maxHandshakeSize: commandWithMetadataSize('READY') },
  client: (options) => new NullMechanism('client', options),
  server: (options) => () => new NullMechanism('server', options),
};
