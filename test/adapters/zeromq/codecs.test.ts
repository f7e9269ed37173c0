import fc from 'fast-check';
import { decodeMetadata } from '../../../src';
import {
  encodeEnvelope,
  HEADER_BYTES,
  KIND_HANDSHAKE,
  KIND_MESSAGE,
  parseEnvelope,
  sessionTopic,
} from '../../../src/adapters/zeromq';
import { defaultRegistry } from '../../../mechanisms';
import { curveKeyPair, runHandshake } from '../../../src';
import { decodeNext, encodeClose, encodeMessage, encodePing, encodePong, parseFrames, type DecodedMessage } from '../../../src/adapters/zeromq/message-codec';
import type { Mechanism } from '../../../src';

/** Splits a batch into its application messages (undefined for a malformed one). */
function decodeBatch(mechanism: Mechanism, blobs: readonly Uint8Array[], onError: 'fail' | 'keep' = 'fail'): (DecodedMessage | undefined)[] {
  const out: (DecodedMessage | undefined)[] = [];
  for (let index = 0; index < blobs.length; ) {
    const { message, next } = decodeNext(mechanism, blobs, index, onError);
    out.push(message);
    index = next;
  }
  return out;
}

/** The one message a ZeroMQ message of a single application message decodes to. */
function decodeMessage(mechanism: Mechanism, blobs: readonly Uint8Array[], onError: 'fail' | 'keep'): DecodedMessage | undefined {
  const messages = decodeBatch(mechanism, blobs, onError);
  return messages.length === 1 ? messages[0] : undefined;
}
import { toParts } from '../../../src/adapters/zeromq/parts';
import { encodeZapReply, isZapRequest, parseZapRequest } from '../../../src/codec/zap';

const bytes = (max = 300) => fc.uint8Array({ maxLength: max }).map((b) => Buffer.from(b));

describe('envelope', () => {
  test('round trip: kind, session id and blob come back unchanged', () => {
    fc.assert(
      fc.property(fc.constantFrom(KIND_HANDSHAKE, KIND_MESSAGE), fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ minLength: 1, maxLength: 200 }), (kind, id, blob) => {
        const parsed = parseEnvelope(encodeEnvelope(kind, id, blob));
        expect(parsed?.kind).toBe(kind);
        expect(Buffer.from(parsed!.sessionId)).toEqual(Buffer.from(id));
        expect(Buffer.from(parsed!.blob)).toEqual(Buffer.from(blob));
      }),
    );
  });

  test('any bytes parse to an envelope or undefined, never a throw', () => {
    fc.assert(
      fc.property(bytes(), (frame) => {
        const parsed = parseEnvelope(frame);
        if (parsed === undefined) return;
        expect(frame.length).toBeGreaterThan(HEADER_BYTES);
        expect([KIND_HANDSHAKE, KIND_MESSAGE]).toContain(parsed.kind);
      }),
      { numRuns: 2000 },
    );
  });

  test('an empty blob, a bare header or an unknown kind is not an envelope', () => {
    const id = new Uint8Array(16);
    expect(parseEnvelope(encodeEnvelope(KIND_MESSAGE, id, new Uint8Array(0)))).toBeUndefined();
    expect(parseEnvelope(Buffer.concat([Buffer.from([3]), Buffer.alloc(20)]))).toBeUndefined();
    expect(parseEnvelope(Buffer.alloc(0))).toBeUndefined();
  });

  test('the PUB topic of a session is the first 17 bytes of its MESSAGE frames', () => {
    const id = Buffer.alloc(16, 7);
    const frame = encodeEnvelope(KIND_MESSAGE, id, Buffer.from('x'));
    expect(frame.subarray(0, HEADER_BYTES)).toEqual(sessionTopic(id));
  });

  test('parseFrames takes any frames; a mix of sessions or kinds is refused', () => {
    fc.assert(fc.property(fc.array(bytes(40), { maxLength: 5 }), (frames) => void parseFrames(frames)), { numRuns: 1000 });
    const a = encodeEnvelope(KIND_MESSAGE, Buffer.alloc(16, 1), Buffer.from('a'));
    const b = encodeEnvelope(KIND_MESSAGE, Buffer.alloc(16, 2), Buffer.from('b'));
    const h = encodeEnvelope(KIND_HANDSHAKE, Buffer.alloc(16, 1), Buffer.from('h'));
    expect(parseFrames([a, a])).toHaveLength(2);
    expect(parseFrames([a, b])).toBeUndefined();
    expect(parseFrames([a, h])).toBeUndefined();
    expect(parseFrames([])).toBeUndefined();
  });
});

