import { PLAIN, PlainMechanism } from '../../mechanisms';
import { concatBytes, fromHex, runHandshake, toHex, utf8, type Authorizer } from '../../src';
import { expectFailed } from '../helpers/expect-error';

const accounts: Authorizer = (r) =>
  r.username === 'admin' && r.password === 'secret' ? { status: 200, userId: 'admin-user', metadata: { Role: 'ops' } } : false;

function serverAwaitingHello(): PlainMechanism {
  const server = new PlainMechanism('server');
  server.start();
  return server;
}

describe('PLAIN (RFC 24)', () => {
  test('HELLO carries user name and password with 1-byte lengths', () => {
    const client = new PlainMechanism('client', { username: 'admin', password: 'secret' });
    expect(toHex(client.start().send[0]!)).toBe('0548454c4c4f' + '05' + toHex(utf8('admin')) + '06' + toHex(utf8('secret')));
  });

  test('handshake with metadata both ways, user id and decision metadata', async () => {
    const client = PLAIN.client({ username: 'admin', password: 'secret', metadata: { 'Socket-Type': 'DEALER' } });
    const server = PLAIN.server({ metadata: { 'Socket-Type': 'ROUTER' } })();
    const result = await runHandshake(client, server, { authorizer: accounts });
    expect(result.transcript.map((t) => toHex(t.blob.subarray(0, 8)))).toEqual([
      expect.stringMatching(/^0548454c4c4f/),
      '0757454c434f4d45', // exactly \x07WELCOME (libzmq requires size 8)
      expect.stringMatching(/^08494e4954494154/),
      expect.stringMatching(/^055245414459/),
    ]);
    expect(result.transcript[1]!.blob).toHaveLength(8);
    expect(client.status).toBe('ready');
    expect(server.peer?.userId).toBe('admin-user');
    expect(server.peer?.authMetadata.getString('role')).toBe('ops');
    expect(server.peer?.metadata.getString('Socket-Type')).toBe('DEALER');
    expect(client.peer?.metadata.getString('Socket-Type')).toBe('ROUTER');
    expect(result.authRequests[0]).toMatchObject({ mechanism: 'PLAIN', username: 'admin', password: 'secret' });
  });

  test('a wrong password ends in failed with the auth code and an ERROR 400 blob', async () => {
    const server = PLAIN.server({})();
    const result = await runHandshake(PLAIN.client({ username: 'admin', password: 'nope' }), server, { authorizer: accounts });
    expect(server.status).toBe('failed');
    expect(server.error?.code).toBe('ERR_AUTH_DENIED');
    expect(server.error?.status).toBe(400);
    expect(toHex(result.transcript[1]!.blob)).toBe('054552524f5203343030');
    expect(result.client.error).toMatchObject({ code: 'ERR_PEER_ERROR', status: 400, reason: '400' });
  });

  test('status 500 sends ERROR 500; 300 sends nothing (row 42)', async () => {
    const s500 = await runHandshake(PLAIN.client({ username: 'a', password: 'b' }), PLAIN.server({})(), { authorizer: () => ({ status: 500 }) });
    expect(s500.server.error?.code).toBe('ERR_AUTH_ERROR');
    expect(toHex(s500.transcript[1]!.blob)).toBe('054552524f5203353030');
    const s300 = await runHandshake(PLAIN.client({ username: 'a', password: 'b' }), PLAIN.server({})(), { authorizer: () => ({ status: 300 }) });
    expect(s300.server.error?.code).toBe('ERR_AUTH_TEMPORARY');
    expect(s300.transcript).toHaveLength(1);
  });

  test('an authorizer that throws or answers nonsense is a 500, never an allow (row 43)', async () => {
    for (const authorizer of [() => { throw new Error('db down'); }, () => Promise.reject(new Error('x')), () => ({ status: 201 }) as never]) {
      const result = await runHandshake(PLAIN.client({ username: 'a', password: 'b' }), PLAIN.server({})(), { authorizer });
      expect(result.server.error?.code).toBe('ERR_AUTH_ERROR');
      expect(result.client.status).toBe('failed');
    }
  });

  test.each([
    ['no user name length', '0548454c4c4f'],
    ['user name longer than what remains', '0548454c4c4f0561'],
    ['password length missing', '0548454c4c4f0161'],
    ['password longer than what remains', '0548454c4c4f016102'],
    ['trailing bytes', '0548454c4c4f0161016200'],
  ])('row 47: malformed HELLO (%s) → ERR_MALFORMED_COMMAND', (_name, hex) => {
    const step = serverAwaitingHello().receive(fromHex(hex));
    expect(expectFailed(step, 'ERR_MALFORMED_COMMAND').command).toBe('HELLO');
    expect(step.send).toHaveLength(0);
  });

  test('a WELCOME with a body is malformed; INITIATE before HELLO is unexpected', () => {
    const client = new PlainMechanism('client', { username: 'a', password: 'b' });
    client.start();
    expectFailed(client.receive(concatBytes(fromHex('0757454c434f4d45'), fromHex('00'))), 'ERR_MALFORMED_COMMAND');
    expectFailed(serverAwaitingHello().receive(fromHex('08494e4954494154450000')), 'ERR_UNEXPECTED_COMMAND');
  });

  test.each([
    ['s3cr\\xE9t (Latin-1)', 0xe9],
    ['s3cr\\x80t (a lone continuation byte)', 0x80],
    ['s3cr\\xFFt (never valid)', 0xff],
  ])('finding 8: a HELLO whose password is not UTF-8 (%s) fails before the authorizer is asked', (_name, bad) => {
    const password = concatBytes(utf8('s3cr'), Uint8Array.of(bad), utf8('t'));
    const hello = concatBytes(fromHex('0548454c4c4f05'), utf8('admin'), Uint8Array.of(password.length), password);
    const server = serverAwaitingHello();
    const step = server.receive(hello);
    expect(step.auth).toBeUndefined();
    expect(expectFailed(step, 'ERR_MALFORMED_COMMAND').message).toMatch(/password is not valid UTF-8/);
    expect(step.send).toHaveLength(0);
  });

  test('finding 8: a user name that is not UTF-8 fails too, and a password of U+FFFD itself still reaches the authorizer', () => {
    const hello = concatBytes(fromHex('0548454c4c4f02'), Uint8Array.of(0x61, 0xc3), fromHex('00'));
    expectFailed(serverAwaitingHello().receive(hello), 'ERR_MALFORMED_COMMAND');
    const replacement = utf8('s3cr\uFFFDt');
    const genuine = concatBytes(fromHex('0548454c4c4f0161'), Uint8Array.of(replacement.length), replacement);
    expect(serverAwaitingHello().receive(genuine).auth).toMatchObject({ username: 'a', password: 's3cr\uFFFDt' });
  });

  test('finding 8: a client credential with a lone surrogate is a RangeError naming it', () => {
    expect(() => new PlainMechanism('client', { username: 'a', password: 's3cr\uD800t' })).toThrow(/"password" holds a lone surrogate/);
    expect(() => new PlainMechanism('client', { username: '\uDC00', password: '' })).toThrow(RangeError);
  });

  test('credentials are validated at construction', () => {
    expect(() => new PlainMechanism('client', { username: 'a' })).toThrow(TypeError);
    expect(() => new PlainMechanism('client', { username: 'a'.repeat(256), password: '' })).toThrow(RangeError);
  });
});

describe('PLAIN interop details', () => {
  test("the user id defaults to the user name, as CZMQ's zauth does", async () => {
    const result = await runHandshake(PLAIN.client({ username: 'alice', password: 'pw' }), PLAIN.server({})(), { authorizer: () => true });
    expect(result.server.peer?.userId).toBe('alice');
  });

  test("a client reads libzmq 4.3's misspelt PLAIN ERROR (5E 'RROR') as the refusal it is", () => {
    const client = new PlainMechanism('client', { username: 'a', password: 'b' });
    client.start();
    const step = client.receive(fromHex('5e52524f5203343030'));
    expect(expectFailed(step, 'ERR_PEER_ERROR').status).toBe(400);
  });

  test('a server does not accept that spelling from a client', () => {
    expectFailed(serverAwaitingHello().receive(fromHex('5e52524f5203343030')), 'ERR_MALFORMED_COMMAND');
  });
});
