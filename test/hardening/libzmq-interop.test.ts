/**
 * Checklist row 54: this package's CURVE `Mechanism` against real libzmq (the `zeromq` npm
 * package) on TCP 127.0.0.1, in both directions, over the ZMTP 3.0 framing of `./zmtp.ts`:
 * handshake, libzmq's HANDSHAKE_SUCCEEDED event, 1,000 messages with frames on both sides of
 * 255 bytes and multipart messages, a refusal that libzmq reports as ZAP status 400, and
 * libzmq's CURVE heartbeats (row 40).
 */
import { once } from 'node:events';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as zmq from 'zeromq';
import { defaultRegistry } from '../../mechanisms';
import { curveKeyPair, type Mechanism } from '../../src';
import { answerPing as answerCommand } from '../../src/codec/heartbeat';
import { nativeCurveClient, nativeCurveServer, ZapHandler } from '../../src/adapters/zeromq';
import { frame, ZmtpReader, zmtpHandshake } from './zmtp';

const SERVER = curveKeyPair();
const CLIENT = curveKeyPair();
const COUNT = 1_000;

const closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers.splice(0).reverse()) close();
});

/** Message `i`: sizes cycle through 0..600 bytes, so frames fall on both sides of 255. */
function payload(i: number): Buffer {
  return Buffer.alloc((i * 37) % 601, i & 0xff);
}

/** Message `i`: every tenth has a second part. */
function messageAt(i: number): Buffer[] {
  return i % 10 === 0 ? [payload(i), Buffer.from(`part ${i}`)] : [payload(i)];
}

/** Sends one (possibly multipart) message as MESSAGE commands in ZMTP message frames. */
function sendMessage(socket: net.Socket, mechanism: Mechanism, parts: readonly Uint8Array[]): void {
  socket.write(Buffer.concat(parts.map((part, index) => frame(mechanism.encode(part, { more: index < parts.length - 1 })))));
}

/** Reads one (possibly multipart) message. */
async function readMessage(reader: ZmtpReader, mechanism: Mechanism): Promise<Buffer[]> {
  const parts: Buffer[] = [];
  for (;;) {
    const next = await reader.next();
    expect(next.command).toBe(false);
    const part = mechanism.decode(next.body);
    parts.push(Buffer.from(part.data));
    if (!part.more) return parts;
  }
}

/** The first event of `type` on a zeromq socket's observer. */
async function firstEvent(socket: zmq.Socket, type: string): Promise<zmq.Event> {
  for await (const event of socket.events) if (event.type === type) return event;
  throw new Error(`no ${type} event`);
}

