import fc from 'fast-check';
import { defaultRegistry } from '../../../mechanisms';
import { concatBytes, runHandshake } from '../../../src';
import { encodeFrame, SecureStream, type StreamMessage } from '../../../src/adapters/stream';
import { allowAdmin, CLIENT_OPTIONS, dispose, messages, MECHANISMS, securePair, SERVER_OPTIONS } from './helpers';
import { memoryPair } from './memory-pair';
import { oneByteChunks, relay } from './relay';

/** A message as plain numbers, to compare what was written with what was read. */
type Shape = number[][];

const messageArbitrary = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((bytes) => [bytes]),
  fc.array(fc.uint8Array({ maxLength: 50 }), { minLength: 2, maxLength: 4 }),
);

function shapeOf(message: StreamMessage): Shape {
  return (Array.isArray(message) ? message : [message]).map((part) => [...part]);
}

/** What a client writes on the wire: its handshake blobs, then each message's parts, framed. */
async function clientWire(mechanism: string, written: Uint8Array[][]): Promise<Uint8Array> {
  const client = defaultRegistry.client(mechanism, CLIENT_OPTIONS[mechanism]);
  const pair = await runHandshake(client, defaultRegistry.server(mechanism, SERVER_OPTIONS[mechanism]!)(), {
    authorizer: allowAdmin,
  });
  const blobs = pair.transcript.filter((entry) => entry.from === 'client').map((entry) => entry.blob);
  for (const parts of written) {
    parts.forEach((part, i) => blobs.push(client.encode(part, { more: i < parts.length - 1 })));
  }
  return concatBytes(...blobs.map(encodeFrame));
}

/** Splits `bytes` at the cut points given (taken modulo the length). */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1))), bytes.length].sort((a, b) => a - b);
  let start = 0;
  return points.map((point) => bytes.subarray(start, (start = point)));
}

/** Feeds `chunks` to a fresh server and returns the messages it reads. */
async function serverReads(mechanism: string, chunks: Uint8Array[], count: number): Promise<Shape[]> {
  const [raw, feeder] = memoryPair();
  feeder.resume();
  const server = new SecureStream(raw, {
    session: defaultRegistry.server(mechanism, SERVER_OPTIONS[mechanism]!)(),
    authorizer: allowAdmin,
  });
  const reading = count === 0 ? server.handshake.then(() => []) : messages(server, count);
  for (const chunk of chunks) feeder.write(chunk);
  const received = await reading;
  dispose(server, feeder);
  return received.map(shapeOf);
}

describe.each(['NULL', 'PLAIN'])('chunking (%s, replayed client bytes)', (mechanism) => {
  test('one chunk, 1-byte chunks and random splits give the same messages', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(messageArbitrary, { maxLength: 5 }), fc.array(fc.nat(), { maxLength: 12 }), async (written, cuts) => {
        const wire = await clientWire(mechanism, written);
        const expected = written.map((parts) => parts.map((part) => [...part]));
        const oneByte = Array.from(wire, (byte) => new Uint8Array([byte]));
        for (const chunks of [[wire], oneByte, split(wire, cuts)]) {
          expect(await serverReads(mechanism, chunks, written.length)).toEqual(expected);
        }
      }),
      { numRuns: 25 },
    );
  });
});

describe.each(MECHANISMS)('chunking (%s, live through a re-chunking relay)', (mechanism) => {
  test('1-byte chunks both ways give the same messages as a direct pair', async () => {
    const written = [[Buffer.from('one')], [Buffer.from('multi'), Buffer.alloc(0), Buffer.from([0, 255])], [Buffer.alloc(3000, 7)]];
    const run = async (raw?: ReturnType<typeof relay>) => {
      const { client, server } = securePair({ mechanism, ...(raw ? { raw: [raw.clientRaw, raw.serverRaw] } : {}) });
      for (const parts of written) client.write(parts.length === 1 ? parts[0]! : parts);
      const received = (await messages(server, written.length)).map(shapeOf);
      dispose(client, server);
      return received;
    };
    const direct = await run();
    expect(direct).toEqual(written.map((parts) => parts.map((part) => [...part])));
    expect(await run(relay({ rechunk: oneByteChunks }))).toEqual(direct);
  });
});
