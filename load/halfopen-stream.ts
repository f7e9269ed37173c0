/**
 * Load: `count` concurrent half-open TCP connections to a CURVE `StreamServer` on 127.0.0.1, each
 * sending only its HELLO (and reading the WELCOME, so the server has done its share), then
 * going quiet. Measures, in this process (server and clients both run here), how many the server
 * holds and what they cost in memory.
 *
 * @module
 */
import type { AddressInfo } from 'node:net';
import * as net from 'node:net';
import { CURVE } from '../mechanisms';
import { createServer, encodeFrame } from '../src/adapters/stream';
import { connectRaw, pool, withDeadline, halfOpenFigures, settledMemory, type HalfOpenFigures } from './measure';
import { curveSetup } from './setup';

/** What {@link halfOpenStream} measured. */
export type HalfOpenStreamResult = HalfOpenFigures;

/** Opens `count` connections that send a HELLO and go quiet; returns what the server holds. */
export async function halfOpenStream(count = 1000): Promise<HalfOpenStreamResult> {
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`"count" expected a positive integer, got ${String(count)}`);
  const setup = curveSetup(1);
  const server = createServer({
    mechanism: CURVE,
    mechanismOptions: { secretKey: setup.serverKeys.secretKey },
    authorizer: setup.authorizer,
    handshakeTimeout: 120_000,
  });
  server.on('handshakeError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const sockets: net.Socket[] = [];
  try {
    const client = CURVE.client(setup.zmqClient(0).mechanismOptions);
    const hello = encodeFrame(client.start().send[0]!);
    client.destroy();
    const open = (n: number) =>
      pool(n, 200, async () => {
        const socket = await connectRaw(port, sockets);
        // The WELCOME's arrival proves the server took the HELLO; it is read and ignored, and
        // INITIATE is never sent (a connection evicted over maxHandshakes closes instead).
        const welcomed = new Promise<void>((resolve) => socket.once('data', () => resolve()).once('close', () => resolve()));
        socket.write(hello);
        await welcomed;
        socket.resume();
      });
    // A first round, closed again, so that compiled code and pools are not counted.
    await withDeadline(open(Math.min(count, 100)), 120_000, 'warming up');
    for (const socket of sockets.splice(0)) socket.destroy();
    while (server.handshakeCount > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const before = settledMemory();
    await withDeadline(open(count), 120_000, 'opening half-open connections');
    const after = settledMemory();
    return halfOpenFigures(count, server.handshakeCount, before, after);
  } finally {
    for (const socket of sockets) socket.destroy();
    await server.close();
  }
}

if (require.main === module) {
  void halfOpenStream(Number(process.argv[2] ?? 1000)).then((result) => process.stdout.write(`${JSON.stringify(result)}\n`));
}
