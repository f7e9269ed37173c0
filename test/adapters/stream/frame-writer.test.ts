/**
 * The stream's sending side: the messages of a tick leave as one chunk, sealed straight into
 * it, and writers of several channels share the batch pool without mixing their frames.
 */
import { Writable } from 'node:stream';
import type { Duplex } from 'node:stream';
import { runHandshake, tunedCodec, type Mechanism } from '../../../src';
import { FrameWriter } from '../../../src/adapters/stream/frame-writer';
import { Deframer } from '../../../src/adapters/stream/framing';
import { allowAll, mechanismCases } from '../../helpers/mechanisms';

/** A channel that keeps every chunk written to it, as the writer handed it over. */
function channel(): { raw: Duplex; chunks: Uint8Array[]; copies: Uint8Array[] } {
  const chunks: Uint8Array[] = [];
  const copies: Uint8Array[] = [];
  const raw = new Writable({
    writev(entries, callback) {
      for (const entry of entries) {
        chunks.push(entry.chunk as Uint8Array);
        copies.push(Uint8Array.from(entry.chunk as Uint8Array)); // what a socket gives the kernel
      }
      callback();
    },
  });
  return { raw: raw as unknown as Duplex, chunks, copies };
}

async function curvePair(): Promise<{ client: Mechanism; server: Mechanism }> {
  const m = mechanismCases().find((c) => c.name === 'CURVE')!;
  return runHandshake(m.client(), m.server(), { authorizer: allowAll });
}

function read(server: Mechanism, chunks: readonly Uint8Array[]): string[] {
  const deframer = new Deframer();
  const out: string[] = [];
  for (const chunk of chunks) {
    for (const frame of deframer.push(Uint8Array.from(chunk))) out.push(Buffer.from(server.decode(frame).data).toString());
  }
  return out;
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('FrameWriter', () => {
  test('the messages of one tick leave as one chunk, sealed in place in it', async () => {
    const { client, server } = await curvePair();
    const encode = jest.spyOn(tunedCodec(client)!, 'encode');
    const { raw, chunks } = channel();
    const writer = new FrameWriter(raw);
    for (const text of ['one', 'two', 'three']) writer.writeMessage(client, Buffer.from(text), 1 << 20);
    await tick();
    expect(chunks).toHaveLength(1);
    // Each blob the codec returned lies inside the chunk that went out: nothing was copied.
    for (const result of encode.mock.results) expect((result.value as Uint8Array).buffer).toBe(chunks[0]!.buffer);
    expect(read(server, chunks)).toEqual(['one', 'two', 'three']);
  });

  test('two channels writing in turn in one tick keep their own frames, in order', async () => {
    const a = await curvePair();
    const b = await curvePair();
    const ca = channel();
    const cb = channel();
    const wa = new FrameWriter(ca.raw);
    const wb = new FrameWriter(cb.raw);
    wa.writeMessage(a.client, Buffer.from('a1'), 1 << 20);
    wb.writeMessage(b.client, Buffer.from('b1'), 1 << 20);
    wa.write(a.client.encode(Buffer.from('a2')));
    wb.writeMessage(b.client, Buffer.from('b2'), 1 << 20);
    wa.writeMessage(a.client, Buffer.alloc(20_000, 0x61), 1 << 20);
    await tick();
    expect(read(a.server, ca.chunks)).toEqual(['a1', 'a2', 'a'.repeat(20_000)]);
    expect(read(b.server, cb.chunks)).toEqual(['b1', 'b2']);
  });

  test('a large part goes as one chunk with its header in front; a message over maxFrameSize is refused before writing', async () => {
    const { client, server } = await curvePair();
    const { raw, chunks } = channel();
    const writer = new FrameWriter(raw);
    writer.writeMessage(client, Buffer.alloc(70_000, 0x62), 1 << 20);
    expect(() => writer.writeMessage(client, Buffer.alloc(100), 64)).toThrow(expect.objectContaining({ code: 'ERR_FRAME_TOO_LARGE' }));
    await tick();
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.length).toBe(4 + 70_000 + 33);
    expect(read(server, chunks)).toEqual(['b'.repeat(70_000)]);
  });

  test('a batch over 64 KiB is handed over as it fills, not held to the end of the tick', async () => {
    const { client, server } = await curvePair();
    const { raw, chunks } = channel();
    const writer = new FrameWriter(raw);
    const sent = Array.from({ length: 100 }, (_, i) => `${i}`.padEnd(1000, '.'));
    for (const text of sent) writer.writeMessage(client, Buffer.from(text), 1 << 20);
    await tick();
    expect(chunks.length).toBeGreaterThan(1);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThanOrEqual(64 * 1024 + 16 * 1024 + 256);
    expect(read(server, chunks)).toEqual(sent);
  });

  test('over a socket, a large frame\'s buffer is reused once written, and each frame leaves whole', async () => {
    const { client, server } = await curvePair();
    const { raw, chunks, copies } = channel();
    const writer = new FrameWriter(raw, true);
    writer.writeMessage(client, Buffer.alloc(65_536, 0x63), 1 << 20);
    await tick();
    writer.writeMessage(client, Buffer.alloc(65_536, 0x64), 1 << 20);
    await tick();
    expect(chunks).toHaveLength(2);
    expect(chunks[1]!.buffer).toBe(chunks[0]!.buffer);
    expect(read(server, copies)).toEqual(['c'.repeat(65_536), 'd'.repeat(65_536)]);
  });

  test('over any other channel, a large frame\'s buffer is never reused: the reader may keep it', async () => {
    const { client } = await curvePair();
    const { raw, chunks } = channel();
    const writer = new FrameWriter(raw);
    writer.writeMessage(client, Buffer.alloc(65_536, 0x63), 1 << 20);
    await tick();
    writer.writeMessage(client, Buffer.alloc(65_536, 0x64), 1 << 20);
    await tick();
    expect(chunks[1]!.buffer).not.toBe(chunks[0]!.buffer);
  });
});
