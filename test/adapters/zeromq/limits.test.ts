/**
 * The limits of src/channel/limits.ts on the ZeroMQ adapter, on real sockets: a handshake
 * command over the mechanism's largest opens nothing, a message over `maxFrameSize` fails its
 * session on either side with `ERR_FRAME_TOO_LARGE`, `maxSessions` refuses a newcomer, and an
 * authentic PING without its TTL ends the session (the heartbeat policy).
 */
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import * as zmq from 'zeromq';
import { CURVE } from '../../../mechanisms';
import { encodeEnvelope, KIND_HANDSHAKE, KIND_MESSAGE, SESSION_ID_BYTES } from '../../../src/adapters/zeromq';
import { encodeCommand } from '../../../src/codec/command';
import { freshAddress, setup, texts, Tracker } from './helpers';

const tracker = new Tracker();
afterEach(() => tracker.closeAll());

test("a first handshake command over the mechanism's largest opens no session", async () => {
  const s = setup('CURVE');
  const server = tracker.server({ ...s.server, authorizer: s.authorizer });
  const endpoint = await server.bind(freshAddress('tcp'));
  const dealer = tracker.track(new zmq.Dealer({ linger: 0 }));
  dealer.connect(endpoint);
  const dropped = once(server, 'message:drop');
  const tooLarge = Buffer.alloc(CURVE.wire!.maxHandshakeSize + 1, 0x41);
  await dealer.send(encodeEnvelope(KIND_HANDSHAKE, randomBytes(SESSION_ID_BYTES), tooLarge));
  expect(await dropped).toEqual(['handshake command too large']);
  expect(server.sessionCount).toBe(0);
});

test('a message over the server\'s maxFrameSize fails its session with ERR_FRAME_TOO_LARGE; others go on', async () => {
  const s = setup('CURVE');
  const server = tracker.server({ ...s.server, authorizer: s.authorizer, maxFrameSize: 1024 });
  const endpoint = await server.bind(freshAddress('tcp'));
  const big = tracker.client({ ...s.client() });
  await big.connect(endpoint);
  const closed = once(server, 'session:close');
  await big.send([Buffer.alloc(600), Buffer.alloc(600)]); // two parts: the message is over
  const [id, reason, error] = await closed;
  expect([id, reason]).toEqual([big.sessionId.toString('hex'), 'failed']);
  expect(error).toMatchObject({ code: 'ERR_FRAME_TOO_LARGE' });
  const small = tracker.client({ ...s.client() });
  await small.connect(endpoint);
  await small.send('fits');
  const message = await server.receive();
  expect(texts(message.parts)).toEqual(['fits']);
});

test("a reply over the client's maxFrameSize fails the client's session with ERR_FRAME_TOO_LARGE", async () => {
  const s = setup('CURVE');
  const server = tracker.server({ ...s.server, authorizer: s.authorizer });
  const endpoint = await server.bind(freshAddress('tcp'));
  const client = tracker.client({ ...s.client(), maxFrameSize: 1024 });
  await client.connect(endpoint);
  const failed = once(client, 'session:error');
  await client.send('ask');
  await (await server.receive()).reply(Buffer.alloc(2048));
  expect((await failed)[0]).toMatchObject({ code: 'ERR_FRAME_TOO_LARGE' });
  await expect(client.receive()).rejects.toMatchObject({ code: 'ERR_FRAME_TOO_LARGE' });
});

test('maxSessions refuses a newcomer in silence (limit event); it times out', async () => {
  const s = setup('NULL');
  const server = tracker.server({ ...s.server, authorizer: s.authorizer, maxSessions: 1 });
  const endpoint = await server.bind(freshAddress('inproc'));
  await tracker.client({ ...s.client() }).connect(endpoint);
  const limited = once(server, 'limit');
  const late = tracker.client({ ...s.client(), handshakeTimeout: 300, linger: 0 });
  const outcome = late.connect(endpoint);
  expect(await limited).toEqual(['maxSessions']);
  await expect(outcome).rejects.toMatchObject({ code: 'ERR_HANDSHAKE_TIMEOUT' });
  expect(server.sessionCount).toBe(1);
});

test('an authentic PING without its TTL ends the session with ERR_PROTOCOL (src/codec/heartbeat.ts)', async () => {
  const s = setup('CURVE');
  const server = tracker.server({ ...s.server, authorizer: s.authorizer });
  const endpoint = await server.bind(freshAddress('tcp'));
  const client = tracker.client({ ...s.client() });
  await client.connect(endpoint);
  // The client's own mechanism seals the malformed PING, as a buggy peer implementation would.
  const mechanism = (client as unknown as { driver: { mechanism: { encode(data: Uint8Array, flags: object): Uint8Array } } }).driver.mechanism;
  const socket = (client as unknown as { socket: zmq.Dealer }).socket;
  const closed = once(server, 'session:close');
  await socket.send(encodeEnvelope(KIND_MESSAGE, client.sessionId, mechanism.encode(encodeCommand('PING'), { command: true })));
  const [, reason, error] = await closed;
  expect(reason).toBe('failed');
  expect(error).toMatchObject({ code: 'ERR_PROTOCOL' });
});
