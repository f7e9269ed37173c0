/**
 * Load: half-open handshakes against a `ZeroMqServer`. `count` raw TCP peers each speak ZMTP 3.0
 * NULL to the server's Router as a DEALER (greeting, READY), send one CURVE HELLO envelope, read
 * the WELCOME, and then say nothing more, all at once: what the server holds for them (it keeps
 * at most `maxHandshakes`, 1,000 by default, evicting the oldest stalled one), and what the
 * process grew by. Both ends run in this process, so the growth includes the attackers' sockets
 * and libzmq's per-connection state: an upper bound on the server's share.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { CURVE } from '../mechanisms';
import { encodeEnvelope, KIND_HANDSHAKE, SESSION_ID_BYTES, ZeroMqServer } from '../src/adapters/zeromq';
import { encodeFrame, encodeGreeting, FrameDecoder, GREETING_SIZE } from '../src/adapters/zmtp';
import { connectRaw, pool, withDeadline, halfOpenFigures, settledMemory, type HalfOpenFigures } from './measure';
import { curveSetup } from './setup';

/** What {@link halfOpenZeroMq} measured. */
export type HalfOpenZeroMqResult = HalfOpenFigures;

/** A NULL READY command with `Socket-Type: DEALER` (RFC 23), what a zeromq Dealer sends. */
function dealerReady(): Uint8Array {
  const name = Buffer.from('Socket-Type');
  const value = Buffer.from('DEALER');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(value.length);
  return encodeFrame(Buffer.concat([Buffer.from('\x05READY'), Buffer.from([name.length]), name, length, value]), { command: true });
}

/** Opens `count` half-open CURVE handshakes (HELLO only) against a ZeroMqServer. */
export async function halfOpenZeroMq(count = 1000): Promise<HalfOpenZeroMqResult> {
  const setup = curveSetup(1);
  // The handshake deadline is long so that none expires while the peers are being opened.
  const server = new ZeroMqServer({ ...setup.zmqServer, authorizer: setup.authorizer, handshakeTimeout: 120_000 });
  const endpoint = await server.bind('tcp://127.0.0.1:*');
  const port = Number(endpoint.slice(endpoint.lastIndexOf(':') + 1));
  const client = CURVE.client({ secretKey: setup.clients[0]!.secretKey, serverKey: setup.serverKeys.publicKey });
  const hello = client.start().send[0]!;
  client.destroy();
  const greeting = encodeGreeting({ mechanism: 'NULL', asServer: false, minor: 0 });
  const ready = dealerReady();
  const sockets: net.Socket[] = [];
  try {
    const before = settledMemory();
    await withDeadline(
      pool(count, 200, async () => {
        const socket = await connectRaw(port, sockets);
        // One session id per peer: each is a handshake of its own on the server.
        const envelope = encodeEnvelope(KIND_HANDSHAKE, randomBytes(SESSION_ID_BYTES), hello);
        socket.write(greeting);
        // libzmq drops a peer whose greeting arrives in one piece with what follows it (seen with
        // libzmq 4.3 under zeromq.js 6.8), so the rest goes once the server's greeting is here.
        await welcomed(socket, () => socket.write(Buffer.concat([ready, encodeFrame(envelope)])));
      }),
      120_000,
      'opening half-open ZeroMQ handshakes',
    );
    return halfOpenFigures(count, server.sessionCount, before, settledMemory());
  } finally {
    for (const socket of sockets) socket.destroy();
    await server.close();
  }
}

/**
 * Calls `onGreeting` once the server's greeting is here, and resolves once its READY and a
 * message frame (the WELCOME envelope) have arrived too: then it holds this handshake. Never
 * INITIATE. Resolves too if the server cut us off.
 */
function welcomed(socket: net.Socket, onGreeting: () => void): Promise<void> {
  const decoder = new FrameDecoder();
  let greeting = Buffer.alloc(0);
  return new Promise<void>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      let rest = chunk;
      if (greeting.length < GREETING_SIZE) {
        greeting = Buffer.concat([greeting, chunk]);
        if (greeting.length < GREETING_SIZE) return;
        onGreeting();
        rest = greeting.subarray(GREETING_SIZE);
      }
      if (decoder.push(rest).some((frame) => !frame.command)) resolve();
    });
    socket.once('close', () => resolve());
  });
}
