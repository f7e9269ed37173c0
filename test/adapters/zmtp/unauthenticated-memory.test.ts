/**
 * Nothing unbounded before authentication, ZMTP side (docs/architecture.md): a peer that is not
 * authenticated yet streams 256 MiB at us, and our process grows by less than ALLOWED_GROWTH
 * (rss and arrayBuffers, sampled while the attack runs) and drops it with a coded error. Each
 * attack uses `maxFrameSize: 1 GiB`, a legitimate setting after authentication, to show that
 * the limit before it is the mechanism's largest handshake command, whatever `maxFrameSize` is.
 * In a file of its own so that it runs in its own jest worker.
 */
import { once } from 'node:events';
import * as net from 'node:net';
import { CURVE } from '../../../mechanisms/curve';
import { curveKeyPair, type ChannelError } from '../../../src';
import { connectZmtp, listenZmtp, type PeerOrigin, type ZmtpServer } from '../../../src/adapters/zmtp';
import { frame, greeting, ZmtpReader } from '../../interop/raw-zmtp';
import { Closers } from '../../interop/helpers';
import { ALLOWED_GROWTH, describeGrowth, flood, peakGrowth, type MemoryGrowth } from '../../helpers/memory';

const ATTACK = 256 * 1024 * 1024;
const ROOMY = 1024 * 1024 * 1024;
const SERVER = curveKeyPair();
const CLIENT = curveKeyPair();

const closers = new Closers();
afterEach(() => closers.closeAll());

/** The figures measured, printed once at the end for the record. */
const figures: string[] = [];
afterAll(() => console.log(`ZMTP unauthenticated-memory:\n${figures.join('\n')}`));

/** Growth under ALLOWED_GROWTH on both counts; the figures are in the failure message. */
function expectBounded(growth: MemoryGrowth): void {
  figures.push(`  ${expect.getState().currentTestName}: ${describeGrowth(growth)}`);
  const within = growth.rss < ALLOWED_GROWTH && growth.arrayBuffers < ALLOWED_GROWTH;
  expect(within ? 'within 8 MiB' : describeGrowth(growth)).toBe('within 8 MiB');
}

/** A frame header announcing `size` bytes: 8-byte size (LONG), COMMAND when asked. */
function header(size: number, command: boolean): Buffer {
  const bytes = Buffer.alloc(9);
  bytes[0] = 0x02 | (command ? 0x04 : 0);
  bytes.writeBigUInt64BE(BigInt(size), 1);
  return bytes;
}

async function server(authorizer: () => boolean | Promise<boolean>, handshakeTimeout = 30_000): Promise<ZmtpServer> {
  const listening = await listenZmtp({
    mechanism: CURVE,
    mechanismOptions: { secretKey: SERVER.secretKey },
    authorizer,
    maxFrameSize: ROOMY,
    handshakeTimeout,
  });
  return closers.add(listening, (s) => s.close());
}

async function rawSocket(port: number): Promise<net.Socket> {
  const socket = closers.add(net.connect({ host: '127.0.0.1', port }), (s) => s.destroy());
  await once(socket, 'connect');
  return socket;
}

function nextHandshakeError(listening: ZmtpServer): Promise<[ChannelError, PeerOrigin]> {
  return once(listening, 'handshakeError') as Promise<[ChannelError, PeerOrigin]>;
}

describe('ZMTP: nothing unbounded before authentication', () => {
  test('server: a greeting, then a frame header announcing 256 MiB: refused from the header', async () => {
    const listening = await server(() => true);
    const refused = nextHandshakeError(listening);
    const socket = await rawSocket(listening.address().port);
    socket.resume();
    const { result, growth } = await peakGrowth(async () => {
      socket.write(greeting('CURVE', false));
      socket.write(header(ATTACK, false));
      const flooded = await flood(socket, ATTACK);
      return { flooded, error: (await refused)[0] };
    });
    expectBounded(growth);
    expect(result.error).toMatchObject({ name: 'ChannelError', code: 'ERR_FRAME_TOO_LARGE' });
    expect(result.flooded.cutOff).toBe(true);
  });

  test('server: 256 MiB of small commands after INITIATE while the decision is pending: reading stops', async () => {
    let asked = 0;
    // The authorizer never answers: the handshake deadline ends the wait.
    const listening = await server(() => (asked++, new Promise<boolean>(() => undefined)), 1500);
    const refused = nextHandshakeError(listening);
    const socket = await rawSocket(listening.address().port);
    const reader = new ZmtpReader(socket);
    const client = CURVE.client({ secretKey: CLIENT.secretKey, serverKey: SERVER.publicKey });
    socket.write(greeting('CURVE', false));
    await reader.greeting();
    for (const blob of client.start().send) socket.write(frame(blob, { command: true }));
    const initiate = client.receive((await reader.next()).body).send;
    const { result, growth } = await peakGrowth(async () => {
      for (const blob of initiate) socket.write(frame(blob, { command: true }));
      // 0x04 0x04 then 4 bytes: a stream of well-formed 4-byte command frames, none refusable alone.
      const flooded = await flood(socket, ATTACK, 0x04);
      return { flooded, error: (await refused)[0] };
    });
    expectBounded(growth);
    expect(asked).toBe(1);
    expect(result.error).toMatchObject({ name: 'ChannelError', code: 'ERR_HANDSHAKE_TIMEOUT' });
    expect(result.flooded.cutOff).toBe(true);
    expect(result.flooded.written).toBeLessThan(ATTACK / 4);
  });

  test('client: a raw server greets, then announces a 256 MiB frame: refused from the header', async () => {
    const raw = closers.add(net.createServer(), (s) => s.close());
    const flooded = new Promise<Awaited<ReturnType<typeof flood>>>((resolve) => {
      raw.on('connection', (socket) => {
        closers.add(socket, (s) => s.destroy());
        socket.resume();
        socket.write(greeting('CURVE', true));
        socket.write(header(ATTACK, false));
        void flood(socket, ATTACK).then(resolve);
      });
    });
    raw.listen(0, '127.0.0.1');
    await once(raw, 'listening');
    const { port } = raw.address() as net.AddressInfo;
    const { result, growth } = await peakGrowth(async () => {
      const error = await connectZmtp({
        mechanism: CURVE,
        mechanismOptions: { secretKey: CLIENT.secretKey, serverKey: SERVER.publicKey },
        port,
        maxFrameSize: ROOMY,
      }).catch((e: Error) => e);
      return { error, flooded: await flooded };
    });
    expectBounded(growth);
    expect(result.error).toMatchObject({ name: 'ChannelError', code: 'ERR_FRAME_TOO_LARGE' });
    expect(result.flooded.cutOff).toBe(true);
  });
});
