import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { duplexPair } from 'node:stream';
import { defaultRegistry } from '../../../mechanisms';
import { SecureStream } from '../../../src/adapters/stream';
import { CLIENT_KEYS, dispose, MECHANISMS, messages, nextMessage, outcome, securePair, SERVER_KEYS } from './helpers';

describe.each(MECHANISMS)('SecureStream over an in-memory pair (%s)', (mechanism) => {
  test('handshakes, exposes the peer and carries messages both ways', async () => {
    const { client, server } = securePair({ mechanism });
    const secureEvents: string[] = [];
    client.on('secure', () => secureEvents.push('client secure'));
    client.on('secureConnect', () => secureEvents.push('client secureConnect'));
    server.on('secure', () => secureEvents.push('server secure'));
    server.on('secureConnect', () => secureEvents.push('server secureConnect'));
    const [clientPeer, serverPeer] = await Promise.all([client.handshake, server.handshake]);
    expect([clientPeer.mechanism, serverPeer.mechanism, client.mechanism]).toEqual([mechanism, mechanism, mechanism]);
    expect(client.peer).toBe(clientPeer);
    expect([client.role, server.role]).toEqual(['client', 'server']);
    expect(server.secure).toBe(true);
    expect(secureEvents.sort()).toEqual(['client secure', 'client secureConnect', 'server secure']);
    client.write('hello');
    expect((await nextMessage(server)).toString()).toBe('hello');
    server.write(new Uint8Array([1, 2, 3]));
    const reply = await nextMessage(client);
    expect(Buffer.isBuffer(reply)).toBe(true);
    expect([...(reply as Buffer)]).toEqual([1, 2, 3]);
    dispose(client, server);
  });

  test('messages written before the handshake are queued, in order, not lost', async () => {
    const { client, server } = securePair({ mechanism });
    for (let i = 0; i < 5; i++) client.write(`early ${i}`);
    expect(client.secure).toBe(false);
    const received = await messages(server, 5);
    expect(received.map(String)).toEqual([0, 1, 2, 3, 4].map((i) => `early ${i}`));
    dispose(client, server);
  });

  test('a multipart message arrives as one array, an empty part included', async () => {
    const { client, server } = securePair({ mechanism });
    client.write(['a', Buffer.alloc(0), new Uint8Array([7])]);
    client.write(['single']);
    const [multi, single] = await messages(server, 2);
    expect(Array.isArray(multi)).toBe(true);
    expect((multi as Buffer[]).map((part) => [...part])).toEqual([[97], [], [7]]);
    expect(String(single)).toBe('single');
    dispose(client, server);
  });

  test('end() ends the peer readable; with allowHalfOpen false both sides close cleanly', async () => {
    const { client, server } = securePair({ mechanism });
    server.pipe(server);
    client.end('last words');
    const [reply] = await messages(client, 1);
    expect(String(reply)).toBe('last words');
    client.resume();
    const [clientEnd, serverEnd] = await Promise.all([outcome(client), outcome(server)]);
    expect(clientEnd.error).toBeUndefined();
    expect(serverEnd.error).toBeUndefined();
  });
});

describe('half-close', () => {
  test('allowHalfOpen: true keeps the writable side open after the peer ended', async () => {
    const { client, server } = securePair({ client: { allowHalfOpen: true }, server: { allowHalfOpen: true } });
    await Promise.all([client.handshake, server.handshake]);
    const received: string[] = [];
    server.on('data', (message) => received.push(String(message)));
    const serverEnded = new Promise((resolve) => server.once('end', resolve));
    client.end('request');
    await serverEnded;
    const [request] = received;
    expect(request).toBe('request');
    expect(server.writable).toBe(true);
    server.end(`reply to ${request}`);
    const [reply] = await messages(client, 1);
    expect(String(reply)).toBe('reply to request');
    client.resume();
    const [clientEnd, serverEnd] = await Promise.all([outcome(client), outcome(server)]);
    expect([clientEnd.error, serverEnd.error]).toEqual([undefined, undefined]);
  });
});

