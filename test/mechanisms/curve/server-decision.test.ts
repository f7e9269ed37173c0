/**
 * The CURVE server at blob level: the decision step, mechanism mismatch and misuse, each test
 * named after its checklist row.
 */
import { CURVE, CurveServer } from '../../../mechanisms/curve';
import { allow, deny, utf8 } from '../../../src';
import { expectFailed } from '../../helpers/expect-error';
import { craftInitiate } from './craft';
import {
  clientKeys,
  handshake,
  makeClient,
  makeServerFactory,
  only,
  serverKeys,
} from './helpers';
import { honest, startedServer, welcomed } from './server-helpers';

describe('CURVE server: the decision step', () => {
  function atDecision() {
    const { c, server, welcome } = welcomed();
    const step = server.receive(craftInitiate(welcome, c, serverKeys.publicKey, { ...honest, metadata: { 'Socket-Type': 'DEALER', 'X-App': 'a' } }));
    return { server, step };
  }

  test('row 44: the request carries C (32 bytes and Z85), the client metadata and the mechanism name', () => {
    const { step, server } = atDecision();
    expect(step.status).toBe('handshaking');
    expect(server.protocolState).toBe('expectDecision');
    expect(step.auth?.mechanism).toBe('CURVE');
    expect(step.auth?.publicKey).toEqual(clientKeys.publicKey);
    expect(step.auth?.publicKeyZ85).toHaveLength(40);
    expect(step.auth?.metadata.getString('x-app')).toBe('a');
  });

  test('row 44: 200 → READY; the user id and the decision metadata reach the peer', () => {
    const { server } = atDecision();
    const step = server.authorize(allow('alice', { 'X-Role': 'admin' }));
    expect(step.status).toBe('ready');
    expect(only(step.send)[0]).toBe(5);
    expect(server.peer?.userId).toBe('alice');
    expect(server.peer?.authMetadata.getString('X-Role')).toBe('admin');
    expect(server.peer?.metadata.getString('Socket-Type')).toBe('DEALER');
    expect(server.peer?.publicKey).toEqual(clientKeys.publicKey);
  });

  test('row 44: the user id defaults to the client key in Z85', () => {
    const { server, step } = atDecision();
    server.authorize({ status: 200 });
    expect(server.peer?.userId).toBe(step.auth?.publicKeyZ85);
  });

  test('row 18/42: 400 → ERROR "400" (\\x05ERROR\\x03400) and ERR_AUTH_DENIED', () => {
    const { server } = atDecision();
    const step = server.authorize(deny());
    expectFailed(step, 'ERR_AUTH_DENIED');
    expect(only(step.send)).toEqual(utf8('\x05ERROR\x03400'));
  });

  test('row 42: 500 → ERROR "500" and ERR_AUTH_ERROR', () => {
    const { server } = atDecision();
    const step = server.authorize({ status: 500 });
    expectFailed(step, 'ERR_AUTH_ERROR');
    expect(only(step.send)).toEqual(utf8('\x05ERROR\x03500'));
  });

  test('row 42: 300 → silent failure ERR_AUTH_TEMPORARY', () => {
    const { server } = atDecision();
    const step = server.authorize({ status: 300 });
    expectFailed(step, 'ERR_AUTH_TEMPORARY');
    expect(step.send).toEqual([]);
  });

  test('row 43: a failing or nonsensical authorizer never allows (runHandshake turns it into 500)', async () => {
    const { runHandshake } = await import('../../../src');
    for (const authorizer of [() => { throw new Error('x'); }, () => Promise.reject(new Error('y')), () => ({ status: 999 }) as never]) {
      const result = await runHandshake(makeClient(), makeServerFactory()(), { authorizer });
      expect(result.server.status).toBe('failed');
      expect(result.server.error?.code).toBe('ERR_AUTH_ERROR');
      expect(result.client.error?.code).toBe('ERR_PEER_ERROR');
      expect(result.client.error?.status).toBe(500);
    }
  });

  test('row 43: the decision may arrive asynchronously; receiving meanwhile is a StateError', async () => {
    const { server } = atDecision();
    expect(() => server.receive(new Uint8Array([1, 65]))).toThrow(expect.objectContaining({ code: 'ERR_MECHANISM_STATE' }));
    await new Promise((resolve) => setImmediate(resolve));
    expect(server.authorize(allow()).status).toBe('ready');
  });

  test('row 43: a decision that arrives after destroy() is refused with a StateError and sends nothing', () => {
    const { server } = atDecision();
    server.destroy();
    expect(() => server.authorize(allow())).toThrow(expect.objectContaining({ code: 'ERR_MECHANISM_STATE' }));
    expect(server.status).toBe('failed');
    expect(server.peer).toBeUndefined();
  });

  test('the server never sends a user id or decision metadata on the wire', () => {
    const t = handshake(makeClient(), makeServerFactory()(), allow('secret-user-id', { 'X-Secret': 'classified-value' }));
    const wire = Buffer.concat([t.hello, t.welcome, t.initiate, t.ready]).toString('latin1');
    expect(wire).not.toContain('secret-user-id');
    expect(wire).not.toContain('classified-value');
  });

  test('sessions of one endpoint are independent: each gets its own READY and peer', () => {
    const factory = CURVE.server({ secretKey: serverKeys.secretKey });
    const a = handshake(makeClient(), factory() as CurveServer);
    const b = handshake(makeClient({ metadata: { 'X-Who': 'b' } }), factory() as CurveServer);
    expect(a.server.peer?.metadata.has('X-Who')).toBe(false);
    expect(b.server.peer?.metadata.getString('X-Who')).toBe('b');
  });
});

describe('CURVE server: mechanism mismatch and misuse', () => {
  test('row 9: a NULL or PLAIN client against a CURVE server fails it and the authorizer is never called', async () => {
    const { NULL, PLAIN } = await import('../../../mechanisms');
    const { runHandshake } = await import('../../../src');
    for (const client of [NULL.client({}), PLAIN.client({ username: 'u', password: 'p' })]) {
      const authorizer = jest.fn(() => true);
      const result = await runHandshake(client, makeServerFactory()(), { authorizer });
      expect(result.server.status).toBe('failed');
      expect(['ERR_UNEXPECTED_COMMAND', 'ERR_MALFORMED_COMMAND']).toContain(result.server.error?.code);
      expect(authorizer).not.toHaveBeenCalled();
    }
  });

  test('row 53: after a failure every call throws StateError and nothing more is produced', () => {
    const server = startedServer();
    expect(server.receive(utf8('\x05HELLO')).status).toBe('failed');
    for (const call of [() => server.receive(utf8('x')), () => server.authorize(allow()), () => server.encode(utf8('x')), () => server.decode(utf8('x')), () => server.start()]) {
      expect(call).toThrow(expect.objectContaining({ code: 'ERR_MECHANISM_STATE' }));
    }
  });

  test('row 44: an unknown metadata property of the client is undefined on the peer', () => {
    const t = handshake(makeClient({ metadata: { 'X-Known': 'k' } }));
    expect(t.server.peer?.metadata.getString('X-Known')).toBe('k');
    expect(t.server.peer?.metadata.get('X-Unknown')).toBeUndefined();
  });
});
