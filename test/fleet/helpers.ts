/**
 * Set-up for the fleet tests: a server on a free port triple, keys with rights, bare zeromq.js
 * sockets configured with libzmq's own CURVE options, and waiting on socket events.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import * as path from 'node:path';
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

/** Resolves once `test()` holds, checking it now and after each `name` event of `emitter`. */
export async function until(emitter: NodeJS.EventEmitter, name: string, test: () => boolean): Promise<void> {
  while (!test()) await once(emitter, name);
}

/** Lines a child process printed, awaitable. */
export class Lines extends EventEmitter {
  readonly all: string[] = [];
  push(line: string): void {
    this.all.push(line);
    this.emit('line', line);
  }
  async waitFor(test: (line: string) => boolean): Promise<string> {
    for (;;) {
      const seen = this.all.find(test);
      if (seen !== undefined) return seen;
      await once(this, 'line');
    }
  }
}

// The child prints 'ready', then 'state <to>' on each Binary Star change and 'followed <sequence>'
// when, passive, it has taken the active server's map; it runs the sources
// through the same require hook as the benchmarks (no build step).
const CHILD = `
const { FleetServer } = require(process.env.FLEET_SERVER_MODULE);
FleetServer.start(JSON.parse(process.env.FLEET_OPTIONS)).then((server) => {
  server.events.on('state', (step) => console.log('state ' + step.to));
  server.events.on('followed', (sequence) => console.log('followed ' + sequence));
  server.events.on('fault', (error) => console.log('fault ' + error));
  console.log('ready ' + server.state);
}, (error) => { console.log('failed ' + (error && error.code) + ' ' + error); process.exit(1); });
`;

/** A fleet server in a child process (so that SIGKILL is real). Keys must be Z85 strings. */
export interface ChildServer {
  readonly child: ChildProcess;
  readonly lines: Lines;
  readonly exited: Promise<number | null>;
}

/** Starts a fleet server in a child process; resolves when it serves (rejects with its output if it fails). */
export async function spawnFleetServer(options: FleetServerOptions): Promise<ChildServer> {
  const root = path.join(__dirname, '..', '..');
  const child = spawn(process.execPath, ['--require', path.join(root, 'bench', 'register.js'), '-e', CHILD], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FLEET_OPTIONS: JSON.stringify(options), FLEET_SERVER_MODULE: path.join(root, 'src', 'adapters', 'zeromq', 'fleet', 'server.ts') },
  });
  const lines = new Lines();
  let buffered = '';
  const onText = (text: string) => {
    buffered += text;
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    for (const line of parts) lines.push(line);
  };
  child.stdout!.setEncoding('utf8').on('data', onText);
  child.stderr!.setEncoding('utf8').on('data', onText);
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const first = await Promise.race([lines.waitFor((line) => line.startsWith('ready') || line.startsWith('failed')), exited.then((code) => `exited ${code}`)]);
  if (!first.startsWith('ready')) throw new Error(`fleet server child did not start: ${lines.all.join('\n')}`);
  return { child, lines, exited };
}

/** A random base port P such that P .. P + 3 are likely free (the pair's state port is P + 3). */
export function randomBasePort(): number {
  return randomInt(20_000, 60_000);
}

/** Options of both servers of a pair on random ports (state port P + 3), with `extra` for both. */
export function pairOptions(extra: Partial<FleetServerOptions> = {}): {
  primary: FleetServerOptions;
  backup: FleetServerOptions;
  servers: { port: number; serverKey: string }[];
  keys: { primary: Z85KeyPair; backup: Z85KeyPair };
} {
  const keys = { primary: curveKeyPair(), backup: curveKeyPair() };
  const primaryPort = randomBasePort();
  let backupPort = randomBasePort();
  while (Math.abs(backupPort - primaryPort) < 4) backupPort = randomBasePort();
  const side = (role: 'primary' | 'backup', port: number, peerPort: number, own: Z85KeyPair, peer: Z85KeyPair): FleetServerOptions => ({
    group: GROUP,
    heartbeat: 100,
    ...extra,
    port,
    secretKey: own.secretKey,
    pair: { role, statePort: port + 3, peer: { port: peerPort, statePort: peerPort + 3, publicKey: peer.publicKey } },
  });
  return {
    primary: side('primary', primaryPort, backupPort, keys.primary, keys.backup),
    backup: side('backup', backupPort, primaryPort, keys.backup, keys.primary),
    servers: [
      { port: primaryPort, serverKey: keys.primary.publicKey },
      { port: backupPort, serverKey: keys.backup.publicKey },
    ],
    keys,
  };
}

/** Resolves once `test()` holds, checking every 20 ms (for counters that emit no event). */
export async function eventually(test: () => boolean): Promise<void> {
  while (!test()) await new Promise((resolve) => setTimeout(resolve, 20));
}
