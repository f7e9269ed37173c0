/**
 * `DecodeOptions.inPlace`: the caller gives the blob up, and the mechanism may decrypt into it.
 * The parts decoded are the same either way; without the flag the blob is never written and the
 * part shares no memory with it; with it, CURVE returns a view into the blob; and a rejected
 * blob gets the same coded error, leaving the session as `onError` says.
 */
import fc from 'fast-check';
import { MechanismError, runHandshake, tunedCodec, type TunedCodec } from '../../src';
import { availableBackends, cryptoBackend, useCryptoBackend, type CryptoBackend } from '../../src/crypto';
import { allowAll, mechanismCases } from '../helpers/mechanisms';

interface ReadyPair {
  client: TunedCodec;
  server: TunedCodec;
}

async function readyPair(name: string): Promise<ReadyPair> {
  const m = mechanismCases().find((c) => c.name === name)!;
  const client = m.client();
  const server = m.server();
  await runHandshake(client, server, { authorizer: allowAll });
  return { client: tunedCodec(client)!, server: tunedCodec(server)! };
}

const original = cryptoBackend();
afterAll(() => useCryptoBackend(original));

const cases: { name: string; label: string; backend: CryptoBackend }[] = mechanismCases().flatMap((m) =>
  m.name === 'CURVE'
    ? availableBackends().map((b) => ({ name: m.name, label: b.name, backend: b }))
    : [{ name: m.name, label: 'any backend', backend: original }],
);

describe.each(cases)('$name decode in place ($label)', ({ name, backend }) => {
  let pair: ReadyPair;
  beforeAll(async () => {
    useCryptoBackend(backend);
    pair = await readyPair(name);
  });
  beforeEach(() => useCryptoBackend(backend));

  test('decodes the same parts as a copying decode, and never writes a blob without the flag', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), fc.boolean(), (data, more, command) => {
        const a = pair.client.encode(data, { more, command });
        const b = pair.client.encode(data, { more, command });
        const kept = a.slice();
        const copied = pair.server.decode(a);
        expect(a).toEqual(kept);
        expect(copied.data.buffer).not.toBe(a.buffer);
        const inPlace = pair.server.decode(b, { inPlace: true });
        expect(inPlace).toEqual(copied);
        expect(inPlace.data).toEqual(data);
      }),
      { numRuns: 100 },
    );
  });

  test('with the flag, the part is a view into the blob', () => {
    const blob = pair.server.encode(new Uint8Array([1, 2, 3]));
    const part = pair.client.decode(blob, { inPlace: true });
    expect(part.data.buffer).toBe(blob.buffer);
    expect(part.data.byteOffset + part.data.length).toBe(blob.byteOffset + blob.length);
    expect(Array.from(part.data)).toEqual([1, 2, 3]);
  });
});

describe.each(availableBackends().map((b) => ({ label: b.name, backend: b })))('CURVE in place rejects like a copying decode ($label)', ({ backend }) => {
  let pair: ReadyPair;
  beforeAll(async () => {
    useCryptoBackend(backend);
    pair = await readyPair('CURVE');
  });
  beforeEach(() => useCryptoBackend(backend));

  test('a tampered blob is ERR_DECRYPT, and with onError keep the next genuine part still decodes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.nat(), (data, at) => {
        const genuine = pair.client.encode(data);
        const forged = genuine.slice();
        const index = 16 + (at % (forged.length - 16));
        forged[index]! ^= 0x01;
        let error: unknown;
        try {
          pair.server.decode(forged, { inPlace: true, onError: 'keep' });
        } catch (caught) {
          error = caught;
        }
        expect(error).toBeInstanceOf(MechanismError);
        expect((error as MechanismError).code).toBe('ERR_DECRYPT');
        expect(pair.server.status).toBe('ready');
        expect(pair.server.decode(genuine, { inPlace: true }).data).toEqual(data);
      }),
      { numRuns: 60 },
    );
  });

  test('a replayed blob is ERR_INVALID_SEQUENCE in place too', () => {
    const blob = pair.client.encode(new Uint8Array([9]));
    const replay = blob.slice();
    pair.server.decode(blob, { inPlace: true });
    expect(() => pair.server.decode(replay, { inPlace: true, onError: 'keep' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_SEQUENCE' }),
    );
  });
});
