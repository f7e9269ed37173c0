import { once } from 'node:events';
import * as zmq from 'zeromq';
import { CURVE, defaultRegistry } from '../../../mechanisms';
import { allowAny, ChannelError, generateKeyPair, StateError } from '../../../index';
import { encodeEnvelope, KIND_HANDSHAKE, ZeroMqClient, ZeroMqServer } from '../../../src/adapters/zeromq';
import { Inbox } from '../../../src/channel/inbox';
import { SpyDefinition } from '../../helpers/spy-definition';
import { freshAddress, setup, texts, Tracker } from './helpers';

const tracker = new Tracker();
afterEach(() => tracker.closeAll());

const NULL_BY_NAME = { mechanism: 'NULL', registry: defaultRegistry, authorizer: allowAny() };

describe('caller misuse throws TypeError / RangeError naming the argument', () => {
  test('constructors', () => {
    expect(() => new ZeroMqClient(undefined as never)).toThrow(TypeError);
    expect(() => new ZeroMqClient({ mechanism: 'CURVE' } as never)).toThrow('"options.registry" is required when "options.mechanism" is a name');
    // The factory-function form of 0.1.0's drafts is gone: a definition covers it.
    const factory = () => CURVE.client({ secretKey: generateKeyPair().secretKey } as never);
    expect(() => new ZeroMqServer({ mechanism: factory as never, authorizer: allowAny() })).toThrow('"options.mechanism" expected a mechanism definition or a name');
    expect(() => new ZeroMqClient({ ...NULL_BY_NAME, handshakeTimeout: 0 })).toThrow(/"options.handshakeTimeout"/);
    expect(() => new ZeroMqClient({ ...NULL_BY_NAME, keepAlive: -1 })).toThrow(/"options.keepAlive"/);
    expect(() => new ZeroMqClient({ ...NULL_BY_NAME, heartbeatTimeout: 10 })).toThrow('"options.heartbeatTimeout" needs "options.keepAlive"');
    expect(() => new ZeroMqClient({ ...NULL_BY_NAME, linger: -2 })).toThrow(/"options.linger"/);
    expect(() => new ZeroMqClient({ ...NULL_BY_NAME, socket: {} as never })).toThrow(/"options.socket"/);
    expect(() => new ZeroMqServer({ ...NULL_BY_NAME, maxSessions: 1.5 })).toThrow(/"options.maxSessions"/);
    expect(() => new ZeroMqServer({ ...NULL_BY_NAME, maxBufferedBytes: 0 })).toThrow(/"options.maxBufferedBytes"/);
    expect(() => new ZeroMqServer({ ...NULL_BY_NAME, idleTimeout: Number.NaN })).toThrow(RangeError);
    expect(() => new ZeroMqServer({ ...NULL_BY_NAME, authorizer: 'yes' as never })).toThrow(/"options.authorizer"/);
    const dealer = tracker.track(new zmq.Dealer());
    expect(() => new ZeroMqServer({ ...NULL_BY_NAME, socket: dealer as never })).toThrow(/"options.socket"/);
  });

  test('a server without an authorizer is a TypeError naming options.authorizer and allowAny()', () => {
    const { authorizer: _none, ...noAuthorizer } = NULL_BY_NAME;
    expect(() => new ZeroMqServer(noAuthorizer as never)).toThrow(TypeError);
    expect(() => new ZeroMqServer(noAuthorizer as never)).toThrow(/"options\.authorizer" is required.*allowAny\(\)/);
  });

  test('a socket passed in must have a maxMessageSize ceiling: none, or one above maxFrameSize plus overhead, is a TypeError', () => {
    const unlimited = tracker.track(new zmq.Router());
    expect(() => new ZeroMqServer({ ...NULL_BY_NAME, socket: unlimited })).toThrow(/"options.socket" has no maxMessageSize \(unlimited\)/);
    const tooLarge = tracker.track(new zmq.Router({ maxMessageSize: 64 * 1024 * 1024 }));
    expect(() => new ZeroMqServer({ ...NULL_BY_NAME, maxFrameSize: 1024 * 1024, socket: tooLarge })).toThrow(/"options.socket" has maxMessageSize 67108864/);
    const dealer = tracker.track(new zmq.Dealer());
    expect(() => new ZeroMqClient({ ...NULL_BY_NAME, socket: dealer })).toThrow(TypeError);
    const bounded = new zmq.Dealer({ maxMessageSize: 1024 * 1024 });
    tracker.track(new ZeroMqClient({ ...NULL_BY_NAME, socket: bounded }));
  });

  test('connect() with bad mechanism options or a malformed endpoint throws and leaves the client idle', async () => {
    const badKey = tracker.client({ mechanism: 'CURVE', registry: defaultRegistry, mechanismOptions: { secretKey: 'short', serverKey: 'short' } });
    await expect(badKey.connect('inproc://anything')).rejects.toBeInstanceOf(RangeError);
    expect(badKey.status).toBe('idle');
    const badEndpoint = tracker.client({ ...NULL_BY_NAME });
    await expect(badEndpoint.connect('nonsense://x')).rejects.toMatchObject({ code: expect.any(String) });
    expect(badEndpoint.status).toBe('idle');
  });

  test('calls out of turn throw StateError', async () => {
    const s = setup('NULL');
    const server = tracker.server({ ...s.server, authorizer: s.authorizer });
    const endpoint = await server.bind(freshAddress('inproc'));
    const client = tracker.client({ ...s.client() });
    await expect(client.send('early')).rejects.toBeInstanceOf(StateError);
    expect(() => client.reconnect(endpoint)).toThrow(StateError);
    expect(() => client.subscribe(endpoint)).toThrow(StateError);
    await client.connect(endpoint);
    await expect(client.connect(endpoint)).rejects.toBeInstanceOf(StateError);
    await expect(server.publish(client.sessionId.toString('hex'), 'x')).rejects.toBeInstanceOf(StateError);
    await expect(server.bindPublisher(freshAddress('inproc')).then(() => server.bindPublisher(freshAddress('inproc')))).rejects.toBeInstanceOf(StateError);
    await expect(server.send('00'.repeat(16), 'to nobody')).rejects.toMatchObject({ code: 'ERR_CHANNEL_CLOSED' });
  });
});

