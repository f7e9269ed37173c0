/**
 * The ZeroMQ subjects of the network parts: libzmq with NULL and with its native CURVE
 * (zeromq.js sockets), and our ZeroMQ adapter. Loaded only when asked for.
 *
 * @module
 */
import { z85Encode } from '../../src';
import { clientKeys, header, loadFailure, ONE, seconds, serverKeys, type Mechanisms, type Peer, type PeerServer } from './peer-kit';

type Zmq = typeof import('zeromq');

function zmq(): Zmq {
  return require('zeromq') as Zmq;
}

function zmqUnavailable(): string | undefined {
  return loadFailure(zmq);
}

async function zmqServe(curve: boolean): Promise<PeerServer> {
  const z = zmq();
  const make = async (sink: boolean) => {
    const router = new z.Router({ linger: 0, ...(curve ? { curveServer: true, curveSecretKey: z85Encode(serverKeys.secretKey) } : {}) });
    await router.bind('tcp://127.0.0.1:0');
    void (async () => {
      const counts = new Map<string, { expected: number; received: number }>();
      for await (const [id, message] of router) {
        if (!sink) {
          await router.send([id!, message!]);
          continue;
        }
        const key = id!.toString('hex');
        const state = counts.get(key);
        if (state === undefined) {
          const expected = Number(message!.readBigUInt64BE(0));
          // A header of 0 is the sender's warm-up round trip.
          if (expected === 0) await router.send([id!, ONE]);
          else counts.set(key, { expected, received: 0 });
        } else if (++state.received === state.expected) {
          counts.delete(key);
          await router.send([id!, ONE]);
        }
      }
    })().catch(() => undefined);
    return router;
  };
  const echo = await make(false);
  const sink = await make(true);
  return {
    echo: echo.lastEndpoint!,
    sink: sink.lastEndpoint!,
    close: async () => {
      echo.close();
      sink.close();
    },
  };
}

function zmqDealer(curve: boolean): import('zeromq').Dealer {
  const z = zmq();
  return new z.Dealer({
    linger: 0,
    ...(curve
      ? {
          curveServerKey: z85Encode(serverKeys.publicKey),
          curvePublicKey: z85Encode(clientKeys.publicKey),
          curveSecretKey: z85Encode(clientKeys.secretKey),
        }
      : {}),
  });
}

export function zmqPeer(name: string, curve: boolean): Peer {
  return {
    name,
    unavailable: zmqUnavailable,
    serve: () => zmqServe(curve),
    async echoOnce(endpoint) {
      const dealer = zmqDealer(curve);
      dealer.connect(endpoint);
      await dealer.send(ONE);
      await dealer.receive();
      dealer.close();
    },
    async sendMany(endpoint, size, count) {
      const dealer = zmqDealer(curve);
      dealer.connect(endpoint);
      // A first round trip completes the connection (and CURVE handshake) before timing.
      await dealer.send(header(0));
      await dealer.receive();
      const data = new Uint8Array(size).fill(0x61);
      const start = seconds();
      await dealer.send(header(count));
      for (let i = 0; i < count; i++) await dealer.send(data);
      await dealer.receive();
      const elapsed = seconds() - start;
      dealer.close();
      return elapsed;
    },
  };
}

type ZmqAdapter = typeof import('../../src/adapters/zeromq');

function ourZmq(): { adapter: ZmqAdapter; mechanisms: Mechanisms } {
  return { adapter: require('../../src/adapters/zeromq') as ZmqAdapter, mechanisms: require('../../mechanisms') as Mechanisms };
}

export const curveZmq: Peer = {
  name: 'curvezmq-zeromq',
  unavailable: () => loadFailure(() => {
    const { adapter, mechanisms } = ourZmq();
    if (typeof adapter.ZeroMqServer !== 'function' || !mechanisms.defaultRegistry.has('CURVE')) throw new Error('adapter or CURVE missing');
  }),
  async serve() {
    const { adapter, mechanisms } = ourZmq();
    const make = async (sink: boolean) => {
      const server = new adapter.ZeroMqServer({
        mechanism: 'CURVE',
        registry: mechanisms.defaultRegistry,
        mechanismOptions: { secretKey: serverKeys.secretKey },
        authorizer: () => true,
      });
      const endpoint = await server.bind('tcp://127.0.0.1:0');
      void (async () => {
        const counts = new Map<string, { expected: number; received: number }>();
        for (;;) {
          const message = await server.receive();
          if (!sink) {
            await message.reply(message.parts);
            continue;
          }
          const state = counts.get(message.sessionId);
          if (state === undefined) {
            counts.set(message.sessionId, { expected: Number(message.parts[0]!.readBigUInt64BE(0)), received: 0 });
          } else if (++state.received === state.expected) {
            counts.delete(message.sessionId);
            await message.reply([ONE]);
          }
        }
      })().catch(() => undefined);
      return { server, endpoint };
    };
    const echo = await make(false);
    const sink = await make(true);
    return {
      echo: echo.endpoint,
      sink: sink.endpoint,
      close: async () => {
        echo.server.close();
        sink.server.close();
      },
    };
  },
  async echoOnce(endpoint) {
    const client = ourZmqClient();
    await client.connect(endpoint);
    await client.send([ONE]);
    await client.receive();
    client.close();
  },
  async sendMany(endpoint, size, count) {
    const client = ourZmqClient();
    await client.connect(endpoint);
    const data = new Uint8Array(size).fill(0x61);
    const start = seconds();
    await client.send([header(count)]);
    for (let i = 0; i < count; i++) await client.send([data]);
    await client.receive();
    const elapsed = seconds() - start;
    client.close();
    return elapsed;
  },
};

function ourZmqClient(): InstanceType<ZmqAdapter['ZeroMqClient']> {
  const { adapter, mechanisms } = ourZmq();
  return new adapter.ZeroMqClient({
    mechanism: 'CURVE',
    registry: mechanisms.defaultRegistry,
    mechanismOptions: { secretKey: clientKeys.secretKey, serverKey: serverKeys.publicKey },
  });
}

/** Every peer, in table order: ours first, then the alternatives. */
