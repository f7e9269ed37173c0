/**
 * CURVE MESSAGEs once ready: round trips, flags, replay and reorder, reflection, sizes, nonce
 * boundaries and exhaustion, and `onError: 'keep'` (checklist rows 23-26, 35, 52, 53).
 */
import fc from 'fast-check';
import { MessageCodec } from '../../../mechanisms/curve/message';
import { MESSAGE_CLIENT_PREFIX, SendCounter, shortNonce } from '../../../mechanisms/curve/nonces';
import { seal } from '../../../src/crypto';
import { U64_MAX } from '../../../src/bytes';
import { fromHex, MechanismError, StateError, utf8 } from '../../../src';
import { catchMechanismError } from '../../helpers/expect-error';
import { flipBit, handshake, makeClient, makeServerFactory, vector, vectorSession } from './helpers';

const sessionKey = () => fromHex(vector.derived.session_key_beforenm!);

/** A MESSAGE from the vector client with any flags byte and nonce. */
function craftClientMessage(flags: number, payload: Uint8Array, nonce: bigint): Uint8Array {
  const plaintext = new Uint8Array([flags, ...payload]);
  const box = seal(plaintext, shortNonce(MESSAGE_CLIENT_PREFIX, nonce), sessionKey());
  const out = new Uint8Array(16 + box.length);
  out.set(utf8('\x07MESSAGE'));
  new DataView(out.buffer).setBigUint64(8, nonce, false);
  out.set(box, 16);
  return out;
}

function code(fn: () => unknown): string {
  return catchMechanismError(fn).code;
}

