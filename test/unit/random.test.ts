import { drawRandom, scriptedRandom, secureRandom, seededRandom } from '../../src';
import { randomPoolForTest } from '../../src/random';

describe('random sources', () => {
  test('row 36: a source that throws, returns short or returns non-bytes fails closed', () => {
    for (const source of [() => { throw new Error('no entropy'); }, () => new Uint8Array(3), () => 'x' as never]) {
      expect(() => drawRandom(source, 16)).toThrow(expect.objectContaining({ code: 'ERR_RANDOM_FAILED' }));
    }
  });

  test('drawRandom copies, so the source cannot alias what it returned', () => {
    const shared = new Uint8Array(4).fill(7);
    const drawn = drawRandom(() => shared, 4);
    shared.fill(0);
    expect(drawn).toEqual(new Uint8Array(4).fill(7));
  });

  test('scriptedRandom replays chunks in order and notices a changed draw order', () => {
    const random = scriptedRandom([new Uint8Array([1, 2]), new Uint8Array([3])]);
    expect(random(2)).toEqual(new Uint8Array([1, 2]));
    expect(() => random(2)).toThrow(/asked 2 bytes/);
    expect(() => random(1)).toThrow(/no chunk left/);
  });

  test('seededRandom is reproducible; secureRandom fills large requests', () => {
    expect(seededRandom(1)(40)).toEqual(seededRandom(1)(40));
    expect(seededRandom(1)(40)).not.toEqual(seededRandom(2)(40));
    const big = secureRandom(200_000);
    expect(big.length).toBe(200_000);
    expect(big.subarray(150_000).some((b) => b !== 0)).toBe(true);
  });

  test('secureRandom serves small draws from a pool, each fresh, distinct across refills, and wiped from the pool as drawn', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 600; i++) {
      const draw = secureRandom(i % 2 === 0 ? 32 : 16);
      const again = secureRandom(32);
      expect(draw.buffer).not.toBe(again.buffer);
      seen.add(Buffer.from(draw).toString('hex'));
      const { pool, drawn } = randomPoolForTest();
      expect(pool!.subarray(0, drawn).every((b) => b === 0)).toBe(true);
      if (drawn < pool!.length) expect(pool!.subarray(drawn).some((b) => b !== 0)).toBe(true);
    }
    expect(seen.size).toBe(600); // 600 draws over more than 4 refills of 4 KiB, none repeated
  });

  test('drawRandom(secureRandom) returns the bytes in an array of its own, not a view of the pool, and the pool is wiped behind them', () => {
    const out = drawRandom(secureRandom, 32);
    expect(out.byteOffset).toBe(0);
    expect(out.buffer.byteLength).toBe(32); // no larger buffer (such as the pool) behind the array
    expect(out.some((b) => b !== 0)).toBe(true);
    const { pool, drawn } = randomPoolForTest();
    expect(out.buffer).not.toBe(pool!.buffer);
    expect(pool!.subarray(drawn - 32, drawn).every((b) => b === 0)).toBe(true);
  });
});
