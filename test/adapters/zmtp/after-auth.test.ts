/**
 * A ready ZMTP connection: RFC 37 PINGs sent after `keepAlive` ms and answered through the one
 * heartbeat codec, a silent peer closed after `idleTimeout` (ERR_IDLE_TIMEOUT), the inbox capped
 * in bytes (`maxBufferedBytes`) with the socket paused as backpressure, a multipart message capped
 * at `maxFrameSize` in total, and the message iterator ending quietly when the peer hangs up.
 */
import { once } from 'node:events';
import { CURVE } from '../../../mechanisms/curve';
import { curveKeyPair } from '../../../src';
import { connectZmtp, listenZmtp, type ZmtpCommand, type ZmtpConnection, type ZmtpListenBaseOptions, type AuthorizerChoice } from '../../../src/adapters/zmtp';
import { Closers } from '../../interop/helpers';

const SERVER = curveKeyPair();
const CLIENT = curveKeyPair();
const closers = new Closers();
afterEach(() => closers.closeAll());

/** A connected pair: our client and the server's connection, with options for each side. */
async function pair(
  serverExtra: Partial<ZmtpListenBaseOptions & AuthorizerChoice> = {},
  clientExtra: { keepAlive?: number; idleTimeout?: number } = {},
): Promise<{ client: ZmtpConnection; served: ZmtpConnection }> {
  const server = closers.add(
    await listenZmtp({ mechanism: CURVE, mechanismOptions: { secretKey: SERVER.secretKey }, authorizer: () => true, ...serverExtra }),
    (s) => s.close(),
  );
  const accepted = once(server, 'connection') as Promise<[ZmtpConnection]>;
  const client = await connectZmtp({
    mechanism: CURVE,
    mechanismOptions: { secretKey: CLIENT.secretKey, serverKey: SERVER.publicKey },
    port: server.address().port,
    ...clientExtra,
  });
  closers.add(client, (c) => c.close());
  const [served] = await accepted;
  return { client, served };
}

/** Resolves with the first `count` commands named `name` that `connection` reports. */
function commands(connection: ZmtpConnection, name: string, count: number): Promise<ZmtpCommand[]> {
  const seen: ZmtpCommand[] = [];
  return new Promise((resolve) => {
    const on = (command: ZmtpCommand): void => {
      if (command.name === name && seen.push(command) === count) {
        connection.off('command', on);
        resolve(seen);
      }
    };
    connection.on('command', on);
  });
}

describe('ZMTP after authentication', () => {
  test('keepAlive sends PINGs; the peer answers each with a PONG; idleTimeout on the other side never fires', async () => {
    const { client, served } = await pair({ idleTimeout: 100 }, { keepAlive: 20 });
    const pings = commands(served, 'PING', 12);
    const pongs = commands(client, 'PONG', 12);
    // 12 PINGs 20 ms apart span more than two of the server's 100 ms idle periods.
    expect((await pings).map((c) => c.body.length)).toEqual(Array(12).fill(2)); // a TTL, no context
    expect(await pongs).toHaveLength(12);
    expect(served.error).toBeUndefined();
  });

  test('idleTimeout closes a silent peer with ERR_IDLE_TIMEOUT', async () => {
    const { served } = await pair({ idleTimeout: 50 });
    const [error] = (await once(served, 'close')) as [Error];
    expect(error).toMatchObject({ name: 'ChannelError', code: 'ERR_IDLE_TIMEOUT' });
  });

  test('maxBufferedBytes: a reader that does not keep up pauses the socket; every message arrives in order', async () => {
    const { client, served } = await pair({ maxBufferedBytes: 64 * 1024 });
    const part = Buffer.alloc(16 * 1024);
    const total = 256;
    const sending = (async () => {
      for (let i = 0; i < total; i++) await client.send(part.fill(i & 0xff));
    })();
    // Wait (event by event, no sleep) until the server has stopped reading.
    while (!served.socket.isPaused()) await new Promise((resolve) => setImmediate(resolve));
    // What the server read is the capped inbox plus the read in hand, far from all 4 MiB.
    expect(served.socket.bytesRead).toBeLessThan(1024 * 1024);
    for (let i = 0; i < total; i++) expect((await served.receive())[0]![0]).toBe(i & 0xff);
    await sending;
  });

  test('maxFrameSize caps a multipart message in total, not only each frame', async () => {
    const { client, served } = await pair({ maxFrameSize: 64 * 1024 });
    const closed = once(served, 'close');
    await client.send([Buffer.alloc(30_000), Buffer.alloc(30_000), Buffer.alloc(30_000)]);
    expect(((await closed) as [Error])[0]).toMatchObject({ name: 'ChannelError', code: 'ERR_FRAME_TOO_LARGE' });
  });

  test('for await over a connection ends quietly when the peer hangs up (the docs server example)', async () => {
    const { client, served } = await pair();
    const echoed = (async () => {
      let count = 0;
      for await (const message of served) {
        await served.send(message);
        count++;
      }
      return count;
    })();
    await client.send(Buffer.from('a'));
    expect(Buffer.from((await client.receive())[0]!).toString()).toBe('a');
    await client.close();
    await expect(echoed).resolves.toBe(1);
  });
});
