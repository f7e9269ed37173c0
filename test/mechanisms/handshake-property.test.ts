/**
 * Property: whatever blobs a peer sends (random, mutated from valid ones, or valid ones out of
 * order), a mechanism answers with a step or a typed error, never an untyped exception.
 */
import fc from 'fast-check';
import { MechanismError, runHandshake, tunedCodec, type Mechanism } from '../../src';
import { allowAll, mechanismCases } from '../helpers/mechanisms';
import { mutatedBlob } from '../helpers/mutate';

/** Feeds `blob` and checks the step is well formed. */
function feed(mechanism: Mechanism, blob: Uint8Array): void {
  if (mechanism.status !== 'handshaking') return;
  const step = mechanism.receive(blob);
  if (step.status === 'failed') {
    expect(step.error).toBeInstanceOf(MechanismError);
    expect(mechanism.status).toBe('failed');
  } else {
    expect(step.error).toBeUndefined();
  }
  if (step.auth !== undefined) mechanism.authorize({ status: 400 });
}

describe.each(mechanismCases().filter((m) => m.name !== 'CURVE'))('$name under hostile input', (m) => {
  let transcript: Uint8Array[] = [];
  beforeAll(async () => {
    const result = await runHandshake(m.client(), m.server(), { authorizer: allowAll });
    transcript = result.transcript.map((t) => t.blob);
  });

  test('random and mutated blobs to a fresh server give steps or typed errors', () => {
    fc.assert(
      fc.property(fc.nat(transcript.length - 1).chain((i) => fc.array(mutatedBlob(transcript[i]!), { minLength: 1, maxLength: 4 })), (blobs) => {
        const server = m.server();
        server.start();
        for (const blob of blobs) feed(server, blob);
      }),
      { numRuns: 500 },
    );
  });

  test('random and mutated blobs to a client give steps or typed errors', () => {
    fc.assert(
      fc.property(fc.nat(transcript.length - 1).chain((i) => fc.array(mutatedBlob(transcript[i]!), { minLength: 1, maxLength: 4 })), (blobs) => {
        const client = m.client();
        client.start();
        for (const blob of blobs) feed(client, blob);
      }),
      { numRuns: 500 },
    );
  });

  test('valid blobs in any order never crash either side', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(transcript), fc.boolean(), (blobs, toServer) => {
        const mechanism = toServer ? m.server() : m.client();
        mechanism.start();
        for (const blob of blobs) feed(mechanism, blob);
      }),
      { numRuns: 300 },
    );
  });

  test("ready sessions decode mutated parts or reject them with a typed error, and onError 'keep' leaves them ready", async () => {
    const { client, server } = await runHandshake(m.client(), m.server(), { authorizer: allowAll });
    const blob = client.encode(new Uint8Array([1, 2, 3]));
    fc.assert(
      fc.property(mutatedBlob(blob), (mutated) => {
        try {
          tunedCodec(server)!.decode(mutated, { onError: 'keep' });
        } catch (error) {
          expect(error).toBeInstanceOf(MechanismError);
        }
      }),
      { numRuns: 500 },
    );
    expect(server.status).toBe('ready');
  });
});
