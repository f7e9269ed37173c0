/**
 * Model-based tests (fast-check `commands`) of every registered mechanism's handshake state
 * machine: in-order deliveries, decisions of every status, duplicated, out-of-order and
 * foreign commands, message parts delivered, replayed and reordered, destroy, and calls after
 * the end, in any interleaving. The model predicts each side's status from a recorded
 * reference handshake; the real pair must agree after every command (checklist rows 23, 27,
 * 28, 53; row 21 for foreign commands).
 */
import fc from 'fast-check';
import { buildCorpus, type Session } from '../../fuzz/corpus';
import { profiles, type Profile } from '../../fuzz/profiles';
import { MechanismError, parseCommand, StateError, type AuthStatus, type Mechanism, type Role } from '../../src';

type Phase = 'hs' | 'deciding' | 'ready' | 'failed';
type Tag = 'ok' | 'error';

/** What the reference run says about a profile's handshake. */
interface Script {
  readonly profile: Profile;
  /** Blobs each side sends on start(). */
  readonly onStart: Record<Role, number>;
  /** Blobs each side sends after its k-th handshake input (after a 200 decision). */
  readonly after: Record<Role, number[]>;
  /** The server input after which a decision is asked, or -1. */
  readonly askAt: number;
  /** Names of the handshake commands each side receives, in order. */
  readonly names: Record<Role, string[]>;
  /** Blobs of other sessions of the same profile. */
  readonly foreign: Session[];
}

interface Model {
  phase: Record<Role, Phase>;
  received: Record<Role, number>;
  queue: Record<Role, Tag[]>;
  data: Record<Role, number>;
  decoded: Record<Role, number>;
}

interface Real {
  side: Record<Role, Mechanism>;
  queue: Record<Role, Uint8Array[]>;
  delivered: Record<Role, Uint8Array[]>;
  data: Record<Role, Array<{ blob: Uint8Array; data: Uint8Array }>>;
  decoded: Record<Role, Uint8Array[]>;
}

const SEED = 8_2026;
const other = (role: Role): Role => (role === 'client' ? 'server' : 'client');
const live = (p: Phase): boolean => p === 'hs' || p === 'ready';

function scriptOf(profile: Profile, sessions: Session[]): Script {
  const client = profile.client(sessions[0]!.seed);
  const server = profile.server(sessions[0]!.seed);
  const onStart = { server: server.start().send.length, client: client.start().send.length };
  const after: Record<Role, number[]> = { client: [], server: [] };
  let askAt = -1;
  for (const role of ['client', 'server'] as const) {
    const side = role === 'client' ? client : server;
    for (const [k, blob] of sessions[0]!.handshake[role].entries()) {
      let step = side.receive(blob);
      if (step.auth !== undefined) {
        askAt = k;
        step = side.authorize({ status: 200 });
      }
      after[role].push(step.send.length);
    }
  }
  const names = {
    client: sessions[0]!.handshake.client.map((b) => parseCommand(b).name),
    server: sessions[0]!.handshake.server.map((b) => parseCommand(b).name),
  };
  return { profile, onStart, after, askAt, names, foreign: sessions };
}

function expectStatus(model: Model, real: Real): void {
  for (const role of ['client', 'server'] as const) {
    const want = model.phase[role];
    const status = real.side[role].status;
    expect([role, status]).toEqual([role, want === 'ready' ? 'ready' : want === 'failed' ? 'failed' : 'handshaking']);
  }
}

/** Model update for an in-order input delivered to `to`: a decision is asked, or the input completes. */
function advance(script: Script, model: Model, to: Role): void {
  const k = model.received[to]++;
  if (to === 'server' && k === script.askAt) model.phase.server = 'deciding';
  else complete(script, model, to, k);
}

/** What `to` sends after its input `k` (after a 200 decision when one was asked), and whether it is then ready. */
function complete(script: Script, model: Model, to: Role, k: number): void {
  model.phase[to] = 'hs';
  for (let i = 0; i < script.after[to][k]!; i++) model.queue[other(to)].push('ok');
  if (k === script.names[to].length - 1) model.phase[to] = 'ready';
}

