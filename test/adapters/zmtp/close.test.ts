/**
 * Closing is bounded: `close()` on a ZMTP server and on a connection resolves even when the peer
 * stopped reading while we were sending (the socket's `end()` alone never flushes then), and a
 * pending `send()` rejects with `ERR_CHANNEL_CLOSED`. The peer is libzmq (zeromq.js), with CURVE.
 */
import { once } from 'node:events';
import * as zmq from 'zeromq';
import { CURVE } from '../../../mechanisms/curve';
import { curveKeyPair } from '../../../src';
import { CLOSE_GRACE_MS, connectZmtp, listenZmtp, type ZmtpConnection, type ZmtpServer } from '../../../src/adapters/zmtp';
import { Closers } from '../../interop/helpers';

const SERVER = curveKeyPair();
const CLIENT = curveKeyPair();
const closers = new Closers();
afterEach(() => closers.closeAll());

/** Resolves `promise` or rejects after `ms` with `what`: a bound on how long closing may take. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not resolve in ${ms} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

async function server(): Promise<ZmtpServer> {
  return closers.add(
    await listenZmtp({ mechanism: CURVE, mechanismOptions: { secretKey: SERVER.secretKey }, socketType: 'ROUTER', authorizer: () => true }),
    (s) => s.close(),
  );
}

/**
 * Queues `megabytes` MiB on `connection` without waiting: far more than the peer's buffers
 * and the kernel's take once the peer stops reading. Returns the sends' outcomes.
 */
function stuff(connection: ZmtpConnection, megabytes: number): Promise<unknown[]> {
  const part = Buffer.alloc(1024 * 1024, 0x5a);
  return Promise.all(Array.from({ length: megabytes }, () => connection.send(part).catch((error: Error) => error)));
}

describe('ZMTP close() is bounded', () => {
  test('server close() resolves while a libzmq CURVE Dealer that stopped reading is connected and we are sending', async () => {
    const ours = await server();
    const served = once(ours, 'connection') as Promise<[ZmtpConnection]>;
    // The Dealer never calls receive(): with a high-water mark of 1 libzmq soon stops reading TCP.
    const dealer = closers.add(
      new zmq.Dealer({
        curveServerKey: SERVER.publicKey,
        curvePublicKey: CLIENT.publicKey,
        curveSecretKey: CLIENT.secretKey,
        receiveHighWaterMark: 1,
        linger: 0,
      }),
      (s) => s.close(),
    );
    dealer.connect(`tcp://127.0.0.1:${ours.address().port}`);
    const [connection] = await served;
    const sends = stuff(connection, 64);
    const closed = once(ours, 'close');
    await within(ours.close(), CLOSE_GRACE_MS + 5_000, 'ZmtpServer.close()');
    await closed;
    const outcomes = await sends;
    expect(outcomes.some((outcome) => (outcome as { code?: string } | undefined)?.code === 'ERR_CHANNEL_CLOSED')).toBe(true);
    expect(connection.socket.destroyed).toBe(true);
  });

  test('connection close() resolves, and the peer sees the connection end, while our client is stuck sending', async () => {
    const ours = await server();
    const served = once(ours, 'connection') as Promise<[ZmtpConnection]>;
    const client = await connectZmtp({
      mechanism: CURVE,
      mechanismOptions: { secretKey: CLIENT.secretKey, serverKey: SERVER.publicKey },
      port: ours.address().port,
    });
    const [connection] = await served;
    const peerClosed = once(connection, 'close');
    // The server side never receives: its inbox fills, reading pauses, our sends back up.
    const sends = stuff(client, 64);
    await within(client.close(), CLOSE_GRACE_MS + 5_000, 'ZmtpConnection.close()');
    await client.close(); // idempotent, already resolved
    // The server reads again: it gets what reached it, then the end (a clean hang-up: quiet).
    let received = 0;
    for await (const message of connection) received += message.length;
    expect(received).toBeGreaterThan(0);
    expect((await peerClosed)[0]).toMatchObject({ code: 'ERR_CHANNEL_CLOSED' });
    expect((await sends).every((outcome) => outcome === undefined || (outcome as { code?: string }).code === 'ERR_CHANNEL_CLOSED')).toBe(true);
    await expect(client.handshake).resolves.toMatchObject({ publicKeyZ85: SERVER.publicKey });
  });
});