test('close() ends receive() and the iterators: pending receives reject, loops return', async () => {
  const s = setup('NULL');
  const server = tracker.server({ ...s.server, authorizer: s.authorizer });
  const endpoint = await server.bind(freshAddress('tcp'));
  const client = tracker.client({ ...s.client() });
  await client.connect(endpoint);
  const pending = client.receive();
  const clientLoop = (async () => {
    for await (const message of client) return message;
    return 'ended';
  })();
  const serverLoop = (async () => {
    for await (const message of server) return message;
    return 'ended';
  })();
  const closed = once(client, 'close');
  client.close();
  server.close();
  await closed;
  await expect(pending).rejects.toBeInstanceOf(ChannelError);
  await expect(pending).rejects.toMatchObject({ code: 'ERR_CHANNEL_CLOSED' });
  expect(await clientLoop).toBe('ended');
  expect(await serverLoop).toBe('ended');
  expect(client.status).toBe('closed');
  await expect(server.receive()).rejects.toMatchObject({ code: 'ERR_CHANNEL_CLOSED' });
});

test('a Request client that is denied gets the deny error', async () => {
  const s = setup('CURVE');
  const server = tracker.server({ ...s.server, authorizer: s.authorizer });
  const endpoint = await server.bind(freshAddress('tcp'));
  const client = tracker.client({ ...s.client(s.refused), socket: new zmq.Request({ maxMessageSize: 1024 * 1024 }) });
  await expect(client.connect(endpoint)).rejects.toMatchObject({ code: 'ERR_PEER_ERROR', status: 400 });
});

test('closeSession() drops a session and tells its client, whose receive() then rejects', async () => {
  const s = setup('CURVE');
  const server = tracker.server({ ...s.server, authorizer: s.authorizer });
  const endpoint = await server.bind(freshAddress('tcp'));
  const client = tracker.client({ ...s.client() });
  await client.connect(endpoint);
  const id = client.sessionId.toString('hex');
  const pending = client.receive();
  const closed = once(server, 'session:close');
  server.closeSession(id);
  expect(await closed).toEqual([id, 'closed', undefined]);
  expect(server.peerOf(id)).toBeUndefined();
  await expect(pending).rejects.toMatchObject({ code: 'ERR_CHANNEL_CLOSED', message: 'the server closed the session' });
  expect(client.status).toBe('failed');
});

test('client.close() sends CLOSE: the server drops the session at once (reason "left")', async () => {
  const s = setup('CURVE');
  const server = tracker.server({ ...s.server, authorizer: s.authorizer });
  const endpoint = await server.bind(freshAddress('tcp'));
  const client = tracker.client({ ...s.client() });
  await client.connect(endpoint);
  const closed = once(server, 'session:close');
  client.close();
  expect(await closed).toEqual([client.sessionId.toString('hex'), 'left', undefined]);
  expect(server.sessionCount).toBe(0);
});

