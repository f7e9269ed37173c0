/**
 * One CURVE service per adapter (stream, ZeroMQ, ZMTP, FileMQ) over real sockets, behind the
 * same small interface, so every revocation test runs on all four: connect a client of a key,
 * learn the coded error the server reported when it ended that client's session, and run one
 * operation that needs the session (an echo; for FileMQ, the next chunk of a long transfer).
 */
import { once } from 'node:events';
import * as fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { connect, createServer, CURVE, curveKeyPair, type Authorizer, type PeerIdentity, type SessionRevoker, type Z85KeyPair } from '../../index';
import { ZeroMqClient, ZeroMqServer } from '../../src/adapters/zeromq';
import { FileMqServer, syncFiles } from '../../src/adapters/zeromq/filemq';
import { connectZmtp, listenZmtp, type ZmtpConnection } from '../../src/adapters/zmtp';

export const ADAPTERS = ['stream', 'zeromq', 'zmtp', 'filemq'] as const;
export type AdapterName = (typeof ADAPTERS)[number];

/** What the client's next operation fails with, per adapter (where the protocol can say why). */
export const CLIENT_CODE = {
  stream: /^ERR_CHANNEL_CLOSED$/, // no error command after the handshake: the TCP connection is reset
  zeromq: /^ERR_CHANNEL_CLOSED$/, // the server's CLOSE command
  zmtp: /^ERR_CHANNEL_CLOSED$/, // ZMTP/CurveZMQ have no error after the handshake: TCP closes
  filemq: /^ERR_FILEMQ_RTFM$/, // RTFM, sealed, with the reason
} as const;

/** A client with an established session. */
export interface Client {
  /** The error the server reported when it ended this client's session. */
  readonly serverEnded: Promise<Error>;
  /** One operation needing the session: resolves when it worked, rejects with the failure. */
  operate(): Promise<void>;
  close(): void;
}

/** A running service of one adapter. */
export interface Service {
  readonly server: SessionRevoker;
  /** Connects a client of `keys`; resolves once the server granted it, rejects when refused. */
  connect(keys: Z85KeyPair): Promise<Client>;
  close(): Promise<void>;
}

/** A promise and its resolver. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Server-side errors by client key, registered before the client connects. */
class Endings {
  private readonly byKey = new Map<string, { promise: Promise<Error>; resolve: (error: Error) => void }>();
  expect(key: string): Promise<Error> {
    const entry = deferred<Error>();
    this.byKey.set(key, entry);
    return entry.promise;
  }
  report(key: string | undefined, error: Error | undefined): void {
    if (key !== undefined && error !== undefined) this.byKey.get(key)?.resolve(error);
  }
}

export async function startService(adapter: AdapterName, authorizer: Authorizer): Promise<Service> {
  const serverKeys = curveKeyPair();
  switch (adapter) {
    case 'stream':
      return streamService(serverKeys, authorizer);
    case 'zeromq':
      return zeroMqService(serverKeys, authorizer);
    case 'zmtp':
      return zmtpService(serverKeys, authorizer);
    case 'filemq':
      return fileMqService(serverKeys, authorizer);
  }
}

