/**
 * The ZWS 2.0 channel (`connectZws`) against REAL zeromq.js sockets bound on `ws://`: libzmq's
 * native CURVE with our authorizer as its ZAP handler, PLAIN through the same handler, NULL;
 * multipart echo up to 1 MiB; refusals as coded errors. The WebSocket is `ws` driven by
 * `./zws-websocket.ts`, because `ws`'s own client refuses `ZWS2.0/CURVE` as a browser does
 * (the last test shows that refusal as the coded error a page gets).
 */
import * as zmq from 'zeromq';
import { connectZws, type ZwsSocket } from '../../src/adapters/browser';
import { nativeCurveServer, ZapHandler } from '../../src/adapters/zeromq';
import type { AuthRequest } from '../../src/mechanism';
import { curveKeyPair } from '../../src/keys';
import { equalBytes, fromUtf8, utf8 } from '../../src/bytes';
import { CURVE, NULL, PLAIN } from '../../mechanisms';
import { NodeWebSocket } from './websocket-server';
import { webCryptoX25519 } from '../../src/crypto/webcrypto';
import { ZwsTestWebSocket } from './zws-websocket';

const serverKeys = curveKeyPair();
const clientKeys = curveKeyPair();
const refusedKeys = curveKeyPair();

const closers: Array<() => unknown> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A Router bound on ws:// with `options`, echoing every message to its sender. */
async function echoRouter(options: zmq.SocketOptions<zmq.Router>): Promise<{ url: string; router: zmq.Router }> {
  const router = new zmq.Router({ linger: 0, ...options });
  closers.push(() => router.close());
  await router.bind('ws://127.0.0.1:*');
  void (async () => {
    for await (const message of router) await router.send(message);
  })().catch(() => undefined); // ends when the router closes
  return { url: router.lastEndpoint!, router };
}

