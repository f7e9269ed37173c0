/**
 * Regression tests of the ZeroMQ adapter's findings in the security review (issue 15), on real
 * sockets: strangers cannot block publish() (2), a lone part of someone else's message from
 * another route changes nothing (12), reconnect() away from a dead route loses nothing and a
 * session the server fails is told (13).
 */
import { once } from 'node:events';
import * as net from 'node:net';
import { randomBytes } from 'node:crypto';
import * as zmq from 'zeromq';
import { encodeEnvelope, KIND_MESSAGE, sessionTopic } from '../../../src/adapters/zeromq';
import { parseFrames } from '../../../src/adapters/zeromq/message-codec';
import { freshAddress, setup, texts, Tracker } from './helpers';

const tracker = new Tracker();
afterEach(() => tracker.closeAll());

/** What a HoldingDealer keeps while holding (zeromq sockets are not extensible, so it lives outside). */
const holding: { held: Buffer[][] | undefined } = { held: undefined };

/** A Dealer that, while `holding.held` is set, keeps what the client sends instead of sending it. */
class HoldingDealer extends zmq.Dealer {
  override send(message: zmq.MessageLike | zmq.MessageLike[]): Promise<void> {
    if (holding.held === undefined) return super.send(message);
    holding.held.push((message as Buffer[]).map((frame) => Buffer.from(frame)));
    return Promise.resolve();
  }

  /** Sends what was held, in order, and stops holding. */
  async release(): Promise<void> {
    const held = holding.held ?? [];
    holding.held = undefined;
    for (const message of held) await super.send(message);
  }
}

