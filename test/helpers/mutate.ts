import fc from 'fast-check';

/** An arbitrary mutation of `blob`: bit flip, truncation, extension, byte overwrite, or a random blob. */
export function mutatedBlob(blob: Uint8Array): fc.Arbitrary<Uint8Array> {
  const len = Math.max(blob.length, 1);
  return fc.oneof(
    fc.tuple(fc.nat(len * 8 - 1)).map(([bit]) => flip(blob, bit)),
    fc.nat(blob.length).map((n) => blob.slice(0, n)),
    fc.uint8Array({ minLength: 1, maxLength: 64 }).map((tail) => concat(blob, tail)),
    fc.tuple(fc.nat(len - 1), fc.integer({ min: 0, max: 255 })).map(([i, v]) => overwrite(blob, i, v)),
    fc.uint8Array({ maxLength: 300 }),
  );
}

function flip(blob: Uint8Array, bit: number): Uint8Array {
  const out = blob.length === 0 ? new Uint8Array(1) : new Uint8Array(blob);
  out[bit >> 3] = out[bit >> 3]! ^ (1 << (bit & 7));
  return out;
}

function overwrite(blob: Uint8Array, index: number, value: number): Uint8Array {
  const out = blob.length === 0 ? new Uint8Array(1) : new Uint8Array(blob);
  out[index] = value;
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
