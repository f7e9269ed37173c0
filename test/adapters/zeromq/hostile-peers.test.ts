import fc from 'fast-check';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import * as zmq from 'zeromq';
import { defaultRegistry } from '../../../mechanisms';
import { curveKeyPair, type Authorizer } from '../../../src';
import { encodeEnvelope, KIND_HANDSHAKE, KIND_MESSAGE, SESSION_ID_BYTES } from '../../../src/adapters/zeromq';
import { freshAddress, setup, texts, Tracker } from './helpers';

const tracker = new Tracker();
afterEach(() => tracker.closeAll());

/** One good client's full round trip. */
async function roundTrip(endpoint: string, choice: ReturnType<ReturnType<typeof setup>['client']>, text: string): Promise<string[]> {
  const client = tracker.client({ ...choice });
  await client.connect(endpoint);
  await client.send(text);
  return texts(await client.receive());
}

/** Echoes every message until the server closes. */
function echo(server: ReturnType<Tracker['server']>): void {
  void (async () => {
    for await (const message of server) await message.reply(message.parts);
  })();
}

/** A raw Dealer that sends a valid first handshake command and then goes quiet. */
async function stalledHandshake(endpoint: string, s: ReturnType<typeof setup>): Promise<zmq.Dealer> {
  const dealer = tracker.track(new zmq.Dealer());
  dealer.connect(endpoint);
  const hello = defaultRegistry.client(s.client().mechanism as string, s.client().mechanismOptions).start().send[0]!;
  await dealer.send(encodeEnvelope(KIND_HANDSHAKE, randomBytes(SESSION_ID_BYTES), hello));
  return dealer;
}

test('a garbage peer and a stalled handshake do not stop good clients', async () => {
  const s = setup('CURVE');
  // Long enough for the good clients' handshakes on a loaded machine, short enough to watch expire.
  const server = tracker.server({ ...s.server, authorizer: s.authorizer, handshakeTimeout: 1_500 });
  const endpoint = await server.bind(freshAddress('tcp'));
  echo(server);
  const drops: string[] = [];
  server.on('message:drop', (reason) => drops.push(reason));
  const errors: string[] = [];
  const expired = new Promise<void>((resolve) =>
    server.on('handshakeError', (error) => {
      errors.push((error as Error & { code: string }).code);
      if (errors.includes('ERR_HANDSHAKE_TIMEOUT')) resolve();
    }),
  );
  await stalledHandshake(endpoint, s);

  const garbage = tracker.track(new zmq.Dealer());
  garbage.connect(endpoint);
  const junk = [
    Buffer.alloc(0),
    randomBytes(1),
    randomBytes(17),
    Buffer.concat([Buffer.from([0xff]), randomBytes(4999)]),
    Buffer.concat([Buffer.from([KIND_MESSAGE]), randomBytes(100)]),
    Buffer.concat([Buffer.from([KIND_HANDSHAKE]), randomBytes(16), Buffer.from('\x05HELLO')]),
  ];
  for (const frame of junk) await garbage.send(frame);
  await garbage.send(junk);

  const results = await Promise.all([0, 1, 2].map((i) => roundTrip(endpoint, s.client(), `good ${i}`)));
  expect(results).toEqual([['good 0'], ['good 1'], ['good 2']]);
  await expired;
  // The stalled handshake timed out; the fake HELLO failed on its own; the rest never parsed.
  expect(errors.sort()).toEqual(['ERR_HANDSHAKE_TIMEOUT', 'ERR_MALFORMED_COMMAND']);
  expect(drops.length).toBeGreaterThanOrEqual(5);
  expect(server.sessionCount).toBe(3);
});

test('a slow authorizer decision never blocks other peers', async () => {
  const s = setup('CURVE');
  const slow = curveKeyPair();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let asked!: () => void;
  const slowAsked = new Promise<void>((resolve) => (asked = resolve));
  const authorizer: Authorizer = async (request) => {
    if (request.publicKeyZ85 !== slow.publicKey) return s.authorizer(request);
    asked();
    await gate;
    return true;
  };
  const server = tracker.server({ ...s.server, authorizer });
  const endpoint = await server.bind(freshAddress('tcp'));
  echo(server);
  const slowClient = tracker.client({ ...s.client({ ...s.allowed, keys: slow }) });
  const slowReady = slowClient.connect(endpoint);
  await slowAsked;

  expect(await roundTrip(endpoint, s.client(), 'fast')).toEqual(['fast']);
  expect(slowClient.status).toBe('handshaking');
  release();
  await slowReady;
  await slowClient.send('slow');
  expect(texts(await slowClient.receive())).toEqual(['slow']);
});

