/**
 * The ZeroMQ transport of the CLI (`tcp://`, `ipc://`, `inproc://` endpoints): `serve` is an
 * echo server over a Router, `connect` a client over a Dealer that sends each `--message` and
 * checks that it comes back unchanged. Every log line goes to stderr.
 *
 * @module
 */
import * as net from 'node:net';
import { ChannelError, deny, type Authorizer, type PeerIdentity } from '../../src';
import { ZeroMqClient, ZeroMqServer } from '../../src/adapters/zeromq';
import { describe, WRONG_SERVER_KEY } from '../diagnose';
import { EXIT, exitCodeFor } from '../exit-codes';
import type { CliTransport, ConnectContext, ServeContext } from './types';

/** Echoes every message until `context.signal` aborts; logs the bound endpoint and each peer. */
export async function serve(context: ServeContext): Promise<number> {
  const server = new ZeroMqServer({
    mechanism: context.mechanism,
    registry: context.registry,
    mechanismOptions: context.serverOptions,
    authorizer: context.authorizer ?? denyAll,
  });
  server.on('handshake', (peer) => context.log(`secure: ${describePeer(peer)}`));
  server.on('handshakeError', (error) => context.log(`handshake failed: ${describe(error)}`));
  let endpoint: string;
  try {
    endpoint = await server.bind(context.endpoint);
  } catch (error) {
    await server.close();
    context.log(`error: ${describe(error)}`);
    return EXIT.FAILURE;
  }
  const unenforce = context.enforce?.(server);
  context.log(`listening on ${endpoint} (${context.mechanism})`);
  const echo = (async () => {
    for await (const message of server) {
      // A peer that vanished while we replied is its own loss, not the server's.
      await message.reply(message.parts).catch(() => undefined);
    }
  })();
  await aborted(context.signal);
  unenforce?.();
  await server.close();
  await echo;
  return EXIT.OK;
}

/** Connects, sends each message, checks each echo; the exit code says how it went. */
export async function connect(context: ConnectContext): Promise<number> {
  const client = new ZeroMqClient({
    mechanism: context.mechanism,
    registry: context.registry,
    mechanismOptions: context.clientOptions,
    handshakeTimeout: context.timeoutMs,
    receiveTimeout: context.timeoutMs,
    // The command's outcome is settled when it closes; nothing queued may hold the process.
    linger: 0,
  });
  try {
    const server = await client.connect(context.endpoint);
    context.log(`secure: ${describePeer(server)}`);
    for (const message of context.messages) {
      await client.send(message);
      const reply = (await client.receive()).map((part) => part.toString('utf8')).join('');
      context.log(`reply: ${reply}`);
      if (reply !== message) {
        context.log(`error: the reply does not match ${JSON.stringify(message)}`);
        return EXIT.PROTOCOL;
      }
    }
    return EXIT.OK;
  } catch (error) {
    if (error instanceof ChannelError && error.code === 'ERR_HANDSHAKE_TIMEOUT') return timedOut(error, context);
    context.log(`error: ${describe(error)}`);
    return exitCodeFor(error);
  } finally {
    await client.close();
  }
}

/** The ZeroMQ transport, as `./index` picks it. */
export const zeromqTransport: CliTransport = { serve, connect };

/**
 * Used when the command line gave no authorizer (NULL without --allow-any): any decision the
 * mechanism asks for is a refusal, as the server needs an answer it can give.
 */
const denyAll: Authorizer = () => deny('No authorizer');

function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

function describePeer(peer: PeerIdentity): string {
  return `${peer.mechanism} peer ${peer.userId ?? peer.publicKeyZ85 ?? '(anonymous)'}`;
}

/**
 * A handshake timeout is all a ZeroMQ client sees of a wrong server key: the server cannot open
 * HELLO and stays silent, as libzmq does. Whether anything listens at the endpoint tells the two
 * apart, so a wrong key exits 4 with the same words as on the stream transport, and only
 * silence with nobody there is a timeout (5).
 */
async function timedOut(error: ChannelError, context: ConnectContext): Promise<number> {
  if (await listening(context.endpoint)) {
    context.log(`error: ${error.code}: ${WRONG_SERVER_KEY}`);
    return EXIT.PROTOCOL;
  }
  context.log(`error: ${error.code}: no server answered at ${context.endpoint} in ${context.timeoutMs} ms (is one running there?)`);
  return EXIT.TIMEOUT;
}

/** True when a connection to `endpoint` (tcp:// or ipc://) opens within a second. */
function listening(endpoint: string): Promise<boolean> {
  const tcp = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d+)$/.exec(endpoint);
  const ipc = /^ipc:\/\/(.+)$/.exec(endpoint);
  if (tcp === null && ipc === null) return Promise.resolve(false);
  const options: net.NetConnectOpts = tcp !== null ? { host: tcp[1]!.replace(/^\[|\]$/g, ''), port: Number(tcp[2]) } : { path: ipc![1]! };
  return new Promise((resolve) => {
    const socket = net.connect(options);
    const done = (open: boolean) => (socket.destroy(), resolve(open));
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
