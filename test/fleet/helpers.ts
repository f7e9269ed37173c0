/**
 * Set-up for the fleet tests: a server on a free port triple, keys with rights, bare zeromq.js
 * sockets configured with libzmq's own CURVE options, and waiting on socket events.
 */
import { randomInt } from 'node:crypto';
import { once } from 'node:events';
import * as zmq from 'zeromq';
import { curveKeyPair, type Z85KeyPair } from '../../src/keys';
import { encodeKeyMetadata, keyPath, type FleetRight } from '../../src/fleet/key-entry';
import { FleetServer, type FleetServerOptions } from '../../src/adapters/zeromq/fleet/server';

export const GROUP = 'fleet';

/** Closes what a test opened. */
export class Closer {
  private readonly items: { close(): unknown }[] = [];
  track<T extends { close(): unknown }>(item: T): T {
    this.items.push(item);
    return item;
  }
  async closeAll(): Promise<void> {
    for (const item of this.items.splice(0).reverse()) await item.close();
  }
}

/** A server on a free base port (P, P+1, P+2 must all be free: retried on EADDRINUSE). */
export async function startServer(options: Partial<FleetServerOptions> = {}): Promise<{ server: FleetServer; port: number; keys: Z85KeyPair; admin: Z85KeyPair }> {
  const keys = curveKeyPair();
  const admin = curveKeyPair();
  for (let attempt = 0; ; attempt++) {
    const port = randomInt(20_000, 60_000);
    try {
      const server = await FleetServer.start({ port, secretKey: keys.secretKey, group: GROUP, admins: [admin.publicKey], heartbeat: 200, ...options });
      return { server, port, keys, admin };
    } catch (error) {
      if (attempt > 20 || (error as { code?: string }).code !== 'EADDRINUSE') throw error;
    }
  }
}

/** Lists `key` on `server` with `rights`. */
export async function listKey(server: FleetServer, key: Z85KeyPair, rights: FleetRight[], name?: string, expires?: number): Promise<void> {
  await server.set(keyPath(GROUP, key.publicKey), encodeKeyMetadata({ rights, ...(name === undefined ? {} : { name }), ...(expires === undefined ? {} : { expires }) }));
}

/** libzmq's own CURVE client options, spelled out (none of our helpers on the client's side). */
export function bareCurve(own: Z85KeyPair, serverPublicKey: string): { curveSecretKey: string; curvePublicKey: string; curveServerKey: string } {
  return { curveSecretKey: own.secretKey, curvePublicKey: own.publicKey, curveServerKey: serverPublicKey };
}

/** Resolves with the first socket event of `type` (read as an iterator, see native-curve.test.ts). */
export async function socketEvent(socket: zmq.Socket, type: string): Promise<zmq.Event> {
  for await (const event of socket.events) if (event.type === type) return event;
  throw new Error(`the observer ended without ${type}`);
}

/** Waits for `emitter` to emit `name` with arguments matching `test`. */
export async function eventWhere<T extends unknown[]>(emitter: NodeJS.EventEmitter, name: string, test: (...args: T) => boolean): Promise<T> {
  for (;;) {
    const args = (await once(emitter, name)) as T;
    if (test(...args)) return args;
  }
}
