import fc from 'fast-check';
import { defaultRegistry } from '../../../mechanisms';
import { frameHeader, SecureStream } from '../../../src/adapters/stream';
import {
  activeTimers,
  allowAdmin,
  CLIENT_OPTIONS,
  dispose,
  MECHANISMS,
  outcome,
  rawListenerCount,
  securePair,
  SERVER_OPTIONS,
} from './helpers';
import { memoryPair } from './memory-pair';
import { relay, type Direction } from './relay';

/** Every code a stream may fail with; anything else would be an uncoded failure. */
const CODES = /^ERR_[A-Z_]+$/;

/** A server on one end of a memory pair; the test plays the client with raw bytes. */
function rawPeerOf(mechanism: string, options: { handshakeTimeout?: number; maxFrameSize?: number } = {}) {
  const [raw, peer] = memoryPair();
  peer.resume();
  const server = new SecureStream(raw, {
    session: defaultRegistry.server(mechanism, SERVER_OPTIONS[mechanism]!)(),
    authorizer: allowAdmin,
    ...options,
  });
  return { server, raw, peer };
}

describe.each(MECHANISMS)('hazards (%s)', (mechanism) => {
  test('garbage from the peer ends in one coded error, with nothing leaked', async () => {
    const timersBefore = activeTimers();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 300 }), async (garbage) => {
        const { server, raw, peer } = rawPeerOf(mechanism);
        const ended = outcome(server);
        peer.end(garbage);
        const { errors } = await ended;
        expect(errors).toHaveLength(1);
        expect((errors[0] as { code?: string }).code).toMatch(CODES);
        await expect(server.handshake).rejects.toBe(errors[0]);
        expect(rawListenerCount(raw)).toBe(0);
      }),
      { numRuns: 40 },
    );
    expect(activeTimers()).toBe(timersBefore);
  });

  test('before authentication, a length prefix over the largest handshake command fails with ERR_FRAME_TOO_LARGE at once', async () => {
    // maxFrameSize is for authenticated peers: an unauthenticated one gets the mechanism's
    // largest handshake command (64 KiB by default for a stream made from a bare session).
    const { server, peer } = rawPeerOf(mechanism, { maxFrameSize: 1024 * 1024 });
    const ended = outcome(server);
    peer.write(frameHeader(64 * 1024 + 1));
    expect((await ended).error).toMatchObject({ code: 'ERR_FRAME_TOO_LARGE' });
  });

  test('after authentication, a length prefix over maxFrameSize fails with ERR_FRAME_TOO_LARGE at once', async () => {
    const { client, server, rawClient } = securePair({ mechanism, server: { maxFrameSize: 1024 } });
    await Promise.all([client.handshake, server.handshake]);
    const ended = outcome(server);
    rawClient.write(frameHeader(1025));
    expect((await ended).error).toMatchObject({ code: 'ERR_FRAME_TOO_LARGE' });
    dispose(client);
  });

  test.each<Direction>(['toServer', 'toClient'])('a connection cut at every offset of the handshake (%s) fails both sides cleanly', async (direction) => {
    const full = relay();
    const whole = securePair({ mechanism, raw: [full.clientRaw, full.serverRaw] });
    await Promise.all([whole.client.handshake, whole.server.handshake]);
    dispose(whole.client, whole.server);
    const handshakeBytes = full.counts[direction];
    expect(handshakeBytes).toBeGreaterThan(0);
    const timersBefore = activeTimers();
    for (let bytes = 0; bytes < handshakeBytes; bytes++) {
      const cut = relay({ cutAfter: { direction, bytes } });
      const { client, server } = securePair({ mechanism, raw: [cut.clientRaw, cut.serverRaw] });
      const ends = await Promise.all([outcome(client.resume()), outcome(server.resume())]);
      const failed = await Promise.all([client, server].map((stream, i) => expectCleanEnd(stream, ends[i]!)));
      expect(failed).toContain(true);
    }
    expect(activeTimers()).toBe(timersBefore);
  });

  test('a silent peer meets the handshake timeout (ERR_HANDSHAKE_TIMEOUT), on either side', async () => {
    const { server } = rawPeerOf(mechanism, { handshakeTimeout: 30 });
    const [raw, peer] = memoryPair();
    peer.resume();
    const client = new SecureStream(raw, {
      session: defaultRegistry.client(mechanism, CLIENT_OPTIONS[mechanism]),
      handshakeTimeout: 30,
    });
    const [serverEnd, clientEnd] = await Promise.all([outcome(server), outcome(client)]);
    expect(serverEnd.error).toMatchObject({ code: 'ERR_HANDSHAKE_TIMEOUT' });
    expect(clientEnd.error).toMatchObject({ code: 'ERR_HANDSHAKE_TIMEOUT' });
  });

  test.each(['client', 'server'] as const)('destroy in the first tick (%s): both close, no late event on it, nothing leaked', async (side) => {
    const timersBefore = activeTimers();
    const pair = securePair({ mechanism });
    const ends = [outcome(pair.client), outcome(pair.server)] as const;
    const late: string[] = [];
    pair[side].on('secure', () => late.push('secure')).on('data', () => late.push('data'));
    pair[side === 'client' ? 'server' : 'client'].resume();
    pair[side].destroy();
    const [clientEnd, serverEnd] = await Promise.all(ends);
    const [mine, theirs] = side === 'client' ? [clientEnd, serverEnd] : [serverEnd, clientEnd];
    expect(mine.errors).toEqual([]);
    expect(theirs.errors.length).toBeLessThanOrEqual(1);
    if (theirs.error !== undefined) expect(theirs.error.code).toMatch(CODES);
    await expect(pair[side].handshake).rejects.toMatchObject({ code: 'ERR_CHANNEL_CLOSED' });
    expect(late).toEqual([]);
    expect(rawListenerCount(pair.rawClient) + rawListenerCount(pair.rawServer)).toBe(0);
    expect(activeTimers()).toBe(timersBefore);
  });
});