function commandsFor(script: Script, reached: Set<string>): Array<fc.Arbitrary<fc.Command<Model, Real>>> {
  const authenticated = script.profile.authenticated;
  const role = fc.constantFrom<Role>('client', 'server');
  const fail = (model: Model, to: Role) => {
    model.phase[to] = 'failed';
  };
  const deliver = role.map((to) => ({
      check: (m: Model) => m.phase[to] === 'hs' && m.queue[to].length > 0,
      run(m: Model, r: Real) {
        const tag = m.queue[to].shift()!;
        const blob = r.queue[to].shift()!;
        const step = r.side[to].receive(blob);
        r.delivered[to].push(blob);
        r.queue[other(to)].push(...step.send);
        if (tag === 'error') {
          fail(m, to);
          expect(step.error?.code).toBe('ERR_PEER_ERROR');
        } else advance(script, m, to);
        expect(step.send.length).toBe(tag === 'error' ? 0 : m.phase[to] === 'deciding' ? 0 : script.after[to][m.received[to] - 1]);
        expectStatus(m, r);
      },
      toString: () => `deliver(${to})`,
    }));
  const decide = fc.constantFrom<AuthStatus>(200, 200, 200, 300, 400, 500).map((status) => ({
      check: (m: Model) => m.phase.server === 'deciding',
      run(m: Model, r: Real) {
        const step = r.side.server.authorize({ status });
        r.queue.client.push(...step.send);
        if (status === 200) {
          complete(script, m, 'server', script.askAt);
          expect(step.send.length).toBe(script.after.server[script.askAt]);
        } else {
          fail(m, 'server');
          expect(step.error?.status ?? step.error?.code).toBeDefined();
          // 300 closes silently; 400 and 500 answer ERROR with the status (row 42).
          expect(step.send.length).toBe(status === 300 ? 0 : 1);
          if (status !== 300) m.queue.client.push('error');
        }
        expectStatus(m, r);
      },
      toString: () => `authorize(${status})`,
    }));
  const encode = fc.tuple(role, fc.nat(600)).map(([from, size]) => ({
      check: (m: Model) => m.phase[from] === 'ready',
      run(m: Model, r: Real) {
        const data = new Uint8Array(size).fill(size & 0xff);
        r.data[other(from)].push({ blob: r.side[from].encode(data, { more: size % 2 === 0 }), data });
        m.data[other(from)]++;
        expectStatus(m, r);
      },
      toString: () => `encode(${from}, ${size})`,
    }));
  // Progress commands are listed several times so that runs reach the decision and ready states.
  const all = [
    deliver,
    deliver,
    deliver,
    deliver,
    decide,
    decide,
    encode,
    encode,
    rare(role.map((to) => ({
      check: (m: Model) => live(m.phase[to]) && m.received[to] > 0,
      run(m: Model, r: Real) {
        const again = r.delivered[to][r.delivered[to].length - 1]!;
        expectRejected(r.side[to], again, m.phase[to]);
        fail(m, to);
        expectStatus(m, r);
      },
      toString: () => `duplicate(${to})`,
    }))),
    rare(fc.tuple(role, fc.nat()).map(([to, pick]) => ({
      check: (m: Model) => m.phase[to] === 'hs' && (strangers(script, to, m.received[to])?.length ?? 0) > 0,
      run(m: Model, r: Real) {
        const pool = strangers(script, to, m.received[to])!;
        const blob = pool[pick % pool.length]!;
        const step = r.side[to].receive(blob);
        expect(step.error?.code).toBe('ERR_UNEXPECTED_COMMAND');
        expect(step.send).toEqual([]);
        fail(m, to);
        expectStatus(m, r);
      },
      toString: () => `outOfOrder(${to}, ${pick})`,
    }))),
    rare(fc.tuple(role, fc.nat()).map(([to, pick]) => ({
      // Only authenticated commands can be told apart from a fresh peer's; a fresh server
      // legitimately takes any client's HELLO.
      check: (m: Model) => authenticated && live(m.phase[to]) && m.received[to] > 0 && m.received[to] < script.names[to].length,
      run(m: Model, r: Real) {
        const session = script.foreign[pick % script.foreign.length]!;
        const blob = session.handshake[to][m.received[to]]!;
        expectRejected(r.side[to], blob, m.phase[to]);
        fail(m, to);
        expectStatus(m, r);
      },
      toString: () => `foreign(${to}, ${pick})`,
    }))),
    ...twice(fc.tuple(role, fc.boolean()).map(([to, secondFirst]) => ({
      check: (m: Model) => m.phase[to] === 'ready' && m.data[to] > (secondFirst ? 1 : 0),
      run(m: Model, r: Real) {
        const [first, second] = r.data[to];
        const take = secondFirst ? second! : first!;
        expect(r.side[to].decode(take.blob).data).toEqual(take.data);
        r.decoded[to].push(take.blob);
        r.data[to].splice(secondFirst ? 1 : 0, 1);
        m.data[to]--;
        m.decoded[to]++;
        if (secondFirst) {
          // The skipped part now carries a lower nonce than one already accepted (row 23).
          const late = r.data[to].shift()!;
          m.data[to]--;
          if (authenticated) {
            expect(() => r.side[to].decode(late.blob)).toThrow(MechanismError);
            fail(m, to);
          } else expect(r.side[to].decode(late.blob).data).toEqual(late.data);
        }
        expectStatus(m, r);
      },
      toString: () => `decode(${to}${secondFirst ? ', reordered' : ''})`,
    }))),
    ...twice(role.map((to) => ({
      check: (m: Model) => m.phase[to] === 'ready' && m.decoded[to] > 0,
      run(m: Model, r: Real) {
        const replayed = r.decoded[to][r.decoded[to].length - 1]!;
        if (authenticated) {
          let code: string | undefined;
          try {
            r.side[to].decode(replayed);
          } catch (error) {
            code = (error as MechanismError).code;
          }
          expect(code).toBe('ERR_INVALID_SEQUENCE');
          fail(m, to);
        } else r.side[to].decode(replayed);
        expectStatus(m, r);
      },
      toString: () => `replay(${to})`,
    }))),
    rare(role.map((side) => ({
      check: () => true,
      run(m: Model, r: Real) {
        r.side[side].destroy();
        fail(m, side);
        expectStatus(m, r);
        expect(() => r.side[side].receive(new Uint8Array(8))).toThrow(StateError);
        expect(() => r.side[side].encode(new Uint8Array(1))).toThrow(StateError);
        expect(() => r.side[side].decode(new Uint8Array(40))).toThrow(StateError);
        expect(() => r.side[side].authorize({ status: 200 })).toThrow(StateError);
      },
      toString: () => `destroy(${side})`,
    }))),
  ];
  // Records which kinds of command ran, so the test can show that runs reach every state.
  return all.map((arbitrary) =>
    arbitrary.map((command) => ({
      check: (m: Model) => command.check(m),
      run(m: Model, r: Real) {
        command.run(m, r);
        reached.add(command.toString().replace(/\(.*$/, ''));
      },
      toString: () => command.toString(),
    })),
  );
}

/**
 * A command that ends a side (destroy, duplicate, out-of-order, foreign) applies only one time in
 * four, so that runs also get deep into the handshake and the message phase.
 */
function rare<C extends fc.Command<Model, Real>>(arbitrary: fc.Arbitrary<C>): fc.Arbitrary<fc.Command<Model, Real>> {
  return fc.tuple(arbitrary, fc.nat(3)).map(([command, roll]) => ({
    check: (m: Model) => roll === 0 && command.check(m),
    run: (m: Model, r: Real) => command.run(m, r),
    toString: () => command.toString(),
  }));
}

/** The same command arbitrary twice, to weigh it double in `fc.commands`. */
function twice<T>(arbitrary: T): [T, T] {
  return [arbitrary, arbitrary];
}

/** Handshake commands (not ERROR) named otherwise than the one `to` expects as input `k`. */
function strangers(script: Script, to: Role, k: number): Uint8Array[] | undefined {
  const expected = script.names[to][k];
  if (expected === undefined) return undefined;
  return script.foreign
    .flatMap((s) => [...s.handshake.client, ...s.handshake.server])
    .filter((b) => ![expected, 'ERROR'].includes(parseCommand(b).name));
}

/** A blob that must be refused: by receive() while handshaking, by decode() once ready. */
function expectRejected(mechanism: Mechanism, blob: Uint8Array, phase: Phase): void {
  if (phase === 'hs') {
    const step = mechanism.receive(blob);
    expect(step.status).toBe('failed');
    expect(step.error).toBeInstanceOf(MechanismError);
  } else {
    expect(() => mechanism.decode(blob)).toThrow(MechanismError);
  }
  expect(() => mechanism.receive(blob)).toThrow(StateError);
}

const all = profiles(SEED);
const corpus = buildCorpus(SEED, all);

describe.each(all.map((p) => [p.label, p] as const))('%s handshake state machine (model-based)', (_label, profile) => {
  const script = scriptOf(profile, corpus.allowed.filter((s) => s.profile === profile));
  const reached = new Set<string>();

  test('row 27: any interleaving of deliveries, decisions, duplicates, out-of-order and foreign commands, parts, replays and destroy agrees with the model', () => {
    let run = 0;
    fc.assert(
      fc.property(fc.commands(commandsFor(script, reached), { maxCommands: 60, size: 'max' }), (cmds) => {
        run++;
        const real: Real = {
          side: { client: profile.client(1000 + run), server: profile.server(1000 + run) },
          queue: { client: [], server: [] },
          delivered: { client: [], server: [] },
          data: { client: [], server: [] },
          decoded: { client: [], server: [] },
        };
        const model: Model = {
          phase: { client: 'hs', server: 'hs' },
          received: { client: 0, server: 0 },
          queue: { client: Array<Tag>(script.onStart.server).fill('ok'), server: Array<Tag>(script.onStart.client).fill('ok') },
          data: { client: 0, server: 0 },
          decoded: { client: 0, server: 0 },
        };
        real.queue.client.push(...real.side.server.start().send);
        real.queue.server.push(...real.side.client.start().send);
        fc.modelRun(() => ({ model, real }), cmds);
      }),
      { numRuns: 250, seed: SEED },
    );
    const expected = ['deliver', 'duplicate', 'encode', 'decode', 'destroy'];
    if (script.askAt >= 0) expected.push('authorize');
    if (profile.authenticated) expected.push('foreign', 'replay');
    if (profile.mechanism !== 'NULL') expected.push('outOfOrder');
    expect([...reached].sort()).toEqual(expect.arrayContaining(expected));
  });
});
