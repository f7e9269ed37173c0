/**
 * `endSessions(publicKey, reason)`, the one call every server has, over real sockets: the
 * key's established session ends with `ERR_REVOKED` at the server and a failing next operation
 * at the client, another key's session goes on, a handshake of the key waiting for the
 * authorizer is refused, and misuse is a TypeError/RangeError naming the argument.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { allow, connect, createServer, CURVE, curveKeyPair, type AuthRequest } from '../../index';
import { ADAPTERS, CLIENT_CODE, startService, within, type Service } from './harness';


/** What a refused handshake fails with at the client: the mechanism's ERROR, or FileMQ's SRSLY. */
const REFUSED_CODE = { stream: 'ERR_PEER_ERROR', zeromq: 'ERR_PEER_ERROR', zmtp: 'ERR_PEER_ERROR', filemq: 'ERR_FILEMQ_REFUSED' } as const;

let service: Service | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

describe.each(ADAPTERS)('%s server: endSessions', (adapter) => {
  test("ends the key's session within 2 s (ERR_REVOKED at the server, a failing next operation at the client) and no other", async () => {
    service = await startService(adapter, () => true);
    const revoked = curveKeyPair();
    const other = curveKeyPair();
    const k = await service.connect(revoked);
    const l = await service.connect(other);
    await k.operate();

    const started = Date.now();
    await expect(service.server.endSessions(revoked.publicKey, 'test revocation')).resolves.toBe(1);
    await expect(within(k.serverEnded, 2000, 'the server-side end')).resolves.toMatchObject({ code: 'ERR_REVOKED' });
    await expect(within(k.operate(), 2000, "the client's next operation")).rejects.toMatchObject({ code: expect.stringMatching(CLIENT_CODE[adapter]) });
    expect(Date.now() - started).toBeLessThan(2000);
    await expect(within(l.operate(), 2000, "the other key's operation")).resolves.toBeUndefined();
    // Nothing left of that key: a second call ends nothing.
    await expect(service.server.endSessions(revoked.publicKey)).resolves.toBe(0);
  });

  test('refuses a handshake of the key that waits for the authorizer', async () => {
    const revoked = curveKeyPair();
    let asked!: () => void;
    const waiting = new Promise<void>((resolve) => (asked = resolve));
    // Holds the revoked key's decision until endSessions answers it; admits anyone else.
    const authorizer = (request: AuthRequest) => {
      if (request.publicKeyZ85 !== revoked.publicKey) return allow();
      asked();
      return new Promise<boolean>(() => undefined);
    };
    service = await startService(adapter, authorizer);
    const attempt = service.connect(revoked);
    attempt.catch(() => undefined);
    await within(waiting, 2000, 'the decision');
    await expect(service.server.endSessions(revoked.publicKey)).resolves.toBe(1);
    await expect(within(attempt, 2000, 'the refusal')).rejects.toMatchObject({ code: REFUSED_CODE[adapter] });
    const other = await service.connect(curveKeyPair());
    await expect(other.operate()).resolves.toBeUndefined();
  });

  test('misuse is a TypeError or RangeError naming the argument', async () => {
    service = await startService(adapter, () => true);
    const server = service.server;
    expect(() => server.endSessions(42 as unknown as string)).toThrow(TypeError);
    expect(() => server.endSessions('too short')).toThrow(/"publicKey"/);
    expect(() => server.endSessions(new Uint8Array(32))).toThrow(RangeError); // all zero
    expect(() => server.endSessions(curveKeyPair().publicKey, '')).toThrow(/"reason"/);
    expect(() => server.endSessions(curveKeyPair().publicKey, 7 as unknown as string)).toThrow(TypeError);
  });
});

test("a stream server whose application has no 'error' listener ends the session quietly: 'close' only", async () => {
  const serverKeys = curveKeyPair();
  const client = curveKeyPair();
  const closed = new Promise<unknown[]>((resolve) => {
    const server = createServer({ mechanism: CURVE, mechanismOptions: { secretKey: serverKeys.secretKey }, authorizer: () => true }, (stream) => {
      stream.on('close', (...args: unknown[]) => resolve(args));
    });
    service = { server, connect: () => Promise.reject(new Error('unused')), close: () => server.close() };
    server.listen(0, '127.0.0.1');
  });
  const server = service!.server as ReturnType<typeof createServer>;
  await once(server, 'listening');
  const stream = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, mechanism: CURVE, mechanismOptions: { secretKey: client.secretKey, serverKey: serverKeys.publicKey } });
  const failed = new Promise<Error>((resolve) => stream.on('error', resolve));
  await stream.handshake;
  await expect(server.endSessions(client.publicKey)).resolves.toBe(1);
  await expect(within(closed, 2000, "the server stream's close")).resolves.toBeDefined();
  await expect(within(failed, 2000, "the client's failure")).resolves.toMatchObject({ code: 'ERR_CHANNEL_CLOSED' });
});
