/**
 * `close()` resolves on both ends, in bounded time, even when the other side stopped reading:
 * the last sends never wait (send timeout 0), then the sockets close. And `client.handshake`
 * settles with the server's identity, or with the reason it never will.
 */
import { freshAddress, setup, Tracker } from './helpers';

const tracker = new Tracker();
afterEach(() => tracker.closeAll());

test('close() resolves on both ends while the server does not read and the client has a full queue', async () => {
  const s = setup('CURVE');
  const server = tracker.server({ ...s.server, authorizer: s.authorizer, receiveHighWaterMark: 1, maxBufferedBytes: 1024 });
  const endpoint = await server.bind(freshAddress('tcp'));
  // A finite linger: what libzmq still holds for a server that left is dropped after 100 ms, so
  // the process can exit (with the default, -1, it would wait for that server forever).
  const client = tracker.client({ ...s.client(), sendHighWaterMark: 4, linger: 100 });
  await client.connect(endpoint);
  // Nobody reads the server: its inbox fills, then libzmq's queues, then the client's own.
  const sending = (async () => {
    for (let i = 0; ; i++) await client.send(Buffer.alloc(64 * 1024, i));
  })().catch((error: Error) => error);
  await client.send('last'); // waits for room once the queue is full
  const [clientClosed, serverClosed] = await Promise.all([client.close(), server.close()]);
  expect([clientClosed, serverClosed]).toEqual([undefined, undefined]);
  // The loop ends: its send waiting for room rejects (ERR_CHANNEL_CLOSED), or the next one (closed).
  expect(await sending).toMatchObject({ code: expect.stringMatching(/^ERR_(CHANNEL_CLOSED|MECHANISM_STATE)$/) });
  expect(client.status).toBe('closed');
});

test('client.handshake resolves with the server, as connect() does; it rejects when the client closes first', async () => {
  const s = setup('CURVE');
  const server = tracker.server({ ...s.server, authorizer: s.authorizer });
  const endpoint = await server.bind(freshAddress('inproc'));
  const client = tracker.client({ ...s.client() });
  const fromConnect = await client.connect(endpoint);
  expect(await client.handshake).toBe(fromConnect);
  expect(fromConnect.publicKeyZ85).toBe(s.serverKeys.publicKey);
  const never = tracker.client({ ...s.client() });
  await never.close();
  await expect(never.handshake).rejects.toMatchObject({ code: 'ERR_CHANNEL_CLOSED' });
});
