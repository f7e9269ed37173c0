/**
 * The `Mechanism` contract: a SASL-like, I/O-free state machine.
 *
 * A client and a server exchange opaque blobs until both are `ready` or one is `failed`; then
 * the same object encodes and decodes application message parts. A mechanism never touches a
 * socket, a timer, a file or global randomness: randomness and the clock are injected, and the
 * server's decision about who may enter is a step the caller resolves (possibly asynchronously)
 * through {@link Mechanism.authorize}. See `docs/mechanism.md`.
 *
 * @module
 */
import type { MechanismError } from './errors';
import type { Metadata, MetadataInit } from './codec/metadata';
import type { RandomSource } from './random';

/** Where a mechanism is in its life. */
export type Status = 'handshaking' | 'ready' | 'failed';

/** Which side of the exchange a mechanism plays. The client speaks first. */
export type Role = 'client' | 'server';

/**
 * What one call to `start`, `receive` or `authorize` produced.
 *
 * - `send`: blobs to deliver to the peer, in order (possibly none). When `status` is `failed`
 *   this may hold the protocol's ERROR command.
 * - `status`: the mechanism's status after the step.
 * - `auth`: present when a server needs a decision; the caller must answer with
 *   {@link Mechanism.authorize} before anything else happens.
 * - `error`: present exactly when `status` is `failed`.
 * - `pending`: present when the step is not complete yet: the mechanism is computing (e.g. an
 *   X25519 on WebCrypto, which only answers with promises). `status` is then `handshaking`,
 *   `send` may hold blobs to deliver now, and the promise gives the rest of the step, which
 *   may itself carry `auth` or `pending`. Until it settles the caller must not call anything
 *   but `destroy()`: the mechanism throws a `StateError`. After `destroy()` the late result
 *   is wiped by the mechanism and the promise rejects; the caller ignores it.
 */
export interface Step {
  readonly send: readonly Uint8Array[];
  readonly status: Status;
  readonly auth?: AuthRequest;
  readonly error?: MechanismError;
  readonly pending?: Promise<Step>;
}

/**
 * The question a server mechanism asks its caller (ZAP semantics, RFC 27). Adapters add
 * transport facts they have verified themselves (`address`).
 */
export interface AuthRequest {
  /** The mechanism's name: `'CURVE'`, `'PLAIN'`, `'NULL'` or a custom one. */
  readonly mechanism: string;
  /** CURVE: the client's long-term public key C (32 bytes). */
  readonly publicKey?: Uint8Array;
  /** CURVE: the same key in Z85 (40 characters). */
  readonly publicKeyZ85?: string;
  /** PLAIN: the user name sent in HELLO. */
  readonly username?: string;
  /** PLAIN: the password sent in HELLO. */
  readonly password?: string;
  /** The client's metadata, when the mechanism has it at decision time (CURVE INITIATE, NULL READY). */
  readonly metadata: Metadata;
  /** The peer's transport address, set only by an adapter that verified it. */
  readonly address?: string;
  /** The ZAP domain (ZMQ_ZAP_DOMAIN of the server socket), set by the ZAP handler when not empty. */
  readonly domain?: string;
}

/** ZAP status codes (RFC 27): success, temporary failure, authentication failure, internal error. */
export type AuthStatus = 200 | 300 | 400 | 500;

/**
 * The answer to an {@link AuthRequest}.
 * - 200: allow, with an optional user id and metadata passed up with every message;
 * - 300: temporary failure: the server closes silently and the client may retry;
 * - 400: denied: the server sends ERROR "400";
 * - 500: internal error: the server sends ERROR "500".
 */
export interface AuthDecision {
  readonly status: AuthStatus;
  readonly statusText?: string;
  /** The user id for the peer (default: the CURVE key in Z85, or the PLAIN user name). */
  readonly userId?: string;
  /** Metadata the decision attaches to the peer (ZAP reply frame 6). */
  readonly metadata?: MetadataInit;
}

/** Who the peer is, once the handshake has completed. */
export interface PeerIdentity {
  /** The mechanism that authenticated it. */
  readonly mechanism: string;
  /** CURVE: the peer's long-term public key (the client's C on a server, S on a client). */
  readonly publicKey?: Uint8Array;
  /** CURVE: the same key in Z85. */
  readonly publicKeyZ85?: string;
  /** The user id the server's decision gave (server side only). */
  readonly userId?: string;
  /** Metadata the peer sent in its handshake (INITIATE or READY). */
  readonly metadata: Metadata;
  /** Metadata the server's decision attached (server side only). */
  readonly authMetadata: Metadata;
}

/** Flags of one message part. */
export interface PartFlags {
  /** More parts of the same message follow (ZMTP MORE). */
  readonly more?: boolean;
  /** The part is a ZMTP command (PING, PONG, SUBSCRIBE...) rather than data (CURVE bit 1). */
  readonly command?: boolean;
}

/** One decoded message part. */
export interface DecodedPart {
  readonly data: Uint8Array;
  readonly more: boolean;
  readonly command: boolean;
}

/**
 * A security mechanism for one connection (one session).
 *
 * Turn order: call `start()` once on either side before anything else; the client's step holds
 * its first blob, the server's holds none. Then feed each received blob to `receive()`. When a
 * step carries `auth`, call `authorize()` with the decision before receiving again; when it
 * carries `pending`, wait for that promise's step before anything else. Once
 * `status` is `ready`, use `encode()` and `decode()`. Any call out of turn throws a
 * {@link StateError}; after `failed` every call throws one.
 */