describe('the server decision', () => {
  test('the authorizer sees the verified address and the mechanism facts, and may be async', async () => {
    const requests: unknown[] = [];
    const { client, server } = securePair({
      mechanism: 'CURVE',
      server: {
        address: '192.0.2.7',
        authorizer: async (request) => {
          requests.push(request);
          await new Promise((resolve) => setImmediate(resolve));
          return true;
        },
      },
    });
    const peer = await server.handshake;
    expect(requests).toEqual([expect.objectContaining({ mechanism: 'CURVE', address: '192.0.2.7', publicKeyZ85: CLIENT_KEYS.publicKey })]);
    expect(peer.publicKeyZ85).toBe(CLIENT_KEYS.publicKey);
    expect((await client.handshake).publicKeyZ85).toBe(SERVER_KEYS.publicKey);
    expect(client.remotePublicKey?.length).toBe(32);
    dispose(client, server);
  });

  test.each([
    ['PLAIN', { username: 'admin', password: 'wrong' }],
    ['CURVE', { secretKey: SERVER_KEYS.secretKey, serverKey: SERVER_KEYS.publicKey }],
  ])('a refused %s client gets the ERROR as ERR_PEER_ERROR 400; the server ERR_AUTH_DENIED', async (mechanism, clientOptions) => {
    const { client, server } = securePair({ mechanism, clientOptions });
    const [clientEnd, serverEnd] = await Promise.all([outcome(client), outcome(server)]);
    expect(clientEnd.error).toMatchObject({ code: 'ERR_PEER_ERROR', status: 400 });
    expect(serverEnd.error).toMatchObject({ code: 'ERR_AUTH_DENIED' });
    await expect(client.handshake).rejects.toBe(clientEnd.error);
    await expect(server.handshake).rejects.toBe(serverEnd.error);
  });

  test('a temporary failure (300) closes silently: the client sees ERR_CHANNEL_CLOSED', async () => {
    const { client, server } = securePair({ mechanism: 'PLAIN', server: { authorizer: () => ({ status: 300 }) } });
    const [clientEnd, serverEnd] = await Promise.all([outcome(client), outcome(server)]);
    expect(clientEnd.error).toMatchObject({ code: 'ERR_CHANNEL_CLOSED' });
    expect(serverEnd.error).toMatchObject({ code: 'ERR_AUTH_TEMPORARY' });
  });

  test('a throwing authorizer is a 500, never an allow', async () => {
    const { client, server } = securePair({
      mechanism: 'PLAIN',
      server: { authorizer: () => { throw new Error('database down'); } },
    });
    const [clientEnd, serverEnd] = await Promise.all([outcome(client), outcome(server)]);
    expect(clientEnd.error).toMatchObject({ code: 'ERR_PEER_ERROR', status: 500 });
    expect(serverEnd.error).toMatchObject({ code: 'ERR_AUTH_ERROR' });
  });
});

describe('NULL and its authorizer', () => {
  test('NULL asks its authorizer only when created with authenticate: true', async () => {
    const asked: string[] = [];
    const refuse = () => {
      asked.push('asked');
      return false;
    };
    const open = securePair({ mechanism: 'NULL', server: { authorizer: refuse } });
    await Promise.all([open.client.handshake, open.server.handshake]);
    expect(asked).toEqual([]);
    dispose(open.client, open.server);
    const guarded = securePair({ mechanism: 'NULL', serverOptions: { authenticate: true }, server: { authorizer: refuse } });
    const [clientEnd, serverEnd] = await Promise.all([outcome(guarded.client), outcome(guarded.server)]);
    expect(asked).toEqual(['asked']);
    expect(clientEnd.error).toMatchObject({ code: 'ERR_PEER_ERROR', status: 400 });
    expect(serverEnd.error).toMatchObject({ code: 'ERR_AUTH_DENIED' });
  });
});