describe('ZAP codec (RFC 27)', () => {
  const route = [Buffer.from('peer'), Buffer.alloc(0)];
  const key = Buffer.alloc(32, 9);
  const request = (mechanism: string, ...credentials: Buffer[]) =>
    [...route, Buffer.from('1.0'), Buffer.from('1'), Buffer.from('global'), Buffer.from('10.0.0.1'), Buffer.from('id'), Buffer.from(mechanism), ...credentials];

  test('CURVE, PLAIN and NULL requests become authorizer requests with the verified address', () => {
    const curve = parseZapRequest(request('CURVE', key));
    expect(isZapRequest(curve) && curve.auth).toMatchObject({ mechanism: 'CURVE', publicKeyZ85: expect.any(String), address: '10.0.0.1', domain: 'global' });
    expect(isZapRequest(curve) && curve.domain).toBe('global');
    const plain = parseZapRequest(request('PLAIN', Buffer.from('u'), Buffer.from('p')));
    expect(isZapRequest(plain) && plain.auth).toMatchObject({ mechanism: 'PLAIN', username: 'u', password: 'p' });
    expect(isZapRequest(parseZapRequest(request('NULL')))).toBe(true);
  });

  test('malformed requests are invalid but keep what a 500 reply needs', () => {
    for (const frames of [
      request('CURVE', Buffer.alloc(31)),
      request('PLAIN', Buffer.from('u')),
      request('GSSAPI'),
      [...route, Buffer.from('2.0'), Buffer.from('1')],
    ]) {
      const parsed = parseZapRequest(frames);
      expect(isZapRequest(parsed)).toBe(false);
      expect(parsed.route).toEqual(route);
    }
    expect(parseZapRequest([Buffer.from('no delimiter')]).route).toBeUndefined();
  });

  test('any frames parse without a throw', () => {
    fc.assert(fc.property(fc.array(bytes(40), { maxLength: 12 }), (frames) => void parseZapRequest(frames)), { numRuns: 1000 });
  });

  test('replies: 200 carries the user id (default the Z85 key) and metadata; refusals carry neither', () => {
    const parsed = parseZapRequest(request('CURVE', key));
    if (!isZapRequest(parsed)) throw new Error('expected a request');
    const allowed = encodeZapReply(parsed.route, parsed.requestId, { status: 200, metadata: { Role: 'admin' } }, parsed.auth);
    expect(allowed.slice(2, 7).map(String)).toEqual(['1.0', '1', '200', 'OK', parsed.auth.publicKeyZ85]);
    expect(decodeMetadata(allowed[7]!).getString('Role')).toBe('admin');
    const denied = encodeZapReply(parsed.route, parsed.requestId, { status: 400, userId: 'ignored', statusText: 'Nope\n' }, parsed.auth);
    expect(denied.slice(2).map(String)).toEqual(['1.0', '1', '400', 'Nope?', '', '']);
  });
});

describe('message parts', () => {
  test('strings, buffers, views and ArrayBuffers are accepted; anything else names its index', () => {
    const parts = toParts(['a', Buffer.from('b'), new Uint16Array([0x6363]), new Uint8Array([100]).buffer]);
    expect(parts.map((p) => Buffer.from(p).toString())).toEqual(['a', 'b', 'cc', 'd']);
    expect(() => toParts(['ok', 42 as unknown as string])).toThrow(/"message\[1\]"/);
    expect(() => toParts([])).toThrow(RangeError);
  });
});

