/**
 * `PartFlags.headroom`: a mechanism that follows the hint returns a blob at the end of a buffer
 * of its own, `headroom` bytes in, so a transport writes its header there instead of copying the
 * blob; `ownsHeadroom` tells such a blob from any other. CURVE follows it above 8 KiB.
 */
import { ownsHeadroom, runHandshake, tunedCodec, type TunedCodec } from '../../src';
import { encodeMessage, parseFrames, decodeNext } from '../../src/adapters/zeromq/message-codec';
import { allowAll, mechanismCases } from '../helpers/mechanisms';

async function ready(name: string) {
  const m = mechanismCases().find((c) => c.name === name)!;
  const pair = await runHandshake(m.client(), m.server(), { authorizer: allowAll });
  return { client: tunedCodec(pair.client) as TunedCodec, server: tunedCodec(pair.server) as TunedCodec };
}

describe('encode headroom', () => {
  test('CURVE: a large part gets its own buffer with the room in front, and still decodes', async () => {
    const { client, server } = await ready('CURVE');
    const data = new Uint8Array(10_000).fill(9);
    const blob = client.encode(data, { headroom: 17 });
    expect(ownsHeadroom(blob, 17)).toBe(true);
    expect(blob.byteOffset).toBe(17);
    expect(server.decode(blob).data).toEqual(data);
    const plain = client.encode(data);
    expect(plain.byteOffset).toBe(0);
    expect(ownsHeadroom(plain, 17)).toBe(false);
  });

  test('CURVE: a small part comes from the shared slab, which the hint does not change', async () => {
    const { client } = await ready('CURVE');
    const blob = client.encode(new Uint8Array(100), { headroom: 17 });
    expect(ownsHeadroom(blob, 17)).toBe(false);
  });

  test.each(['NULL', 'PLAIN'])('%s ignores the hint, and ownsHeadroom says so', async (name) => {
    const { client } = await ready(name);
    expect(ownsHeadroom(client.encode(new Uint8Array(10_000), { headroom: 17 }), 17)).toBe(false);
  });

  test('ownsHeadroom refuses views into shared buffers and zero room', () => {
    const shared = new Uint8Array(100);
    expect(ownsHeadroom(shared.subarray(17), 17)).toBe(true);
    expect(ownsHeadroom(shared.subarray(17, 99), 17)).toBe(false);
    expect(ownsHeadroom(shared.subarray(18), 17)).toBe(false);
    expect(ownsHeadroom(shared, 0)).toBe(false);
  });

  test('the ZeroMQ envelope of a large part is the mechanism\'s own buffer, header written in front', async () => {
    const { client, server } = await ready('CURVE');
    const sessionId = Buffer.alloc(16, 3);
    const parts = [new Uint8Array(20_000).fill(1), new Uint8Array(5).fill(2)];
    const frames = encodeMessage(client, sessionId, parts);
    expect(frames[0]!.byteOffset).toBe(0);
    expect(frames[0]!.buffer.byteLength).toBe(frames[0]!.length);
    const envelopes = parseFrames(frames)!;
    const next = decodeNext(server, envelopes.map((e) => e.blob), 0, 'fail');
    expect(next.message).toMatchObject({ kind: 'data' });
    expect((next.message as { parts: Buffer[] }).parts.map((p) => Buffer.from(p))).toEqual(parts.map((p) => Buffer.from(p)));
  });
});
