import fc from 'fast-check';
import { BinaryStar, encodeHeartbeat, parseHeartbeat, type BinaryStarState } from '../../src/fleet/binary-star';
import { ChpError } from '../../src/fleet/errors';

const H = 100;

describe('BinaryStar: the Guide rules', () => {
  it('decides at start: the primary beside a backup is active, a server beside an active one is passive', () => {
    const primary = new BinaryStar('primary', H, 0);
    const backup = new BinaryStar('backup', H, 0);
    expect(backup.onPeer({ state: 'primary', sequence: 0 }, 0, 10).to).toBe('backup');
    expect(primary.onPeer({ state: 'backup', sequence: 0 }, 0, 10).to).toBe('active');
    expect(backup.onPeer({ state: 'active', sequence: 0 }, 0, 20).to).toBe('passive');
  });

  it('fails over only when the peer is late AND a client asks', () => {
    const backup = new BinaryStar('backup', H, 0);
    backup.onPeer({ state: 'active', sequence: 5 }, 5, 0);
    expect(backup.onClientRequest(2 * H - 1)).toEqual({ serve: false, step: { from: 'passive', to: 'passive' } });
    // Late, but no client asked: still passive.
    expect(backup.state).toBe('passive');
    expect(backup.peerGone(2 * H)).toBe(true);
    expect(backup.onClientRequest(2 * H)).toEqual({ serve: true, step: { from: 'passive', to: 'active' } });
  });

  it('a backup never serves before it was passive; a restarted primary waits two heartbeats', () => {
    const backup = new BinaryStar('backup', H, 0);
    expect(backup.onClientRequest(10 * H).serve).toBe(false);
    const primary = new BinaryStar('primary', H, 0);
    expect(primary.onClientRequest(2 * H - 1).serve).toBe(false);
    expect(primary.onClientRequest(2 * H).serve).toBe(true);
  });

  it('a passive server takes over when the active peer restarts (it says primary or backup)', () => {
    for (const restarted of ['primary', 'backup'] as const) {
      const passive = new BinaryStar(restarted === 'primary' ? 'backup' : 'primary', H, 0);
      passive.onPeer({ state: 'active', sequence: 3 }, 3, 0);
      expect(passive.onPeer({ state: restarted, sequence: 1 }, 3, 10).to).toBe('active');
    }
  });

  it('journals: the newer map wins at start, and two passives settle the same way', () => {
    const primary = new BinaryStar('primary', H, 0);
    const backup = new BinaryStar('backup', H, 0);
    expect(primary.onPeer({ state: 'backup', sequence: 9 }, 4, 0).to).toBe('primary');
    expect(backup.onPeer({ state: 'primary', sequence: 4 }, 9, 0).to).toBe('active');
    expect(primary.onPeer({ state: 'active', sequence: 9 }, 4, 1).to).toBe('passive');
    // Heard again before the backup decided: the older map still does not take over.
    expect(primary.onPeer({ state: 'backup', sequence: 9 }, 4, 1).to).toBe('passive');
    // A passive server whose restarted peer journaled more than it saw published lets it serve.
    const passive = new BinaryStar('backup', H, 0);
    passive.onPeer({ state: 'active', sequence: 5 }, 5, 0);
    expect(passive.onPeer({ state: 'primary', sequence: 6 }, 5, 1).to).toBe('passive');
    const restarted = new BinaryStar('primary', H, 1);
    expect(restarted.onPeer({ state: 'passive', sequence: 5 }, 6, 2).to).toBe('active');
    const p = new BinaryStar('primary', H, 0);
    p.onPeer({ state: 'active', sequence: 1 }, 1, 0);
    expect(p.onPeer({ state: 'passive', sequence: 1 }, 1, 1)).toEqual({ from: 'passive', to: 'active', conflict: 'passive' });
    const b = new BinaryStar('backup', H, 0);
    b.onPeer({ state: 'active', sequence: 1 }, 1, 0);
    expect(b.onPeer({ state: 'passive', sequence: 1 }, 1, 1)).toEqual({ from: 'passive', to: 'passive', conflict: 'passive' });
  });

  it('two actives: the backup steps down', () => {
    const b = new BinaryStar('backup', H, 0);
    b.onPeer({ state: 'active', sequence: 1 }, 1, 0);
    b.onClientRequest(3 * H);
    expect(b.onPeer({ state: 'active', sequence: 1 }, 2, 3 * H + 1)).toEqual({ from: 'active', to: 'passive', conflict: 'active' });
  });

  it('checks its arguments', () => {
    expect(() => new BinaryStar('leader' as 'primary', H, 0)).toThrow(TypeError);
    expect(() => new BinaryStar('primary', 0, 0)).toThrow(/"heartbeat"/);
  });

  it('heartbeats round-trip and anything else is a coded error', () => {
    expect(parseHeartbeat(encodeHeartbeat({ state: 'passive', sequence: 2 ** 40 + 3 }))).toEqual({ state: 'passive', sequence: 2 ** 40 + 3 });
    const bytes = (s: string) => new TextEncoder().encode(s);
    expect((parseHeartbeat([bytes('active')]) as ChpError).code).toBe('ERR_CHP_FRAMES');
    expect((parseHeartbeat([bytes('leader'), new Uint8Array(8)]) as ChpError).code).toBe('ERR_CHP_FIELD');
    expect((parseHeartbeat([bytes('active'), new Uint8Array(7)]) as ChpError).code).toBe('ERR_CHP_SEQUENCE');
    expect((parseHeartbeat([bytes('active'), new Uint8Array(8).fill(0xff)]) as ChpError).code).toBe('ERR_CHP_SEQUENCE');
  });
});

