/**
 * Model-based tests (fast-check `commands`) of every registered mechanism's handshake state
 * machine: starts, in-order deliveries, decisions of every status, duplicated, out-of-order and
 * foreign commands, message parts delivered, replayed and reordered, destroy, and calls after
 * the end, in any interleaving. The model predicts each side's status from a recorded
 * reference handshake; the real pair must agree after every command (checklist rows 23, 27,
 * 28, 53; row 21 for foreign commands).
 */
import fc from 'fast-check';
import { buildCorpus, type Session } from '../../fuzz/corpus';
import { profiles, type Profile } from '../../fuzz/profiles';
import { MechanismError, parseCommand, StateError, type AuthStatus, type Mechanism, type Role } from '../../src';

type Phase = 'new' | 'hs' | 'deciding' | 'ready' | 'failed';
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

/** Model update for an in-order input delivered to `to`. */
function advance(script: Script, model: Model, to: Role): void {
  const k = model.received[to]++;
  if (to === 'server' && k === script.askAt) {
    model.phase.server = 'deciding';
    return;
  }
  for (let i = 0; i < script.after[to][k]!; i++) model.queue[other(to)].push('ok');
  if (k === script.names[to].length - 1) model.phase[to] = 'ready';
}

function commandsFor(script: Script): Array<fc.Arbitrary<fc.Command<Model, Real>>> {
  const authenticated = script.profile.authenticated;
  const role = fc.constantFrom<Role>('client', 'server');
  const fail = (model: Model, to: Role) => {
    model.phase[to] = 'failed';
  };
  return [
    role.map((r) => ({
      check: (m: Model) => m.phase[r] === 'new',
      run(m: Model, r2: Real) {
        const step = r2.side[r].start();
        m.phase[r] = 'hs';
        for (let i = 0; i < script.onStart[r]; i++) m.queue[other(r)].push('ok');
        r2.queue[other(r)].push(...step.send);
        expectStatus(m, r2);
      },
      toString: () => `start(${r})`,
    })),
    role.map((to) => ({
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
    })),
    fc.constantFrom<AuthStatus>(200, 300, 400, 500).map((status) => ({
      check: (m: Model) => m.phase.server === 'deciding',
      run(m: Model, r: Real) {
        const step = r.side.server.authorize({ status });
        r.queue.client.push(...step.send);
        if (status === 200) {
          m.phase.server = 'hs';
          m.received.server--;
          advance(script, m, 'server');
          m.received.server = Math.max(m.received.server, 0);
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
    })),
    role.map((to) => ({
      check: (m: Model) => live(m.phase[to]) && m.received[to] > 0,
      run(m: Model, r: Real) {
        const again = r.delivered[to][r.delivered[to].length - 1]!;
        expectRejected(r.side[to], again, m.phase[to]);
        fail(m, to);
        expectStatus(m, r);
      },
      toString: () => `duplicate(${to})`,
    })),
    fc.tuple(role, fc.nat()).map(([to, pick]) => ({
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
    })),
    fc.tuple(role, fc.nat()).map(([to, pick]) => ({
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
    })),
    fc.tuple(role, fc.nat(600)).map(([from, size]) => ({
      check: (m: Model) => m.phase[from] === 'ready',
      run(m: Model, r: Real) {
        const data = new Uint8Array(size).fill(size & 0xff);
        r.data[other(from)].push({ blob: r.side[from].encode(data, { more: size % 2 === 0 }), data });
        m.data[other(from)]++;
        expectStatus(m, r);
      },
      toString: () => `encode(${from}, ${size})`,
    })),
    fc.tuple(role, fc.boolean()).map(([to, secondFirst]) => ({
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
    })),
    role.map((to) => ({
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
    })),
    role.map((side) => ({
      check: (m: Model) => m.phase[side] !== 'new',
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
    })),
  ];
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

  test('row 27: any interleaving of starts, deliveries, decisions, duplicates, out-of-order and foreign commands, parts, replays and destroy agrees with the model', () => {
    let run = 0;
    fc.assert(
      fc.property(fc.commands(commandsFor(script), { maxCommands: 40 }), (cmds) => {
        run++;
        const real: Real = {
          side: { client: profile.client(1000 + run), server: profile.server(1000 + run) },
          queue: { client: [], server: [] },
          delivered: { client: [], server: [] },
          data: { client: [], server: [] },
          decoded: { client: [], server: [] },
        };
        const model: Model = {
          phase: { client: 'new', server: 'new' },
          received: { client: 0, server: 0 },
          queue: { client: [], server: [] },
          data: { client: 0, server: 0 },
          decoded: { client: 0, server: 0 },
        };
        fc.modelRun(() => ({ model, real }), cmds);
      }),
      { numRuns: 250, seed: SEED },
    );
  });
});
