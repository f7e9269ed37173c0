/**
 * Non-canonical public keys (bit 255 set, or a value from p = 2^255 - 19 up) name the same
 * X25519 key as a canonical one; CURVE refuses them wherever a peer sends a key, so flipping bit
 * 255 of C' does not make HELLO malleable (row 5, row 6). Torsion variants (1/u) are accepted and
 * their documented consequences are pinned here.
 */
import { CURVE } from '../../../mechanisms/curve';
import { isCanonicalKey } from '../../../mechanisms/curve/peer-key';
import { cryptoBackend, fromHex, publicKeyFromSecret } from '../../../src';
import { expectFailed } from '../../helpers/expect-error';
import { craftHello, craftInitiate, craftWelcome, transient } from './craft';
import { clientKeys, makeClient, makeServerFactory, only, serverKeys, vector, vectorOptions } from './helpers';

const P_MINUS_1 = fromHex('ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');
const P = fromHex('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');

const FIELD = (1n << 255n) - 19n;

/** 1/u mod p: the u-coordinate of P + (0, 0), which X25519 treats as the same key. */
function inverse(key: Uint8Array): Uint8Array {
  let u = 0n;
  for (let i = 31; i >= 0; i--) u = (u << 8n) | BigInt(key[i]!);
  let result = 1n;
  let base = u;
  for (let e = FIELD - 2n; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * base) % FIELD;
    base = (base * base) % FIELD;
  }
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++, result >>= 8n) out[i] = Number(result & 0xffn);
  return out;
}

function topBitFlipped(key: Uint8Array): Uint8Array {
  const out = key.slice();
  out[31] = out[31]! ^ 0x80;
  return out;
}

/** u + p: the same point as `u` (for u < 19), spelled with a value >= p. */
function plusP(u: number): Uint8Array {
  const out = P.slice();
  out[0] = out[0]! + u;
  return out;
}

describe('canonical public keys', () => {
  test('isCanonicalKey: below p with bit 255 clear only', () => {
    expect(isCanonicalKey(new Uint8Array(32).fill(0x11))).toBe(true);
    expect(isCanonicalKey(P_MINUS_1)).toBe(true);
    expect(isCanonicalKey(P)).toBe(false);
    expect(isCanonicalKey(plusP(9))).toBe(false);
    expect(isCanonicalKey(fromHex('ff'.repeat(31) + '7f'))).toBe(false);
    expect(isCanonicalKey(topBitFlipped(new Uint8Array(32)))).toBe(false);
    expect(isCanonicalKey(publicKeyFromSecret(new Uint8Array(32).fill(3)))).toBe(true);
  });

  test("row 5: the vector HELLO with only bit 255 of C' flipped is refused with ERR_INVALID_KEY, not answered", () => {
    const hello = fromHex(vector.commands.hello);
    hello[111] = hello[111]! ^ 0x80;
    const server = CURVE.server(vectorOptions().server)();
    server.start();
    const step = server.receive(hello);
    expectFailed(step, 'ERR_INVALID_KEY');
    expect(step.send).toEqual([]);
  });

  test("row 6: a HELLO whose C' is spelled from p up (p + 9 names the base point) → ERR_INVALID_KEY", () => {
    const server = makeServerFactory()();
    server.start();
    expectFailed(server.receive(craftHello(transient(3), serverKeys.publicKey, { clientTransient: plusP(9) })), 'ERR_INVALID_KEY');
  });

  test("row 6: a WELCOME whose S' has bit 255 set → ERR_INVALID_KEY, no INITIATE", () => {
    const c = transient(3);
    const client = makeClient({ random: (n) => (n === 32 ? c.secretKey.slice() : new Uint8Array(n)) });
    client.start();
    const welcome = craftWelcome(serverKeys.secretKey, c.publicKey, topBitFlipped(transient(5).publicKey));
    const step = client.receive(welcome);
    expectFailed(step, 'ERR_INVALID_KEY');
    expect(step.send).toEqual([]);
  });

  test('row 6: an INITIATE presenting C with bit 255 set (a second spelling of an honest key) → ERR_INVALID_KEY, no decision', () => {
    const c = transient(3);
    const server = makeServerFactory()();
    server.start();
    const welcome = only(server.receive(craftHello(c, serverKeys.publicKey)).send);
    const initiate = craftInitiate(welcome, c, serverKeys.publicKey, {
      clientPublic: topBitFlipped(clientKeys.publicKey),
      vouchSecret: clientKeys.secretKey,
      vouchServer: serverKeys.publicKey,
    });
    const step = server.receive(initiate);
    expectFailed(step, 'ERR_INVALID_KEY');
    expect(step.auth).toBeUndefined();
  });

  test('row 49: a configured serverKey with bit 255 set is a RangeError naming it', () => {
    expect(() => CURVE.client({ secretKey: clientKeys.secretKey, serverKey: topBitFlipped(serverKeys.publicKey) })).toThrow(
      /"serverKey" is not a canonical/,
    );
  });

  test('1/u really is a second spelling: X25519 with any secret gives the same result', () => {
    const secret = new Uint8Array(32).fill(0x5a);
    const backend = cryptoBackend();
    expect(backend.scalarMult(secret, inverse(clientKeys.publicKey))).toEqual(backend.scalarMult(secret, clientKeys.publicKey));
  });

  test('an INITIATE presenting C as 1/C mod p opens (same key to X25519); the decision sees those other bytes, so an allow-list of C refuses it', () => {
    const c = transient(3);
    const server = makeServerFactory()();
    server.start();
    const welcome = only(server.receive(craftHello(c, serverKeys.publicKey)).send);
    const respelled = inverse(clientKeys.publicKey);
    const initiate = craftInitiate(welcome, c, serverKeys.publicKey, {
      clientPublic: respelled,
      vouchSecret: clientKeys.secretKey,
      vouchServer: serverKeys.publicKey,
    });
    const step = server.receive(initiate);
    expect(step.auth?.publicKey).toEqual(respelled);
    expect(step.auth?.publicKey).not.toEqual(clientKeys.publicKey);
  });

  test("a HELLO whose C' was respelled as 1/C' is answered, but that handshake always ends in ERR_KEY_EXCHANGE", () => {
    const c = transient(3);
    const server = makeServerFactory()();
    server.start();
    const respelled = inverse(c.publicKey);
    const welcome = only(server.receive(craftHello(c, serverKeys.publicKey, { clientTransient: respelled })).send);
    const initiate = craftInitiate(welcome, c, serverKeys.publicKey, {
      clientPublic: clientKeys.publicKey,
      vouchSecret: clientKeys.secretKey,
      vouchServer: serverKeys.publicKey,
    });
    expectFailed(server.receive(initiate), 'ERR_KEY_EXCHANGE');
  });
});
