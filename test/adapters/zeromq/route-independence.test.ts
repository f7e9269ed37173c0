import { once } from 'node:events';
import * as zmq from 'zeromq';
import { defaultRegistry } from '../../../mechanisms';
import { encodeEnvelope, KIND_HANDSHAKE, KIND_MESSAGE } from '../../../src/adapters/zeromq';
import { MECHANISMS, freshAddress, setup, texts, Tracker } from './helpers';

const tracker = new Tracker();
afterEach(() => tracker.closeAll());

/** What every RecordingDealer sent (zeromq sockets are not extensible, so it lives outside). */
const recorded: Buffer[][] = [];

/** A Dealer that records what it sends, to replay it from elsewhere. */
class RecordingDealer extends zmq.Dealer {
  override send(message: zmq.MessageLike | zmq.MessageLike[]): Promise<void> {
    recorded.push((message as Buffer[]).map((frame) => Buffer.from(frame)));
    return super.send(message);
  }
}

describe.each(MECHANISMS)('%s route independence', (name) => {
  test('a client continues its session after its Dealer is replaced, without a new handshake', async () => {
    const s = setup(name);
    const server = tracker.server({ ...s.server, authorizer: s.authorizer });
    const endpoint = await server.bind(freshAddress('tcp'));
    const client = tracker.client({ ...s.client() });
    await client.connect(endpoint);
    let handshakes = 0;
    server.on('handshake', () => handshakes++);

    await client.send('before');
    const first = await server.receive();
    await first.reply('ack before');
    expect(texts(await client.receive())).toEqual(['ack before']);

    client.reconnect();
    const moved = once(server, 'session:move');
    await client.send('after');
    const second = await server.receive();
    expect(await moved).toEqual([first.sessionId]);
    expect(second.sessionId).toBe(first.sessionId);
    expect(texts(second.parts)).toEqual(['after']);
    await second.reply('ack after');
    expect(texts(await client.receive())).toEqual(['ack after']);
    expect(handshakes).toBe(0);
  });

});

// Only a mechanism that authenticates MESSAGEs can tell a forgery from its client: NULL and PLAIN
// cannot, so for them the random session id is the only protection (docs/zeromq.md).
describe('CURVE route independence under attack', () => {
  test('forged, replayed and corrupt MESSAGEs from another route are dropped and leave the session untouched', async () => {
    const s = setup('CURVE');
    const server = tracker.server({ ...s.server, authorizer: s.authorizer });
    const endpoint = await server.bind(freshAddress('tcp'));
    const dealer = new RecordingDealer({ maxMessageSize: 1024 * 1024 });
    const client = tracker.client({ ...s.client(), socket: dealer });
    await client.connect(endpoint);
    await client.send('genuine');
    const genuine = await server.receive();
    const captured = recorded.at(-1)!;

    const attacker = tracker.track(new zmq.Dealer());
    attacker.connect(endpoint);
    const corrupt = captured.map((frame) => Buffer.from(frame));
    corrupt[0]![corrupt[0]!.length - 1]! ^= 0x01;
    const forged = [encodeEnvelope(KIND_MESSAGE, client.sessionId, Buffer.from('\x07MESSAGE' + 'x'.repeat(40)))];
    let moves = 0;
    server.on('session:move', () => moves++);
    for (const attack of [captured, corrupt, forged]) {
      const dropped = once(server, 'message:drop');
      await attacker.send(attack);
      const [reason] = await dropped;
      expect(reason).toMatch(/another route/);
    }

    // The session still answers on its own route, in order, and nothing forged was delivered.
    await genuine.reply('still yours');
    expect(texts(await client.receive())).toEqual(['still yours']);
    await client.send('next');
    const next = await server.receive();
    expect(texts(next.parts)).toEqual(['next']);
    expect(next.sessionId).toBe(genuine.sessionId);
    expect(moves).toBe(0);
  });
});

test('a HELLO naming a session id the server already holds is dropped; the session is not replaced', async () => {
  const s = setup('CURVE');
  const server = tracker.server({ ...s.server, authorizer: s.authorizer });
  const endpoint = await server.bind(freshAddress('tcp'));
  const client = tracker.client({ ...s.client() });
  await client.connect(endpoint);
  const attacker = tracker.track(new zmq.Dealer());
  attacker.connect(endpoint);
  const hello = defaultRegistry.client('CURVE', s.client(s.refused).mechanismOptions!).start().send[0]!;
  const dropped = once(server, 'message:drop');
  await attacker.send(encodeEnvelope(KIND_HANDSHAKE, client.sessionId, hello));
  expect(await dropped).toEqual(['handshake command out of turn']);
  await client.send('still mine');
  const message = await server.receive();
  expect(message.peer.publicKeyZ85).toBe(s.allowed.keys.publicKey);
  expect(server.sessionCount).toBe(1);
});

test('a session moves to a new transport and port: tcp first, then inproc on the same Router', async () => {
  const s = setup('CURVE');
  const server = tracker.server({ ...s.server, authorizer: s.authorizer });
  const tcp = await server.bind(freshAddress('tcp'));
  const inproc = await server.bind(freshAddress('inproc'));
  const client = tracker.client({ ...s.client() });
  await client.connect(tcp);
  await client.send('over tcp');
  const first = await server.receive();
  client.reconnect(inproc);
  await client.send('over inproc');
  const second = await server.receive();
  expect(second.sessionId).toBe(first.sessionId);
  await second.reply('answer on the new route');
  expect(texts(await client.receive())).toEqual(['answer on the new route']);
});
