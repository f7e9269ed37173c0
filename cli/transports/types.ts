/**
 * What a CLI transport implements. `serve` and `connect` pick a transport by the endpoint:
 * `tcp://` and `ipc://` → ZMTP as libzmq speaks it (with `--envelope`: the ZeroMQ adapter's
 * envelope, also on `inproc://`); `tcp+stream://host:port` → the stream adapter over TCP;
 * `-` → the stream adapter over stdin/stdout.
 *
 * @module
 */
import type { Authorizer, MechanismRegistry } from '../../src';
import type { AnyMechanismOptions } from '../../src/registry';
import type { SessionRevoker } from '../../src/channel/revocation';
import type { FleetChoice } from '../options';

/** Where log lines go (stderr; stdout may carry the stdio transport's frames). */
export type Log = (line: string) => void;

/** Everything `serve` resolved from the command line. */
export interface ServeContext {
  /** The endpoint as given (`tcp://127.0.0.1:5555`, `tcp+stream://...`, `-`). */
  readonly endpoint: string;
  /** Upper-case mechanism name. */
  readonly mechanism: string;
  readonly registry: MechanismRegistry;
  /** Options for `registry.server(mechanism, options)` (e.g. CURVE `secretKey`). */
  readonly serverOptions: AnyMechanismOptions;
  /** The decision step; always set for CURVE and PLAIN (the CLI refuses to start otherwise). */
  readonly authorizer: Authorizer | undefined;
  readonly log: Log;
  /** Resolves when the server should stop (SIGINT/SIGTERM, or a test's abort). */
  readonly signal: AbortSignal;
  /** `--envelope`: the ZeroMQ adapter's own envelope rather than libzmq's security (default false). */
  readonly envelope?: boolean;
  /** `--workers`: processes sharing the port (default 1: this one alone). */
  readonly workers?: number;
  /**
   * `--allow-fleet`: ends the sessions of a key the fleet stops admitting on the server given;
   * returns the disposer. Absent without `--allow-fleet`.
   */
  readonly enforce?: (server: SessionRevoker) => () => void;
  /** `--allow-fleet`: the fleet to follow, before `withFleet` opens it. */
  readonly fleet?: FleetChoice;
}

/** Everything `connect` resolved from the command line. */
export interface ConnectContext {
  readonly endpoint: string;
  readonly mechanism: string;
  readonly registry: MechanismRegistry;
  /** Options for `registry.client(mechanism, options)` (e.g. CURVE `secretKey`, `serverKey`). */
  readonly clientOptions: AnyMechanismOptions;
  /** The messages to send, in order; each must come back unchanged (the server echoes). */
  readonly messages: readonly string[];
  /** Handshake and reply timeout in milliseconds. */
  readonly timeoutMs: number;
  readonly log: Log;
  /** `--envelope`: the ZeroMQ adapter's own envelope rather than libzmq's security (default false). */
  readonly envelope?: boolean;
}

/** A transport of the CLI. Both functions return an exit code from `../exit-codes`. */
export interface CliTransport {
  serve(context: ServeContext): Promise<number>;
  connect(context: ConnectContext): Promise<number>;
}