test('maxHandshakes: a new peer evicts the oldest stalled handshake, so half-open floods cannot lock good clients out', async () => {
  const s = setup('CURVE');
  const server = tracker.server({ ...s.server, authorizer: s.authorizer, maxHandshakes: 1 });
  const endpoint = await server.bind(freshAddress('tcp'));
  echo(server);
  const opened = once(server, 'handshake:receive');
  await stalledHandshake(endpoint, s);
  await opened;
  const limited = once(server, 'limit');
  const evicted = once(server, 'handshakeError');
  expect(await roundTrip(endpoint, s.client(), 'good')).toEqual(['good']);
  expect(await limited).toEqual(['maxHandshakes']);
  expect((await evicted)[0]).toMatchObject({ code: 'ERR_LIMIT_REACHED' });
  expect(server.sessionCount).toBe(1);
});

test('maxHandshakes refuses a new peer while every pending handshake waits for the authorizer', async () => {
  const s = setup('CURVE');
  let release: (allowed: boolean) => void = () => undefined;
  let asked: () => void = () => undefined;
  const decision = new Promise<boolean>((resolve) => (release = resolve));
  const decisionAsked = new Promise<void>((resolve) => (asked = resolve));
  const authorizer = () => {
    asked();
    return decision;
  };
  const server = tracker.server({ ...s.server, authorizer, maxHandshakes: 1 });
  const endpoint = await server.bind(freshAddress('tcp'));
  const waiting = tracker.client({ ...s.client() });
  const waitingReady = waiting.connect(endpoint);
  await decisionAsked;
  const limited = once(server, 'limit');
  const refused = tracker.client({ ...s.client(), handshakeTimeout: 200 });
  const failure = refused.connect(endpoint);
  expect(await limited).toEqual(['maxHandshakes']);
  await expect(failure).rejects.toMatchObject({ code: 'ERR_HANDSHAKE_TIMEOUT' });
  release(true);
  await waitingReady;
  expect(server.sessionCount).toBe(1);
});

test('maxSessions refuses a session beyond the limit', async () => {
  const s = setup('NULL');
  const server = tracker.server({ ...s.server, authorizer: s.authorizer, maxSessions: 1 });
  const endpoint = await server.bind(freshAddress('inproc'));
  await tracker.client({ ...s.client() }).connect(endpoint);
  const limited = once(server, 'limit');
  const second = tracker.client({ ...s.client(), handshakeTimeout: 200 });
  const failure = second.connect(endpoint);
  expect(await limited).toEqual(['maxSessions']);
  await expect(failure).rejects.toMatchObject({ code: 'ERR_HANDSHAKE_TIMEOUT' });
});

test('an idle session expires after idleTimeout and its client is told with CLOSE', async () => {
  const s = setup('PLAIN');
  const server = tracker.server({ ...s.server, authorizer: s.authorizer, idleTimeout: 100 });
  const endpoint = await server.bind(freshAddress('tcp'));
  const client = tracker.client({ ...s.client() });
  await client.connect(endpoint);
  const told = once(client, 'session:close');
  const [sessionId, reason] = await once(server, 'session:close');
  expect(sessionId).toBe(client.sessionId.toString('hex'));
  expect(reason).toBe('expired');
  expect(server.sessionCount).toBe(0);
  const [error] = await told;
  expect(error).toMatchObject({ code: 'ERR_CHANNEL_CLOSED' });
  expect(client.status).toBe('failed');
  await expect(client.receive()).rejects.toBe(error);
  await expect(client.send('too late')).rejects.toBe(error);
});

test('a MESSAGE for a session the server does not hold is dropped', async () => {
  const s = setup('CURVE');
  const server = tracker.server({ ...s.server, authorizer: s.authorizer });
  const endpoint = await server.bind(freshAddress('inproc'));
  const stranger = tracker.track(new zmq.Dealer());
  stranger.connect(endpoint);
  const dropped = once(server, 'message:drop');
  await stranger.send(encodeEnvelope(KIND_MESSAGE, randomBytes(SESSION_ID_BYTES), randomBytes(40)));
  expect(await dropped).toEqual(['MESSAGE for no ready session']);
});

