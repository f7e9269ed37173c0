/**
 * Faults around the ZeroMQ adapter on real sockets on 127.0.0.1 (checklist rows 41, 43, 45 at
 * integration level): a restarted server, authorizers that throw, reject, never answer or
 * answer after the session is gone, and a slow consumer next to a fast one.
 */
import { once } from 'node:events';
import { defaultRegistry } from '../../mechanisms';
import { curveKeyPair, type Authorizer } from '../../src';
import * as zmq from 'zeromq';
import { ZeroMqClient, ZeroMqServer, type NamedChoice } from '../../src/adapters/zeromq';

const SERVER = curveKeyPair();
const CLIENT = curveKeyPair();
const allowClient: Authorizer = (request) => request.publicKeyZ85 === CLIENT.publicKey;
const serverMechanism: NamedChoice = { mechanism: 'CURVE', registry: defaultRegistry, mechanismOptions: { secretKey: SERVER.secretKey } };
const clientMechanism: NamedChoice = {
  mechanism: 'CURVE',
  registry: defaultRegistry,
  mechanismOptions: { secretKey: CLIENT.secretKey, serverKey: SERVER.publicKey },
};

const closers: Array<{ close(): void }> = [];
afterEach(() => {
  for (const closable of closers.splice(0).reverse()) closable.close();
});

async function startServer(authorizer: Authorizer = allowClient, options: { handshakeTimeout?: number } = {}) {
  const server = new ZeroMqServer({ ...serverMechanism, authorizer, ...options });
  closers.push(server);
  const endpoint = await server.bind('tcp://127.0.0.1:*');
  void (async () => {
    for await (const message of server) await message.reply(message.parts);
  })().catch(() => undefined);
  return { server, endpoint };
}

function newClient(options: { handshakeTimeout?: number; receiveHighWaterMark?: number } = {}): ZeroMqClient {
  // Linger 0: clients close after their servers here (afterEach closes in reverse order), and a
  // CLOSE queued for a server already gone would hold the jest worker open at exit.
  const client = new ZeroMqClient({ ...clientMechanism, linger: 0, ...options });
  closers.push(client);
  return client;
}

async function roundTrip(client: ZeroMqClient, text: string): Promise<string> {
  await client.send(text);
  return (await client.receive())[0]!.toString();
}