describe('multipart messages', () => {
  async function pair() {
    const { client, server } = await runHandshake(defaultRegistry.client('NULL', {}), defaultRegistry.server('NULL', {})());
    return { client, server };
  }

  test('each part is one MESSAGE blob with MORE on all but the last', async () => {
    const { client, server } = await pair();
    const frames = encodeMessage(client, Buffer.alloc(16), [Buffer.from('a'), Buffer.from('b'), Buffer.from('c')]);
    const blobs = parseFrames(frames)!.map((e) => e.blob);
    expect(blobs.map((blob) => server.decode(blob).more)).toEqual([true, true, false]);
  });

  test('parts whose MORE flags do not line up, or a command other than CLOSE, PING or PONG, make no message', async () => {
    const { client, server } = await pair();
    const part = (text: string, more: boolean, command = false) => client.encode(Buffer.from(text), { more, command });
    // Two parts without MORE are two messages of one batch.
    expect(decodeBatch(server, [part('a', false), part('b', false)])).toEqual([
      { kind: 'data', parts: [Buffer.from('a')] },
      { kind: 'data', parts: [Buffer.from('b')] },
    ]);
    expect(decodeMessage(server, [part('a', true)], 'fail')).toBeUndefined();
    // A PING without its TTL is the heartbeat policy's ERR_PROTOCOL (src/codec/heartbeat.ts), not "no message".
    expect(() => decodeMessage(server, [part('\x04PING', false, true)], 'fail')).toThrow(expect.objectContaining({ code: 'ERR_PROTOCOL' }));
    expect(decodeMessage(server, [part('\x04PEEK\0\0', false, true)], 'fail')).toBeUndefined();
    expect(decodeMessage(server, [part('a', true), part('\x05CLOSE', false, true)], 'fail')).toBeUndefined();
    expect(decodeMessage(server, [part('a', true), part('b', false)], 'fail')).toEqual({ kind: 'data', parts: [Buffer.from('a'), Buffer.from('b')] });
  });

  test('CLOSE is one command part "\\x05CLOSE", not a data part with those bytes', async () => {
    const { client, server } = await pair();
    const [frame] = encodeClose(client, Buffer.alloc(16));
    expect(decodeMessage(server, [parseEnvelope(frame!)!.blob], 'fail')).toEqual({ kind: 'close' });
    const lookalike = client.encode(Buffer.from('\x05CLOSE'));
    expect(decodeMessage(server, [lookalike], 'fail')).toEqual({ kind: 'data', parts: [Buffer.from('\x05CLOSE')] });
  });

  test('PING and PONG follow ZMTP 3.1 (RFC 37): PING = TTL (2 octets) + context, cut to 16 bytes; PONG echoes the context', async () => {
    const { client, server } = await pair();
    const blob = (frames: Buffer[]) => [parseEnvelope(frames[0]!)!.blob];
    const context = Buffer.from('0123456789abcdef');
    const [ping] = blob(encodePing(client, Buffer.alloc(16), context));
    expect(server.decode(ping!).data).toEqual(Buffer.concat([Buffer.from('\x04PING\0\0'), context]));
    expect(decodeMessage(server, [client.encode(Buffer.from('\x04PING\0\0ctx'), { command: true })], 'fail')).toEqual({ kind: 'ping', context: Buffer.from('ctx') });
    const [pong] = blob(encodePong(client, Buffer.alloc(16), context));
    expect(decodeMessage(server, [pong!], 'fail')).toEqual({ kind: 'pong' });
    const part = (text: string) => client.encode(Buffer.concat([Buffer.from(text), Buffer.alloc(17)]), { command: true });
    // One policy (src/codec/heartbeat.ts): a context over 16 bytes is cut to 16, a PONG's is not checked.
    expect(decodeMessage(server, [part('\x04PING\0\0')], 'fail')).toEqual({ kind: 'ping', context: Buffer.alloc(16) });
    expect(decodeMessage(server, [part('\x04PONG')], 'fail')).toEqual({ kind: 'pong' });
    expect(() => encodePing(client, Buffer.alloc(16), Buffer.alloc(17))).toThrow(RangeError);
  });
});

describe('messages from a source not yet proven (onError: keep)', () => {
  async function curvePair() {
    const server = curveKeyPair();
    const client = curveKeyPair();
    return runHandshake(
      defaultRegistry.client('CURVE', { secretKey: client.secretKey, serverKey: server.publicKey }),
      defaultRegistry.server('CURVE', { secretKey: server.secretKey })(),
      { authorizer: () => true },
    );
  }

  test("finding 12: with 'keep' a multipart message counts whole or not at all: a lone first part, a forged second part and a missing end consume no nonce", async () => {
    const { client, server } = await curvePair();
    const [a, b] = [client.encode(Buffer.from('a'), { more: true }), client.encode(Buffer.from('b'))];
    const forged = Buffer.from(b);
    forged[forged.length - 1]! ^= 1;
    // The first part alone (its MORE is set, the end is missing): no message, nothing consumed.
    expect(decodeNext(server, [Buffer.from(a)], 0, 'keep', false, 'sealed')).toEqual({ message: undefined, next: 1 });
    // The first part then a forged second: rejected, and the first part's nonce taken back.
    expect(() => decodeNext(server, [Buffer.from(a), forged], 0, 'keep', false, 'sealed')).toThrow(expect.objectContaining({ code: 'ERR_DECRYPT' }));
    // The genuine message still decodes, strictly, from the session's own source.
    expect(decodeNext(server, [a, b], 0, 'fail', false, 'sealed').message).toEqual({ kind: 'data', parts: [Buffer.from('a'), Buffer.from('b')] });
    // Once accepted whole, it is committed: the same message again is a replay.
    expect(() => decodeNext(server, [a, b], 0, 'keep', false, 'sealed')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_SEQUENCE' }));
    expect(server.status).toBe('ready');
  });

  test("finding 12: a sealed mechanism without a checkpoint, or one with no speed paths, has such messages refused unread", async () => {
    const { client, server } = await curvePair();
    const blob = client.encode(Buffer.from('a'));
    const withoutCheckpoint = Object.create(server, { checkpoint: { value: undefined } }) as typeof server;
    expect(decodeNext(withoutCheckpoint, [Buffer.from(blob)], 0, 'keep', false, 'sealed')).toMatchObject({ message: undefined, next: 1, unread: expect.stringMatching(/cannot check/) });
    const plain = { name: 'PLAIN-CODEC', decode: () => { throw new Error('must not be called'); } } as unknown as typeof server;
    expect(decodeNext(plain, [Buffer.from(blob)], 0, 'keep', false, 'flagged')).toMatchObject({ message: undefined, unread: expect.stringMatching(/cannot check/) });
    // Nothing was consumed: the message still decodes.
    expect(decodeNext(server, [blob], 0, 'fail').message).toEqual({ kind: 'data', parts: [Buffer.from('a')] });
  });
});