/**
 * A pair on one clock: each live server sends its state every heartbeat and on every change;
 * heartbeats arrive within half a heartbeat (the Guide's premise: servers and clients share a
 * network, so a late heartbeat means a dead server). Clients ask either server at any time;
 * servers die and restart with their map sequence (their journal). Never two actives.
 */
type Command = { kind: 'wait'; ms: number } | { kind: 'request' | 'kill' | 'start'; node: 0 | 1 };

interface Node {
  star: BinaryStar | undefined;
  sequence: number;
  nextBeat: number;
}

function simulate(commands: Command[], lag: number): string | undefined {
  let now = 0;
  const nodes: Node[] = [0, 1].map((i) => ({ star: new BinaryStar(i === 0 ? 'primary' : 'backup', H, 0), sequence: 0, nextBeat: 0 }));
  let wire: { at: number; to: number; state: BinaryStarState; sequence: number }[] = [];
  const send = (from: number) => {
    const node = nodes[from]!;
    wire.push({ at: now + lag, to: 1 - from, state: node.star!.state, sequence: node.sequence });
  };
  const check = () => (nodes.every((n) => n.star?.state === 'active') ? `two actives at ${now}` : undefined);
  const stepped = (i: number, before: BinaryStarState) => {
    if (nodes[i]!.star!.state !== before) send(i);
  };
  const tick = () => {
    for (const [i, node] of nodes.entries()) {
      if (node.star !== undefined && node.nextBeat <= now) {
        send(i);
        node.nextBeat += H;
      }
    }
    const due = wire.filter((m) => m.at <= now);
    wire = wire.filter((m) => m.at > now);
    for (const m of due) {
      const node = nodes[m.to]!;
      if (node.star === undefined) continue; // lost: the receiver is dead
      const before = node.star.state;
      node.star.onPeer({ state: m.state, sequence: m.sequence }, node.sequence, now);
      // A passive server follows the active one's map.
      if (node.star.state === 'passive' && m.state === 'active') node.sequence = m.sequence;
      stepped(m.to, before);
    }
  };
  for (const command of commands) {
    if (command.kind === 'wait') {
      for (let i = 0; i < command.ms; i++) {
        now += 1;
        tick();
        const error = check();
        if (error !== undefined) return error;
      }
      continue;
    }
    const node = nodes[command.node]!;
    if (command.kind === 'kill') node.star = undefined;
    else if (command.kind === 'start' && node.star === undefined) {
      // What was sent to it while it was dead never arrives.
      wire = wire.filter((m) => m.to !== command.node);
      node.star = new BinaryStar(command.node === 0 ? 'primary' : 'backup', H, now);
      node.nextBeat = now;
    } else if (command.kind === 'request' && node.star !== undefined) {
      const before = node.star.state;
      if (node.star.onClientRequest(now).serve) node.sequence += 1;
      stepped(command.node, before);
    }
    const error = check();
    if (error !== undefined) return error;
  }
  return undefined;
}

describe('BinaryStar: a simulated pair', () => {
  const node = fc.constantFrom<0 | 1>(0, 1);
  const command: fc.Arbitrary<Command> = fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 1, max: 4 * H }).map((ms) => ({ kind: 'wait' as const, ms })) },
    { weight: 4, arbitrary: node.map((n) => ({ kind: 'request' as const, node: n })) },
    { weight: 2, arbitrary: node.map((n) => ({ kind: 'kill' as const, node: n })) },
    { weight: 3, arbitrary: node.map((n) => ({ kind: 'start' as const, node: n })) },
  );

  it('never has two active servers', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 60 }), fc.integer({ min: 0, max: H / 2 - 1 }), (commands, lag) => {
        expect(simulate(commands, lag)).toBeUndefined();
      }),
      { numRuns: 1000 },
    );
  });

  it('serves again after the active server dies and a client asks (no deadlock)', () => {
    // Start, let the pair settle, kill whichever is active, wait, ask the other.
    for (const lag of [0, H / 2 - 1]) {
      expect(simulate([{ kind: 'wait', ms: 3 * H }, { kind: 'request', node: 0 }], lag)).toBeUndefined();
      const star = new BinaryStar('backup', H, 0);
      star.onPeer({ state: 'active', sequence: 0 }, 0, H);
      expect(star.onClientRequest(3 * H + lag).serve).toBe(true);
    }
  });

  it('the simulation can see two actives (so the property above can fail)', () => {
    // The primary dies, the backup takes over, the primary restarts and a client asks it after
    // two heartbeats: safe when heartbeats arrive in time, two actives when they take 5.
    const commands: Command[] = [
      { kind: 'wait', ms: 12 * H },
      { kind: 'kill', node: 0 },
      { kind: 'wait', ms: 8 * H },
      { kind: 'request', node: 1 },
      { kind: 'start', node: 0 },
      { kind: 'wait', ms: 3 * H },
      { kind: 'request', node: 0 },
    ];
    expect(simulate(commands, H / 2 - 1)).toBeUndefined();
    expect(simulate(commands, 5 * H)).toMatch(/two actives/);
  });
});
