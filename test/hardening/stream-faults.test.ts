/**
 * Faults around the stream adapter on real TCP sockets on 127.0.0.1 (checklist rows 21, 38, 41,
 * 43, 45 at integration level): server restarted, authorizers that throw, reject, never answer
 * or answer after the peer left, a peer cut at every offset of its handshake, a slow consumer.
 */
import { once } from 'node:events';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { defaultRegistry } from '../../mechanisms';
import { curveKeyPair, MechanismError, type Authorizer, type Mechanism } from '../../src';
import { connect, createServer, Deframer, encodeFrame, type StreamServer, type SecureStream } from '../../src/adapters/stream';

const SERVER = curveKeyPair();
const CLIENT = curveKeyPair();
const allowClient: Authorizer = (request) => request.publicKeyZ85 === CLIENT.publicKey;

const servers: StreamServer[] = [];
const streams: Array<SecureStream | net.Socket> = [];
afterEach(async () => {
  for (const stream of streams.splice(0)) stream.destroy();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

interface Started {
  readonly server: StreamServer;
  readonly port: number;
  readonly accepted: SecureStream[];
  readonly failures: Error[];
}

/** An echo server on 127.0.0.1 (port 0 unless given). */
async function startServer(authorizer: Authorizer = allowClient, options: { port?: number; handshakeTimeout?: number } = {}): Promise<Started> {
  const accepted: SecureStream[] = [];
  const failures: Error[] = [];
  const server = createServer(
    {
      mechanism: 'CURVE',
      registry: defaultRegistry,
      mechanismOptions: { secretKey: SERVER.secretKey },
      authorizer,
      ...(options.handshakeTimeout === undefined ? {} : { handshakeTimeout: options.handshakeTimeout }),
    },
    (stream) => {
      accepted.push(stream);
      streams.push(stream);
      stream.on('data', (message: Buffer) => stream.write(message));
      stream.on('error', () => undefined);
    },
  );
  server.on('handshakeError', (error: Error) => failures.push(error));
  servers.push(server);
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port, accepted, failures };
}

function connectClient(port: number, options: { handshakeTimeout?: number; socket?: net.Socket } = {}): SecureStream {
  const stream = connect({
    host: '127.0.0.1',
    port,
    mechanism: 'CURVE',
    registry: defaultRegistry,
    mechanismOptions: { secretKey: CLIENT.secretKey, serverKey: SERVER.publicKey },
    ...options,
  });
  stream.on('error', () => undefined);
  streams.push(stream);
  return stream;
}

async function echoOnce(stream: SecureStream, text: string): Promise<string> {
  stream.write(text);
  const [message] = (await once(stream, 'data')) as [Buffer];
  return message.toString();
}

/** The error a stream ends with (its handshake rejection or 'error' event). */
async function failureOf(stream: SecureStream): Promise<Error & { code?: string; status?: number }> {
  return stream.handshake.then(
    () => {
      throw new Error('the handshake succeeded');
    },
    (error: Error) => error,
  );
}

describe('stream faults', () => {
  test('row 41: a restarted server gets a fresh handshake; the old connection is closed, not resumed, and its recording is refused', async () => {
    const first = await startServer();
    const sent: Buffer[] = [];
    const raw = net.connect({ host: '127.0.0.1', port: first.port, allowHalfOpen: true });
    const write = raw.write.bind(raw) as (chunk: Buffer) => boolean;
    // Record every byte the client sends, for the replay below.
    raw.write = ((chunk: Buffer, ...rest: unknown[]) => {
      sent.push(Buffer.from(chunk));
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof raw.write;
    const old = connectClient(first.port, { socket: raw });
    await old.handshake;
    expect(await echoOnce(old, 'before')).toBe('before');

    const closed = once(old, 'close');
    for (const stream of first.accepted) stream.destroy();
    await new Promise((resolve) => first.server.close(resolve));
    await closed;
    expect(old.destroyed).toBe(true);

    const second = await startServer(allowClient, { port: first.port });
    const fresh = connectClient(second.port);
    await fresh.handshake;
    expect(await echoOnce(fresh, 'after')).toBe('after');

    // The old session's bytes, replayed to the new server, get nowhere (row 21 on a socket).
    const replay = net.connect({ host: '127.0.0.1', port: second.port });
    streams.push(replay);
    replay.on('error', () => undefined);
    const received: Buffer[] = [];
    replay.on('data', (chunk: Buffer) => received.push(chunk));
    const gone = once(replay, 'close');
    replay.end(Buffer.concat(sent));
    await gone;
    expect(second.accepted).toHaveLength(1);
    expect(second.failures.map((e) => (e as MechanismError).code)).toEqual(['ERR_DECRYPT']);
    // It got a WELCOME for the replayed HELLO (harmless) and nothing else: no READY, no data.
    expect(Buffer.concat(received).length).toBeLessThanOrEqual(4 + 168);
  });

  test.each([
    ['throws', (() => {
      throw new Error('authorizer bug');
    }) as Authorizer],
    ['rejects', (() => Promise.reject(new Error('database down'))) as Authorizer],
  ])('row 43: an authorizer that %s fails closed with ERROR 500 to the client', async (_name, authorizer) => {
    const { failures } = await startServer(authorizer);
    const client = connectClient((servers.at(-1)!.address() as AddressInfo).port);
    const error = await failureOf(client);
    expect(error.code).toBe('ERR_PEER_ERROR');
    expect(error.status).toBe(500);
    await new Promise((resolve) => setImmediate(resolve));
    expect(failures.map((e) => (e as MechanismError).code)).toEqual(['ERR_AUTH_ERROR']);
  });

  test('row 43: an authorizer that never answers: the handshake times out on both sides, nothing is delivered', async () => {
    const asked: unknown[] = [];
    const { failures, accepted } = await startServer(
      (request) => {
        asked.push(request);
        return new Promise<boolean>(() => undefined);
      },
      { handshakeTimeout: 300 },
    );
    const client = connectClient((servers.at(-1)!.address() as AddressInfo).port, { handshakeTimeout: 5_000 });
    const error = await failureOf(client);
    expect(asked).toHaveLength(1);
    expect(['ERR_CHANNEL_CLOSED', 'ERR_HANDSHAKE_TIMEOUT']).toContain(error.code);
    expect(failures.map((e) => (e as Error & { code: string }).code)).toEqual(['ERR_HANDSHAKE_TIMEOUT']);
    expect(accepted).toHaveLength(0);
  });

  test('row 43: an authorizer that answers "allow" after the peer left is ignored: no connection, no crash', async () => {
    let answer: (allowed: boolean) => void = () => undefined;
    let signalAsked: () => void = () => undefined;
    const asked = new Promise<void>((resolve) => (signalAsked = resolve));
    const { server, port, accepted } = await startServer(() => {
      signalAsked();
      return new Promise<boolean>((resolve) => (answer = resolve));
    });
    const failed = once(server, 'handshakeError');
    const client = connectClient(port);
    await asked;
    client.destroy();
    const [error] = (await failed) as [Error & { code: string }];
    expect(error.code).toBe('ERR_CHANNEL_CLOSED');
    answer(true);
    await waitFor(() => false, 5).catch(() => undefined);
    expect(accepted).toHaveLength(0);
  });

  test('row 38: a client cut at any offset of its handshake leaves the server with a closed-channel error, never a connection or a hang', async () => {
    const { failures, accepted, port } = await startServer();
    // The client's whole handshake is HELLO (4 + 200 bytes) then INITIATE (4 + 257): every
    // offset before its last byte, inside the length prefixes and the commands alike.
    const offsets = Array.from({ length: 465 }, (_, i) => i);
    for (const cut of offsets) await cutClient(port, cut);
    await waitFor(() => failures.length === offsets.length).catch(() => {
      throw new Error(`${failures.length} failures: ${failures.map((e) => (e as Error & { code: string }).code).join()}; ${accepted.length} accepted`);
    });
    expect(accepted).toHaveLength(0);
    expect(new Set(failures.map((e) => (e as Error & { code: string }).code))).toEqual(new Set(['ERR_CHANNEL_CLOSED']));
  });

  test('row 45: a slow consumer is held by backpressure and then gets every message in order', async () => {
    const { port, accepted } = await startServer();
    const client = connectClient(port);
    await client.handshake;
    await waitFor(() => accepted.length === 1);
    const server = accepted[0]!;
    server.removeAllListeners('data');
    client.pause();
    const payload = Buffer.alloc(16_384, 7);
    let written = 0;
    while (server.write(Buffer.concat([Buffer.from(`${written}:`), payload]))) written++;
    written++;
    // Backpressure reached the server's writer long before memory could grow without bound.
    expect(written).toBeLessThan(10_000);
    const received: number[] = [];
    client.on('data', (message: Buffer) => received.push(Number(message.subarray(0, message.indexOf(58)).toString())));
    client.resume();
    await waitFor(() => received.length === written);
    expect(received).toEqual(Array.from({ length: written }, (_, i) => i));
  });
});

/**
 * Runs a real CURVE client over a raw socket and destroys the socket once `budget` bytes have
 * been written (in the middle of a frame when the budget ends there).
 */
async function cutClient(port: number, budget: number): Promise<void> {
  const socket = net.connect({ host: '127.0.0.1', port });
  streams.push(socket);
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  const mechanism: Mechanism = defaultRegistry.client('CURVE', { secretKey: CLIENT.secretKey, serverKey: SERVER.publicKey });
  let left = budget;
  const send = (blob: Uint8Array): void => {
    const frame = encodeFrame(blob);
    const piece = frame.subarray(0, Math.min(frame.length, left));
    left -= piece.length;
    if (piece.length > 0) socket.write(piece);
    if (left === 0) socket.destroy();
  };
  if (budget === 0) {
    socket.destroy();
    return;
  }
  const deframer = new Deframer();
  socket.on('data', (chunk: Buffer) => {
    for (const frame of deframer.push(chunk)) {
      if (mechanism.status !== 'handshaking' || socket.destroyed) return;
      for (const blob of mechanism.receive(frame).send) send(blob);
    }
  });
  for (const blob of mechanism.start().send) send(blob);
  await once(socket, 'close');
}

/** Resolves once `condition()` holds, checking after each turn of the event loop (bounded). */
async function waitFor(condition: () => boolean, turns = 20_000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('condition not reached');
}