test('server.close() tells every ready client', async () => {
  const s = setup('NULL');
  const server = tracker.server({ ...s.server, authorizer: s.authorizer });
  const endpoint = await server.bind(freshAddress('inproc'));
  const clients = [tracker.client({ ...s.client() }), tracker.client({ ...s.client() })];
  await Promise.all(clients.map((client) => client.connect(endpoint)));
  const told = clients.map((client) => once(client, 'session:close'));
  server.close();
  for (const [error] of await Promise.all(told)) expect(error).toMatchObject({ code: 'ERR_CHANNEL_CLOSED' });
});

test('a forged MESSAGE on the client\'s own Dealer fails the session with a coded error (as libzmq closes)', async () => {
  const s = setup('CURVE');
  const server = tracker.server({ ...s.server, authorizer: s.authorizer });
  const endpoint = await server.bind(freshAddress('tcp'));
  const client = tracker.client({ ...s.client() });
  await client.connect(endpoint);
  await client.send('hi');
  const message = await server.receive();
  await message.reply('genuine');
  expect(texts(await client.receive())).toEqual(['genuine']);
  const failed = once(client, 'session:error');
  // Only the server's Router can reach the client's Dealer: send a corrupt MESSAGE through it.
  const raw = (server as unknown as { socket: zmq.Router }).socket;
  const [routingId] = (server as unknown as { table: Map<string, { route: Buffer[] }> }).table.get(message.sessionId)!.route;
  const forged = Buffer.concat([Buffer.from([2]), client.sessionId, Buffer.from('\x07MESSAGE'), Buffer.alloc(40, 1)]);
  await raw.send([routingId!, forged]);
  const [error] = await failed;
  expect(error).toMatchObject({ code: expect.stringMatching(/^ERR_/) });
  expect(client.status).toBe('failed');
  await expect(client.receive()).rejects.toBe(error);
});

test('Inbox: the high-water mark pauses the reader until a pull drains it', async () => {
  const inbox = new Inbox<number>(2);
  inbox.push(1);
  inbox.push(2);
  expect(inbox.full).toBe(true);
  let drained = false;
  const waiting = inbox.drained().then(() => (drained = true));
  await Promise.resolve();
  expect(drained).toBe(false);
  expect(await inbox.pull()).toBe(1);
  await waiting;
  expect(drained).toBe(true);
});

test('an authorizer that throws is a 500 refusal, never an allow', async () => {
  const s = setup('CURVE');
  const server = tracker.server({
    ...s.server,
    authorizer: () => {
      throw new Error('database down');
    },
  });
  const endpoint = await server.bind(freshAddress('inproc'));
  const client = tracker.client({ ...s.client() });
  await expect(client.connect(endpoint)).rejects.toMatchObject({ code: 'ERR_PEER_ERROR', status: 500 });
});

test('a decision that arrives after its handshake timed out is ignored', async () => {
  const s = setup('CURVE');
  let answer!: (allowed: boolean) => void;
  let markAsked!: () => void;
  const asked = new Promise<void>((resolve) => (markAsked = resolve));
  const server = tracker.server({
    ...s.server,
    handshakeTimeout: 100,
    authorizer: () =>
      new Promise<boolean>((resolve) => {
        answer = resolve;
        markAsked();
      }),
  });
  const endpoint = await server.bind(freshAddress('inproc'));
  const client = tracker.client({ ...s.client(), handshakeTimeout: 5_000 });
  const outcome = client.connect(endpoint);
  await asked;
  const [, reason] = await once(server, 'session:close');
  expect(reason).toBe('expired');
  const handshakes: unknown[] = [];
  server.on('handshake', (_peer, origin) => handshakes.push(origin.sessionId));
  answer(true);
  // Let the late "allow" run: it reaches no session, so nothing is sent or opened.
  await new Promise(setImmediate);
  client.close();
  await expect(outcome).rejects.toMatchObject({ code: 'ERR_CHANNEL_CLOSED' });
  expect(handshakes).toEqual([]);
  expect(server.sessionCount).toBe(0);
});

