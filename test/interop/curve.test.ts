/**
 * Checklist row 54, CURVE: the ZMTP adapter against real libzmq 4.3.5 (the `zeromq` package) over
 * TCP 127.0.0.1, both directions, 1,200 echoed messages each with parts on both sides of the
 * 255-byte frame boundary, libzmq's standard test keys and random keys; a refusal libzmq reports
 * as ZAP 400; a wrong server key; libzmq heartbeats answered with PONG.
 */
import { once } from 'node:events';
import * as net from 'node:net';
import * as zmq from 'zeromq';
import { defaultRegistry } from '../../mechanisms';
import { ChannelError, curveKeyPair, MechanismError, z85Decode, type AuthRequest } from '../../src';
import { nativeCurveClient, nativeCurveServer } from '../../src/adapters/zeromq';
import { connectZmtp, listenZmtp, type ZmtpCommand, type ZmtpConnection } from '../../src/adapters/zmtp';
import { Closers, COUNT, digest, firstEvent, messageAt, portOf, STANDARD_KEYS, startZapHandler, type ZapHandlerHandle } from './helpers';

const closers = new Closers();
afterEach(() => closers.closeAll());

/** While a handler runs, libzmq CURVE servers consult it: it lets every key in but one test's. */
let zap: ZapHandlerHandle;
beforeAll(async () => {
  zap = await startZapHandler();
  zap.allows = () => true;
});
afterAll(() => zap.close());

const KEY_SETS = [
  ['standard test keys', STANDARD_KEYS.client, STANDARD_KEYS.server],
  ['random keys', curveKeyPair(), curveKeyPair()],
] as const;

/** Echoes every message on `connection` until it ends. */
async function echo(connection: ZmtpConnection): Promise<void> {
  for (;;) await connection.send(await connection.receive());
}

/** A libzmq ROUTER echoing every message back to its sender. */
function routerEcho(router: zmq.Router): Promise<void> {
  return (async () => {
    for await (const [id, ...parts] of router) await router.send([id!, ...parts]);
  })().catch(() => undefined);
}

describe.each(KEY_SETS)('row 54, CURVE with %s', (_keys, client, server) => {
  test('libzmq DEALER (CURVE client) ↔ our CURVE server: handshake, 1,200 echoed messages', async () => {
    const asked: AuthRequest[] = [];
    const ours = closers.add(
      await listenZmtp({
        registry: defaultRegistry,
        mechanism: 'CURVE',
        mechanismOptions: { secretKey: server.secretKey },
        socketType: 'ROUTER',
        authorizer: (request) => (asked.push(request), request.publicKeyZ85 === client.publicKey),
      }),
      (s) => s.close(),
    );
    const served = new Promise<ZmtpConnection>((resolve) => ours.once('connection', resolve));
    const dealer = closers.add(
      // libzmq's CURVE as the ZeroMQ adapter's nativeCurveClient() configures it.
      new zmq.Dealer({ ...nativeCurveClient({ secretKey: client.secretKey, serverKey: server.publicKey }), routingId: 'CLI' }),
      (s) => s.close(),
    );
    const succeeded = firstEvent(dealer, 'handshake');
    dealer.connect(`tcp://127.0.0.1:${ours.address().port}`);
    const connection = await served;
    await succeeded;
    const echoing = echo(connection).catch(() => undefined);

    expect(connection.peer?.publicKeyZ85).toBe(client.publicKey);
    expect(connection.peer?.metadata.getString('Socket-Type')).toBe('DEALER');
    expect(connection.peer?.metadata.getString('Identity')).toBe('CLI');
    expect(connection.peerGreeting).toMatchObject({ major: 3, mechanism: 'CURVE', asServer: false });
    expect(asked.map((request) => [request.mechanism, request.publicKeyZ85, request.address])).toEqual([
      ['CURVE', client.publicKey, '127.0.0.1'],
    ]);

    for (let batch = 0; batch < COUNT; batch += 100) {
      const sent = Array.from({ length: 100 }, (_, j) => messageAt(batch + j));
      for (const parts of sent) await dealer.send(parts);
      for (const parts of sent) expect(digest(await dealer.receive())).toBe(digest(parts));
    }
    dealer.close();
    await echoing;
    expect(connection.error).toBeInstanceOf(ChannelError);
  });

  test('our CURVE client ↔ libzmq ROUTER (CURVE server): handshake, 1,200 echoed messages', async () => {
    const router = closers.add(
      new zmq.Router({ ...nativeCurveServer(server.secretKey), routingId: 'SRV' }),
      (s) => s.close(),
    );
    await router.bind('tcp://127.0.0.1:*');
    const succeeded = firstEvent(router, 'handshake');
    const echoing = routerEcho(router);
    const connection = closers.add(
      await connectZmtp({
        registry: defaultRegistry,
        mechanism: 'CURVE',
        mechanismOptions: { secretKey: client.secretKey, serverKey: server.publicKey },
        port: portOf(router),
      }),
      (c) => c.close(),
    );
    await succeeded;
    expect(connection.peer?.publicKeyZ85).toBe(server.publicKey);
    expect(connection.peer?.metadata.toRecord()).toEqual({ 'Socket-Type': 'ROUTER', Identity: 'SRV' });

    for (let batch = 0; batch < COUNT; batch += 100) {
      const sent = Array.from({ length: 100 }, (_, j) => messageAt(batch + j));
      for (const parts of sent) await connection.send(parts);
      for (const parts of sent) expect(digest(await connection.receive())).toBe(digest(parts));
    }
    router.close();
    await echoing;
  });
});

