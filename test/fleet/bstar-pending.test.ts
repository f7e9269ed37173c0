import { PendingUpdates } from '../../src/fleet/pending';
import type { Kvset } from '../../src/fleet/codec';

const uuid = (n: number) => new Uint8Array(16).fill(n);
const kvset = (n: number, id = uuid(n)): Kvset => ({ command: 'KVSET', key: `/k/${n}`, sequence: 0, uuid: id, properties: {}, value: new Uint8Array([n]) });

describe('PendingUpdates', () => {
  it('holds KVSETs until their UUID is published, and hands over the rest in arrival order', () => {
    const pending = new PendingUpdates();
    expect(pending.hold(kvset(1))).toBe('held');
    expect(pending.hold(kvset(2))).toBe('held');
    expect(pending.hold(kvset(3))).toBe('held');
    expect(pending.hold(kvset(2))).toBe('duplicate');
    pending.onPublished(uuid(2));
    expect(pending.hold(kvset(2))).toBe('published'); // arriving after its publication
    expect(pending.wasPublished(uuid(2))).toBe(true);
    expect(pending.take().map((k) => k.key)).toEqual(['/k/1', '/k/3']);
    expect(pending.size).toBe(0);
  });

  it('refuses a KVSET without UUID (it could not be matched) and beyond maxPending', () => {
    const pending = new PendingUpdates({ maxPending: 1 });
    expect(pending.hold(kvset(1, new Uint8Array(0)))).toBe('no-uuid');
    expect(pending.hold(kvset(1))).toBe('held');
    expect(pending.hold(kvset(2))).toBe('full');
    expect(pending.wasPublished(new Uint8Array(0))).toBe(false);
  });

  it('remembers at most `window` published UUIDs, oldest forgotten first', () => {
    const pending = new PendingUpdates({ window: 2 });
    for (const n of [1, 2, 3]) pending.onPublished(uuid(n));
    expect([1, 2, 3].map((n) => pending.wasPublished(uuid(n)))).toEqual([false, true, true]);
  });

  it('drops what arrived before a snapshot request (the snapshot holds it)', () => {
    const pending = new PendingUpdates();
    pending.hold(kvset(1));
    const mark = pending.mark();
    pending.hold(kvset(2));
    pending.dropUntil(mark);
    expect(pending.take().map((k) => k.key)).toEqual(['/k/2']);
  });

  it('checks its options', () => {
    expect(() => new PendingUpdates({ window: 0 })).toThrow(/"options.window"/);
    expect(() => new PendingUpdates({ maxPending: -1 })).toThrow(/"options.maxPending"/);
  });
});
