/**
 * The cookie key ring: rotation by the injected clock, acceptance window, wiping of retired
 * keys, the bounded replay record, and fresh cookie nonces.
 */
import { CookieKeyRing } from '../../../mechanisms/curve/cookie';
import { secureRandom, seededRandom, StateError, toHex } from '../../../src';
import { catchMechanismError } from '../../helpers/expect-error';
import { manualClock } from './helpers';

const C = new Uint8Array(32).fill(1);
const S = new Uint8Array(32).fill(2);

function ring(clock = manualClock(), replayRecordSize = 100, random = seededRandom(3)) {
  return { clock, ring: new CookieKeyRing({ random, clock: clock.now, lifetimeMs: 1_000, replayRecordSize }) };
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
    const { ring: r, clock } = ring();
    const early = r.seal(C, S);
    clock.advance(999);
    const late = r.seal(C, S);
    expect(r.keysForTest()).toHaveLength(1);
    clock.advance(1);
    const next = r.seal(C, S);
    expect(r.keysForTest()).toHaveLength(2);
    expect(r.open(next).generation).toBe(2);
    clock.advance(999);
    expect(r.open(early).generation).toBe(1);
    expect(r.open(late).generation).toBe(1);
    clock.advance(1);
    expect(catchMechanismError(() => r.open(late)).code).toBe('ERR_DECRYPT');
    expect(r.open(next).generation).toBe(2);
  });

  test('retired keys are zero-filled', () => {
    const { ring: r, clock } = ring();
    r.seal(C, S);
    const [first] = r.keysForTest();
    expect(first!.some((b) => b !== 0)).toBe(true);
    clock.advance(2_000);
    expect(() => r.open(new Uint8Array(96))).toThrow();
    expect(first!.every((b) => b === 0)).toBe(true);
    expect(r.keysForTest()).toEqual([]);
  });

  test('close wipes both keys: older cookies no longer open, and nothing more is sealed', () => {
    const { ring: r, clock } = ring();
    const older = r.seal(C, S);
    clock.advance(1_000);
    const newer = r.seal(C, S);
    const keys = r.keysForTest();
    expect(keys).toHaveLength(2);
    r.close();
    expect(keys.every((key) => key.every((b) => b === 0))).toBe(true);
    expect(r.keysForTest()).toEqual([]);
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
    const { ring: r, clock } = ring(manualClock(), 3);
    const old = [r.seal(C, S), r.seal(C, S)];
    clock.advance(1_000);
    const fresh = [r.seal(C, S), r.seal(C, S)];
    for (const cookie of [...old, ...fresh]) r.claim(cookie, r.open(cookie).generation);
    for (const cookie of old) expect(catchMechanismError(() => r.open(cookie)).code).toBe('ERR_DECRYPT');
    expect(catchMechanismError(() => r.claim(fresh[0]!, 2)).code).toBe('ERR_REPLAY');
  });

  test('row 36: cookie nonces do not repeat over 10,000 cookies', () => {
    const { ring: r } = ring(manualClock(), 100, secureRandom);
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) seen.add(toHex(r.seal(C, S).subarray(0, 16)));
    expect(seen.size).toBe(10_000);
  });
});