describe('row 54, CURVE failures', () => {
  test('our server refuses a libzmq client (authorizer 400): libzmq reports handshake:error:auth 400', async () => {
    const server = curveKeyPair();
    const stranger = curveKeyPair();
    const ours = closers.add(
      await listenZmtp({
        registry: defaultRegistry,
        mechanism: 'CURVE',
        mechanismOptions: { secretKey: server.secretKey },
        authorizer: async () => false,
      }),
      (s) => s.close(),
    );
    const refusedHere = new Promise<Error>((resolve) => ours.once('handshakeError', resolve));
    const dealer = closers.add(new zmq.Dealer({ curveServerKey: server.publicKey, curvePublicKey: stranger.publicKey, curveSecretKey: stranger.secretKey }), (s) =>
      s.close(),
    );
    const refused = firstEvent(dealer, 'handshake:error:auth');
    dealer.connect(`tcp://127.0.0.1:${ours.address().port}`);
    const event = (await refused) as zmq.Event & { error: { status: number } };
    expect(event.error.status).toBe(400);
    const error = await refusedHere;
    expect(error).toBeInstanceOf(MechanismError);
    expect((error as MechanismError).code).toBe('ERR_AUTH_DENIED');
  });

  test('libzmq CURVE server whose ZAP handler answers 400: our client gets ERROR "400" as ERR_PEER_ERROR', async () => {
    const server = curveKeyPair();
    const client = curveKeyPair();
    zap.seen.splice(0);
    zap.allows = () => false;
    closers.add(zap, (handler) => (handler.allows = () => true));
    const router = closers.add(
      new zmq.Router({ curveServer: true, curveSecretKey: server.secretKey, curvePublicKey: server.publicKey, routingId: 'SRVID' }),
      (s) => s.close(),
    );
    await router.bind('tcp://127.0.0.1:*');
    await expect(
      connectZmtp({
        registry: defaultRegistry,
        mechanism: 'CURVE',
        mechanismOptions: { secretKey: client.secretKey, serverKey: server.publicKey },
        port: portOf(router),
      }),
    ).rejects.toMatchObject({ name: 'MechanismError', code: 'ERR_PEER_ERROR', status: 400, reason: '400' });
    // libzmq asked ZAP with our long-term key C, after INITIATE proved we hold its secret.
    expect(zap.seen).toEqual([['1.0', '1', '', '127.0.0.1', 'SRVID', 'CURVE', Buffer.from(z85Decode(client.publicKey)).toString('hex')]]);
  });

  test('our client with the wrong server key: libzmq drops it, connectZmtp rejects with a typed error', async () => {
    const server = curveKeyPair();
    const router = closers.add(new zmq.Router({ curveServer: true, curveSecretKey: server.secretKey, curvePublicKey: server.publicKey }), (s) => s.close());
    await router.bind('tcp://127.0.0.1:*');
    const protocolError = firstEvent(router, 'handshake:error:protocol');
    const attempt = connectZmtp({
      registry: defaultRegistry,
      mechanism: 'CURVE',
      mechanismOptions: { secretKey: curveKeyPair().secretKey, serverKey: curveKeyPair().publicKey },
      port: portOf(router),
    });
    await expect(attempt).rejects.toMatchObject({ name: 'ChannelError', code: 'ERR_CHANNEL_CLOSED' });
    // libzmq could not open our HELLO box: ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC.
    const event = (await protocolError) as zmq.Event & { error: { code: string } };
    expect(event.error.code).toBe('ERR_ZMTP_CRYPTOGRAPHIC');
  });

  test('our CURVE client against a libzmq NULL server: libzmq reports a mechanism mismatch and hangs up', async () => {
    const router = closers.add(new zmq.Router(), (s) => s.close());
    await router.bind('tcp://127.0.0.1:*');
    const mismatch = firstEvent(router, 'handshake:error:protocol');
    const keys = curveKeyPair();
    // libzmq checks our greeting before it has flushed the rest of its own, so we never learn
    // its mechanism: the connection just closes.
    await expect(
      connectZmtp({
        registry: defaultRegistry,
        mechanism: 'CURVE',
        mechanismOptions: { secretKey: keys.secretKey, serverKey: keys.publicKey },
        port: portOf(router),
      }),
    ).rejects.toMatchObject({ name: 'ChannelError', code: 'ERR_CHANNEL_CLOSED' });
    const event = (await mismatch) as zmq.Event & { error: { code: string } };
    expect(event.error.code).toBe('ERR_ZMTP_MECHANISM_MISMATCH');
  });

  test('a libzmq PLAIN client against our CURVE server: libzmq reports the mismatch, no decision is asked', async () => {
    const asked: AuthRequest[] = [];
    const ours = closers.add(
      await listenZmtp({
        registry: defaultRegistry,
        mechanism: 'CURVE',
        mechanismOptions: { secretKey: curveKeyPair().secretKey },
        authorizer: (request) => (asked.push(request), true),
      }),
      (s) => s.close(),
    );
    const failedHere = new Promise<Error>((resolve) => ours.once('handshakeError', resolve));
    const dealer = closers.add(new zmq.Dealer({ plainUsername: 'admin', plainPassword: 'secret' }), (s) => s.close());
    const mismatch = firstEvent(dealer, 'handshake:error:protocol');
    dealer.connect(`tcp://127.0.0.1:${ours.address().port}`);
    const event = (await mismatch) as zmq.Event & { error: { code: string } };
    expect(event.error.code).toBe('ERR_ZMTP_MECHANISM_MISMATCH');
    // As above, libzmq hangs up before its mechanism name reaches us.
    expect(await failedHere).toMatchObject({ name: 'ChannelError', code: 'ERR_CHANNEL_CLOSED' });
    expect(asked).toEqual([]);
  });
});

