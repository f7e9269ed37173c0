/**
 * Heartbeats on real zeromq sockets (security checklist rows 40 and 41): encrypted PING/PONG
 * command parts keep an idle session alive, reveal a crashed server as ERR_IDLE_TIMEOUT, never
 * reach an application, and cannot be forged or replayed from another route (CURVE).
 */
import { once } from 'node:events';
import * as zmq from 'zeromq';
import { KIND_MESSAGE, ZeroMqClient, ZeroMqServer, encodeEnvelope } from '../../../src/adapters/zeromq';
import { freshAddress, setup, texts, Tracker, type Setup } from './helpers';

const tracker = new Tracker();
afterEach(() => tracker.closeAll());

/** Resolves once `count` frames were seen; `frames` keeps them all. */
class FrameWatch {
  readonly frames: Buffer[][] = [];
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  add(frames: Buffer[]): void {
    this.frames.push(frames);
    for (const waiter of this.waiters.filter((w) => this.frames.length >= w.count)) waiter.resolve();
    this.waiters = this.waiters.filter((w) => this.frames.length < w.count);
  }

  reached(count: number): Promise<void> {
    if (this.frames.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }
}

/** The MESSAGE frames a client's Dealer sent; with no application sends, these are its PINGs. */
let pings = new FrameWatch();
beforeEach(() => (pings = new FrameWatch()));

/** A Dealer that records its MESSAGE sends (zeromq sockets are not extensible, so they live outside). */
class PingWatchingDealer extends zmq.Dealer {
  override send(message: zmq.MessageLike | zmq.MessageLike[]): Promise<void> {
    const frames = (message as Buffer[]).map((frame) => Buffer.from(frame));
    if (frames[0]![0] === KIND_MESSAGE) pings.add(frames);
    return super.send(message);
  }
}

/** Routing ids the server's Router sent to. */
const routerSends: Buffer[] = [];

class RecordingRouter extends zmq.Router {
  override send(message: zmq.MessageLike | zmq.MessageLike[]): Promise<void> {
    routerSends.push(Buffer.from((message as Buffer[])[0]!));
    return super.send(message);
  }
}

function echo(server: ZeroMqServer): void {
  void (async () => {
    for await (const message of server) await message.reply(message.parts);
  })().catch(() => undefined);
}

function heartbeatClient(s: Setup, heartbeatTimeout: number): ZeroMqClient {
  return tracker.client({ ...s.client(), socket: new PingWatchingDealer({ maxMessageSize: 1024 * 1024 }), keepAlive: 20, heartbeatTimeout });
}

describe.each(['tcp', 'inproc'] as const)('heartbeats over %s', (transport) => {
  test("heartbeats keep an idle session alive past the server's idleTimeout, and PING/PONG never reach either application", async () => {
    const s = setup('CURVE');
    const server = tracker.server({ ...s.server, authorizer: s.authorizer, idleTimeout: 250 });
    const endpoint = await server.bind(freshAddress(transport));
    const closes: unknown[] = [];
    server.on('session:close', (...args) => closes.push(args));
    // Shorter than the 800 ms below: the client lives only if the server answers its PINGs.
    const client = heartbeatClient(s, 400);
    await client.connect(endpoint);
    const ended = Promise.race([once(client, 'session:error'), once(client, 'session:close')]);

    // 40 PINGs, each sent after 20 ms of silence: at least 800 ms, over three sessionTimeouts.
    // A client that failed or was closed on meanwhile stops pinging: that ends the wait too.
    const outcome = await Promise.race([pings.reached(40).then(() => 'alive'), ended.then(([error]) => error as Error)]);
    expect(outcome).toBe('alive');
    expect(closes).toEqual([]);
    expect(server.sessionCount).toBe(1);

    await client.send('after a long silence');
    const message = await server.receive();
    expect(texts(message.parts)).toEqual(['after a long silence']);
    await message.reply('answer');
    expect(texts(await client.receive())).toEqual(['answer']);
  });

  test('after a crash (Router closed, no CLOSE) the client fails with ERR_IDLE_TIMEOUT, ending receive() and the iterator; a new client handshakes afresh with a new server', async () => {
    const s = setup('CURVE');
    const router = new zmq.Router({ maxMessageSize: 1024 * 1024 });
    // Never closed: its socket is gone, as in a crash (close() would touch the dead socket).
    const crashed = new ZeroMqServer({ ...s.server, authorizer: s.authorizer, socket: router });
    echo(crashed);
    const old = heartbeatClient(s, 200);
    await old.connect(await crashed.bind(freshAddress(transport)));
    await old.send('before');
    expect(texts(await old.receive())).toEqual(['before']);
    const pending = old.receive();
    const iterated = (async () => {
      for await (const parts of old) throw new Error(`unexpected message ${texts(parts).join()}`);
    })();
    const failed = once(old, 'session:error');
    router.close();

    const [error] = (await failed) as [Error & { code: string }];
    expect(error.code).toBe('ERR_IDLE_TIMEOUT');
    await expect(pending).rejects.toBe(error);
    await expect(iterated).rejects.toBe(error);
    expect(old.status).toBe('failed');
    await expect(old.send('into the void')).rejects.toBe(error);

    const second = tracker.server({ ...s.server, authorizer: s.authorizer });
    echo(second);
    const fresh = heartbeatClient(s, 5_000);
    await fresh.connect(await second.bind(freshAddress(transport)));
    await fresh.send('fresh');
    expect(texts(await fresh.receive())).toEqual(['fresh']);
    expect(fresh.sessionId.equals(old.sessionId)).toBe(false);
    expect(second.sessionCount).toBe(1);
  });
});

test('CURVE: a forged, garbled or replayed PING from another route is dropped: no PONG to it, no move, the session goes on', async () => {
  const s = setup('CURVE');
  const server = tracker.server({ ...s.server, authorizer: s.authorizer, socket: new RecordingRouter({ maxMessageSize: 1024 * 1024 }) });
  const endpoint = await server.bind(freshAddress('tcp'));
  const client = heartbeatClient(s, 5_000);
  await client.connect(endpoint);
  await pings.reached(1);
  const captured = pings.frames[0]!;

  const attacker = tracker.track(new zmq.Dealer({ routingId: 'attacker' }));
  attacker.connect(endpoint);
  const garbled = captured.map((frame) => Buffer.from(frame));
  garbled[0]![garbled[0]!.length - 1]! ^= 0x01;
  const forged = [encodeEnvelope(KIND_MESSAGE, client.sessionId, Buffer.from('\x07MESSAGE' + 'x'.repeat(40)))];
  let moves = 0;
  server.on('session:move', () => moves++);
  for (const attack of [captured, garbled, forged]) {
    const dropped = once(server, 'message:drop');
    await attacker.send(attack);
    expect(await dropped).toEqual(['MESSAGE from another route did not authenticate']);
  }

  // Sends leave the server in order, so once this answer is back nothing went to the attacker.
  await client.send('still mine');
  const message = await server.receive();
  await message.reply('still yours');
  expect(texts(await client.receive())).toEqual(['still yours']);
  expect(routerSends.some((routingId) => routingId.toString() === 'attacker')).toBe(false);
  expect(moves).toBe(0);
  expect(server.sessionCount).toBe(1);
});

test('heartbeat options: misuse throws a RangeError naming the option, before any socket opens', () => {
  const s = setup('NULL');
  const make = (options: { keepAlive?: number; heartbeatTimeout?: number }) => () =>
    new ZeroMqClient({ ...s.client(), ...options });
  expect(make({ keepAlive: -1 })).toThrow(/"options.keepAlive"/);
  expect(make({ keepAlive: Number.NaN })).toThrow(RangeError);
  expect(make({ keepAlive: 10, heartbeatTimeout: -1 })).toThrow(/"options.heartbeatTimeout"/);
  expect(make({ heartbeatTimeout: 10 })).toThrow(new RangeError('"options.heartbeatTimeout" needs "options.keepAlive"'));
  // 0 = never, as every keepAlive (src/channel/limits.ts), so no heartbeatTimeout either.
  expect(make({ keepAlive: 0, heartbeatTimeout: 10 })).toThrow(RangeError);
});

test('a session that publishes gets its PONGs over PUB, the socket it sends over', async () => {
  const s = setup('CURVE');
  const server = tracker.server({ ...s.server, authorizer: s.authorizer, socket: new RecordingRouter({ maxMessageSize: 1024 * 1024 }) });
  const endpoint = await server.bind(freshAddress('tcp'));
  const pubEndpoint = await server.bindPublisher(freshAddress('tcp'));
  const client = heartbeatClient(s, 400);
  await client.connect(endpoint);
  client.subscribe(pubEndpoint);
  await server.publish(client.sessionId.toString('hex'), 'feed');
  expect(texts(await client.receive())).toEqual(['feed']);
  const routerSendsBefore = routerSends.length;
  const ended = Promise.race([once(client, 'session:error'), once(client, 'session:close')]);

  const seen = pings.frames.length;
  const outcome = await Promise.race([pings.reached(seen + 30).then(() => 'alive'), ended.then(([error]) => error as Error)]);
  expect(outcome).toBe('alive');
  expect(routerSends.length).toBe(routerSendsBefore);
});
