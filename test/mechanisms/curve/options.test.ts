/**
 * CURVE options are validated at construction (checklist row 49): wrong lengths, invalid Z85,
 * all-zero or low-order keys and out-of-range numbers throw TypeError or RangeError naming the
 * option, before any handshake.
 */
import { CURVE } from '../../../mechanisms/curve';
import { createDefaultRegistry } from '../../../mechanisms';
import { fromHex, z85Encode } from '../../../src';
import { U64_MAX } from '../../../src/bytes';
import { clientKeys, handshake, makeClient, readVector, serverKeys } from './helpers';

const lowOrder = readVector<{ points: Array<{ public: string }> }>('x25519_low_order_points.json').points.map((p) => fromHex(p.public));
const client = (extra: Record<string, unknown>) => () => CURVE.client({ secretKey: clientKeys.secretKey, serverKey: serverKeys.publicKey, ...extra } as never);
const server = (extra: Record<string, unknown>) => () => CURVE.server({ secretKey: serverKeys.secretKey, ...extra } as never);

describe('CURVE options (row 49)', () => {
  test('keys may be 32 bytes or 40 Z85 characters, in any combination', () => {
    const t = handshake(
      CURVE.client({ secretKey: z85Encode(clientKeys.secretKey), serverKey: z85Encode(serverKeys.publicKey) }) as never,
      CURVE.server({ secretKey: z85Encode(serverKeys.secretKey) })() as never,
    );
    expect([t.client.status, t.server.status]).toEqual(['ready', 'ready']);
  });

  test('a missing secretKey or serverKey is a TypeError naming it', () => {
    expect(client({ secretKey: undefined })).toThrow(/"secretKey"/);
    expect(client({ serverKey: undefined })).toThrow(TypeError);
    expect(client({ serverKey: undefined })).toThrow(/"serverKey"/);
    expect(server({ secretKey: undefined })).toThrow(TypeError);
    expect(() => CURVE.client(null as never)).toThrow(/"options"/);
  });

  test('a key that is neither bytes nor a string is a TypeError naming it', () => {
    expect(client({ secretKey: 42 })).toThrow(TypeError);
    expect(client({ serverKey: [1, 2, 3] })).toThrow(/"serverKey"/);
  });

  test('a key of the wrong length, or invalid Z85, is a RangeError naming it', () => {
    expect(client({ secretKey: new Uint8Array(31) })).toThrow(RangeError);
    expect(client({ secretKey: new Uint8Array(33) })).toThrow(/"secretKey"/);
    expect(client({ serverKey: new Uint8Array(16) })).toThrow(/"serverKey"/);
    expect(client({ serverKey: 'x'.repeat(39) })).toThrow(RangeError);
    expect(client({ serverKey: '~'.repeat(40) })).toThrow(/"serverKey" is not valid Z85/);
    expect(server({ secretKey: '%nSc1'.repeat(8) })).toThrow(/"secretKey"/);
  });

  test('an all-zero secret key is a RangeError', () => {
    expect(client({ secretKey: new Uint8Array(32) })).toThrow(/"secretKey" is all zero/);
    expect(server({ secretKey: new Uint8Array(32) })).toThrow(RangeError);
  });

  test('row 6: a configured server key that is all zero or of low order is a RangeError', () => {
    for (const point of lowOrder) expect(client({ serverKey: point })).toThrow(/"serverKey" is an all-zero or low-order key/);
  });

  test('server numbers out of range are RangeErrors naming them, thrown by CURVE.server() itself', () => {
    for (const value of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '60000']) {
      expect(server({ cookieKeyLifetimeMs: value })).toThrow(/"cookieKeyLifetimeMs"/);
    }
    for (const value of [0, 1.5, -3, Number.NaN]) expect(server({ replayRecordSize: value })).toThrow(/"replayRecordSize"/);
  });

  test('maxMessageSize must be a non-negative integer', () => {
    for (const value of [-1, 1.5, Number.NaN, '10']) expect(client({ maxMessageSize: value })).toThrow(/"maxMessageSize"/);
    expect(server({ maxMessageSize: 0 })).not.toThrow();
  });

  test('initialNonce must be a bigint from 1 to 2^64 - 1', () => {
    expect(client({ initialNonce: 0n })).toThrow(/"initialNonce"/);
    expect(client({ initialNonce: U64_MAX + 1n })).toThrow(RangeError);
    expect(client({ initialNonce: 5 })).toThrow(TypeError);
    expect(client({ initialNonce: U64_MAX })).not.toThrow();
  });

  test('random and clock must be functions; metadata is validated by the shared codec', () => {
    expect(client({ random: 'dice' })).toThrow(/"random"/);
    expect(server({ clock: 5 })).toThrow(/"clock"/);
    expect(client({ metadata: { 'bad name': 'x' } })).toThrow(RangeError);
  });

  test('the caller\'s key buffers are copied: wiping the session does not touch them', () => {
    const secretKey = clientKeys.secretKey.slice();
    const c = makeClient({ secretKey });
    c.destroy();
    expect(secretKey).toEqual(clientKeys.secretKey);
  });

  test('CURVE is in the default registry and the registry passes options through', () => {
    const registry = createDefaultRegistry();
    expect(registry.names()).toContain('CURVE');
    expect(() => registry.client('CURVE', {})).toThrow(/"secretKey"/);
    expect(registry.client('curve', { secretKey: clientKeys.secretKey, serverKey: serverKeys.publicKey }).name).toBe('CURVE');
  });
});
