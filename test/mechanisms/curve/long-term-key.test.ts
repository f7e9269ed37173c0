/**
 * A client is made per connection: its long-term public key is derived once per process and
 * key (remembered by a salted fingerprint, never the secret), so each handshake costs the four
 * X25519 operations the protocol needs on either side, and no more.
 */
import fc from 'fast-check';
import { CURVE } from '../../../mechanisms/curve';
import { longTermPublicKey } from '../../../mechanisms/curve/options';
import { generateKeyPair, runHandshake } from '../../../src';
import { cryptoBackend, publicKeyFromSecret, useCryptoBackend, type CryptoBackend } from '../../../src/crypto';

const original = cryptoBackend();
afterEach(() => useCryptoBackend(original));

/** The active backend, wrapped to count X25519 operations. */
function countingBackend(): { counts: { x25519: number } } {
  const counts = { x25519: 0 };
  const inner: CryptoBackend = original;
  useCryptoBackend({
    ...inner,
    name: 'counting',
    scalarMult: (secretKey, publicKey) => (counts.x25519++, inner.scalarMult(secretKey, publicKey)),
    scalarMultBase: (secretKey) => (counts.x25519++, inner.scalarMultBase(secretKey)),
  });
  return { counts };
}

describe('long-term public keys', () => {
  test('are the X25519 public keys of their secrets, as fresh arrays', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (secret) => {
        const first = longTermPublicKey(secret);
        expect(first).toEqual(publicKeyFromSecret(secret));
        first.fill(0);
        expect(longTermPublicKey(secret)).toEqual(publicKeyFromSecret(secret));
      }),
      { numRuns: 100 },
    );
  });

  test('a secret changed in place is derived anew', () => {
    const secret = generateKeyPair().secretKey;
    const before = longTermPublicKey(secret);
    secret[0]! ^= 0x55;
    expect(longTermPublicKey(secret)).toEqual(publicKeyFromSecret(secret));
    expect(longTermPublicKey(secret)).not.toEqual(before);
  });

  test('each side of a handshake does four X25519 operations once its keys are known', async () => {
    const serverKeys = generateKeyPair();
    const clientKeys = generateKeyPair();
    const sessions = CURVE.server({ secretKey: serverKeys.secretKey });
    const clientOptions = { secretKey: clientKeys.secretKey, serverKey: serverKeys.publicKey };
    CURVE.client(clientOptions).destroy();
    const { counts } = countingBackend();
    const client = CURVE.client(clientOptions);
    client.start();
    expect(counts.x25519).toBe(2); // C' and the HELLO key: nothing for C, already known
    counts.x25519 = 0;
    const result = await runHandshake(CURVE.client(clientOptions), sessions(), { authorizer: () => ({ status: 200 }) });
    expect(result.client.status).toBe('ready');
    expect(counts.x25519).toBe(8);
  });
});
