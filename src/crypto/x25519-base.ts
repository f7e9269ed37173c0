/**
 * A faster X25519 of the base point (key generation) on tweetnacl's field arithmetic.
 *
 * @module
 */

/** An element of GF(2^255 - 19) as tweetnacl holds it: 16 signed integer limbs of 16 bits. */
type Gf = Float64Array;

/** A point in extended twisted Edwards coordinates (X:Y:Z:T), x = X/Z, y = Y/Z, xy = T/Z. */
type Extended = [Gf, Gf, Gf, Gf];

/**
 * An affine point precomputed for addition ("Niels" form): y + x, y - x, 2d·x·y. Negating the
 * point swaps the first two and negates the third, which is how negative digits are served.
 */
interface Niels {
  readonly yPlusX: Gf;
  readonly yMinusX: Gf;
  readonly xy2d: Gf;
}

/**
 * The parts of tweetnacl's `nacl.lowlevel` used here. `A` and `Z` add and subtract limb by limb
 * without carrying; `M` and `S` multiply and square, carry, and reduce; `pack25519` writes the
 * canonical 32 bytes and `unpack25519` reads them back; `D` is the Edwards constant d;
 * `scalarbase` and `add` are tweetnacl's Ed25519 base-point multiplication and unified point
 * addition, used only to build the table.
 */
export interface Field25519 {
  gf(init?: ArrayLike<number>): Gf;
  A(out: Gf, a: Gf, b: Gf): void;
  Z(out: Gf, a: Gf, b: Gf): void;
  M(out: Gf, a: Gf, b: Gf): void;
  S(out: Gf, a: Gf): void;
  pack25519(out: Uint8Array, a: Gf): void;
  unpack25519(out: Gf, bytes: Uint8Array): void;
  readonly D: Gf;
  scalarbase(p: Gf[], scalar: Uint8Array): void;
  add(p: Gf[], q: Gf[]): void;
}

const LIMBS = 16;
/** Rows of the table: one for each 256^i·B, i = 0..31. */
const ROWS = 32;
/** Multiples per row: 1..8 (a signed radix-16 digit is in -8..8). */
const MULTIPLES = 8;
/** Limbs per table entry: three field elements. */
const ENTRY = 3 * LIMBS;

/**
 * Builds X25519(secretKey, 9), the public key of a secret key, as a fixed-base comb on the
 * birationally equivalent Edwards curve (ref10's method) instead of tweetnacl's Montgomery
 * ladder. The clamped scalar k (bits 0-2 and 255 cleared, bit 254 set, as X25519 does) is
 * recoded into 64 signed radix-16 digits e_i in -8..8, so that k·B is the sum of e_i·16^i·B.
 * A table of (1..8)·256^j·B for j = 0..31, built once on first use, turns that into 64 mixed
 * additions (the odd digits, four doublings, then the even digits), and the Montgomery u of the
 * result is (Z + Y)/(Z - Y), so one inversion. The output equals tweetnacl's X25519 of the base
 * point bit for bit (checked on every vector and on random and edge-case keys in the tests).
 *
 * Why: key generation is one of the four X25519 operations each side of a CURVE handshake does.
 * The ladder costs about 2,800 field multiplications; this about 800, and ran about 3 times as
 * fast in interleaved runs on Node 20 (docs/performance.md has the figures).
 *
 * Constant time, as far as JavaScript allows: no branch and no memory address depends on the
 * secret. Every table lookup reads all eight entries of its row and blends each in with a
 * weight of 0 or 1 computed by integer arithmetic (o += w·(entry - o)); negating the selected
 * point is the same kind of blend; the inversion is a fixed chain. The garbage-collected,
 * JIT-compiled runtime gives no stronger guarantee (tweetnacl's ladder has the same limits).
 * The recoded digits, the selected entries and the partial sums are zero-filled before
 * returning (tweetnacl's ladder leaves its own for the collector).
 *
 * @param field - tweetnacl's `nacl.lowlevel` (only `./tweetnacl.ts` imports tweetnacl)
 * @returns the base-point multiplication: 32-byte secret key in, 32-byte public key out
 */