/** A TCP proxy to `target` that can be killed: its listener and every connection closed. */
async function startProxy(target: string): Promise<{ endpoint: string; kill(): Promise<void> }> {
  const { hostname, port } = new URL(target.replace('tcp://', 'http://'));
  const sockets = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    const outbound = net.connect(Number(port), hostname);
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port: proxyPort } = server.address() as net.AddressInfo;
  return {
    endpoint: `tcp://127.0.0.1:${proxyPort}`,
    kill: async () => {
      const closed = new Promise((resolve) => server.close(resolve));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** Resolves at the socket's next monitor event of `type`. */
async function nextEvent(socket: zmq.Socket, type: string): Promise<void> {
  for await (const event of socket.events) if (event.type === type) return;
}

describe('finding 2: anyone can block publish()', () => {
  test('finding 2: subscriptions of strangers are not recorded, so they cannot keep a ready session from publishing', async () => {
    const s = setup('CURVE');
    const server = tracker.server({ ...s.server, authorizer: s.authorizer, maxSessions: 3 });
    const endpoint = await server.bind(freshAddress('tcp'));
    const pubEndpoint = await server.bindPublisher(freshAddress('tcp'));
    const alice = tracker.client({ ...s.client() });
    await alice.connect(endpoint);

    // A stranger subscribes to topics of no session, then to alice's. Its subscriptions reach
    // the server in that order, so once a publish to alice goes out all of them were read.
    const stranger = tracker.track(new zmq.Subscriber());
    stranger.connect(pubEndpoint);
    for (let i = 0; i < 10; i++) stranger.subscribe(sessionTopic(randomBytes(16)));
    stranger.subscribe(sessionTopic(alice.sessionId));
    await server.publish(alice.sessionId.toString('hex'), 'probe');

    // A second client, within maxSessions: its topic is recorded and its feed goes out.
    const bob = tracker.client({ ...s.client() });
    await bob.connect(endpoint);
    bob.subscribe(pubEndpoint);
    await server.publish(bob.sessionId.toString('hex'), 'news for bob');
    expect(texts(await bob.receive())).toEqual(['news for bob']);
  });

  test('finding 2: publish() to a session nobody subscribes to rejects with ERR_IDLE_TIMEOUT after publishTimeout', async () => {
    const s = setup('CURVE');
    const server = tracker.server({ ...s.server, authorizer: s.authorizer, publishTimeout: 200 });
    const endpoint = await server.bind(freshAddress('tcp'));
    await server.bindPublisher(freshAddress('tcp'));
    const client = tracker.client({ ...s.client() });
    await client.connect(endpoint);
    const started = Date.now();
    await expect(server.publish(client.sessionId.toString('hex'), 'nobody listens')).rejects.toMatchObject({ code: 'ERR_IDLE_TIMEOUT' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    // The session itself goes on.
    await client.send('still here');
    expect(texts((await server.receive()).parts)).toEqual(['still here']);
  });

  test('finding 2: publishTimeout is a duration of 1 ms or more', () => {
    const s = setup('NULL');
    for (const publishTimeout of [0, -1, Number.NaN, 2 ** 31]) {
      expect(() => tracker.server({ ...s.server, authorizer: s.authorizer, publishTimeout })).toThrow(/"options.publishTimeout"/);
    }
  });
});

describe('finding 12: a lone part of a multipart MESSAGE from another route', () => {
  test('finding 12: the first part of a fresh two-part message, sent ahead alone from another route, consumes nothing: the genuine message then arrives', async () => {
    const s = setup('CURVE');
    const server = tracker.server({ ...s.server, authorizer: s.authorizer });
    const endpoint = await server.bind(freshAddress('tcp'));
    const dealer = new HoldingDealer({ maxMessageSize: 1024 * 1024 });
    const client = tracker.client({ ...s.client(), socket: dealer });
    await client.connect(endpoint);
    let moves = 0;
    server.on('session:move', () => moves++);

    // Capture the client's next message, two parts, before it leaves.
    const held: Buffer[][] = [];
    holding.held = held;
    await client.send(['first', 'second']);
    while (held.length === 0) await new Promise((resolve) => setImmediate(resolve));
    const envelopes = parseFrames(held[0]!)!;
    expect(envelopes).toHaveLength(2);

    const attacker = tracker.track(new zmq.Dealer());
    attacker.connect(endpoint);
    const dropped = once(server, 'message:drop');
    await attacker.send([encodeEnvelope(KIND_MESSAGE, client.sessionId, Buffer.from(envelopes[0]!.blob))]);
    expect(await dropped).toEqual(['malformed multipart message']);

    const closed = once(server, 'session:close').then(([, reason, error]) => `session closed: ${reason} ${(error as { code?: string })?.code}`);
    await dealer.release();
    const received = server.receive().then((message) => texts(message.parts));
    expect(await Promise.race([received, closed])).toEqual(['first', 'second']);
    expect(moves).toBe(0);
    await client.send('and on');
    expect(texts((await server.receive()).parts)).toEqual(['and on']);
  });
});

describe('finding 13: reconnect() away from a dead route', () => {
  test('finding 13: what waited for a dead route goes out over the new socket after reconnect(): every message, in order', async () => {
    const s = setup('CURVE');
    const server = tracker.server({ ...s.server, authorizer: s.authorizer });
    const direct = await server.bind(freshAddress('tcp'));
    const proxy = await startProxy(direct);
    const dealer = new zmq.Dealer({ maxMessageSize: 1024 * 1024, linger: 0 });
    const client = tracker.client({ ...s.client(), socket: dealer });
    await client.connect(proxy.endpoint);
    await client.send('before');
    expect(texts((await server.receive()).parts)).toEqual(['before']);

    // The route dies; once the client's socket has seen it, everything sent waits somewhere.
    const disconnected = nextEvent(dealer, 'disconnect');
    await proxy.kill();
    await disconnected;
    const count = 1_500; // over ZeroMQ's and the client's high-water marks (1,000)
    const sends = Array.from({ length: 500 }, (_, i) => client.send(`m${i}`));
    // Let the client's writer hand the first batch to the old socket before it is replaced.
    for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
    for (let i = 500; i < count; i++) sends.push(client.send(`m${i}`));
    client.reconnect(direct);
    await Promise.all(sends);
    await client.send('marker');

    const received: string[] = [];
    for (;;) {
      const [text] = texts((await server.receive()).parts);
      received.push(text!);
      if (text === 'marker') break;
    }
    expect(received).toEqual([...Array.from({ length: count }, (_, i) => `m${i}`), 'marker']);
    expect(client.status).toBe('ready');
  });

  test('finding 13: a session the server fails gets a CLOSE: a message over maxFrameSize ends it on both sides', async () => {
    const s = setup('CURVE');
    const server = tracker.server({ ...s.server, authorizer: s.authorizer, maxFrameSize: 1024 });
    const endpoint = await server.bind(freshAddress('tcp'));
    const client = tracker.client({ ...s.client() });
    await client.connect(endpoint);
    const serverSide = once(server, 'session:close');
    const clientSide = once(client, 'session:close');
    await client.send(Buffer.alloc(4096));
    const [, reason, error] = await serverSide;
    expect([reason, (error as { code?: string }).code]).toEqual(['failed', 'ERR_FRAME_TOO_LARGE']);
    const [told] = await clientSide;
    expect((told as { code?: string }).code).toBe('ERR_CHANNEL_CLOSED');
    expect(client.status).toBe('failed');
  });
});
