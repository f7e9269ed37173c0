/**
 * After authentication the server's queue for a slow reader is capped in bytes
 * (`maxBufferedBytes`): once it holds that much, the Router's reader waits for the application
 * to take messages, instead of reading on. Seen from inside: the reader's wait for room, while
 * the queue holds the cap; then every message arrives, in order, once the application reads.
 */
import { ZeroMqServer } from '../../../src/adapters/zeromq';
import type { Inbox } from '../../../src/channel/inbox';
import { freshAddress, setup, Tracker } from './helpers';

const tracker = new Tracker();
afterEach(() => tracker.closeAll());

test('the server stops reading once maxBufferedBytes wait for the application, and loses nothing', async () => {
  const s = setup('CURVE');
  const maxBufferedBytes = 64 * 1024;
  const server = tracker.server({ ...s.server, authorizer: s.authorizer, maxBufferedBytes });
  expect(server).toBeInstanceOf(ZeroMqServer);
  const inbox = (server as unknown as { inbox: Inbox<unknown> }).inbox;
  // Each time the reader has to wait, the bytes queued then.
  const waits: number[] = [];
  const drained = inbox.drained.bind(inbox);
  inbox.drained = () => {
    if (inbox.full) {
      waits.push(inbox.bytes);
    }
    return drained();
  };
  const endpoint = await server.bind(freshAddress('tcp'));
  const client = tracker.client({ ...s.client() });
  await client.connect(endpoint);
  const part = 16 * 1024;
  const count = 40; // 640 KiB: ten times the cap
  for (let i = 0; i < count; i++) await client.send(Buffer.alloc(part, i));
  // Until the reader waits, or (without the cap) everything was read into the queue.
  while (waits.length === 0 && inbox.bytes < count * part) await new Promise(setImmediate);
  expect(waits.length).toBeGreaterThan(0);
  expect(inbox.bytes).toBeGreaterThanOrEqual(maxBufferedBytes);
  // One batch may take it over the mark (it was read already), never the whole stream.
  expect(inbox.bytes).toBeLessThan(count * part);
  const received: number[] = [];
  while (received.length < count) {
    const message = await server.receive();
    expect(message.parts[0]!.length).toBe(part);
    received.push(message.parts[0]![0]!);
  }
  expect(received).toEqual(Array.from({ length: count }, (_, i) => i));
  expect(waits.length).toBeGreaterThan(0);
  expect(Math.max(...waits)).toBeLessThan(count * part);
});
