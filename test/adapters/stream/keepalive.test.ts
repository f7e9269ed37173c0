import { dispose, outcome, securePair } from './helpers';

/** Lets the streams move their bytes (they use ticks and microtasks, which stay real). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Advances the fake clock by `ms`, letting the streams work between steps. */
async function advance(ms: number, step = 5): Promise<void> {
  for (let elapsed = 0; elapsed < ms; elapsed += step) {
    jest.advanceTimersByTime(step);
    await settle();
  }
}

beforeEach(() => {
  jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
});

afterEach(() => {
  jest.useRealTimers();
});

describe('keepalive', () => {
  test.each(['NULL', 'CURVE'])('%s: one side keeping alive feeds both idle timeouts, and no application sees it', async (mechanism) => {
    const { client, server } = securePair({ mechanism });
    await Promise.all([client.handshake, server.handshake]);
    const seen: string[] = [];
    client.on('data', () => seen.push('client data'));
    server.on('data', () => seen.push('server data'));
    client.setTimeout(100).setKeepAlive(30);
    server.setTimeout(100);
    await advance(1000);
    expect(client.destroyed || server.destroyed).toBe(false);
    expect(seen).toEqual([]);
    client.write('still here');
    await settle();
    expect(seen).toEqual(['server data']);
    dispose(client, server);
  });

  test('without keepalive the idle timeouts fire (the control for the test above)', async () => {
    const { client, server } = securePair({ mechanism: 'NULL' });
    await Promise.all([client.handshake, server.handshake]);
    const ends = [outcome(client), outcome(server)];
    client.setTimeout(100);
    server.setTimeout(100);
    await advance(150);
    const [clientEnd, serverEnd] = await Promise.all(ends);
    expect(clientEnd!.error).toMatchObject({ code: 'ERR_IDLE_TIMEOUT' });
    expect(serverEnd!.error?.code).toMatch(/^ERR_(IDLE_TIMEOUT|CHANNEL_CLOSED)$/);
  });

  test('setKeepAlive(0) stops the pings, and the peer then times out', async () => {
    const { client, server } = securePair({ mechanism: 'NULL', client: { keepAlive: 20 }, server: { idleTimeout: 100 } });
    await Promise.all([client.handshake, server.handshake]);
    await advance(300);
    expect(server.destroyed).toBe(false);
    const serverEnd = outcome(server);
    client.on('error', () => undefined);
    client.setKeepAlive(0);
    await advance(150);
    expect((await serverEnd).error).toMatchObject({ code: 'ERR_IDLE_TIMEOUT' });
  });
});