export function fixedBaseScalarMult(field: Field25519): (secretKey: Uint8Array) => Uint8Array {
  const { gf, A, Z, M, S } = field;
  const zero = gf();
  let table: Uint16Array | undefined;

  /** o = a^(2^n)·b (b must not be o). */
  function squareTimes(o: Gf, a: Gf, n: number, b: Gf): void {
    S(o, a);
    for (let i = 1; i < n; i++) S(o, o);
    M(o, o, b);
  }

  /**
   * 1/z = z^(p - 2), p - 2 = 2^255 - 21, by the usual chain through z^(2^k - 1): 254 squarings
   * and 11 multiplications, where tweetnacl's inv25519 does 254 and 252.
   */
  function invert(out: Gf, z: Gf): void {
    const z2 = gf();
    const z11 = gf();
    const t = gf();
    const u = gf();
    S(z2, z);
    squareTimes(t, z2, 2, z); // z^9
    M(z11, t, z2); // z^11
    S(u, z11);
    M(u, u, t); // z^31 = z^(2^5 - 1)
    squareTimes(t, u, 5, u); // z^(2^10 - 1)
    const e10 = gf(t);
    squareTimes(u, t, 10, t); // z^(2^20 - 1)
    squareTimes(u, u, 20, gf(u)); // z^(2^40 - 1)
    squareTimes(u, u, 10, e10); // z^(2^50 - 1)
    const e50 = gf(u);
    squareTimes(u, u, 50, e50); // z^(2^100 - 1)
    squareTimes(u, u, 100, gf(u)); // z^(2^200 - 1)
    squareTimes(u, u, 50, e50); // z^(2^250 - 1)
    squareTimes(out, u, 5, z11); // z^(2^255 - 32 + 11)
  }

  /** 1/z for many z with one inversion (Montgomery's trick), so the table costs little. */
  function invertAll(zs: Gf[]): Gf[] {
    const prefix = zs.map(() => gf());
    prefix[0]!.set(zs[0]!);
    for (let i = 1; i < zs.length; i++) M(prefix[i]!, prefix[i - 1]!, zs[i]!);
    const inverse = gf();
    invert(inverse, prefix[zs.length - 1]!);
    const out = zs.map(() => gf());
    for (let i = zs.length - 1; i > 0; i--) {
      M(out[i]!, inverse, prefix[i - 1]!);
      M(inverse, inverse, zs[i]!);
    }
    out[0]!.set(inverse);
    return out;
  }

  /**
   * (k + 1)·256^j·B for every row j and k < 8, in Niels form, one flat array. Each element is
   * stored reduced, as 16 limbs in 0..65535, so the table takes 24 KiB.
   */
  function buildTable(): Uint16Array {
    const one = new Uint8Array(32);
    one[0] = 1;
    const rowBase: Gf[] = [gf(), gf(), gf(), gf()];
    field.scalarbase(rowBase, one);
    const points: Gf[][] = [];
    for (let row = 0; row < ROWS; row++) {
      const multiple = rowBase.map((c) => gf(c));
      for (let k = 0; k < MULTIPLES; k++) {
        points.push(multiple.map((c) => gf(c)));
        field.add(multiple, rowBase);
      }
      // The next row's base, 256 times this one: tweetnacl's addition is unified, so it doubles.
      for (let i = 0; i < 8; i++) field.add(rowBase, rowBase);
    }
    const zInverses = invertAll(points.map((p) => p[2]!));
    const d2 = gf();
    A(d2, field.D, field.D);
    const flat = new Uint16Array(points.length * ENTRY);
    const bytes = new Uint8Array(32);
    const reduced = gf();
    const store = (a: Gf, offset: number) => {
      field.pack25519(bytes, a);
      field.unpack25519(reduced, bytes);
      flat.set(reduced, offset);
    };
    const x = gf();
    const y = gf();
    const t = gf();
    points.forEach((p, i) => {
      M(x, p[0]!, zInverses[i]!);
      M(y, p[1]!, zInverses[i]!);
      A(t, y, x);
      store(t, i * ENTRY);
      Z(t, y, x);
      store(t, i * ENTRY + LIMBS);
      M(t, x, y);
      M(t, t, d2);
      store(t, i * ENTRY + 2 * LIMBS);
    });
    return flat;
  }

  /** The clamped scalar as 64 digits in -8..8, least significant first (the last is 0..8). */
  function signedDigits(secretKey: Uint8Array): Int8Array {
    const digits = new Int8Array(64);
    for (let i = 0; i < 32; i++) {
      let byte = secretKey[i]!;
      if (i === 0) byte &= 248;
      if (i === 31) byte = (byte & 127) | 64;
      digits[2 * i] = byte & 15;
      digits[2 * i + 1] = byte >> 4;
    }
    // Carry upwards so that every digit is in -8..7; the top one then stays at most 8, because
    // the clamped scalar's top nibble is at most 7.
    let carry = 0;
    for (let i = 0; i < 63; i++) {
      const digit = digits[i]! + carry;
      carry = (digit + 8) >> 4;
      digits[i] = digit - (carry << 4);
    }
    digits[63] = digits[63]! + carry;
    return digits;
  }

  /**
   * digit·256^row·B into q (y + x, y - x, 2d·x·y side by side), reading every entry of the row
   * whatever the digit: each is blended in with a weight of 1 or 0, computed without a branch.
   */
  function select(tab: Uint16Array, q: Float64Array, row: number, digit: number): void {
    const negative = (digit >> 31) & 1;
    const magnitude = digit - ((-negative & digit) << 1);
    q.fill(0);
    q[0] = 1;
    q[LIMBS] = 1;
    for (let k = 0; k < MULTIPLES; k++) {
      // 1 when magnitude === k + 1 (both small and non-negative), else 0.
      const hit = ((magnitude ^ (k + 1)) - 1) >>> 31;
      const offset = (row * MULTIPLES + k) * ENTRY;
      for (let i = 0; i < ENTRY; i++) q[i] = q[i]! + hit * (tab[offset + i]! - q[i]!);
    }
    // -P: swap y + x and y - x, negate 2d·x·y.
    const sign = 1 - 2 * negative;
    for (let i = 0; i < LIMBS; i++) {
      const d = negative * (q[LIMBS + i]! - q[i]!);
      q[i] = q[i]! + d;
      q[LIMBS + i] = q[LIMBS + i]! - d;
      q[2 * LIMBS + i] = sign * q[2 * LIMBS + i]!;
    }
  }

  /** p += q, q affine in Niels form: 8 multiplications (a = -1 twisted Edwards, complete). */
  function addNiels(p: Extended, q: Niels, s: Extended): void {
    const [a, b, c, d] = s;
    Z(a, p[1], p[0]);
    M(a, a, q.yMinusX);
    A(b, p[1], p[0]);
    M(b, b, q.yPlusX);
    M(c, p[3], q.xy2d);
    A(d, p[2], p[2]);
    const [x, y, z, t] = p;
    // E = b - a, F = d - c, G = d + c, H = b + a; X = EF, Y = GH, Z = FG, T = EH.
    Z(t, b, a);
    A(b, b, a);
    Z(x, d, c);
    A(y, d, c);
    M(z, x, y);
    M(x, x, t);
    M(t, t, b);
    M(y, y, b);
  }

  /** p = 2p: 4 squarings and 4 multiplications. */
  function double(p: Extended, s: Extended): void {
    const [a, b, c, e] = s;
    const [x, y, z, t] = p;
    S(a, x);
    S(b, y);
    S(c, z);
    A(c, c, c);
    A(e, x, y);
    S(e, e);
    Z(e, e, a);
    Z(e, e, b); // E = (X + Y)^2 - A - B
    // G = B - A (into y), H = -A - B (into t), F = G - C (into z).
    Z(t, zero, a);
    Z(t, t, b);
    Z(y, b, a);
    Z(z, y, c);
    M(x, e, z);
    M(z, z, y);
    M(y, y, t);
    M(t, e, t);
  }

  return function scalarMultBase(secretKey: Uint8Array): Uint8Array {
    if (secretKey.length !== 32) throw new RangeError('"secretKey" expected 32 bytes');
    table ??= buildTable();
    const digits = signedDigits(secretKey);
    const p: Extended = [gf(), gf([1]), gf([1]), gf()];
    const scratch: Extended = [gf(), gf(), gf(), gf()];
    const entry = new Float64Array(ENTRY);
    const q: Niels = {
      yPlusX: entry.subarray(0, LIMBS),
      yMinusX: entry.subarray(LIMBS, 2 * LIMBS),
      xy2d: entry.subarray(2 * LIMBS),
    };
    // Odd digits carry 16·256^j, so they are summed first and the sum multiplied by 16.
    for (let i = 1; i < 64; i += 2) {
      select(table, entry, i >> 1, digits[i]!);
      addNiels(p, q, scratch);
    }
    for (let i = 0; i < 4; i++) double(p, scratch);
    for (let i = 0; i < 64; i += 2) {
      select(table, entry, i >> 1, digits[i]!);
      addNiels(p, q, scratch);
    }
    // u = (1 + y)/(1 - y) = (Z + Y)/(Z - Y).
    const [numerator, denominator] = scratch;
    A(numerator, p[2], p[1]);
    Z(denominator, p[2], p[1]);
    invert(denominator, denominator);
    M(numerator, numerator, denominator);
    const out = new Uint8Array(32);
    field.pack25519(out, numerator);
    // The digits are the secret recoded, and the selected entries and partial sums follow them.
    digits.fill(0);
    entry.fill(0);
    for (const element of [...p, ...scratch]) element.fill(0);
    return out;
  }
}