/**
 * Checks how one side of a cut connection ended: if its handshake had not completed, with
 * exactly one coded error that also rejected `handshake`; if it had, with at most one coded
 * error (a peer that hangs up after the handshake is a clean end). Returns whether it failed
 * its handshake.
 */
async function expectCleanEnd(stream: SecureStream, end: Awaited<ReturnType<typeof outcome>>): Promise<boolean> {
  expect(rawListenerCount(stream.rawStream)).toBe(0);
  expect(end.errors.length).toBeLessThanOrEqual(1);
  if (end.error !== undefined) expect(end.error.code).toMatch(CODES);
  const handshake = await stream.handshake.then(() => undefined, (error: unknown) => error);
  if (handshake === undefined) return false;
  expect(handshake).toBe(end.error);
  return true;
}


describe('late callbacks', () => {
  test('a decision that arrives after destroy does nothing: no write, no event', async () => {
    let answer: (allowed: boolean) => void = () => undefined;
    const { client, server, rawServer } = securePair({
      mechanism: 'PLAIN',
      server: { authorizer: () => new Promise<boolean>((resolve) => (answer = resolve)) },
    });
    const clientEnd = outcome(client);
    await new Promise<void>((resolve) => setImmediate(resolve));
    const events: string[] = [];
    server.on('secure', () => events.push('secure')).on('error', () => events.push('error'));
    server.destroy();
    await outcome(server);
    const written = rawServer.writableLength;
    answer(true);
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(events).toEqual([]);
    expect(rawServer.writableLength).toBe(written);
    expect((await clientEnd).error).toMatchObject({ code: 'ERR_CHANNEL_CLOSED' });
  });
});

describe('idle timeout', () => {
  test('setTimeout: a peer silent after the handshake ends the stream with ERR_IDLE_TIMEOUT after a timeout event', async () => {
    const { client, server } = securePair({ mechanism: 'NULL' });
    await server.handshake;
    const timeouts: number[] = [];
    server.setTimeout(30, () => timeouts.push(1));
    const [serverEnd] = await Promise.all([outcome(server), outcome(client.resume())]);
    expect(serverEnd.error).toMatchObject({ code: 'ERR_IDLE_TIMEOUT' });
    expect(timeouts).toEqual([1]);
  });

  test('setTimeout(0) disables it again', async () => {
    const timersBefore = activeTimers();
    const { client, server } = securePair({ mechanism: 'NULL', server: { idleTimeout: 10_000 } });
    expect(activeTimers()).toBeGreaterThan(timersBefore);
    await server.handshake;
    server.setTimeout(0);
    const handshakeTimersGone = activeTimers();
    expect(handshakeTimersGone).toBe(timersBefore);
    dispose(client, server);
  });
});

describe('oversize messages', () => {
  test('writing a message over maxFrameSize fails the stream with ERR_FRAME_TOO_LARGE', async () => {
    const { client, server } = securePair({ mechanism: 'NULL', client: { maxFrameSize: 100 } });
    const clientEnd = outcome(client);
    const written = new Promise<unknown>((resolve) => client.write(Buffer.alloc(200), resolve));
    expect(await written).toMatchObject({ code: 'ERR_FRAME_TOO_LARGE' });
    expect((await clientEnd).error).toMatchObject({ code: 'ERR_FRAME_TOO_LARGE' });
    dispose(server);
  });

  test('a multipart message whose parts together exceed maxFrameSize is refused by the reader', async () => {
    const { client, server } = securePair({ mechanism: 'NULL', server: { maxFrameSize: 100 } });
    const serverEnd = outcome(server);
    client.on('error', () => undefined);
    client.write([Buffer.alloc(60), Buffer.alloc(60)]);
    expect((await serverEnd).error).toMatchObject({ code: 'ERR_FRAME_TOO_LARGE' });
  });
});
