/**
 * Which fleet server(s) a client (replica or updater) talks to: one server (`host`, `port`), or
 * a Binary Star pair (`servers`, two of them, each with its own CURVE public key). A client
 * follows one at a time and moves to the other when its HUGZ stop.
 *
 * @module
 */
import type { KeyLike } from '../../../keys';
import { nativeCurveClient } from '../native-curve';
import { checkBasePort } from './sockets';

/** One server of a pair, as a client sees it. */
export interface FleetServerAddress {
  /** Host (default 127.0.0.1). */
  readonly host?: string;
  /** Base port P (SNAPSHOT P, PUBLISHER P + 1, COLLECTOR P + 2). */
  readonly port: number;
  /** This server's CURVE public key (default: the client's `serverKey`). */
  readonly serverKey?: KeyLike;
}

/** The options every fleet client takes to name its server(s). */
export interface FleetClientAddressing {
  /** The server's host (default 127.0.0.1); with `port`. */
  readonly host?: string;
  /** The server's base port P; exclusive with `servers`. */
  readonly port?: number;
  /** A Binary Star pair (primary first), or one server; exclusive with `port`. */
  readonly servers?: readonly FleetServerAddress[];
  /** The server's CURVE public key (required unless `curve` is false, or each server names its own). */
  readonly serverKey?: KeyLike;
  /** This client's CURVE secret key (required unless `curve` is false). */
  readonly secretKey?: KeyLike;
  /** false: plain RFC 12 to servers started with `curve: false`. Default true. */
  readonly curve?: boolean;
}

/** A checked server address with the socket options to reach it. */
export interface FleetEndpoint {
  readonly host: string;
  readonly port: number;
  /** The sockets' CURVE options, derived once (none when `curve` is false). */
  readonly curve: object;
}

/**
 * Checks the addressing options.
 *
 * @throws {@link TypeError}/{@link RangeError} naming a bad option
 */
export function fleetEndpoints(options: FleetClientAddressing): FleetEndpoint[] {
  if (options.curve !== undefined && typeof options.curve !== 'boolean') throw new TypeError('"options.curve" expected a boolean');
  if ((options.port === undefined) === (options.servers === undefined)) throw new TypeError('"options.port" or "options.servers" expected (one of them)');
  if (options.servers !== undefined) {
    if (!Array.isArray(options.servers) || options.servers.length < 1 || options.servers.length > 2) {
      throw new RangeError('"options.servers" expected one server or a pair (an array of 1 or 2)');
    }
    if (options.host !== undefined) throw new TypeError('"options.host" goes in each of "options.servers"');
  }
  const addresses: FleetServerAddress[] = options.servers !== undefined ? [...options.servers] : [{ host: options.host, port: options.port as number }];
  return addresses.map((address, i) => {
    const name = options.servers === undefined ? 'options' : `options.servers[${i}]`;
    if (typeof address !== 'object' || address === null) throw new TypeError(`"${name}" expected an object`);
    const port = checkBasePort(address.port, `${name}.port`);
    const host = address.host ?? '127.0.0.1';
    if (typeof host !== 'string') throw new TypeError(`"${name}.host" expected a string`);
    return { host, port, curve: clientCurve({ ...options, serverKey: address.serverKey ?? options.serverKey }) };
  });
}

/** The endpoint of the socket `offset` ports above the server's base port. */
export function endpointOf(endpoint: FleetEndpoint, offset: number): string {
  return `tcp://${endpoint.host}:${endpoint.port + offset}`;
}

/**
 * The client's curve options, or none when `curve` is false.
 *
 * @throws {@link TypeError}/{@link RangeError} for missing or malformed keys
 */
export function clientCurve(options: { readonly curve?: boolean; readonly secretKey?: KeyLike; readonly serverKey?: KeyLike }): object {
  if (options.curve === false) return {};
  if (options.secretKey === undefined || options.serverKey === undefined) {
    throw new TypeError('"options.secretKey" and "options.serverKey" are required unless "options.curve" is false');
  }
  return nativeCurveClient({ secretKey: options.secretKey, serverKey: options.serverKey });
}