test('a wrong server key fails the handshake instead of retrying forever', async () => {
  const s = setup('CURVE');
  const server = tracker.server({ ...s.server, authorizer: s.authorizer });
  echo(server);
  const endpoint = await server.bind(freshAddress('tcp'));
  const refusals: Array<Error & { code?: string }> = [];
  server.on('handshakeError', (error) => refusals.push(error));
  const client = tracker.client({
    mechanism: 'CURVE',
    registry: defaultRegistry,
    mechanismOptions: { secretKey: s.allowed.keys.secretKey, serverKey: curveKeyPair().publicKey },
    handshakeTimeout: 2_000,
  });
  await expect(client.connect(endpoint)).rejects.toMatchObject({ code: 'ERR_HANDSHAKE_TIMEOUT' });
  expect(client.status).toBe('failed');
  // A good client's round trip after the failure: whatever the failed one would have retried by
  // now has reached the server, and the server refused exactly one HELLO: no retry.
  expect(await roundTrip(endpoint, s.client(), 'probe')).toEqual(['probe']);
  expect(refusals.map((error) => error.code)).toEqual(['ERR_DECRYPT']);
});

test('connect() honours an AbortSignal', async () => {
  const s = setup('CURVE');
  const server = tracker.server({ ...s.server, authorizer: () => new Promise(() => undefined) });
  const endpoint = await server.bind(freshAddress('inproc'));
  const controller = new AbortController();
  const client = tracker.client({ ...s.client() });
  const failure = client.connect(endpoint, { signal: controller.signal });
  await once(server, 'handshake:receive');
  controller.abort(new Error('user gave up'));
  await expect(failure).rejects.toMatchObject({ code: 'ERR_ABORTED' });
  expect(client.status).toBe('failed');
});

test('a client over a Request socket alternates handshake and messages', async () => {
  const s = setup('CURVE');
  const server = tracker.server({ ...s.server, authorizer: s.authorizer });
  const endpoint = await server.bind(freshAddress('tcp'));
  echo(server);
  const client = tracker.client({ ...s.client(), socket: new zmq.Request({ maxMessageSize: 1024 * 1024 }) });
  await client.connect(endpoint);
  for (const text of ['one', 'two', 'three']) {
    await client.send([text, 'part']);
    expect(texts(await client.receive())).toEqual([text, 'part']);
  }
});

test('500 random ZeroMQ messages shaped like envelopes cause no fault and stop no good client', async () => {
  const s = setup('CURVE');
  const server = tracker.server({ ...s.server, authorizer: s.authorizer, handshakeTimeout: 5_000 });
  const endpoint = await server.bind(freshAddress('tcp'));
  echo(server);
  const faults: unknown[] = [];
  server.on('fault', (error) => faults.push(error));
  const frame = fc.tuple(fc.constantFrom(0, 1, 2, 3), fc.uint8Array({ minLength: 0, maxLength: 260 })).map(([kind, body]) => Buffer.concat([Buffer.from([kind]), body]));
  const messages = fc.sample(fc.array(frame, { minLength: 1, maxLength: 4 }), { numRuns: 500, seed: 26 });
  const garbage = tracker.track(new zmq.Dealer());
  garbage.connect(endpoint);
  for (const message of messages) await garbage.send(message);
  // A sentinel on the same connection, read after everything before it: a genuine HELLO,
  // which no random frame can imitate, under a session id of its own.
  const sentinelId = randomBytes(SESSION_ID_BYTES);
  const hello = defaultRegistry.client('CURVE', s.client().mechanismOptions!).start().send[0]!;
  const drained = new Promise<void>((resolve) =>
    server.on('handshake:receive', (id) => id === sentinelId.toString('hex') && resolve()),
  );
  await garbage.send(encodeEnvelope(KIND_HANDSHAKE, sentinelId, hello));
  await drained;
  expect(faults).toEqual([]);
  expect(await roundTrip(endpoint, s.client(), 'after the storm')).toEqual(['after the storm']);
});
