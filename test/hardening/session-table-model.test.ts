/**
 * Model-based test (fast-check `asyncModelRun`) of the ZeroMQ server's session table over real
 * sockets on 127.0.0.1. Clients are driven by hand (a CURVE `Mechanism` over raw Dealers) so
 * that the test owns every route: new sessions, half-open handshakes and their expiry, echoed
 * messages, route moves, forged and replayed MESSAGEs from another route (dropped, session
 * untouched), a replay on the session's own route (the session fails, as libzmq closes the
 * connection), and sessions closed by the server, in any interleaving. After every command the
 * table holds exactly the sessions the model holds, and every live session still echoes.
 */
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import * as zmq from 'zeromq';
import { defaultRegistry } from '../../mechanisms';
import { curveKeyPair, type Mechanism } from '../../src';
import { encodeEnvelope, KIND_HANDSHAKE, KIND_MESSAGE, parseEnvelope, ZeroMqServer } from '../../src/adapters/zeromq';

const SERVER = curveKeyPair();
const CLIENT = curveKeyPair();
const HALF_OPEN_TTL_MS = 250;

/** One hand-driven session: its mechanism, its current route and the MESSAGE frames it sent. */
class Session {
  readonly id = randomBytes(16);
  readonly key = this.id.toString('hex');
  readonly mechanism: Mechanism = defaultRegistry.client('CURVE', { secretKey: CLIENT.secretKey, serverKey: SERVER.publicKey });
  readonly sent: Buffer[] = [];
  dealer: zmq.Dealer;
  private counter = 0;

  constructor(private readonly endpoint: string) {
    this.dealer = this.newDealer();
  }

  newDealer(): zmq.Dealer {
    // A bounded wait: a lost reply fails the run instead of hanging it.
    const dealer = new zmq.Dealer({ linger: 0, receiveTimeout: 10_000 });
    dealer.connect(this.endpoint);
    return dealer;
  }

  async handshake(): Promise<void> {
    let step = this.mechanism.start();
    while (step.status === 'handshaking') {
      for (const blob of step.send) await this.dealer.send(encodeEnvelope(KIND_HANDSHAKE, this.id, blob));
      const [frame] = await this.dealer.receive();
      step = this.mechanism.receive(parseEnvelope(frame!)!.blob);
    }
    if (step.status !== 'ready') throw new Error(`handshake failed: ${String(step.error)}`);
  }

  /** Sends a fresh message from `dealer` and returns the echo read on the same dealer. */
  async echo(dealer = this.dealer): Promise<string> {
    const text = `${this.key}:${this.counter++}`;
    const frame = encodeEnvelope(KIND_MESSAGE, this.id, this.mechanism.encode(Buffer.from(text)));
    this.sent.push(frame);
    await dealer.send(frame);
    const [reply] = await dealer.receive();
    const part = this.mechanism.decode(parseEnvelope(reply!)!.blob);
    if (Buffer.from(part.data).toString() !== text) throw new Error('echo mismatch');
    return text;
  }

  close(): void {
    this.mechanism.destroy();
    this.dealer.close();
  }
}

interface Model {
  ready: string[];
  /** Half-open handshakes not yet seen to expire (they may expire at any moment). */
  halfOpen: string[];
}

interface Real {
  server: ZeroMqServer;
  endpoint: string;
  sessions: Map<string, Session>;
  attacker: zmq.Dealer;
  closers: Array<{ close(): void }>;
  /** Every session the server closed, with its reason, recorded from the start. */
  closed: Map<string, string>;
}

type Cmd = fc.AsyncCommand<Model, Real>;

/** The table holds the model's ready sessions plus the half-open ones that have not expired yet. */
async function checkTable(model: Model, real: Real): Promise<void> {
  const halfOpen = model.halfOpen.filter((key) => !real.closed.has(key)).length;
  expect(real.server.sessionCount).toBe(model.ready.length + halfOpen);
  for (const key of model.ready) expect(real.server.peerOf(key)?.publicKeyZ85).toBe(CLIENT.publicKey);
}

/** Resolves with the reason the server closed session `key` (at once if it already has). */
async function closure(real: Real, key: string): Promise<string> {
  while (!real.closed.has(key)) await once(real.server, 'session:close');
  return real.closed.get(key)!;
}

