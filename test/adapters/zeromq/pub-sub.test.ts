import * as zmq from 'zeromq';
import { once } from 'node:events';
import { StateError } from '../../../src';
import { sessionTopic } from '../../../src/adapters/zeromq';
import { TopicPublisher } from '../../../src/adapters/zeromq/publisher';
import { freshAddress, setup, texts, Tracker, TRANSPORTS } from './helpers';

const tracker = new Tracker();
afterEach(() => tracker.closeAll());

describe.each(TRANSPORTS)('PUB-SUB delivery over %s', (transport) => {
  test('a session published on PUB is read by its subscriber and by nobody else', async () => {
    const s = setup('CURVE');
    const server = tracker.server({ ...s.server, authorizer: s.authorizer });
    const endpoint = await server.bind(freshAddress(transport));
    const pubEndpoint = await server.bindPublisher(freshAddress(transport));

    // An eavesdropper subscribed to everything, and a second legitimate session.
    const eavesdropper = tracker.track(new zmq.Subscriber());
    eavesdropper.subscribe();
    eavesdropper.connect(pubEndpoint);
    const alice = tracker.client({ ...s.client() });
    const bob = tracker.client({ ...s.client() });
    await Promise.all([alice.connect(endpoint), bob.connect(endpoint)]);
    alice.subscribe(pubEndpoint);
    bob.subscribe(pubEndpoint);

    const aliceId = alice.sessionId.toString('hex');
    await server.publish(aliceId, ['breaking', 'news for alice']);
    await server.publish(aliceId, 'second');
    expect(texts(await alice.receive())).toEqual(['breaking', 'news for alice']);
    expect(texts(await alice.receive())).toEqual(['second']);

    // The eavesdropper got the frames but no plaintext; Bob's subscription never matched them.
    const seen = await eavesdropper.receive();
    expect(seen).toHaveLength(2);
    expect(Buffer.concat(seen).includes('news for alice')).toBe(false);
    await server.publish(bob.sessionId.toString('hex'), 'for bob');
    expect(texts(await bob.receive())).toEqual(['for bob']);
  });
});

test('a session sends over one socket only: publish() after send() is refused', async () => {
  const s = setup('CURVE');
  const server = tracker.server({ ...s.server, authorizer: s.authorizer });
  const endpoint = await server.bind(freshAddress('inproc'));
  await server.bindPublisher(freshAddress('inproc'));
  const client = tracker.client({ ...s.client() });
  await client.connect(endpoint);
  const id = client.sessionId.toString('hex');
  await server.send(id, 'direct');
  expect(texts(await client.receive())).toEqual(['direct']);
  await expect(server.publish(id, 'broadcast')).rejects.toBeInstanceOf(StateError);
});

test('publish() waiting for a subscriber rejects when the session closes', async () => {
  const s = setup('NULL');
  const server = tracker.server({ ...s.server, authorizer: s.authorizer });
  const endpoint = await server.bind(freshAddress('inproc'));
  await server.bindPublisher(freshAddress('inproc'));
  const client = tracker.client({ ...s.client() });
  const opened = once(server, 'handshake');
  await client.connect(endpoint);
  const [, { sessionId: id }] = (await opened) as [unknown, { sessionId: string }];
  const pending = server.publish(id, 'nobody listens');
  server.closeSession(id);
  await expect(pending).rejects.toMatchObject({ code: 'ERR_CHANNEL_CLOSED' });
});

test('the publisher records only the session topics it accepts (the server: ready sessions)', async () => {
  const faults: unknown[] = [];
  const accepted = new Set([1, 3]);
  const publisher = tracker.track(new TopicPublisher((id) => accepted.has(id[0]!), (error) => faults.push(error)));
  const endpoint = await publisher.bind(freshAddress('inproc'));
  const subscriber = tracker.track(new zmq.Subscriber());
  subscriber.connect(endpoint);
  const topic = (byte: number) => sessionTopic(Buffer.alloc(16, byte));
  const recorded = (t: Uint8Array) =>
    publisher.whenSubscribed(t, 60_000).then(
      () => 'recorded',
      () => 'cancelled',
    );
  subscriber.subscribe(Buffer.from('not a session topic'));
  subscriber.subscribe(topic(1));
  await publisher.whenSubscribed(topic(1), 60_000);
  // XPUB hands these over in order: topic 2 (not accepted, not recorded), then topic 3, whose
  // recording tells us topic 2 was processed.
  subscriber.subscribe(topic(2));
  subscriber.subscribe(topic(3));
  await publisher.whenSubscribed(topic(3), 60_000);
  const second = recorded(topic(2));
  expect(await Promise.race([second, Promise.resolve('not recorded')])).toBe('not recorded');
  const stranger = recorded(Buffer.from('not a session topic'));
  expect(await Promise.race([stranger, Promise.resolve('not recorded')])).toBe('not recorded');
  expect(faults).toEqual([]);
});
