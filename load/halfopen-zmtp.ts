/**
 * Load: half-open ZMTP handshakes. `count` raw TCP peers each send a ZMTP greeting and a CURVE
 * HELLO, read the server's greeting and WELCOME, and then say nothing more, all at once against
 * one `ZmtpServer`: what the server holds for each (it keeps at most `maxHandshakes`, 1,000 by
 * default, evicting the oldest), and what the process grew by. Both ends run in this process,
 * so the growth includes the attackers' sockets: an upper bound on the server's share.
 *
 * @module
 */
import * as net from 'node:net';
import { CURVE } from '../mechanisms';
import { encodeFrame, encodeGreeting, GREETING_SIZE, listenZmtp } from '../src/adapters/zmtp';
import { connectRaw, pool, withDeadline, halfOpenFigures, settledMemory, type HalfOpenFigures } from './measure';
import { curveSetup } from './setup';

/** What {@link halfOpenZmtp} measured. */
export type HalfOpenZmtpResult = HalfOpenFigures;

/** The WELCOME frame: a short command frame, 2 header bytes and 168 of body (RFC 26). */
const WELCOME_FRAME = 2 + 168;

/** Opens `count` half-open CURVE handshakes (greeting + HELLO only) against a ZmtpServer. */
export async function halfOpenZmtp(count = 1000): Promise<HalfOpenZmtpResult> {
  const setup = curveSetup(1);
  // The handshake deadline is long so that none expires while the peers are being opened.
  const server = await listenZmtp({
    mechanism: CURVE,
    mechanismOptions: { secretKey: setup.serverKeys.secretKey },
    authorizer: setup.authorizer,
    handshakeTimeout: 120_000,
  });
  server.on('handshakeError', () => undefined);
  const { port } = server.address();
  const client = CURVE.client({ secretKey: setup.clients[0]!.secretKey, serverKey: setup.serverKeys.publicKey });
  const opening = Buffer.concat([encodeGreeting({ mechanism: 'CURVE', asServer: false }), encodeFrame(client.start().send[0]!, { command: true })]);
  client.destroy();
  const sockets: net.Socket[] = [];
  try {
    const before = settledMemory();
    await withDeadline(
      pool(count, 200, async () => {
        const socket = await connectRaw(port, sockets);
        socket.write(opening);
        // Wait for the server's greeting and WELCOME: then it holds this handshake. Never INITIATE.
        let received = 0;
        await new Promise<void>((resolve) => {
          socket.on('data', (chunk: Buffer) => {
            received += chunk.length;
            if (received >= GREETING_SIZE + WELCOME_FRAME) resolve();
          });
          socket.once('close', () => resolve());
        });
      }),
      120_000,
      'opening half-open ZMTP handshakes',
    );
    return halfOpenFigures(count, server.handshakeCount, before, settledMemory());
  } finally {
    for (const socket of sockets) socket.destroy();
    await server.close();
  }
}