async function streamService(serverKeys: Z85KeyPair, authorizer: Authorizer): Promise<Service> {
  const endings = new Endings();
  const server = createServer({ mechanism: CURVE, mechanismOptions: { secretKey: serverKeys.secretKey }, authorizer }, (stream) => {
    const key = stream.peer?.publicKeyZ85;
    stream.on('error', (error) => endings.report(key, error));
    stream.on('data', (data: Buffer) => stream.write(data));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const streams: { destroy(): void }[] = [];
  return {
    server,
    async connect(keys) {
      const serverEnded = endings.expect(keys.publicKey);
      const stream = connect({ host: '127.0.0.1', port, mechanism: CURVE, mechanismOptions: { secretKey: keys.secretKey, serverKey: serverKeys.publicKey } });
      streams.push(stream);
      let failure: Error | undefined;
      stream.on('error', (error) => (failure = error));
      await stream.handshake;
      return {
        serverEnded,
        operate: () =>
          new Promise<void>((resolve, reject) => {
            if (failure !== undefined) return reject(failure);
            const done = (error?: Error) => {
              stream.off('data', onData).off('error', done).off('close', onClose);
              if (error === undefined) resolve();
              else reject(error);
            };
            const onData = () => done();
            const onClose = () => done(failure ?? new Error('closed without an error'));
            stream.on('data', onData).on('error', done).on('close', onClose);
            stream.write('ping');
          }),
        close: () => stream.destroy(),
      };
    },
    async close() {
      for (const stream of streams) stream.destroy();
      await server.close();
    },
  };
}

async function zeroMqService(serverKeys: Z85KeyPair, authorizer: Authorizer): Promise<Service> {
  const endings = new Endings();
  const server = new ZeroMqServer({ mechanism: CURVE, mechanismOptions: { secretKey: serverKeys.secretKey }, authorizer });
  const keyOf = new Map<string, string | undefined>();
  server.on('handshake', (peer: PeerIdentity, origin) => keyOf.set(origin.sessionId!, peer.publicKeyZ85));
  server.on('session:close', (sessionId, _reason, error) => endings.report(keyOf.get(sessionId), error));
  const endpoint = await server.bind('tcp://127.0.0.1:*');
  void (async () => {
    for await (const message of server) message.reply(message.parts).catch(() => undefined);
  })().catch(() => undefined);
  const clients: ZeroMqClient[] = [];
  return {
    server,
    async connect(keys) {
      const serverEnded = endings.expect(keys.publicKey);
      const client = new ZeroMqClient({ mechanism: CURVE, mechanismOptions: { secretKey: keys.secretKey, serverKey: serverKeys.publicKey } });
      clients.push(client);
      await client.connect(endpoint);
      return {
        serverEnded,
        operate: async () => {
          await client.send('ping');
          await client.receive();
        },
        close: () => void client.close(),
      };
    },
    async close() {
      await Promise.all(clients.map((client) => client.close()));
      await server.close();
    },
  };
}

async function zmtpService(serverKeys: Z85KeyPair, authorizer: Authorizer): Promise<Service> {
  const endings = new Endings();
  const server = await listenZmtp({ mechanism: CURVE, mechanismOptions: { secretKey: serverKeys.secretKey }, authorizer, host: '127.0.0.1' });
  server.on('connection', (connection: ZmtpConnection) => {
    const key = connection.peer?.publicKeyZ85;
    connection.on('close', (error?: Error) => endings.report(key, error));
    void (async () => {
      for (;;) await connection.send(await connection.receive());
    })().catch(() => undefined);
  });
  const port = server.address().port;
  const connections: ZmtpConnection[] = [];
  return {
    server,
    async connect(keys) {
      const serverEnded = endings.expect(keys.publicKey);
      const connection = await connectZmtp({ host: '127.0.0.1', port, mechanism: CURVE, mechanismOptions: { secretKey: keys.secretKey, serverKey: serverKeys.publicKey } });
      connections.push(connection);
      await connection.handshake;
      return {
        serverEnded,
        operate: async () => {
          await connection.send([Buffer.from('ping')]);
          await connection.receive();
        },
        close: () => void connection.close(),
      };
    },
    async close() {
      await Promise.all(connections.map((connection) => connection.close()));
      await server.close();
    },
  };
}

/** A file long enough that, 256 bytes per round trip, its transfer outlives any test. */
const BIG_FILE_BYTES = 16 * 1024 * 1024;
const CHUNK = 256;

async function fileMqService(serverKeys: Z85KeyPair, authorizer: Authorizer): Promise<Service> {
  const endings = new Endings();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'curvezmq-revocation-'));
  fs.mkdirSync(path.join(dir, 'root', 'big'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'root', 'big', 'file'), Buffer.alloc(BIG_FILE_BYTES, 7));
  const server = new FileMqServer({ root: path.join(dir, 'root'), mechanism: CURVE, mechanismOptions: { secretKey: serverKeys.secretKey }, authorizer, chunkSize: CHUNK });
  const keyOf = new Map<string, string | undefined>();
  const granted = new Map<string, (route: string) => void>();
  server.on('handshake', (peer, origin) => {
    keyOf.set(origin.sessionId!, peer.publicKeyZ85);
    granted.get(peer.publicKeyZ85!)?.(origin.sessionId!);
  });
  server.on('session:close', (route, error) => endings.report(keyOf.get(route), error));
  const endpoint = await server.bind('tcp://127.0.0.1:*');
  const aborts: AbortController[] = [];
  const syncs: Promise<unknown>[] = [];
  return {
    server,
    async connect(keys) {
      const serverEnded = endings.expect(keys.publicKey);
      const abort = new AbortController();
      aborts.push(abort);
      const route = new Promise<string>((resolve) => granted.set(keys.publicKey, resolve));
      const sync = syncFiles({
        endpoint,
        into: fs.mkdtempSync(path.join(dir, 'into-')),
        path: '/big',
        mechanism: CURVE,
        mechanismOptions: { secretKey: keys.secretKey, serverKey: serverKeys.publicKey },
        credit: { window: CHUNK, slice: CHUNK },
        signal: abort.signal,
      });
      sync.catch(() => undefined);
      syncs.push(sync);
      const id = await Promise.race([route, sync.then(() => Promise.reject(new Error('the sync ended before it was granted')))]);
      return {
        serverEnded,
        // The next chunk of the transfer, or the sync's failure.
        operate: () => {
          let onChunk!: (chunkRoute: string) => void;
          const chunk = new Promise<void>((resolve) => {
            onChunk = (chunkRoute) => {
              if (chunkRoute === id) resolve();
            };
            server.on('chunk', onChunk);
          });
          const ended = sync.then(() => Promise.reject(new Error('the sync ended')));
          return Promise.race([chunk, ended]).finally(() => server.off('chunk', onChunk));
        },
        close: () => abort.abort(),
      };
    },
    async close() {
      for (const abort of aborts) abort.abort();
      await Promise.allSettled(syncs);
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Rejects when `promise` has not settled within `ms` (a deadline, not a sleep). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
