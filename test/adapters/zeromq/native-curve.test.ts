import { once } from 'node:events';
import * as zmq from 'zeromq';
import { curveKeyPair, deny, z85Decode, z85Encode, type AuthRequest } from '../../../src';
import { nativeCurveClient, nativeCurveServer, ZAP_ENDPOINT, ZapHandler } from '../../../src/adapters/zeromq';
import { Tracker } from './helpers';

const tracker = new Tracker();
afterEach(() => tracker.closeAll());

test('nativeCurveServer/nativeCurveClient give zeromq.js options from our keys (bytes or Z85)', () => {
  const server = curveKeyPair();
  const client = curveKeyPair();
  expect(nativeCurveServer(server.secretKey)).toEqual({ curveServer: true, curveSecretKey: server.secretKey, curvePublicKey: server.publicKey });
  const fromBytes = nativeCurveClient({ secretKey: z85Decode(client.secretKey), serverKey: z85Decode(server.publicKey) });
  expect(fromBytes).toEqual({ curveSecretKey: client.secretKey, curvePublicKey: client.publicKey, curveServerKey: server.publicKey });
  expect(() => nativeCurveServer('short')).toThrow(RangeError);
  expect(() => nativeCurveClient({ secretKey: client.secretKey, serverKey: z85Encode(new Uint8Array(32)) })).toThrow(/serverKey/);
});

test('a zeromq.js CURVE server using our authorizer through ZAP accepts an allowed key and refuses another', async () => {
  const serverKeys = curveKeyPair();
  const allowed = curveKeyPair();
  const refused = curveKeyPair();
  const requests: AuthRequest[] = [];
  const zap = tracker.track(
    await ZapHandler.start({
      authorizer: async (request) => {
        requests.push(request);
        return request.publicKeyZ85 === allowed.publicKey ? { status: 200, userId: 'alice' } : deny();
      },
    }),
  );
  expect(zap).toBeInstanceOf(ZapHandler);
  const server = tracker.track(new zmq.Router({ ...nativeCurveServer(serverKeys.secretKey), zapDomain: 'global' }));
  await server.bind('tcp://127.0.0.1:*');
  const endpoint = server.lastEndpoint!;

  const intruder = tracker.track(new zmq.Dealer(nativeCurveClient({ secretKey: refused.secretKey, serverKey: serverKeys.publicKey })));
  // Read the observer as an iterator: its `on()` mode requires 'events' lazily from the first
  // jest module registry that loaded zeromq, which is gone when another test file ran first.
  const refusedEvent = (async () => {
    for await (const event of intruder.events) if (event.type === 'handshake:error:auth') return event;
    throw new Error('the observer ended without an auth failure');
  })();
  intruder.connect(endpoint);
  const event = await refusedEvent;
  expect(event.error.status).toBe(400);

  const friend = tracker.track(new zmq.Dealer(nativeCurveClient({ secretKey: allowed.secretKey, serverKey: serverKeys.publicKey })));
  friend.connect(endpoint);
  await friend.send('hello');
  const [, body] = await server.receive();
  // The first and only message the server got is the allowed client's.
  expect(body?.toString()).toBe('hello');
  expect(requests.map((r) => [r.mechanism, r.publicKeyZ85, r.address, r.domain])).toEqual([
    ['CURVE', refused.publicKey, '127.0.0.1', 'global'],
    ['CURVE', allowed.publicKey, '127.0.0.1', 'global'],
  ]);
});

test('the ZAP handler answers a malformed request with 500, and only one runs per context', async () => {
  const context = new zmq.Context();
  const zap = tracker.track(await ZapHandler.start({ authorizer: () => true, context }));
  await expect(ZapHandler.start({ authorizer: () => true, context })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  const raw = tracker.track(new zmq.Dealer({ context }));
  raw.connect(ZAP_ENDPOINT);
  const invalid = once(zap.events, 'invalid');
  await raw.send(['', '1.0', '7', 'domain', '127.0.0.1', '', 'CURVE', 'not a 32-byte key']);
  await invalid;
  expect((await raw.receive()).map(String)).toEqual(['', '1.0', '7', '500', 'Invalid request', '', '']);
  await expect(ZapHandler.start({ authorizer: 'yes' as never })).rejects.toThrow(TypeError);
});
