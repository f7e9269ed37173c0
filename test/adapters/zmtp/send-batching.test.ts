/**
 * A sender that writes many messages in one tick (a loop of `await send()`) hands the socket
 * few large writes, not one per message; every message still arrives, in order.
 */
import { once } from 'node:events';
import { NULL } from '../../../mechanisms/null';
import { connectZmtp, listenZmtp, type ZmtpConnection } from '../../../src/adapters/zmtp';

test('messages sent in one tick leave in a few writes, and all arrive in order', async () => {
  const server = await listenZmtp({ mechanism: NULL, authorizer: () => true, socketType: 'PULL' });
  const accepted = once(server, 'connection') as Promise<[ZmtpConnection]>;
  const client = await connectZmtp({ mechanism: NULL, socketType: 'PUSH', port: server.address().port });
  try {
    const [peer] = await accepted;
    // Every write reaching the kernel goes through _writev (corked) or _write (alone).
    const socket = client.socket as unknown as { _writev: (...args: unknown[]) => void; _write: (...args: unknown[]) => void };
    const writev = jest.spyOn(socket, '_writev');
    const write = jest.spyOn(socket, '_write');
    const count = 200;
    for (let i = 0; i < count; i++) await client.send(Buffer.from(`message ${i}`));
    const received: string[] = [];
    for (let i = 0; i < count; i++) received.push(Buffer.from((await peer.receive())[0]!).toString());
    expect(received).toEqual(Array.from({ length: count }, (_, i) => `message ${i}`));
    // Before, each send() corked and uncorked the socket: 200 writes.
    expect(writev.mock.calls.length + write.mock.calls.length).toBeLessThanOrEqual(5);
  } finally {
    await client.close();
    await server.close();
  }
});