/** Our authorizer answering libzmq's ZAP requests, recording each request. */
async function zap(allow: (request: AuthRequest) => boolean): Promise<AuthRequest[]> {
  const requests: AuthRequest[] = [];
  const options = {
    authorizer: (request: AuthRequest) => {
      requests.push(request);
      return allow(request);
    },
  };
  // The previous test's handler frees the inproc endpoint only when libzmq's reaper gets to
  // it (see ZapHandler.close), so a start right after may meet EADDRINUSE for a moment.
  let handler: ZapHandler | undefined;
  for (let attempt = 0; handler === undefined; attempt++) {
    handler = await ZapHandler.start(options).catch(async (error: { code?: string }) => {
      if (error.code !== 'EADDRINUSE' || attempt >= 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
      return undefined;
    });
  }
  closers.push(() => handler.close());
  return requests;
}

function track(channel: ZwsSocket): ZwsSocket {
  closers.push(() => channel.close());
  return channel;
}

describe('CURVE to libzmq\'s native CURVE on ws://, our authorizer as the ZAP handler', () => {
  test('the handshake completes, the ZAP request carries the client key, messages echo', async () => {
    const requests = await zap((request) => request.publicKeyZ85 === clientKeys.publicKey);
    const { url } = await echoRouter({ ...nativeCurveServer(serverKeys.secretKey), zapDomain: 'web' });
    const channel = track(
      connectZws({
        url,
        WebSocket: ZwsTestWebSocket,
        mechanism: CURVE,
        mechanismOptions: { secretKey: clientKeys.secretKey, serverKey: serverKeys.publicKey },
      }),
    );
    expect(channel.subprotocol).toBe('ZWS2.0/CURVE');
    channel.send(['sent early', 'two parts']);
    await expect(channel.handshake).resolves.toMatchObject({ publicKeyZ85: serverKeys.publicKey });
    expect((await channel.receive()).map(fromUtf8)).toEqual(['sent early', 'two parts']);
    expect(requests.map((r) => [r.mechanism, r.publicKeyZ85, r.domain])).toEqual([['CURVE', clientKeys.publicKey, 'web']]);
  });

  test('with the client\'s X25519 on WebCrypto (an asynchronous step), the handshake completes and messages echo', async () => {
    await zap((request) => request.publicKeyZ85 === clientKeys.publicKey);
    const { url } = await echoRouter({ ...nativeCurveServer(serverKeys.secretKey), zapDomain: 'web' });
    const x25519 = await webCryptoX25519();
    expect(x25519).toBeDefined(); // Node 20 has it
    const channel = track(
      connectZws({
        url,
        WebSocket: ZwsTestWebSocket,
        mechanism: CURVE,
        mechanismOptions: { secretKey: clientKeys.secretKey, serverKey: serverKeys.publicKey, x25519: x25519! },
      }),
    );
    channel.send(['async', 'step']);
    await expect(channel.handshake).resolves.toMatchObject({ publicKeyZ85: serverKeys.publicKey });
    expect((await channel.receive()).map(fromUtf8)).toEqual(['async', 'step']);
  });

  test('1,000 multipart messages, parts up to 1 MiB, echo in order and intact', async () => {
    await zap((request) => request.publicKeyZ85 === clientKeys.publicKey);
    const { url } = await echoRouter({ ...nativeCurveServer(serverKeys.secretKey), zapDomain: 'web' });
    const channel = track(
      connectZws({
        url,
        WebSocket: ZwsTestWebSocket,
        mechanism: CURVE,
        mechanismOptions: { secretKey: clientKeys.secretKey, serverKey: serverKeys.publicKey },
      }),
    );
    await channel.handshake;
    // Every 100th message carries a 1 MiB part; the rest a few bytes to a few KiB.
    const sent = Array.from({ length: 1000 }, (_, i) => {
      const size = i % 100 === 99 ? 1024 * 1024 : (i * 37) % 4096;
      const payload = new Uint8Array(size).map((_, j) => (i + j) & 0xff);
      return [utf8(`#${i}`), payload, new Uint8Array(0)];
    });
    for (const message of sent) channel.send(message);
    // Compared with equalBytes: jest's deep equality walks a 1 MiB array element by element.
    const wrong: number[] = [];
    for (const [i, message] of sent.entries()) {
      const received = await channel.receive();
      if (received.length !== message.length || !received.every((part, j) => equalBytes(part, message[j]!))) wrong.push(i);
    }
    expect(wrong).toEqual([]);
  });

  test('a refused key rejects the handshake with ERR_PEER_ERROR, status 400', async () => {
    await zap((request) => request.publicKeyZ85 === clientKeys.publicKey);
    const { url } = await echoRouter({ ...nativeCurveServer(serverKeys.secretKey), zapDomain: 'web' });
    const channel = track(
      connectZws({
        url,
        WebSocket: ZwsTestWebSocket,
        mechanism: CURVE,
        mechanismOptions: { secretKey: refusedKeys.secretKey, serverKey: serverKeys.publicKey },
      }),
    );
    await expect(channel.handshake).rejects.toMatchObject({ code: 'ERR_PEER_ERROR', status: 400 });
  });
});

describe('PLAIN and NULL', () => {
  test('PLAIN: libzmq asks our authorizer with the username and password', async () => {
    const requests = await zap((request) => request.password === 'secret');
    const { url } = await echoRouter({ plainServer: true, zapDomain: 'web' });
    const connect = (password: string): ZwsSocket =>
      track(connectZws({ url, WebSocket: ZwsTestWebSocket, mechanism: PLAIN, mechanismOptions: { username: 'alice', password } }));
    const good = connect('secret');
    good.send('hello');
    await expect(good.handshake).resolves.toMatchObject({ mechanism: 'PLAIN' });
    expect((await good.receive()).map(fromUtf8)).toEqual(['hello']);
    await expect(connect('wrong').handshake).rejects.toMatchObject({ code: 'ERR_PEER_ERROR' });
    expect(requests.map((r) => [r.mechanism, r.username])).toEqual([
      ['PLAIN', 'alice'],
      ['PLAIN', 'alice'],
    ]);
  });

  test('NULL: a REQ gets its reply without the delimiter', async () => {
    const { url } = await echoRouter({});
    const channel = track(connectZws({ url, WebSocket: ZwsTestWebSocket, mechanism: NULL, socketType: 'REQ' }));
    channel.send('ping');
    expect(() => channel.send('again')).toThrow(/REQ/);
    await expect(channel.handshake).resolves.toMatchObject({ mechanism: 'NULL' });
    expect((await channel.receive()).map(fromUtf8)).toEqual(['ping']);
  });
});

describe('routing and delivery', () => {
  test('the Router routes by the identity the page chose, and replies reach it', async () => {
    const router = new zmq.Router({ linger: 0 });
    closers.push(() => router.close());
    await router.bind('ws://127.0.0.1:*');
    const channel = track(connectZws({ url: router.lastEndpoint!, WebSocket: ZwsTestWebSocket, mechanism: NULL, identity: 'page-1' }));
    channel.send('hi');
    const [id, body] = await router.receive();
    expect([fromUtf8(id!), fromUtf8(body!)]).toEqual(['page-1', 'hi']);
    await router.send(['page-1', 'to you']);
    expect((await channel.receive()).map(fromUtf8)).toEqual(['to you']);
  });

  test('with a \'message\' listener messages go to it; without one, to receive()', async () => {
    const { url } = await echoRouter({});
    const channel = track(connectZws({ url, WebSocket: ZwsTestWebSocket, mechanism: NULL }));
    let listener!: (parts: Uint8Array[]) => void;
    const heard = new Promise<Uint8Array[]>((resolve) => (listener = resolve));
    channel.on('message', listener);
    channel.send('one');
    expect((await heard).map(fromUtf8)).toEqual(['one']);
    channel.off('message', listener);
    channel.send('two');
    expect((await channel.receive()).map(fromUtf8)).toEqual(['two']);
  });
});

test('a WebSocket that applies the standard subprotocol rule (ws\'s, as a browser\'s) gives ERR_PROTOCOL', () => {
  expect(() => connectZws({ url: 'ws://127.0.0.1:1', WebSocket: NodeWebSocket, mechanism: NULL })).toThrow(
    expect.objectContaining({ code: 'ERR_PROTOCOL', message: expect.stringMatching(/ZWS2\.0\/NULL/) }),
  );
});