describe('CURVE MESSAGE', () => {
  test('parts round-trip both ways with MORE and COMMAND flags', () => {
    const { client, server } = handshake();
    const a = server.decode(client.encode(utf8('one'), { more: true }));
    expect(a).toEqual({ data: utf8('one'), more: true, command: false });
    const b = client.decode(server.encode(utf8('\x04PING\x00\x00'), { command: true }));
    expect(b).toEqual({ data: utf8('\x04PING\x00\x00'), more: false, command: true });
  });

  test('row 23: a replayed MESSAGE (same nonce) → ERR_INVALID_SEQUENCE and the session fails, no ERROR', () => {
    const { client, server } = handshake();
    const blob = client.encode(utf8('x'));
    server.decode(blob);
    expect(code(() => server.decode(blob))).toBe('ERR_INVALID_SEQUENCE');
    expect(server.status).toBe('failed');
    expect(() => server.encode(utf8('y'))).toThrow(StateError);
  });

  test('row 23: reordered MESSAGEs → ERR_INVALID_SEQUENCE; gaps are allowed', () => {
    const { client, server } = handshake();
    const [m1, m2, m3, m4] = [1, 2, 3, 4].map((i) => client.encode(Uint8Array.of(i)));
    server.decode(m1!);
    server.decode(m3!);
    expect(code(() => server.decode(m2!, { onError: 'keep' }))).toBe('ERR_INVALID_SEQUENCE');
    expect(server.decode(m4!).data).toEqual(Uint8Array.of(4));
  });

  test('row 23: a MESSAGE at or below the INITIATE nonce (the server baseline) → ERR_INVALID_SEQUENCE', () => {
    const { server } = vectorSession();
    expect(code(() => server.decode(craftClientMessage(0, utf8('x'), 2n), { onError: 'keep' }))).toBe('ERR_INVALID_SEQUENCE');
    expect(code(() => server.decode(craftClientMessage(0, utf8('x'), 0n), { onError: 'keep' }))).toBe('ERR_INVALID_SEQUENCE');
    expect(server.decode(craftClientMessage(0, utf8('x'), 3n)).data).toEqual(utf8('x'));
  });

  test('row 23 (property): a sequence of nonces is accepted exactly while it is strictly increasing', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 0n, max: 40n }), { minLength: 1, maxLength: 12 }), (nonces) => {
        const receiver = new MessageCodec({ key: sessionKey(), counter: new SendCounter(), sendPrefix: new Uint8Array(16), receivePrefix: MESSAGE_CLIENT_PREFIX, lastReceived: 2n, maxMessageSize: 64 });
        let last = 2n;
        for (const nonce of nonces) {
          const blob = craftClientMessage(0, Uint8Array.of(Number(nonce)), nonce);
          if (nonce > last) {
            expect(receiver.decode(blob).data).toEqual(Uint8Array.of(Number(nonce)));
            last = nonce;
          } else {
            expect(code(() => receiver.decode(blob))).toBe('ERR_INVALID_SEQUENCE');
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  test('row 24: a MESSAGE reflected back to its sender → ERR_DECRYPT (the nonce prefixes differ)', () => {
    const { client, server } = handshake();
    expect(code(() => client.decode(client.encode(utf8('x')), { onError: 'keep' }))).toBe('ERR_DECRYPT');
    server.encode(utf8('first'));
    expect(code(() => server.decode(server.encode(utf8('second'))))).toBe('ERR_DECRYPT');
  });

  test('row 25: MESSAGE shorter than 33 bytes → ERR_MALFORMED_COMMAND; another name → ERR_UNEXPECTED_COMMAND', () => {
    const { client, server } = handshake();
    const blob = client.encode(new Uint8Array(0));
    expect(blob).toHaveLength(33);
    for (let size = 0; size < 33; size++) {
      expect(code(() => server.decode(blob.subarray(0, size), { onError: 'keep' }))).toBe('ERR_MALFORMED_COMMAND');
    }
    const renamed = blob.slice();
    renamed[7] = 'F'.charCodeAt(0);
    expect(code(() => server.decode(renamed, { onError: 'keep' }))).toBe('ERR_UNEXPECTED_COMMAND');
    expect(server.decode(blob).data).toHaveLength(0);
  });

  test('row 26: flag bit 1 (COMMAND) is accepted; bits 2-7 set → ERR_MALFORMED_COMMAND and nothing committed', () => {
    const { server } = vectorSession();
    for (let bit = 2; bit < 8; bit++) {
      const blob = craftClientMessage(1 << bit, utf8('x'), 3n);
      expect(code(() => server.decode(blob, { onError: 'keep' }))).toBe('ERR_MALFORMED_COMMAND');
    }
    expect(server.decode(craftClientMessage(0x03, utf8('x'), 3n))).toEqual({ data: utf8('x'), more: true, command: true });
  });

  test('a flipped bit anywhere in a MESSAGE after its name is rejected, and onError keep leaves the session usable', () => {
    const { client, server } = handshake();
    const blob = client.encode(utf8('hello world'));
    for (let offset = 8; offset < blob.length; offset++) {
      for (let bit = 0; bit < 8; bit++) {
        const error = catchMechanismError(() => server.decode(flipBit(blob, offset, bit), { onError: 'keep' }));
        expect(['ERR_DECRYPT', 'ERR_INVALID_SEQUENCE']).toContain(error.code);
      }
    }
    expect(server.status).toBe('ready');
    expect(server.decode(blob).data).toEqual(utf8('hello world'));
  });

  // That its key is wiped is checked by the oracle in wiping.test.ts.
  test('a bad MESSAGE with the default onError fails the session; nothing is sent back', () => {
    const { client, server } = handshake();
    expect(code(() => server.decode(flipBit(client.encode(utf8('x')), 20)))).toBe('ERR_DECRYPT');
    expect(server.status).toBe('failed');
    expect(server.error?.code).toBe('ERR_DECRYPT');
  });

  test('row 52: sizes 0, 1, doubling to 2^18 - 1 and past 1 MiB round-trip exactly; MORE is kept', () => {
    const { client, server } = handshake();
    const sizes = [0, 1, 2, 255, 256];
    for (let n = 512; n < 2 ** 18; n *= 2) sizes.push(n - 1, n);
    sizes.push(2 ** 18 - 1, 2 ** 20 + 3);
    for (const [i, size] of sizes.entries()) {
      const data = new Uint8Array(size).map((_, j) => (j * 31 + size) & 0xff);
      const blob = client.encode(data, { more: i % 2 === 0 });
      expect(blob).toHaveLength(33 + size);
      const part = server.decode(blob);
      expect(part.more).toBe(i % 2 === 0);
      expect(Buffer.compare(Buffer.from(part.data), Buffer.from(data))).toBe(0);
    }
  });

  test('row 52: a part over maxMessageSize → ERR_MESSAGE_TOO_LARGE before decryption; at the limit it is accepted', () => {
    const { client, server } = handshake(makeClient({ maxMessageSize: 1000 }), makeServerFactory({ maxMessageSize: 10 })());
    expect(client.decode(server.encode(new Uint8Array(1000))).data).toHaveLength(1000);
    expect(code(() => client.decode(server.encode(new Uint8Array(1001)), { onError: 'keep' }))).toBe('ERR_MESSAGE_TOO_LARGE');
    expect(server.decode(client.encode(new Uint8Array(10))).data).toHaveLength(10);
    const forged = client.encode(new Uint8Array(11));
    forged[40] = forged[40]! ^ 1;
    expect(code(() => server.decode(forged))).toBe('ERR_MESSAGE_TOO_LARGE');
    expect(server.status).toBe('failed');
    expect(client.status).toBe('ready');
  });

  test('row 53: unaligned subarray and Buffer inputs work; inputs are not retained; outputs do not alias them', () => {
    const { client, server } = handshake();
    const backing = new Uint8Array(100).fill(7);
    const data = backing.subarray(3, 13);
    const blob = client.encode(data);
    backing.fill(0);
    const framed = Buffer.alloc(blob.length + 5);
    framed.set(blob, 5);
    const part = server.decode(framed.subarray(5));
    expect(part.data).toEqual(new Uint8Array(10).fill(7));
    framed.fill(0);
    expect(part.data).toEqual(new Uint8Array(10).fill(7));
  });
});

describe('CURVE nonce boundaries (row 35)', () => {
  function nonceOf(blob: Uint8Array): bigint {
    return new DataView(blob.buffer, blob.byteOffset).getBigUint64(8, false);
  }

  test.each([
    ['2^32', 2n ** 32n - 3n],
    ['2^53', 2n ** 53n - 3n],
  ])('crossing %s: nonces are exact big-endian 64-bit values and both sides keep working', (_label, start) => {
    const { client, server } = handshake(makeClient({ initialNonce: start }), makeServerFactory({ initialNonce: start })());
    for (let i = 0n; i < 4n; i++) {
      const up = client.encode(utf8('u'));
      expect(nonceOf(up)).toBe(start + 2n + i);
      expect(server.decode(up).data).toEqual(utf8('u'));
      const down = server.encode(utf8('d'));
      expect(nonceOf(down)).toBe(start + 1n + i);
      expect(client.decode(down).data).toEqual(utf8('d'));
    }
  });

  test('2^64 - 1 is the last nonce: the next encode throws ERR_NONCE_EXHAUSTED and fails the session; it never wraps', () => {
    const { client, server } = handshake(makeClient({ initialNonce: U64_MAX - 3n }), makeServerFactory({ initialNonce: U64_MAX - 1n })());
    const last = [client.encode(utf8('a')), client.encode(utf8('b'))];
    expect(last.map(nonceOf)).toEqual([U64_MAX - 1n, U64_MAX]);
    for (const blob of last) server.decode(blob);
    const error = catchMechanismError(() => client.encode(utf8('c')));
    expect(error.code).toBe('ERR_NONCE_EXHAUSTED');
    expect(client.status).toBe('failed');
    expect(nonceOf(server.encode(utf8('z')))).toBe(U64_MAX);
    expect(() => server.encode(utf8('z'))).toThrow(MechanismError);
    expect(server.error?.code).toBe('ERR_NONCE_EXHAUSTED');
  });

  test('a client whose INITIATE would need a nonce past 2^64 - 1 fails with ERR_NONCE_EXHAUSTED', async () => {
    const { pair } = await import('./helpers');
    const result = await pair(makeClient({ initialNonce: U64_MAX }), makeServerFactory()());
    expect(result.client.error?.code).toBe('ERR_NONCE_EXHAUSTED');
  });

  test('short nonces of a session strictly increase across HELLO → INITIATE → MESSAGE and READY → MESSAGE', () => {
    const t = handshake();
    const client = [new DataView(t.hello.buffer).getBigUint64(112), new DataView(t.initiate.buffer).getBigUint64(105), nonceOf(t.client.encode(utf8('m')))];
    const server = [new DataView(t.ready.buffer).getBigUint64(6), nonceOf(t.server.encode(utf8('m')))];
    expect(client).toEqual([1n, 2n, 3n]);
    expect(server).toEqual([1n, 2n]);
  });
});
