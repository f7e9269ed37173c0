/**
 * `TunedPartFlags.into`: a mechanism that follows the hint seals the blob straight into the
 * caller's buffer at `headroom`, and writes nothing else there; `encodedInto` tells such a blob
 * from one made elsewhere. CURVE follows it; NULL and PLAIN ignore it.
 */
import { encodedInto, runHandshake, tunedCodec, type TunedCodec } from '../../src';
import { allowAll, mechanismCases } from '../helpers/mechanisms';

async function ready(name: string) {
  const m = mechanismCases().find((c) => c.name === name)!;
  const pair = await runHandshake(m.client(), m.server(), { authorizer: allowAll });
  return { client: tunedCodec(pair.client) as TunedCodec, server: tunedCodec(pair.server) as TunedCodec };
}

describe('encode into the caller\'s buffer', () => {
  test.each([0, 1, 100, 20_000])('CURVE: a %i-byte part is sealed in place, only its own bytes written, and decodes', async (size) => {
    const { client, server } = await ready('CURVE');
    const into = new Uint8Array(size + 33 + 20).fill(0xee);
    const data = new Uint8Array(size).fill(7);
    const blob = client.encode(data, { into, headroom: 13 });
    expect(encodedInto(blob, into, 13)).toBe(true);
    expect(blob.length).toBe(size + 33);
    expect(into.subarray(0, 13).every((b) => b === 0xee)).toBe(true);
    expect(into.subarray(13 + size + 33).every((b) => b === 0xee)).toBe(true);
    const copy = Uint8Array.from(blob);
    expect(server.decode(copy).data).toEqual(data);
  });

  test('CURVE: a part that does not fit is made elsewhere and leaves the buffer untouched', async () => {
    const { client, server } = await ready('CURVE');
    const into = new Uint8Array(64).fill(0xee);
    const blob = client.encode(new Uint8Array(40).fill(1), { into, headroom: 0 });
    expect(encodedInto(blob, into, 0)).toBe(false);
    expect(into.every((b) => b === 0xee)).toBe(true);
    expect(server.decode(blob).data).toEqual(new Uint8Array(40).fill(1));
  });

  test('the same wire bytes as a plain encode, nonce for nonce', async () => {
    const a = await ready('CURVE');
    const into = new Uint8Array(200);
    const viaInto = Uint8Array.from(a.client.encode(new Uint8Array(50).fill(3), { into, headroom: 4, more: true }));
    const plain = a.client.encode(new Uint8Array(50).fill(3), { more: true });
    // Consecutive nonces: the short nonce differs, the server accepts both in order.
    expect(viaInto.length).toBe(plain.length);
    expect(a.server.decode(viaInto)).toMatchObject({ more: true });
    expect(a.server.decode(plain)).toMatchObject({ more: true });
  });

  test.each(['NULL', 'PLAIN'])('%s ignores the hint, and encodedInto says so', async (name) => {
    const { client } = await ready(name);
    const into = new Uint8Array(100);
    expect(encodedInto(client.encode(new Uint8Array(10), { into, headroom: 4 }), into, 4)).toBe(false);
  });
});
