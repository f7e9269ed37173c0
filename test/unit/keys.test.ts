import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  curveKeyPair,
  fromHex,
  generateKeyPair,
  keyToZ85,
  publicKeyOf,
  seededRandom,
  toHex,
  toKeyBytes,
  toPublicKey,
  z85Decode,
} from '../../src';

const lowOrder: { points: Array<{ public: string }> } = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', 'vectors', 'x25519_low_order_points.json'), 'utf8'),
);

describe('keys', () => {
  const serverPublic = 'rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7';
  const serverSecret = 'JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6';

  test('the public key of the libzmq test server secret is the libzmq test server public key', () => {
    expect(keyToZ85(publicKeyOf(serverSecret))).toBe(serverPublic);
    expect(toHex(toKeyBytes(serverPublic, 'k'))).toBe('54fcba24e93249969316fb617c872bb0c1d1ff14800427c594cbfacf1bc2d652');
  });

  test('curveKeyPair gives 40-character Z85 keys that belong together', () => {
    const pair = curveKeyPair();
    expect(pair.publicKey).toHaveLength(40);
    expect(keyToZ85(publicKeyOf(pair.secretKey))).toBe(pair.publicKey);
  });

  test('generation draws from the injected random source', () => {
    expect(generateKeyPair(seededRandom(7))).toEqual(generateKeyPair(seededRandom(7)));
    expect(() => generateKeyPair(() => new Uint8Array(3))).toThrow(expect.objectContaining({ code: 'ERR_RANDOM_FAILED' }));
  });

  test('row 49: bad key configuration throws naming the argument', () => {
    expect(() => toKeyBytes(new Uint8Array(31), 'serverKey')).toThrow(/"serverKey".*length=31/);
    expect(() => toKeyBytes('short', 'serverKey')).toThrow(RangeError);
    expect(() => toKeyBytes('"'.repeat(40), 'serverKey')).toThrow(/not valid Z85/);
    expect(() => toKeyBytes(42 as never, 'serverKey')).toThrow(TypeError);
  });

  test('row 6: all-zero and low-order public keys are refused', () => {
    const keys = lowOrder.points.map((p) => p.public);
    expect(keys).toHaveLength(14);
    for (const hex of keys) expect(() => toPublicKey(fromHex(hex), 'serverKey')).toThrow(/low-order/);
    expect(() => toPublicKey(new Uint8Array(32), 'serverKey')).toThrow(RangeError);
    expect(toPublicKey(serverPublic, 'serverKey')).toEqual(z85Decode(serverPublic));
  });
});
