/**
 * The chunk path without extra copies: a chunk read behind room for its header is wrapped where
 * it lies, a SEALED frame is written around the blob the mechanism made, and a received frame
 * is opened in place. Each test checks where the bytes went, not only that they arrive.
 */
import { CURVE } from '../../mechanisms';
import { curveKeyPair } from '../../src';
import { PARTIAL_DIR, TreeSource } from '../../src/adapters/zeromq/filemq';
import { ServerSession } from '../../src/filemq';
import { decodeCommand, encodeChunkHeader, encodeCommand, type Cheezburger } from '../../src/filemq/commands';
import { sealFrame, unseal } from '../../src/filemq/seal';
import type { Mechanism } from '../../src/mechanism';
import { runHandshake } from '../../src/pair';
import { patternBytes, removeDir, tempDir, writeTree } from './tree';

async function curvePair(): Promise<{ client: Mechanism; server: Mechanism }> {
  const server = curveKeyPair();
  const client = curveKeyPair();
  const pair = await runHandshake(
    CURVE.client({ secretKey: client.secretKey, serverKey: server.publicKey }),
    CURVE.server({ secretKey: server.secretKey })(),
    { authorizer: () => true },
  );
  expect([pair.client.status, pair.server.status]).toEqual(['ready', 'ready']);
  return pair;
}

const CHUNK: Omit<Cheezburger, 'data'> = { name: 'CHEEZBURGER', sequence: 3, path: 'd/f.bin', offset: 4096, eof: false, size: 1 << 20, sha256: new Uint8Array(32).fill(7) };

test('a chunk header is the CHEEZBURGER frame up to its data', () => {
  const data = patternBytes(70_000, 1);
  const header = encodeChunkHeader(CHUNK, data.length);
  const whole = encodeCommand({ ...CHUNK, data });
  expect(Buffer.from(whole.subarray(0, header.length))).toEqual(Buffer.from(header));
  expect(Buffer.from(whole.subarray(header.length))).toEqual(data);
});

test('a large inner command is sealed into the blob the mechanism made, its SEALED header in front', async () => {
  const { client, server } = await curvePair();
  const plain = encodeCommand({ ...CHUNK, data: patternBytes(100_000, 2) });
  const encode = jest.spyOn(server, 'encode');
  const frame = sealFrame(server, plain);
  // The frame is the buffer the mechanism sealed into, whole: nothing was copied after sealing.
  const blob = encode.mock.results[0]!.value as Uint8Array;
  expect(frame.buffer).toBe(blob.buffer);
  expect([frame.byteOffset, frame.length]).toEqual([0, blob.buffer.byteLength]);
  const sealed = decodeCommand(frame);
  expect(sealed.name).toBe('SEALED');
  const opened = unseal(client, (sealed as { blob: Uint8Array }).blob);
  expect(Buffer.from(encodeCommand(opened))).toEqual(Buffer.from(plain));
});

test('an owned frame is opened in place: the chunk is a view into the frame', async () => {
  const { client, server } = await curvePair();
  const data = patternBytes(50_000, 3);
  const frame = sealFrame(server, encodeCommand({ ...CHUNK, data }));
  const blob = (decodeCommand(frame) as { blob: Uint8Array }).blob;
  const chunk = unseal(client, blob, true) as Cheezburger;
  expect(chunk.data.buffer).toBe(frame.buffer);
  expect(Buffer.from(chunk.data)).toEqual(data);
  // Not owned (the default), the frame is left as it was and the chunk is a copy.
  const again = sealFrame(server, encodeCommand({ ...CHUNK, data }));
  const before = Buffer.from(again);
  const copy = unseal(client, (decodeCommand(again) as { blob: Uint8Array }).blob) as Cheezburger;
  expect(copy.data.buffer).not.toBe(again.buffer);
  expect(Buffer.from(again)).toEqual(before);
});

describe('reads behind header room', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir('chunk-path');
  });
  afterEach(() => removeDir(dir));

  test('the source reads behind the room asked for, and each piece of a file in turn (read ahead) is right', async () => {
    const bytes = patternBytes(300_000, 4);
    await writeTree(dir, { 'f.bin': bytes, [`${PARTIAL_DIR}/x.part`]: 'partial' });
    const source = new TreeSource(dir);
    await source.manifest('');
    for (let offset = 0; offset < bytes.length; offset += 65_536) {
      const length = Math.min(65_536, bytes.length - offset);
      const data = await source.read({ path: 'f.bin', offset, length, headroom: 90 });
      expect([data.byteOffset, data.buffer.byteLength]).toEqual([90, 90 + length]);
      expect(Buffer.from(data)).toEqual(bytes.subarray(offset, offset + length));
    }
    // A piece of another size than the one read ahead is read as asked.
    expect(Buffer.from(await source.read({ path: 'f.bin', offset: 10, length: 7 }))).toEqual(bytes.subarray(10, 17));
  });

  test('the session writes the chunk header into that room: the data is not copied into the command', async () => {
    const { client, server } = await curvePair();
    const bytes = patternBytes(200_000, 5);
    await writeTree(dir, { 'f.bin': bytes });
    const source = new TreeSource(dir);
    const [entry] = await source.manifest('');
    const session = new ServerSession({
      mechanisms: [{ name: 'CURVE', create: () => server }],
      authorizer: () => true,
      onDecision: () => undefined,
      chunkSize: 128 * 1024,
    });
    readyForChunks(session, server);
    session.offer([{ path: entry!.path, size: entry!.size, sha256: entry!.sha256, offset: 0 }], 1);
    const read = session.nextRead()!;
    const data = await source.read(read);
    const frame = session.chunk(data);
    const header = encodeChunkHeader({ ...CHUNK, sequence: 0, path: 'f.bin', offset: 0, eof: false, size: bytes.length, sha256: entry!.sha256 }, read.length);
    expect(read.headroom).toBe(header.length);
    expect(Buffer.from(new Uint8Array(data.buffer, 0, header.length))).toEqual(Buffer.from(header));
    const chunk = unseal(client, (decodeCommand(frame) as { blob: Uint8Array }).blob) as Cheezburger;
    expect([chunk.offset, chunk.eof, Buffer.from(chunk.data).equals(bytes.subarray(0, read.length))]).toEqual([0, false, true]);
  });
});

/**
 * Puts a session straight into "planning" with `mechanism` (already ready): what the OHAI,
 * handshake and ICANHAZ steps would do, which other suites cover.
 */
function readyForChunks(session: ServerSession, mechanism: Mechanism): void {
  const inner = session as unknown as { state: string; mechanism: Mechanism; ledger: { grant(n: number): void } };
  inner.state = 'planning';
  inner.mechanism = mechanism;
  inner.ledger.grant(1 << 20);
}