test('a throwing event listener becomes a "fault" event and fails only its session; the server goes on', async () => {
  const s = setup('NULL');
  const server = tracker.server({ ...s.server, authorizer: s.authorizer });
  const endpoint = await server.bind(freshAddress('inproc'));
  let thrown = false;
  server.on('handshake:receive', () => {
    if (thrown) return;
    thrown = true;
    throw new Error('listener bug');
  });
  const fault = once(server, 'fault');
  const dropped = once(server, 'session:close');
  const first = tracker.client({ ...s.client(), handshakeTimeout: 200 });
  const firstOutcome = first.connect(endpoint).catch((error: Error) => error);
  expect(await fault).toEqual([expect.objectContaining({ message: 'listener bug' })]);
  expect(await dropped).toEqual([first.sessionId.toString('hex'), 'failed', expect.objectContaining({ message: 'listener bug' })]);
  await firstOutcome;
  const second = tracker.client({ ...s.client() });
  await second.connect(endpoint);
  expect(second.status).toBe('ready');
});

test('the session id comes from the `random` option (16 bytes) and is carried by every frame', async () => {
  const s = setup('NULL');
  const server = tracker.server({ ...s.server, authorizer: s.authorizer });
  const endpoint = await server.bind(freshAddress('inproc'));
  const id = Buffer.alloc(16, 0xab);
  const client = tracker.client({ ...s.client(), random: (length) => Buffer.alloc(length, 0xab) });
  expect(client.sessionId).toEqual(id);
  await client.connect(endpoint);
  await client.send('x');
  expect((await server.receive()).sessionId).toBe(id.toString('hex'));
  expect(() => new ZeroMqClient({ ...NULL_BY_NAME, random: () => new Uint8Array(3) })).toThrow(expect.objectContaining({ code: 'ERR_RANDOM_FAILED' }));
});

test('several handshake commands in one ZeroMQ message are dropped without opening a session', async () => {
  const s = setup('NULL');
  const server = tracker.server({ ...s.server, authorizer: s.authorizer });
  const endpoint = await server.bind(freshAddress('inproc'));
  const raw = tracker.track(new zmq.Dealer());
  raw.connect(endpoint);
  const ready = defaultRegistry.client('NULL', {}).start().send[0]!;
  const frame = encodeEnvelope(KIND_HANDSHAKE, Buffer.alloc(16, 1), ready);
  const dropped = once(server, 'message:drop');
  await raw.send([frame, frame]);
  expect(await dropped).toEqual(['several handshake commands in one message']);
  expect(server.sessionCount).toBe(0);
});

test('a Router given already bound is read at once, without bind()', async () => {
  const s = setup('NULL');
  const router = new zmq.Router({ maxMessageSize: 1024 * 1024 });
  await router.bind(freshAddress('inproc'));
  const server = tracker.server({ ...s.server, authorizer: s.authorizer, socket: router });
  const client = tracker.client({ ...s.client() });
  await client.connect(router.lastEndpoint!);
  await client.send('read at once');
  expect(texts((await server.receive()).parts)).toEqual(['read at once']);
});

test('receiveTimeout: receive() rejects with ERR_IDLE_TIMEOUT, and a later message is not lost', async () => {
  const s = setup('NULL');
  const server = tracker.server({ ...s.server, authorizer: s.authorizer });
  const endpoint = await server.bind(freshAddress('inproc'));
  const client = tracker.client({ ...s.client(), receiveTimeout: 50 });
  await client.connect(endpoint);
  await expect(client.receive()).rejects.toMatchObject({ code: 'ERR_IDLE_TIMEOUT' });
  await client.send('ping');
  await (await server.receive()).reply('pong');
  expect(texts(await client.receive())).toEqual(['pong']);
  expect(() => new ZeroMqClient({ ...NULL_BY_NAME, receiveTimeout: -1 })).toThrow(/"options.receiveTimeout"/);
});

test('close() closes the session factory: CURVE\'s cookie keys are wiped once, and nothing is made after', async () => {
  const serverKeys = generateKeyPair();
  const spy = new SpyDefinition(CURVE);
  const server = tracker.server({ mechanism: spy, mechanismOptions: { secretKey: serverKeys.secretKey }, authorizer: () => true });
  const endpoint = await server.bind(freshAddress('tcp'));
  // Linger 0: the server closes first, so the client's CLOSE at clean-up has nobody to go to.
  const client = tracker.client({ mechanism: CURVE, mechanismOptions: { secretKey: generateKeyPair().secretKey, serverKey: serverKeys.publicKey }, linger: 0 });
  await client.connect(endpoint);
  expect(spy.made).toBe(1);
  server.close();
  server.close();
  expect(spy.closes).toBe(1);
  expect(() => spy.servers[0]!()).toThrow(StateError);
});
