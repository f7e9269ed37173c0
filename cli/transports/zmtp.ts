/**
 * The default transport of `tcp://` and `ipc://` endpoints: ZMTP 3.1 with CURVE, PLAIN or NULL
 * exactly as libzmq speaks them (the ZMTP adapter, `src/adapters/zmtp`), so a pyzmq, CZMQ,
 * libzmq or zeromq.js socket with ordinary `curve_server` / `curve_serverkey` options talks to
 * `serve` and `connect`. The mechanisms and the authorizer are this package's own, as on the
 * stream transport, so failures have the same codes and words there and here.
 *
 * `serve` is one echo per connection (a ROUTER to its peers: libzmq DEALER, REQ and ROUTER
 * clients pair with it); `connect` is a DEALER (it pairs with a libzmq ROUTER or DEALER).
 *
 * @module
 */
import { ChannelError, type Authorizer, type PeerIdentity } from '../../src';
import type { ZmtpConnection } from '../../src/adapters/zmtp';
import { describe, oncePerAddress, WRONG_SERVER_KEY } from '../diagnose';
import { EXIT, exitCodeFor } from '../exit-codes';
import type { CliTransport, ConnectContext, Log, ServeContext } from './types';
import { connectTo, listenOn, parseZmtpEndpoint, probeGreeting, type ZmtpEndpoint } from './zmtp-net';

/** Echoes every message on every connection until `context.signal` aborts. */
export async function serve(context: ServeContext): Promise<number> {
  const endpoint = parseZmtpEndpoint(context.endpoint);
  let listening;
  try {
    listening = await listenOn(endpoint, {
      mechanism: context.mechanism,
      registry: context.registry,
      mechanismOptions: context.serverOptions,
      socketType: 'ROUTER',
      authorizer: context.authorizer ?? denyAll,
    });
  } catch (error) {
    context.log(`error: ${describe(error)}`);
    return EXIT.FAILURE;
  }
  const { server, bound } = listening;
  // Per host, not host:port: a libzmq client retries from a new port every 100 ms.
  const logOnce = oncePerAddress(context.log);
  server.on('handshake', (peer: PeerIdentity) => context.log(`secure: ${describePeer(peer)}`));
  server.on('handshakeError', (error: Error, origin?: { address?: string }) => {
    logOnce(origin?.address, `handshake failed: ${describeServerError(error)}`);
  });
  server.on('connection', (connection: ZmtpConnection) => echo(connection, context.log));
  const unenforce = context.enforce?.(server);
  context.log(`listening on ${bound} (${context.mechanism})`);
  await aborted(context.signal);
  unenforce?.();
  await server.close();
  return EXIT.OK;
}

/** Connects, sends each message, checks each echo; the exit code says how it went. */
export async function connect(context: ConnectContext): Promise<number> {
  const endpoint = parseZmtpEndpoint(context.endpoint);
  const side = {
    mechanism: context.mechanism,
    registry: context.registry,
    mechanismOptions: context.clientOptions,
    socketType: 'DEALER' as const,
    handshakeTimeout: context.timeoutMs,
    idleTimeout: context.timeoutMs,
  };
  let connection: ZmtpConnection | undefined;
  try {
    connection = await connectTo(endpoint, side, Date.now() + context.timeoutMs);
    if (connection === undefined) {
      context.log(`error: ERR_HANDSHAKE_TIMEOUT: no server answered at ${context.endpoint} in ${context.timeoutMs} ms (is one running there?)`);
      return EXIT.TIMEOUT;
    }
    const peer = await connection.handshake;
    context.log(`secure: ${peer.mechanism}${peer.publicKeyZ85 === undefined ? '' : ` server ${peer.publicKeyZ85}`}`);
    return await exchange(connection, context);
  } catch (error) {
    const { line, code } = await diagnose(error, connection, endpoint, context.mechanism);
    context.log(`error: ${line}`);
    return code;
  } finally {
    await connection?.close();
  }
}

/** The ZMTP transport, as `./index` picks it. */
export const zmtpTransport: CliTransport = { serve, connect };

async function exchange(connection: ZmtpConnection, context: ConnectContext): Promise<number> {
  for (const message of context.messages) {
    await connection.send([Buffer.from(message)]);
    const reply = (await connection.receive()).map((part) => Buffer.from(part).toString('utf8')).join('');
    context.log(`reply: ${reply}`);
    if (reply !== message) {
      context.log(`error: the reply does not match ${JSON.stringify(message)}`);
      return EXIT.PROTOCOL;
    }
  }
  return EXIT.OK;
}

/**
 * One line for a client's failure, naming the likely cause. libzmq hangs up without a word on
 * a HELLO it cannot open (a wrong server key) and on a mechanism it does not speak, and the
 * reset can discard its greeting: when the server hung up mid-handshake, a second connection
 * asks it for its greeting, which tells the cases apart (and a peer that sends none is not a
 * ZMTP endpoint). A NULL server where we spoke another mechanism may be a `serve --envelope`.
 */
async function diagnose(error: unknown, connection: ZmtpConnection | undefined, endpoint: ZmtpEndpoint, mechanism: string): Promise<{ line: string; code: number }> {
  const plain = { line: describe(error), code: exitCodeFor(error) };
  if (!(error instanceof ChannelError) || connection === undefined) return plain;
  let mismatch = error.code === 'ERR_MECHANISM_MISMATCH' ? connection.peerGreeting?.mechanism : undefined;
  if (error.code === 'ERR_CHANNEL_CLOSED' && connection.peer === undefined) {
    const probe = await probeGreeting(endpoint);
    if (probe === 'not-zmtp') return { line: 'ERR_WRONG_PROTOCOL: the server speaks no ZMTP: not a ZeroMQ endpoint (a tcp+stream:// server?)', code: EXIT.PROTOCOL };
    if (probe === 'no-answer' || probe.mechanism === mechanism) return { line: `${error.code}: ${WRONG_SERVER_KEY}`, code: EXIT.PROTOCOL };
    mismatch = probe.mechanism;
  }
  if (mismatch === undefined) return plain;
  const hint = mismatch === 'NULL' ? " (a 'curvezmq serve --envelope' server? then connect with --envelope too)" : '';
  return { line: `ERR_MECHANISM_MISMATCH: the peer speaks ${mismatch}, this side ${mechanism}${hint}`, code: EXIT.PROTOCOL };
}

/** One line for a server's log about a peer whose handshake failed. */
function describeServerError(error: unknown): string {
  if (error instanceof ChannelError && error.code === 'ERR_PROTOCOL' && /bad signature/.test(error.message)) {
    return `${describe(error)}: not a ZMTP client (a tcp+stream:// client?)`;
  }
  return describe(error);
}

/** Sends every message back; a peer that vanished mid-reply is its own loss, not the server's. */
function echo(connection: ZmtpConnection, log: Log): void {
  void (async () => {
    for await (const message of connection) await connection.send(message);
  })().catch((error: unknown) => log(`error: ${describe(error)}`));
}

/** Used when the command line gave no authorizer (NULL): any decision asked for is a refusal. */
const denyAll: Authorizer = () => false;

function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

function describePeer(peer: PeerIdentity): string {
  return `${peer.mechanism} peer ${peer.userId ?? peer.publicKeyZ85 ?? '(anonymous)'}`;
}
