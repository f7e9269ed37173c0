/**
 * The fuzzer's short run inside `npm test` (checklist rows 7, 20, 25, 27, 29, 30, 50 at fuzz
 * level), and proof that its invariant checks can fail.
 */
import { feedSequence, type Expectation } from '../../fuzz/invariants';
import { runFuzz, replayExecution } from '../../fuzz/engine';
import { MechanismError, StateError, type Mechanism, type Step } from '../../src';

const SECONDS = Number(process.env['FUZZ_SECONDS'] ?? 20);
const SEED = Number(process.env['FUZZ_SEED'] ?? 20_261_125) >>> 0;

describe('fuzz short run', () => {
  test(`rows 7/20/25/27/29/30/50: ${SECONDS} s of mutated commands, parts, frames and codec inputs break no invariant (seed ${SEED})`, () => {
    const report = runFuzz({ seed: SEED, seconds: SECONDS });
    console.log(
      `fuzz short run: ${report.executions} executions in ${report.seconds.toFixed(1)} s ` +
        `(${Math.round(report.perSecond)}/s), seed ${SEED}, slowest ${report.slowestMs.toFixed(1)} ms`,
    );
    expect(report.violations).toEqual([]);
    expect(report.executions).toBeGreaterThan(1_000);
    for (const [name, stat] of Object.entries(report.targets)) {
      expect([name, stat.executions > 0]).toEqual([name, true]);
    }
    expect(Object.keys(report.targets)).toEqual(expect.arrayContaining(['handshake:CURVE', 'decode:CURVE', 'deframer']));
  }, (SECONDS + 60) * 1000);

  test('a run is a function of its seed: the same seed draws the same targets', () => {
    const counts = (seed: number) =>
      Object.fromEntries(Object.entries(runFuzz({ seed, seconds: 60, maxExecutions: 400 }).targets).map(([n, s]) => [n, s.executions]));
    expect(counts(SEED)).toEqual(counts(SEED));
    expect(counts(SEED)).not.toEqual(counts(SEED + 1));
    expect(replayExecution(SEED, 0, 123)).toEqual([]);
  });
});

/** A mechanism that accepts everything: what a broken implementation would look like. */
function gullible(status: 'handshaking' | 'ready'): Mechanism {
  const step: Step = { send: [], status };
  return {
    name: 'GULLIBLE',
    role: 'client',
    status,
    peer: undefined,
    error: undefined,
    start: () => step,
    receive: () => step,
    authorize: () => step,
    encode: (data) => data,
    decode: (blob) => ({ data: blob, more: false, command: false }),
    destroy: () => undefined,
  };
}

describe('fuzz invariants can fail', () => {
  const recorded = Uint8Array.of(5, 72, 69, 76, 76, 79);
  const mutant = Uint8Array.of(5, 72, 69, 76, 76, 80);
  const expectation: Expectation = { next: [recorded], handshakeLeft: 1, authenticated: true, alternatives: [] };

  test('an accepted mutant of an authenticated command is a violation', () => {
    const kinds: string[] = [];
    feedSequence(gullible('handshaking'), [mutant], expectation, (kind) => kinds.push(kind));
    expect(kinds).toEqual(['accepted-mutant']);
  });

  test('an accepted mutant of a message part is a violation', () => {
    const kinds: string[] = [];
    feedSequence(gullible('ready'), [mutant], { ...expectation, handshakeLeft: 0 }, (kind) => kinds.push(kind));
    expect(kinds).toEqual(['accepted-mutant']);
  });

  test('an unauthenticated profile may accept a mutant', () => {
    const kinds: string[] = [];
    feedSequence(gullible('handshaking'), [mutant], { ...expectation, authenticated: false }, (kind) => kinds.push(kind));
    expect(kinds).toEqual([]);
  });

  test('an exception out of receive() and a failure that is not terminal are violations', () => {
    const throwing: Mechanism = {
      ...gullible('handshaking'),
      receive: () => {
        throw new Error('boom');
      },
    };
    const kinds: string[] = [];
    feedSequence(throwing, [mutant], expectation, (kind) => kinds.push(kind));
    expect(kinds).toEqual(['receive-threw']);

    let status: 'handshaking' | 'failed' = 'handshaking';
    const untyped: Mechanism = {
      ...gullible('handshaking'),
      get status() {
        return status;
      },
      receive: () => {
        status = 'failed';
        return { send: [], status: 'failed', error: new MechanismError('ERR_DECRYPT', 'x') };
      },
    };
    const kinds2: string[] = [];
    feedSequence(untyped, [mutant], expectation, (kind) => kinds2.push(kind));
    // It failed with a typed error, but a second receive() must throw StateError; it did not.
    expect(kinds2).toEqual(['not-terminal']);
    expect(new StateError('x').code).toBe('ERR_MECHANISM_STATE');
  });

  test('a server that answers with more bytes than it got is a violation (anti-amplification)', () => {
    const loud: Mechanism = {
      ...gullible('handshaking'),
      role: 'server',
      receive: () => ({ send: [new Uint8Array(recorded.length + 1)], status: 'handshaking' }),
    };
    const kinds: string[] = [];
    feedSequence(loud, [recorded], expectation, (kind) => kinds.push(kind));
    expect(kinds).toEqual(['amplification']);
  });
});