export interface Mechanism {
  /** The mechanism name, upper case (`'CURVE'`, `'PLAIN'`, `'NULL'`). */
  readonly name: string;
  /** Client or server. */
  readonly role: Role;
  /** Current status. */
  readonly status: Status;
  /** The authenticated peer, once `ready`; `undefined` before. */
  readonly peer: PeerIdentity | undefined;
  /** The error that failed the mechanism, once `failed`. */
  readonly error: MechanismError | undefined;

  /** Starts the exchange. The client's step holds its first blob. */
  start(): Step;
  /** Processes one blob from the peer during the handshake. */
  receive(blob: Uint8Array): Step;
  /** Answers a pending {@link AuthRequest}. */
  authorize(decision: AuthDecision): Step;
  /**
   * Encodes one message part for the peer.
   *
   * @throws {@link StateError} unless `ready`
   * @throws {@link MechanismError} `ERR_NONCE_EXHAUSTED` when no nonce is left (then `failed`)
   */
  encode(data: Uint8Array, flags?: PartFlags): Uint8Array;
  /**
   * Decodes one blob from the peer into a message part.
   *
   * @throws {@link StateError} unless `ready`
   * @throws {@link MechanismError} for a malformed, forged or replayed blob
   */
  decode(blob: Uint8Array): DecodedPart;
  /** Wipes every secret the mechanism holds; afterwards every call throws a `StateError`. */
  destroy(): void;
}

/** Options every mechanism understands; each mechanism adds its own. */
export interface MechanismOptions {
  /** Metadata this side sends in its handshake (e.g. `Socket-Type`, `X-*` properties). */
  readonly metadata?: MetadataInit;
  /** The random source (default: the platform's CSPRNG). Inject one for deterministic tests. */
  readonly random?: RandomSource;
  /** The clock in milliseconds (default `Date.now`). Inject one for deterministic tests. */
  readonly clock?: () => number;
}

/**
 * What `MechanismDefinition.server(options)` returns for one listening endpoint: call it once
 * per connection for a fresh server session. A mechanism with endpoint-wide secrets (CURVE's
 * cookie keys) also has `close()`, which wipes them; the adapters call it when the endpoint
 * closes, and the factory makes no session after that. A plain function is a valid factory.
 */
export interface ServerSessions {
  (): Mechanism;
  /** Wipes the endpoint's shared secrets; later calls of the factory throw a `StateError`. */
  close?(): void;
}

/**
 * A mechanism by name, as the registry holds it. `client(options)` makes one client session;
 * `server(options)` is called once per listening endpoint and returns a factory that makes one
 * server session per connection, sharing endpoint-wide state (for CURVE: the cookie keys and
 * the replay record).
 *
 * The two roles take their own options type, so that a role's required option (CURVE's
 * `serverKey` on a client) is a compile error when missing rather than a run-time one; a
 * mechanism whose roles take the same options gives one type. `Name` may be a literal
 * (`'CURVE'`) so that a definition's type says which mechanism it is.
 */
export interface MechanismDefinition<
  ClientOptions extends MechanismOptions = MechanismOptions,
  ServerOptions extends MechanismOptions = ClientOptions,
  Name extends string = string,
> {
  readonly name: Name;
  /** How the mechanism looks on a wire; adapters read this instead of naming mechanisms. */
  readonly wire?: WireTraits;
  client(options: ClientOptions): Mechanism;
  server(options: ServerOptions): ServerSessions;
}

/**
 * A definition of any mechanism, whatever its options: the constraint of generic option types.
 * `never` options make every definition assignable to it (a parameter type is contravariant).
 */
export type AnyDefinition = MechanismDefinition<never, never>;

/** The options `definition.client()` takes (CURVE: `CurveClientOptions`). */
export type ClientOptionsOf<D extends AnyDefinition> = D extends { client(options: infer O): Mechanism } ? O : never;

/** The options `definition.server()` takes (CURVE: `CurveServerOptions`). */
export type ServerOptionsOf<D extends AnyDefinition> = D extends { server(options: infer O): ServerSessions } ? O : never;

/**
 * What an adapter must know of a mechanism's wire form, so that no adapter names a mechanism.
 * A definition without `wire` gets {@link DEFAULT_WIRE_TRAITS}.
 */
export interface WireTraits {
  /**
   * How a message part travels in ZMTP. `'sealed'`: each part is a command blob of its own
   * (CURVE's MESSAGE) carried in a plain message frame, flags inside the seal. `'flagged'`: the
   * part blob is a flags byte (bit 0 MORE, bit 1 COMMAND) then the data, and ZMTP carries the
   * data in a frame with those flags (NULL, PLAIN: no security layer).
   */
  readonly parts: 'sealed' | 'flagged';
  /** Whether client and server play different roles (ZMTP's as-server bit); NULL has none. */
  readonly roles: boolean;
  /**
   * The largest handshake command in bytes: until a peer is authenticated, an adapter refuses
   * any larger frame from its header alone.
   */
  readonly maxHandshakeSize: number;
}

/** The traits of a definition that declares none: sealed parts, roles, 64 KiB commands. */
export const DEFAULT_WIRE_TRAITS: WireTraits = Object.freeze({ parts: 'sealed', roles: true, maxHandshakeSize: 64 * 1024 });

/** The wire traits of `definition`, defaulted. */
export function wireTraits(definition: Pick<AnyDefinition, 'wire'>): WireTraits {
  return definition.wire ?? DEFAULT_WIRE_TRAITS;
}