describe('the handshake promise', () => {
  /**
   * Runs a PLAIN handshake with a wrong password in a plain Node process with
   * `--unhandled-rejections=strict`, so an unhandled rejection kills it: a listener on `process`
   * here would sit on jest's sandbox copy and never fire. `extra` runs after both ends closed.
   */
  function failedHandshakeIn(extra: string): { status: number | null; stdout: string; stderr: string } {
    const root = join(__dirname, '..', '..', '..');
    const script = `
      const { duplexPair } = require('node:stream');
      const { defaultRegistry } = require(${JSON.stringify(join(root, 'mechanisms'))});
      const { SecureStream } = require(${JSON.stringify(join(root, 'src', 'adapters', 'stream'))});
      const [a, b] = duplexPair();
      const client = new SecureStream(a, { session: defaultRegistry.client('PLAIN', { username: 'admin', password: 'no' }) });
      const server = new SecureStream(b, {
        session: defaultRegistry.server('PLAIN', {})(),
        authorizer: (request) => request.password === 'secret',
      });
      // Asked for and never awaited, as an application that reads it later (or never) does.
      void client.handshake;
      void server.handshake;
      let closed = 0;
      for (const end of [client, server]) {
        end.on('error', () => undefined);
        end.on('close', () => {
          if (++closed < 2) return;
          // Two turns of the loop: rejections are reported after the microtasks of a turn.
          setImmediate(() => setImmediate(() => { ${extra}; process.stdout.write('closed ' + client.errored.code + '\\n'); }));
        });
      }`;
    const run = spawnSync(process.execPath, ['--unhandled-rejections=strict', '--require', join(root, 'bench', 'register.js'), '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
  }

  test('a failed handshake nobody awaits causes no unhandled rejection', () => {
    const run = failedHandshakeIn('');
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('closed ERR_PEER_ERROR\n');
    expect(run.status).toBe(0);
  });

  test('the check above sees an unhandled rejection (the same run, plus one left unhandled)', () => {
    const run = failedHandshakeIn("Promise.reject(new Error('left unhandled'))");
    expect(run.stderr).toContain('left unhandled');
    expect(run.status).not.toBe(0);
  });

  test('the handshake promise itself rejects with the peer error for whoever awaits it', async () => {
    const { client, server } = securePair({ mechanism: 'PLAIN', clientOptions: { username: 'admin', password: 'no' } });
    await Promise.all([outcome(client), outcome(server)]);
    await expect(client.handshake).rejects.toMatchObject({ code: 'ERR_PEER_ERROR' });
  });
});

describe('caller misuse', () => {
  const [a] = duplexPair();
  afterAll(() => a.destroy());

  test('a server session without an authorizer is refused at construction', () => {
    const session = defaultRegistry.server('NULL', {})();
    expect(() => new SecureStream(a, { session })).toThrow(/"options\.authorizer" is required/);
  });

  test('bad arguments throw TypeError or RangeError naming them', () => {
    const session = () => defaultRegistry.client('NULL', {});
    expect(() => new SecureStream({} as never, { session: session() })).toThrow(/"raw"/);
    expect(() => new SecureStream(a, { session: {} as never })).toThrow(/"options\.session"/);
    expect(() => new SecureStream(a, { session: session(), handshakeTimeout: -1 })).toThrow(/options\.handshakeTimeout/);
    expect(() => new SecureStream(a, { session: session(), idleTimeout: Infinity })).toThrow(RangeError);
    expect(() => new SecureStream(a, { session: session(), maxFrameSize: 0.5 })).toThrow(/options\.maxFrameSize/);
  });

  test('writing something that is not a message throws TypeError', () => {
    const { client, server } = securePair();
    expect(() => client.write(42)).toThrow(TypeError);
    expect(() => client.write([])).toThrow(/"chunk"/);
    expect(() => client.write(['ok', 3])).toThrow(TypeError);
    expect(() => client.setTimeout(-5)).toThrow(RangeError);
    expect(() => client.setKeepAlive(NaN)).toThrow(RangeError);
    dispose(client, server);
  });

  test('end(non-message) destroys the stream with a TypeError', async () => {
    const { client, server } = securePair();
    client.end(42);
    expect((await outcome(client)).error).toBeInstanceOf(TypeError);
    dispose(server);
  });
});

describe('destroy', () => {
  test('destroyed by a secure listener: no secureConnect after it', async () => {
    const { client, server } = securePair();
    const events: string[] = [];
    client.on('secure', () => {
      events.push('secure');
      client.destroy();
    });
    client.on('secureConnect', () => events.push('secureConnect'));
    await outcome(client);
    expect(events).toEqual(['secure']);
    dispose(server);
  });

  test('destroy(err) emits that error, then close, and rejects the pending handshake with it', async () => {
    const { client, server } = securePair({ mechanism: 'PLAIN' });
    const events: string[] = [];
    client.on('error', () => events.push('error'));
    client.on('close', () => events.push('close'));
    const error = Object.assign(new Error('boom'), { code: 'E_TEST' });
    const serverEnd = outcome(server);
    client.destroy(error);
    await new Promise((resolve) => client.once('close', resolve));
    expect(events).toEqual(['error', 'close']);
    await expect(client.handshake).rejects.toBe(error);
    expect((await serverEnd).error).toMatchObject({ code: 'ERR_CHANNEL_CLOSED' });
  });

  test('destroy() without an error closes quietly and fails queued writes and the handshake with ERR_CHANNEL_CLOSED', async () => {
    const { client, server } = securePair({ mechanism: 'PLAIN' });
    const written = new Promise<Error | null | undefined>((resolve) => client.write('queued', resolve));
    const serverEnd = outcome(server);
    const clientEnd = outcome(client);
    client.destroy();
    expect((await clientEnd).errors).toEqual([]);
    await expect(client.handshake).rejects.toMatchObject({ code: 'ERR_CHANNEL_CLOSED' });
    expect(await written).toMatchObject({ code: 'ERR_CHANNEL_CLOSED' });
    expect((await serverEnd).error).toMatchObject({ code: 'ERR_CHANNEL_CLOSED' });
  });

  test('an AbortSignal destroys the stream with ERR_ABORTED', async () => {
    const controller = new AbortController();
    const { client, server } = securePair({ client: { signal: controller.signal } });
    await Promise.all([client.handshake, server.handshake]);
    const serverEnd = outcome(server.resume());
    controller.abort();
    expect((await outcome(client)).error).toMatchObject({ code: 'ERR_ABORTED' });
    expect((await serverEnd).error).toBeUndefined();
  });

  test('an already aborted signal destroys the stream at once', async () => {
    const { client, server } = securePair({ mechanism: 'PLAIN', client: { signal: AbortSignal.abort() } });
    const serverEnd = outcome(server);
    expect((await outcome(client)).error).toMatchObject({ code: 'ERR_ABORTED' });
    expect((await serverEnd).error).toMatchObject({ code: 'ERR_CHANNEL_CLOSED' });
  });
});

describe('a session given twice', () => {
  test('a session already started throws at construction, and nothing is attached to the raw stream', () => {
    const [a] = duplexPair();
    const session = defaultRegistry.client('NULL', {});
    session.start();
    expect(() => new SecureStream(a, { session })).toThrow(expect.objectContaining({ code: 'ERR_MECHANISM_STATE' }));
    expect(a.listenerCount('data')).toBe(0);
    a.destroy();
  });
});