describe('row 40 over ZMTP: libzmq heartbeats under CURVE', () => {
  test('libzmq PINGs reach us as CURVE commands; our PONGs keep the link past its timeout', async () => {
    const server = curveKeyPair();
    const client = curveKeyPair();
    const router = closers.add(
      // A timeout a loaded machine cannot miss by a PONG's delay; the run still spans 1.5 times it.
      new zmq.Router({ ...nativeCurveServer(server.secretKey), heartbeatInterval: 50, heartbeatTimeout: 1_000 }),
      (s) => s.close(),
    );
    await router.bind('tcp://127.0.0.1:*');
    const echoing = routerEcho(router);
    const connection = closers.add(
      await connectZmtp({
        registry: defaultRegistry,
        mechanism: 'CURVE',
        mechanismOptions: { secretKey: client.secretKey, serverKey: server.publicKey },
        port: portOf(router),
      }),
      (c) => c.close(),
    );
    // 31 PINGs at 50 ms span at least 1.5 s, past libzmq's 1 s heartbeat timeout.
    const pings: ZmtpCommand[] = [];
    await new Promise<void>((resolve) => {
      connection.on('command', (command: ZmtpCommand) => {
        if (command.name === 'PING') pings.push(command);
        if (pings.length === 31) resolve();
      });
    });
    // libzmq's PING: TTL (deciseconds, here 0: no heartbeatTimeToLive) and no context.
    expect(Buffer.from(pings[0]!.body)).toEqual(Buffer.from([0, 0]));
    expect(connection.error).toBeUndefined();
    await connection.send([Buffer.from('still here'), Buffer.alloc(300, 1)]);
    expect((await connection.receive()).map((p) => Buffer.from(p))).toEqual([Buffer.from('still here'), Buffer.alloc(300, 1)]);
    router.close();
    await echoing;
  });

  test('a peer that falls silent after the handshake is dropped by libzmq once its heartbeat timeout passes', async () => {
    const server = curveKeyPair();
    const client = curveKeyPair();
    const router = closers.add(new zmq.Router({ ...nativeCurveServer(server.secretKey), heartbeatInterval: 30, heartbeatTimeout: 200 }), (s) => s.close());
    await router.bind('tcp://127.0.0.1:*');
    // A relay that can silence our side: what we send (PONGs included) stops reaching libzmq.
    let toLibzmq: net.Socket | undefined;
    let silenced = false;
    const relay = closers.add(
      net.createServer((fromUs) => {
        const upstream = net.connect({ host: '127.0.0.1', port: portOf(router) });
        toLibzmq = upstream;
        fromUs.on('data', (chunk) => silenced || upstream.write(chunk));
        upstream.pipe(fromUs);
        upstream.on('error', () => undefined).on('close', () => fromUs.destroy());
        fromUs.on('error', () => undefined).on('close', () => upstream.destroy());
      }),
      (s) => s.close(),
    );
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const disconnected = firstEvent(router, 'disconnect');
    const connection = closers.add(
      await connectZmtp({
        registry: defaultRegistry,
        mechanism: 'CURVE',
        mechanismOptions: { secretKey: client.secretKey, serverKey: server.publicKey },
        port: (relay.address() as net.AddressInfo).port,
      }),
      (c) => c.close(),
    );
    // Answering, as in the test above, until the relay silences us.
    await once(connection, 'command');
    await connection.send([Buffer.from('before')]);
    silenced = true;
    const libzmqHungUp = once(toLibzmq!, 'close');
    await disconnected;
    await libzmqHungUp;
    // libzmq hung up on us: our side sees the connection end with a typed error.
    await expect(connection.receive()).rejects.toBeInstanceOf(ChannelError);
  });
});
