/**
 * The ZeroMQ server's session table without sockets (src/adapters/zeromq/session-table.ts):
 * the caps, eviction of the oldest stalled handshake (never one waiting for its decision), the
 * timers (handshake deadline, then idle time-to-live, 0 = none), and disposal on removal.
 */
import type { HandshakeDriver, HandshakeState } from '../../../src/channel/handshake';
import { ServerSession } from '../../../src/adapters/zeromq/session';
import { SessionTable, type SessionTableLimits } from '../../../src/adapters/zeromq/session-table';

/** A driver as far as the table and the session look at it. */
function driver(state: HandshakeState = 'handshaking') {
  const stub = {
    state,
    destroyed: false,
    closed: false,
    get pending() {
      return stub.state === 'handshaking' || stub.state === 'deciding';
    },
    close() {
      stub.closed = true;
    },
    mechanism: { destroy: () => void (stub.destroyed = true) },
  };
  return stub;
}

function session(key: string, state: HandshakeState = 'handshaking') {
  const d = driver(state);
  return { session: new ServerSession(Buffer.alloc(16), key, d as unknown as HandshakeDriver, [Buffer.from(key)]), driver: d };
}

function table(limits: Partial<SessionTableLimits> = {}) {
  const events: string[] = [];
  const t: SessionTable = new SessionTable(
    { maxSessions: 10, maxHandshakes: 10, handshakeTimeout: 1_000, idleTimeout: 5_000, ...limits },
    {
      limit: (which) => events.push(`limit ${which}`),
      evict: (s, error) => {
        events.push(`evict ${s.key} ${error.code}`);
        t.remove(s.key);
      },
      expire: (s) => {
        events.push(`expire ${s.key}`);
        t.remove(s.key);
      },
    },
  );
  return { t, events };
}

afterEach(() => jest.useRealTimers());

test('maxSessions refuses a new handshake and says so', () => {
  const { t, events } = table({ maxSessions: 2 });
  t.add(session('a').session);
  t.add(session('b').session);
  expect(t.admit()).toBe('maxSessions');
  expect(events).toEqual(['limit maxSessions']);
  expect(t.size).toBe(2);
  t.remove('a');
  t.remove('b');
});

test('maxHandshakes evicts the oldest handshake not waiting for its decision, with ERR_LIMIT_REACHED', () => {
  const { t, events } = table({ maxHandshakes: 3 });
  const deciding = session('deciding', 'deciding');
  const stalled = session('stalled');
  t.add(deciding.session);
  t.add(stalled.session);
  t.add(session('newer').session);
  expect(t.admit()).toBeUndefined();
  expect(events).toEqual(['limit maxHandshakes', 'evict stalled ERR_LIMIT_REACHED']);
  expect(t.get('stalled')).toBeUndefined();
  expect(stalled.driver.closed).toBe(true);
  expect(t.get('deciding')).toBe(deciding.session);
  expect(t.handshaking).toBe(2);
  for (const key of t.keys()) t.remove(key);
});

test('maxHandshakes refuses a newcomer when every handshake waits for its decision', () => {
  const { t, events } = table({ maxHandshakes: 2 });
  t.add(session('a', 'deciding').session);
  t.add(session('b', 'deciding').session);
  expect(t.admit()).toBe('maxHandshakes');
  expect(events).toEqual(['limit maxHandshakes']);
  expect(t.size).toBe(2);
  for (const key of t.keys()) t.remove(key);
});

test('a ready session no longer counts as a handshake', () => {
  const { t } = table({ maxHandshakes: 1 });
  const a = session('a');
  t.add(a.session);
  t.ready(a.session);
  expect(a.session.state).toBe('ready');
  expect(t.handshaking).toBe(0);
  expect(t.admit()).toBeUndefined();
  t.remove('a');
});

test('timers: the handshake deadline, then the idle time-to-live (refreshed by touch); 0 arms none', () => {
  jest.useFakeTimers();
  const { t, events } = table({ handshakeTimeout: 1_000, idleTimeout: 5_000 });
  const a = session('a');
  const b = session('b');
  t.add(a.session);
  t.add(b.session);
  b.driver.state = 'ready';
  t.ready(b.session);
  jest.advanceTimersByTime(1_000);
  expect(events).toEqual(['expire a']);
  jest.advanceTimersByTime(3_000);
  b.session.touch();
  jest.advanceTimersByTime(4_999);
  expect(events).toEqual(['expire a']);
  jest.advanceTimersByTime(1);
  expect(events).toEqual(['expire a', 'expire b']);
  expect(b.driver.destroyed).toBe(true); // a ready session's mechanism is the table's to wipe

  const never = table({ idleTimeout: 0 });
  const c = session('c');
  never.t.add(c.session);
  never.t.ready(c.session);
  expect(jest.getTimerCount()).toBe(0);
  never.t.remove('c');
});

test('remove() disposes of a session once: the driver closed while pending, unknown keys ignored', () => {
  const { t } = table();
  const a = session('a', 'deciding');
  t.add(a.session);
  expect(t.remove('a')).toBe(a.session);
  expect(a.driver.closed).toBe(true);
  expect(a.session.closed).toBe(true);
  expect(t.remove('a')).toBeUndefined();
});
