/**
 * The cookie key ring: rotation by the injected clock, acceptance window, wiping of retired
 * keys, the bounded replay record, and fresh cookie nonces.
 */
import { CookieKeyRing, type CookieKeyRotation } from '../../../mechanisms/curve/cookie';
import { secureRandom, seededRandom, StateError, toHex, type RandomSource } from '../../../src';
import { catchMechanismError } from '../../helpers/expect-error';
import { manualClock } from './helpers';
import { record, recordingRandom, survivingSecrets } from './secret-oracle';

const C = new Uint8Array(32).fill(1);
const S = new Uint8Array(32).fill(2);

/**
 * A ring whose cookie keys are known to the test only by value, through its random source (the
 * only 32-byte draws a ring makes are keys): `keys` are the values, `held()` those of them
 * still anywhere in the ring.
 */
function ring(clock = manualClock(), replayRecordSize = 100, random?: RandomSource) {
  const drawn = record();
  const rotations: CookieKeyRotation[] = [];
  const r = new CookieKeyRing({
    random: random ?? recordingRandom(drawn, 3),
    clock: clock.now,
    lifetimeMs: 1_000,
    replayRecordSize,
    onRotated: (rotation) => rotations.push(rotation),
  });
  return { clock, ring: r, keys: drawn.values, held: () => survivingSecrets(drawn.values, [r]), rotations };
}

describe('cookie key ring', () => {
  test('a cookie is 96 bytes and opens to C\' and s\' with its key generation', () => {
    const { ring: r } = ring();
    const cookie = r.seal(C, S);
    expect(cookie).toHaveLength(96);
    const contents = r.open(cookie);
    expect(contents.clientTransient).toEqual(C);
    expect(contents.serverTransientSecret).toEqual(S);
    expect(contents.generation).toBe(1);
  });

  test('the key stops sealing after one lifetime and stops opening after two', () => {
    const { ring: r, clock, keys, held } = ring();
    const early = r.seal(C, S);
    clock.advance(999);
    const late = r.seal(C, S);
    expect(keys).toHaveLength(1);
    clock.advance(1);
    const next = r.seal(C, S);
    expect(keys).toHaveLength(2);
    expect(held()).toHaveLength(2);
    expect(r.open(next).generation).toBe(2);
    clock.advance(999);
    expect(r.open(early).generation).toBe(1);
    expect(r.open(late).generation).toBe(1);
    clock.advance(1);
    expect(catchMechanismError(() => r.open(late)).code).toBe('ERR_DECRYPT');
    expect(r.open(next).generation).toBe(2);
  });

  test('retired keys are zero-filled: no copy of them is left in the ring', () => {
    const { ring: r, clock, keys, held } = ring();
    r.seal(C, S);
    expect(held()).toEqual([toHex(keys[0]!)]);
    clock.advance(2_000);
    expect(() => r.open(new Uint8Array(96))).toThrow();
    expect(held()).toEqual([]);
  });

  test('close wipes both keys: older cookies no longer open, and nothing more is sealed', () => {
    const { ring: r, clock, held } = ring();
    const older = r.seal(C, S);
    clock.advance(1_000);
    const newer = r.seal(C, S);
    expect(held()).toHaveLength(2);
    r.close();
    expect(held()).toEqual([]);
    for (const cookie of [older, newer]) expect(catchMechanismError(() => r.open(cookie)).code).toBe('ERR_DECRYPT');
    expect(() => r.seal(C, S)).toThrow(StateError);
  });

  test('a clock that goes backwards retires every key (fail closed)', () => {
    const { ring: r, clock } = ring();
    const cookie = r.seal(C, S);
    clock.advance(-1);
    expect(catchMechanismError(() => r.open(cookie)).code).toBe('ERR_DECRYPT');
  });

  test('a clock that returns something other than a number is a TypeError', () => {
    const r = new CookieKeyRing({ random: seededRandom(1), clock: () => Number.NaN, lifetimeMs: 1, replayRecordSize: 1 });
    expect(() => r.seal(C, S)).toThrow(/"clock"/);
  });

  test('a claimed cookie cannot be claimed again (ERR_REPLAY) while it opens', () => {
    const { ring: r } = ring();
    const cookie = r.seal(C, S);
    r.claim(cookie, r.open(cookie).generation);
    expect(catchMechanismError(() => r.claim(cookie, 1)).code).toBe('ERR_REPLAY');
  });

  test('when the record overflows, the oldest generation is retired so its cookies no longer open', () => {
    const { ring: r, clock, rotations } = ring(manualClock(), 4);
    const old = [r.seal(C, S), r.seal(C, S), r.seal(C, S)];
    clock.advance(1_000);
    const fresh = [r.seal(C, S), r.seal(C, S)];
    for (const cookie of [...old, ...fresh]) r.claim(cookie, r.open(cookie).generation);
    expect(rotations).toEqual([{ reason: 'overflow', generation: 1, recorded: 2 }]);
    for (const cookie of old) expect(catchMechanismError(() => r.open(cookie)).code).toBe('ERR_DECRYPT');
    expect(catchMechanismError(() => r.claim(fresh[0]!, 2)).code).toBe('ERR_REPLAY');
    expect(r.open(r.seal(C, S)).generation).toBe(2);
  });

  test('finding 6: the sealing key stops sealing once its cookies fill half the record, so an overflow never retires it', () => {
    // Handshakes in flight: each INITIATE comes after the next HELLO was answered, all within
    // one cookie-key lifetime. Before the fix the overflow retired the sealing key, and the
    // cookie in flight failed with ERR_DECRYPT.
    const { ring: r, rotations } = ring(manualClock(), 8);
    let inFlight = r.seal(C, S);
    for (let i = 0; i < 100; i++) {
      const next = r.seal(C, S);
      r.claim(inFlight, r.open(inFlight).generation);
      inFlight = next;
    }
    expect(r.open(inFlight).generation).toBeGreaterThan(1);
    expect(rotations[0]).toEqual({ reason: 'replay-record', generation: 1, recorded: 5 });
    expect(rotations.filter((rotation) => rotation.reason === 'replay-record').length).toBeGreaterThan(10);
    // An overflow retires only a key that had already stopped sealing.
    rotations.forEach((rotation, i) => {
      if (rotation.reason !== 'overflow') return;
      const stopped = rotations.slice(0, i).some((earlier) => earlier.reason === 'replay-record' && earlier.generation === rotation.generation);
      expect({ rotation, stopped }).toEqual({ rotation, stopped: true });
    });
  });

  test('finding 6: an observer that throws does not fail the claim that triggered the rotation', () => {
    const r = new CookieKeyRing({
      random: seededRandom(4),
      clock: manualClock().now,
      lifetimeMs: 1_000,
      replayRecordSize: 2,
      onRotated: () => {
        throw new Error('observer bug');
      },
    });
    const cookies = [r.seal(C, S), r.seal(C, S)];
    for (const cookie of cookies) expect(() => r.claim(cookie, r.open(cookie).generation)).not.toThrow();
  });

  test('row 36: cookie nonces do not repeat over 10,000 cookies', () => {
    const { ring: r } = ring(manualClock(), 100, secureRandom);
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) seen.add(toHex(r.seal(C, S).subarray(0, 16)));
    expect(seen.size).toBe(10_000);
  });
});
