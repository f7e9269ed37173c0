/**
 * The bytes themselves: a recording TCP proxy between our CURVE client and a libzmq CURVE ROUTER
 * shows both sides framing the handshake and the messages the same way (reference §2's wire
 * sequence): HELLO `04 C8`, WELCOME `04 A8`, INITIATE always long (`06`), READY, then MESSAGEs in
 * message frames whose outer flags are only `00` or `02`, with MORE in the inner flags.
 */
import { once } from 'node:events';
import * as net from 'node:net';
import * as zmq from 'zeromq';
import { defaultRegistry } from '../../mechanisms';
import { curveKeyPair } from '../../src';
import { connectZmtp } from '../../src/adapters/zmtp';
import { Closers, portOf } from './helpers';

const closers = new Closers();
afterEach(() => closers.closeAll());

interface RawFrame {
  /** The flags byte exactly as sent. */
  readonly flags: number;
  /** The command name for command frames and MESSAGE bodies, else undefined. */
  readonly name: string | undefined;
  readonly size: number;
}

/** Splits a recorded direction into its greeting and its frames, keeping the raw flags. */
function walk(bytes: Buffer): { greeting: Buffer; frames: RawFrame[] } {
  const frames: RawFrame[] = [];
  let offset = 64;
  while (offset < bytes.length) {
    const flags = bytes[offset]!;
    const long = (flags & 0x02) !== 0;
    const size = long ? Number(bytes.readBigUInt64BE(offset + 1)) : bytes[offset + 1]!;
    const body = bytes.subarray(offset + (long ? 9 : 2), offset + (long ? 9 : 2) + size);
    frames.push({ flags, size, name: body.subarray(1, 1 + body[0]!).toString('latin1') });
    offset += (long ? 9 : 2) + size;
  }
  return { greeting: bytes.subarray(0, 64), frames };
}

test('CURVE on the wire, both directions, as libzmq frames it', async () => {
  const server = curveKeyPair();
  const client = curveKeyPair();
  const router = closers.add(
    new zmq.Router({ curveServer: true, curveSecretKey: server.secretKey, curvePublicKey: server.publicKey }),
    (s) => s.close(),
  );
  await router.bind('tcp://127.0.0.1:*');
  const echoing = (async () => {
    for await (const [id, ...parts] of router) await router.send([id!, ...parts]);
  })().catch(() => undefined);

  const fromClient: Buffer[] = [];
  const fromServer: Buffer[] = [];
  const proxy = closers.add(
    net.createServer((inbound) => {
      const outbound = net.connect({ host: '127.0.0.1', port: portOf(router) });
      inbound.on('data', (chunk) => (fromClient.push(chunk), outbound.write(chunk)));
      outbound.on('data', (chunk) => (fromServer.push(chunk), inbound.write(chunk)));
      inbound.on('close', () => outbound.destroy());
      outbound.on('close', () => inbound.destroy());
    }),
    (p) => p.close(),
  );
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');

  const connection = await connectZmtp({
    registry: defaultRegistry,
    mechanism: 'CURVE',
    mechanismOptions: { secretKey: client.secretKey, serverKey: server.publicKey },
    port: (proxy.address() as net.AddressInfo).port,
  });
  const message = [Buffer.alloc(222, 1), Buffer.alloc(223, 2)]; // frames of 255 and 256 bytes
  await connection.send(message);
  expect((await connection.receive()).map((part) => part.length)).toEqual([222, 223]);
  connection.close();
  router.close();
  await echoing;

  const ours = walk(Buffer.concat(fromClient));
  const theirs = walk(Buffer.concat(fromServer));
  expect(ours.greeting.subarray(0, 17).toString('hex')).toBe('ff00000000000000007f0301' + Buffer.from('CURVE').toString('hex'));
  expect(theirs.greeting.subarray(10, 17).toString('hex')).toBe('0301' + Buffer.from('CURVE').toString('hex'));
  expect(ours.frames.map((f) => [f.flags, f.name, f.size])).toEqual([
    [0x04, 'HELLO', 200],
    [0x06, 'INITIATE', 257 + 35], // Socket-Type DEALER, empty Identity: 35 bytes of metadata
    [0x00, 'MESSAGE', 255],
    [0x02, 'MESSAGE', 256],
  ]);
  expect(theirs.frames.map((f) => [f.flags, f.name, f.size])).toEqual([
    [0x04, 'WELCOME', 168],
    [0x04, 'READY', 30 + 35], // Socket-Type ROUTER, empty Identity
    [0x00, 'MESSAGE', 255],
    [0x02, 'MESSAGE', 256],
  ]);
});
