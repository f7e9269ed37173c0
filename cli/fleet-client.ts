/**
 * What the CLI's fleet clients share (`keys add|revoke|list|watch`, and `openFleetTrust`): the
 * fleet ENDPOINT, a deadline, and a way to tell a refused key from a server that does not
 * answer. libzmq's CURVE hides a refusal from the sockets a replica or updater holds (they
 * just never get data, and keep retrying), so {@link accessOf} connects a socket of its own and
 * reads its handshake events: the server's ZAP verdict for our key on that port.
 *
 * Errors are the library's coded ones, so `exitCodeFor` maps them: a refusal is a
 * `MechanismError` `ERR_PEER_ERROR` (status 400, exit 3), no answer in time a `ChannelError`
 * `ERR_HANDSHAKE_TIMEOUT` (exit 5).
 *
 * @module
 */
import * as zmq from 'zeromq';
import { ChannelError, MechanismError } from '../src/errors';
import { nativeCurveClient } from '../src/adapters/zeromq/native-curve';
import { checkBasePort } from '../src/adapters/zeromq/fleet/sockets';
import type { KeyLike } from '../src/keys';

/** A fleet server's address: SNAPSHOT on `port`, PUBLISHER on `port + 1`, COLLECTOR on `port + 2`. */
export interface FleetAddress {
  readonly host: string;
  readonly port: number;
}

/** The sockets of a fleet server, by port offset. */
export const FLEET_PORTS = { snapshot: 0, publisher: 1, collector: 2 } as const;

/**
 * Parses `tcp://HOST:P`, P being the fleet's base port.
 *
 * @throws {@link RangeError} naming `name` for anything else
 */
export function parseFleetEndpoint(endpoint: unknown, name = 'endpoint'): FleetAddress {
  const match = typeof endpoint === 'string' ? /^tcp:\/\/([^\s/:]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$/.exec(endpoint) : null;
  if (match === null) throw new RangeError(`"${name}" expected tcp://HOST:PORT (the fleet's base port P; it uses P, P+1 and P+2)`);
  return { host: match[1]!, port: checkBasePort(Number(match[2]), name) };
}

/** The endpoint of one of the server's sockets. */
export function socketEndpoint(address: FleetAddress, place: keyof typeof FLEET_PORTS): string {
  return `tcp://${address.host}:${address.port + FLEET_PORTS[place]}`;
}

/** Own keys toward one fleet server. */
export interface FleetKeys {
  readonly secretKey: KeyLike;
  readonly serverKey: KeyLike;
}

/** The refusal of our key at `place`, as the library codes a ZAP 400. */
export function refusedAt(place: keyof typeof FLEET_PORTS, address: FleetAddress): MechanismError {
  const right = place === 'collector' ? 'update' : 'read';
  return new MechanismError('ERR_PEER_ERROR', `the fleet server at ${socketEndpoint(address, place)} refused our key (it needs the ${right} right)`, {
    status: 400,
  });
}

/** No answer from the server in time. */
export function noAnswer(address: FleetAddress, ms: number): ChannelError {
  return new ChannelError(
    'ERR_HANDSHAKE_TIMEOUT',
    `no answer from the fleet server at tcp://${address.host}:${address.port} within ${ms} ms (is it running, and is --server-key its key?)`,
  );
}

/**
 * The server's verdict on our key at `place`: resolves when the CURVE handshake succeeds,
 * rejects with {@link refusedAt} when ZAP refuses it; stays pending while nothing answers (the
 * caller's deadline decides). The socket is closed as soon as the verdict is known, or by
 * `close()`.
 */
export function accessOf(address: FleetAddress, keys: FleetKeys, place: keyof typeof FLEET_PORTS): { verdict: Promise<void>; close(): void } {
  const curve = nativeCurveClient(keys);
  // A DEALER for the ROUTER, a PUB for the SUBs (PUBLISHER is a PUB: a SUB probes it).
  const socket =
    place === 'snapshot' ? new zmq.Dealer({ ...curve, linger: 0 }) : place === 'collector' ? new zmq.Publisher({ ...curve, linger: 0 }) : new zmq.Subscriber({ ...curve, linger: 0 });
  // Taken before connect, so that no event is missed.
  const events = socket.events;
  const verdict = (async () => {
    try {
      for await (const event of events) {
        if (event.type === 'handshake') return;
        if (event.type === 'handshake:error:auth') throw refusedAt(place, address);
      }
      throw new ChannelError('ERR_CHANNEL_CLOSED', 'closed before the server answered');
    } finally {
      socket.close();
    }
  })();
  verdict.catch(() => undefined);
  socket.connect(socketEndpoint(address, place));
  return { verdict, close: () => socket.close() };
}

/**
 * `promise`, or {@link noAnswer} once `deadline` (a `Date.now()` time) passes, or the
 * signal's abort (a `ChannelError` `ERR_ABORTED`).
 */
export function beforeDeadline<T>(promise: Promise<T>, address: FleetAddress, deadline: number, ms: number, signal?: AbortSignal): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(noAnswer(address, ms)), Math.max(0, deadline - Date.now()));
    onAbort = () => reject(new ChannelError('ERR_ABORTED', 'stopped'));
    if (signal?.aborted === true) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([promise, limit]).finally(() => {
    clearTimeout(timer);
    if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
  });
}