describe('ZeroMQ faults', () => {
  test('row 41: a server closed gracefully tells its clients (CLOSE); after the restart a fresh handshake works', async () => {
    const first = await startServer();
    const old = newClient();
    await old.connect(first.endpoint);
    expect(await roundTrip(old, 'before')).toBe('before');
    const told = once(old, 'session:close');
    first.server.close();
    expect(((await told)[0] as Error & { code: string }).code).toBe('ERR_CHANNEL_CLOSED');
    expect(old.status).toBe('failed');

    const second = await startServer();
    const fresh = newClient();
    await fresh.connect(second.endpoint);
    expect(await roundTrip(fresh, 'fresh')).toBe('fresh');
    expect(fresh.sessionId.equals(old.sessionId)).toBe(false);
    expect(second.server.sessionCount).toBe(1);
  });

  test('row 41: after a crash (the socket gone, no CLOSE) the new server knows nothing of the old session and drops its MESSAGEs', async () => {
    const router = new zmq.Router({ maxMessageSize: 1024 * 1024 });
    // Not closed afterwards: its socket is gone, as in a crash (close() would touch the dead socket).
    const crashed = new ZeroMqServer({ ...serverMechanism, authorizer: allowClient, socket: router });
    const endpoint = await crashed.bind('tcp://127.0.0.1:*');
    void (async () => {
      for await (const message of crashed) await message.reply(message.parts);
    })().catch(() => undefined);
    const old = newClient();
    await old.connect(endpoint);
    expect(await roundTrip(old, 'before')).toBe('before');
    router.close();

    const second = await startServer();
    const dropped = once(second.server, 'message:drop');
    old.reconnect(second.endpoint);
    await old.send('after the crash');
    // No state of the old server survives: the session id means nothing to the new one.
    expect(await dropped).toEqual(['MESSAGE for no ready session']);
    expect(second.server.sessionCount).toBe(0);
    const fresh = newClient();
    await fresh.connect(second.endpoint);
    expect(await roundTrip(fresh, 'fresh')).toBe('fresh');
  });

  test.each([
    ['throws', (() => {
      throw new Error('authorizer bug');
    }) as Authorizer],
    ['rejects', (() => Promise.reject(new Error('database down'))) as Authorizer],
  ])('row 43: an authorizer that %s fails closed: the client gets ERROR 500 and no session stays', async (_name, authorizer) => {
    const { server, endpoint } = await startServer(authorizer);
    const failed = once(server, 'handshakeError');
    const client = newClient();
    await expect(client.connect(endpoint)).rejects.toMatchObject({ code: 'ERR_PEER_ERROR', status: 500 });
    expect(((await failed)[0] as Error & { code: string }).code).toBe('ERR_AUTH_ERROR');
    expect(server.sessionCount).toBe(0);
    expect(client.status).toBe('failed');
  });

  test('row 43: an authorizer that never answers: the handshake expires on the server and times out on the client', async () => {
    let asked = 0;
    const { server, endpoint } = await startServer(
      () => {
        asked++;
        return new Promise<boolean>(() => undefined);
      },
      { handshakeTimeout: 200 },
    );
    const expired = once(server, 'session:close');
    const client = newClient({ handshakeTimeout: 400 });
    const connecting = client.connect(endpoint);
    expect((await expired)[1]).toBe('expired');
    await expect(connecting).rejects.toMatchObject({ code: 'ERR_HANDSHAKE_TIMEOUT' });
    expect(asked).toBe(1);
    expect(server.sessionCount).toBe(0);
  });

  test('row 43: an "allow" that arrives after the session expired is ignored: nothing is sent, no session appears', async () => {
    let answer: (allowed: boolean) => void = () => undefined;
    const { server, endpoint } = await startServer(() => new Promise<boolean>((resolve) => (answer = resolve)), {
      handshakeTimeout: 150,
    });
    const expired = once(server, 'session:close');
    const client = newClient({ handshakeTimeout: 5_000 });
    const connecting = client.connect(endpoint);
    connecting.catch(() => undefined);
    await expired;
    let completed = 0;
    server.on('handshake', () => completed++);
    answer(true);
    // Give the late answer every chance to act: one round trip through another, healthy client.
    const other = await startServer();
    const probe = newClient();
    await probe.connect(other.endpoint);
    expect(await roundTrip(probe, 'probe')).toBe('probe');
    expect(completed).toBe(0);
    expect(server.sessionCount).toBe(0);
    expect(client.status).toBe('handshaking');
  });

  test('row 45: a slow consumer does not hold up a fast one, and what it finally reads is in order without duplicates', async () => {
    const { server, endpoint } = await startServer();
    const slow = newClient({ receiveHighWaterMark: 5 });
    await slow.connect(endpoint);
    await slow.send('hello');
    const first = await slow.receive();
    expect(first[0]!.toString()).toBe('hello');
    const slowId = slow.sessionId.toString('hex');
    const total = 2_000;
    const sending = (async () => {
      for (let i = 0; i < total; i++) await server.send(slowId, `${i}`);
    })();
    const fast = newClient();
    await fast.connect(endpoint);
    expect(await roundTrip(fast, 'fast')).toBe('fast');
    await sending;
    await slow.send('done?');
    const seen: number[] = [];
    for (;;) {
      const [part] = await slow.receive();
      const text = part!.toString();
      if (text === 'done?') break;
      seen.push(Number(text));
    }
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((value, i) => i === 0 || value > seen[i - 1]!)).toBe(true);
    expect(seen.at(-1)).toBe(total - 1);
  });
});