const commands: Array<fc.Arbitrary<Cmd>> = [
  fc.constant<Cmd>({
    check: (m) => m.ready.length < 6,
    async run(m, r) {
      const session = new Session(r.endpoint);
      r.closers.push(session);
      await session.handshake();
      r.sessions.set(session.key, session);
      m.ready.push(session.key);
      await checkTable(m, r);
    },
    toString: () => 'connect',
  }),
  fc.constant<Cmd>({
    check: (m) => m.halfOpen.length < 3,
    async run(m, r) {
      // A HELLO that is never continued; it expires after the handshake timeout.
      const hello = defaultRegistry.client('CURVE', { secretKey: CLIENT.secretKey, serverKey: SERVER.publicKey }).start().send[0]!;
      const id = randomBytes(16);
      const opened = once(r.server, 'handshake:receive');
      await r.attacker.send(encodeEnvelope(KIND_HANDSHAKE, id, hello));
      expect((await opened)[0]).toBe(id.toString('hex'));
      await r.attacker.receive();
      m.halfOpen.push(id.toString('hex'));
      await checkTable(m, r);
    },
    toString: () => 'halfOpen',
  }),
  fc.constant<Cmd>({
    check: (m) => m.halfOpen.length > 0,
    async run(m, r) {
      const key = m.halfOpen.shift()!;
      expect(await closure(r, key)).toBe('expired');
      await checkTable(m, r);
    },
    toString: () => 'expireHalfOpen',
  }),
  fc.nat().map<Cmd>((pick) => ({
    check: (m) => m.ready.length > 0,
    async run(m, r) {
      const session = r.sessions.get(m.ready[pick % m.ready.length]!)!;
      await session.echo();
      await checkTable(m, r);
    },
    toString: () => `echo(${pick})`,
  })),
  fc.nat().map<Cmd>((pick) => ({
    check: (m) => m.ready.length > 0,
    async run(m, r) {
      const session = r.sessions.get(m.ready[pick % m.ready.length]!)!;
      const moved = once(r.server, 'session:move');
      const next = session.newDealer();
      await session.echo(next);
      expect((await moved)[0]).toBe(session.key);
      session.dealer.close();
      session.dealer = next;
      await checkTable(m, r);
    },
    toString: () => `moveRoute(${pick})`,
  })),
  fc.tuple(fc.nat(), fc.boolean()).map<Cmd>(([pick, replay]) => ({
    check: (m) => m.ready.length > 0,
    async run(m, r) {
      const session = r.sessions.get(m.ready[pick % m.ready.length]!)!;
      const frame =
        replay && session.sent.length > 0
          ? session.sent[session.sent.length - 1]!
          : encodeEnvelope(KIND_MESSAGE, session.id, randomBytes(40));
      const dropped = once(r.server, 'message:drop');
      await r.attacker.send(frame);
      expect((await dropped)[0]).toBe('MESSAGE from another route did not authenticate');
      // The session is untouched: it still echoes on its own route.
      await session.echo();
      await checkTable(m, r);
    },
    toString: () => `${replay ? 'replay' : 'forge'}FromAnotherRoute(${pick})`,
  })),
  fc.nat().map<Cmd>((pick) => ({
    check: (m) => m.ready.length > 0,
    async run(m, r) {
      const index = pick % m.ready.length;
      const session = r.sessions.get(m.ready[index]!)!;
      if (session.sent.length === 0) await session.echo();
      await session.dealer.send(session.sent[session.sent.length - 1]!);
      expect(await closure(r, session.key)).toBe('failed');
      m.ready.splice(index, 1);
      r.sessions.delete(session.key);
      session.close();
      await checkTable(m, r);
    },
    toString: () => `replayOnOwnRoute(${pick})`,
  })),
  fc.nat().map<Cmd>((pick) => ({
    check: (m) => m.ready.length > 0,
    async run(m, r) {
      const index = pick % m.ready.length;
      const session = r.sessions.get(m.ready[index]!)!;
      r.server.closeSession(session.key);
      m.ready.splice(index, 1);
      await checkTable(m, r);
      // Its next MESSAGE finds no session.
      const dropped = once(r.server, 'message:drop');
      await session.dealer.send(encodeEnvelope(KIND_MESSAGE, session.id, session.mechanism.encode(Buffer.from('late'))));
      expect(await dropped).toEqual(['MESSAGE for no ready session']);
      r.sessions.delete(session.key);
      session.close();
    },
    toString: () => `closeSession(${pick})`,
  })),
];

test('session table: any interleaving of connects, half-open handshakes and expiries, echoes, route moves, forgeries, replays and closes agrees with the model', async () => {
  await fc.assert(
    fc.asyncProperty(fc.commands(commands, { maxCommands: 14 }), async (cmds) => {
      const server = new ZeroMqServer({
        mechanism: 'CURVE',
        registry: defaultRegistry,
        mechanismOptions: { secretKey: SERVER.secretKey },
        authorizer: (request) => request.publicKeyZ85 === CLIENT.publicKey,
        handshakeTimeout: HALF_OPEN_TTL_MS,
      });
      const endpoint = await server.bind('tcp://127.0.0.1:*');
      void (async () => {
        for await (const message of server) await message.reply(message.parts);
      })().catch(() => undefined);
      const attacker = new zmq.Dealer({ linger: 0 });
      attacker.connect(endpoint);
      const real: Real = { server, endpoint, sessions: new Map(), attacker, closers: [], closed: new Map() };
      server.on('session:close', (key, reason) => real.closed.set(key, reason));
      try {
        await fc.asyncModelRun(() => ({ model: { ready: [], halfOpen: [] }, real }), cmds);
      } finally {
        for (const closable of real.closers) closable.close();
        attacker.close();
        server.close();
      }
    }),
    { numRuns: 25, seed: 0x5e55 },
  );
}, 120_000);
