/** The shared inbox: capped in items and in bytes, with waiters and backpressure. */
import { Inbox } from '../../src/channel/inbox';

describe('Inbox', () => {
  test('full by bytes before items; drained once the consumer took enough', async () => {
    const inbox = new Inbox<Uint8Array>({ maxItems: 100, maxBytes: 10, sizeOf: (b) => b.length });
    inbox.push(new Uint8Array(6));
    expect(inbox.full).toBe(false);
    inbox.push(new Uint8Array(6));
    expect(inbox.full).toBe(true);
    expect(inbox.bytes).toBe(12);
    let drained = false;
    const waiting = inbox.drained().then(() => (drained = true));
    await expect(inbox.pull()).resolves.toHaveLength(6);
    await waiting;
    expect(drained).toBe(true);
    expect(inbox.bytes).toBe(6);
  });

  test('an item handed to a waiting reader is not counted', async () => {
    const inbox = new Inbox<Uint8Array>({ maxItems: 1, maxBytes: 1, sizeOf: (b) => b.length });
    const next = inbox.pull();
    inbox.push(new Uint8Array(50));
    await expect(next).resolves.toHaveLength(50);
    expect(inbox.bytes).toBe(0);
    expect(inbox.full).toBe(false);
  });

  test('a number is a cap in items alone; end rejects waiters, quietly ends iteration', async () => {
    const inbox = new Inbox<number>(2);
    inbox.push(1);
    inbox.push(2);
    expect(inbox.full).toBe(true);
    inbox.end(new Error('closed'), true);
    const seen: number[] = [];
    for await (const item of inbox) seen.push(item);
    expect(seen).toEqual([1, 2]);
    await expect(inbox.pull()).rejects.toThrow('closed');
  });
});