describe('row 54: interop with libzmq', () => {
  test('our CURVE client ↔ libzmq CURVE server (Router): handshake, then 1,000 echoed messages, multipart included', async () => {
    const router = new zmq.Router(nativeCurveServer(SERVER.secretKey));
    closers.push(() => router.close());
    await router.bind('tcp://127.0.0.1:*');
    const succeeded = firstEvent(router, 'handshake');
    const port = Number(new URL(router.lastEndpoint!.replace('tcp://', 'http://')).port);
    const echo = (async () => {
      for await (const [id, ...parts] of router) await router.send([id!, ...parts]);
    })().catch(() => undefined);

    const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
    closers.push(() => socket.destroy());
    await once(socket, 'connect');
    const reader = new ZmtpReader(socket);
    const client = defaultRegistry.client('CURVE', {
      secretKey: CLIENT.secretKey,
      serverKey: SERVER.publicKey,
      metadata: { 'Socket-Type': 'DEALER', Identity: '' },
    });
    const step = await zmtpHandshake(socket, reader, client);
    expect(step.status).toBe('ready');
    expect(client.peer?.metadata.getString('Socket-Type')).toBe('ROUTER');
    await succeeded;

    // Pipelined in batches: libzmq sees bursts of frames, not one at a time.
    for (let batch = 0; batch < COUNT; batch += 100) {
      const sent = Array.from({ length: 100 }, (_, j) => messageAt(batch + j));
      for (const parts of sent) sendMessage(socket, client, parts);
      for (const parts of sent) expect(await readMessage(reader, client)).toEqual(parts);
    }
    router.close();
    await echo;
  });

  test('libzmq CURVE client (Dealer) ↔ our CURVE server: handshake, then 1,000 echoed messages; the authorizer sees its key', async () => {
    const seen: string[] = [];
    const served = new Promise<void>((resolve, reject) => {
      const server = net.createServer({ noDelay: true }, (socket) => {
        closers.push(() => socket.destroy());
        const reader = new ZmtpReader(socket);
        const mechanism = defaultRegistry.server('CURVE', { secretKey: SERVER.secretKey, metadata: { 'Socket-Type': 'ROUTER', Identity: '' } })();
        void (async () => {
          const step = await zmtpHandshake(socket, reader, mechanism, (asked) => {
            seen.push(asked.auth!.publicKeyZ85!);
            return mechanism.authorize({ status: asked.auth!.publicKeyZ85 === CLIENT.publicKey ? 200 : 400 });
          });
          expect(step.status).toBe('ready');
          expect(mechanism.peer?.metadata.getString('Socket-Type')).toBe('DEALER');
          for (let i = 0; i < COUNT; i++) sendMessage(socket, mechanism, await readMessage(reader, mechanism));
          resolve();
        })().catch(reject);
      });
      closers.push(() => server.close());
      server.listen(0, '127.0.0.1', () => {
        const port = (server.address() as AddressInfo).port;
        const dealer = new zmq.Dealer(nativeCurveClient({ secretKey: CLIENT.secretKey, serverKey: SERVER.publicKey }));
        closers.push(() => dealer.close());
        const succeeded = firstEvent(dealer, 'handshake');
        dealer.connect(`tcp://127.0.0.1:${port}`);
        void (async () => {
          await succeeded;
          for (let i = 0; i < COUNT; i++) await dealer.send(messageAt(i));
          for (let i = 0; i < COUNT; i++) expect(await dealer.receive()).toEqual(messageAt(i));
        })().catch(reject);
      });
    });
    await served;
    expect(seen).toEqual([CLIENT.publicKey]);
  });

  test('rows 18/54: our server refuses a libzmq client: libzmq reports ZAP status 400 and stops', async () => {
    const stranger = curveKeyPair();
    const server = net.createServer((socket) => {
      closers.push(() => socket.destroy());
      const reader = new ZmtpReader(socket);
      const mechanism = defaultRegistry.server('CURVE', { secretKey: SERVER.secretKey, metadata: { 'Socket-Type': 'ROUTER' } })();
      void zmtpHandshake(socket, reader, mechanism, () => mechanism.authorize({ status: 400 })).catch(() => undefined);
    });
    closers.push(() => server.close());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const dealer = new zmq.Dealer(nativeCurveClient({ secretKey: stranger.secretKey, serverKey: SERVER.publicKey }));
    closers.push(() => dealer.close());
    const refused = firstEvent(dealer, 'handshake:error:auth');
    dealer.connect(`tcp://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const event = (await refused) as zmq.Event & { error: { status: number } };
    expect(event.error.status).toBe(400);
  });

  test('row 40: libzmq PINGs inside CURVE MESSAGEs; our PONGs keep the connection past the timeout, silence gets it dropped', async () => {
    const router = new zmq.Router({ ...nativeCurveServer(SERVER.secretKey), heartbeatInterval: 40, heartbeatTimeout: 250 });
    closers.push(() => router.close());
    await router.bind('tcp://127.0.0.1:*');
    const port = Number(router.lastEndpoint!.slice(router.lastEndpoint!.lastIndexOf(':') + 1));
    const echo = (async () => {
      for await (const [id, ...parts] of router) await router.send([id!, ...parts]);
    })().catch(() => undefined);

    const open = async () => {
      const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
      closers.push(() => socket.destroy());
      await once(socket, 'connect');
      const reader = new ZmtpReader(socket);
      const mechanism = defaultRegistry.client('CURVE', { secretKey: CLIENT.secretKey, serverKey: SERVER.publicKey, metadata: { 'Socket-Type': 'DEALER' } });
      expect((await zmtpHandshake(socket, reader, mechanism)).status).toBe('ready');
      return { socket, reader, mechanism };
    };

    // Answering: 12 PINGs span about 480 ms, well past the 250 ms timeout, and the link stays up.
    const polite = await open();
    for (let pings = 0; pings < 12; ) {
      const part = polite.mechanism.decode((await polite.reader.next()).body);
      expect(part.command).toBe(true);
      const pong = answerCommand(part.data);
      expect(pong).toBeDefined();
      polite.socket.write(frame(polite.mechanism.encode(pong!, { command: true })));
      pings++;
    }
    sendMessage(polite.socket, polite.mechanism, [Buffer.from('still here')]);
    let reply: Buffer[] = [];
    while (reply.length === 0) {
      const part = polite.mechanism.decode((await polite.reader.next()).body);
      if (part.command) polite.socket.write(frame(polite.mechanism.encode(answerCommand(part.data)!, { command: true })));
      else reply = [Buffer.from(part.data)];
    }
    expect(reply).toEqual([Buffer.from('still here')]);

    // Silent: libzmq drops the connection once its heartbeat timeout passes.
    const silent = await open();
    const closed = once(silent.socket, 'close');
    let ignored = 0;
    await (async () => {
      for (;;) {
        const part = silent.mechanism.decode((await silent.reader.next()).body);
        if (part.command) ignored++;
      }
    })().catch(() => undefined);
    await closed;
    expect(ignored).toBeGreaterThan(0);
    router.close();
    await echo;
  });
});

/**
 * NULL and PLAIN carry message parts in plain ZMTP frames, whose header holds MORE: a part blob
 * of these mechanisms (flags byte, then data) maps to a frame of its data and back.
 */
function sendClearMessage(socket: net.Socket, mechanism: Mechanism, parts: readonly Uint8Array[]): void {
  parts.forEach((part, index) => {
    const blob = mechanism.encode(part, { more: index < parts.length - 1 });
    socket.write(frame(blob.subarray(1), { more: (blob[0]! & 1) === 1 }));
  });
}

async function readClearMessage(reader: ZmtpReader, mechanism: Mechanism): Promise<Buffer[]> {
  const parts: Buffer[] = [];
  for (;;) {
    const next = await reader.next();
    const part = mechanism.decode(Buffer.concat([Buffer.of(next.more ? 1 : 0), next.body]));
    parts.push(Buffer.from(part.data));
    if (!part.more) return parts;
  }
}

describe.each([
  ['NULL', {}, {}, { username: undefined as string | undefined }],
  ['PLAIN', { plainServer: true }, { plainUsername: 'admin', plainPassword: 'secret' }, { username: 'admin' }],
] as const)('row 54: %s interop with libzmq', (name, serverOptions, clientOptions, expected) => {
  const messages = Array.from({ length: 20 }, (_, i) => messageAt(i * 7));

  test(`our ${name} client ↔ libzmq ${name} server (Router): handshake and echoed messages`, async () => {
    // libzmq's PLAIN server needs a ZAP handler (without one the handshake fails): ours, with
    // an authorizer that checks the password our client sends.
    const zapAsked: Array<string | undefined> = [];
    if (name === 'PLAIN') {
      const zap = await ZapHandler.start({ authorizer: (request) => (zapAsked.push(request.username), request.password === 'secret') });
      closers.push(() => zap.close());
    }
    const router = new zmq.Router(serverOptions);
    closers.push(() => router.close());
    await router.bind('tcp://127.0.0.1:*');
    const succeeded = firstEvent(router, 'handshake');
    const port = Number(router.lastEndpoint!.slice(router.lastEndpoint!.lastIndexOf(':') + 1));
    const echo = (async () => {
      for await (const [id, ...parts] of router) await router.send([id!, ...parts]);
    })().catch(() => undefined);
    const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
    closers.push(() => socket.destroy());
    await once(socket, 'connect');
    const reader = new ZmtpReader(socket);
    const client = defaultRegistry.client(name, {
      metadata: { 'Socket-Type': 'DEALER' },
      ...(name === 'PLAIN' ? { username: 'admin', password: 'secret' } : {}),
    });
    expect((await zmtpHandshake(socket, reader, client)).status).toBe('ready');
    expect(client.peer?.metadata.getString('Socket-Type')).toBe('ROUTER');
    await succeeded;
    for (const parts of messages) sendClearMessage(socket, client, parts);
    for (const parts of messages) expect(await readClearMessage(reader, client)).toEqual(parts);
    expect(zapAsked).toEqual(expected.username === undefined ? [] : [expected.username]);
    router.close();
    await echo;
  });

  test(`libzmq ${name} client (Dealer) ↔ our ${name} server: handshake and echoed messages`, async () => {
    const asked: Array<string | undefined> = [];
    const served = new Promise<void>((resolve, reject) => {
      const server = net.createServer({ noDelay: true }, (socket) => {
        closers.push(() => socket.destroy());
        const reader = new ZmtpReader(socket);
        const mechanism = defaultRegistry.server(name, { metadata: { 'Socket-Type': 'ROUTER' } })();
        void (async () => {
          const step = await zmtpHandshake(socket, reader, mechanism, (decision) => {
            asked.push(decision.auth!.username);
            return mechanism.authorize({ status: decision.auth!.password === 'secret' ? 200 : 400 });
          });
          expect(step.status).toBe('ready');
          expect(mechanism.peer?.metadata.getString('Socket-Type')).toBe('DEALER');
          for (let i = 0; i < messages.length; i++) sendClearMessage(socket, mechanism, await readClearMessage(reader, mechanism));
          resolve();
        })().catch(reject);
      });
      closers.push(() => server.close());
      server.listen(0, '127.0.0.1', () => {
        const dealer = new zmq.Dealer(clientOptions);
        closers.push(() => dealer.close());
        dealer.connect(`tcp://127.0.0.1:${(server.address() as AddressInfo).port}`);
        void (async () => {
          for (const parts of messages) await dealer.send(parts);
          for (const parts of messages) expect(await dealer.receive()).toEqual(parts);
        })().catch(reject);
      });
    });
    await served;
    // PLAIN asks the decision with the user name; NULL without `authenticate` asks nothing.
    expect(asked).toEqual(expected.username === undefined ? [] : [expected.username]);
  });
});

test('rows 18/54: our PLAIN client with a wrong password gets libzmq\'s ERROR "400" as ERR_PEER_ERROR with status 400', async () => {
  const zap = await ZapHandler.start({ authorizer: (request) => request.password === 'secret' });
  closers.push(() => zap.close());
  const router = new zmq.Router({ plainServer: true });
  closers.push(() => router.close());
  await router.bind('tcp://127.0.0.1:*');
  const socket = net.connect({ host: '127.0.0.1', port: Number(router.lastEndpoint!.slice(router.lastEndpoint!.lastIndexOf(':') + 1)) });
  closers.push(() => socket.destroy());
  await once(socket, 'connect');
  const client = defaultRegistry.client('PLAIN', { metadata: { 'Socket-Type': 'DEALER' }, username: 'admin', password: 'wrong' });
  const step = await zmtpHandshake(socket, new ZmtpReader(socket), client);
  expect(step.status).toBe('failed');
  expect(step.error).toMatchObject({ code: 'ERR_PEER_ERROR', status: 400, reason: '400' });
});
