import { NullMechanism, NULL } from '../../mechanisms';
import { fromHex, runHandshake, StateError, toHex, utf8 } from '../../src';
import { expectFailed } from '../helpers/expect-error';

const dealerReady = '055245414459' + '0b536f636b65742d54797065' + '00000006' + '4445414c4552' + '084964656e74697479' + '00000000';

describe('NULL (RFC 23/37)', () => {
  test('client READY is byte-exact with the RFC 37 DEALER example', () => {
    const client = new NullMechanism('client', { metadata: [['Socket-Type', 'DEALER'], ['Identity', '']] });
    expect(toHex(client.start().send[0]!)).toBe(dealerReady);
  });

  test('handshake through the in-memory pair carries metadata both ways', async () => {
    const client = NULL.client({ metadata: { 'Socket-Type': 'DEALER', 'X-App': 'demo' } });
    const server = NULL.server({ metadata: { 'Socket-Type': 'ROUTER' } })();
    const { transcript } = await runHandshake(client, server);
    expect(transcript.map((t) => t.from)).toEqual(['client', 'server']);
    expect(client.status).toBe('ready');
    expect(server.status).toBe('ready');
    expect(client.peer?.metadata.getString('socket-type')).toBe('ROUTER');
    expect(server.peer?.metadata.getString('X-APP')).toBe('demo');
    expect(server.peer?.mechanism).toBe('NULL');
  });

  test('message parts keep MORE and COMMAND flags', async () => {
    const { client, server } = await runHandshake(NULL.client({}), NULL.server({})());
    const blob = client.encode(utf8('part'), { more: true });
    expect(server.decode(blob)).toEqual({ data: utf8('part'), more: true, command: false });
    expect(client.decode(server.encode(utf8('ping'), { command: true })).command).toBe(true);
  });

  test('reserved flag bits are rejected as malformed', async () => {
    const { server } = await runHandshake(NULL.client({}), NULL.server({})());
    expect(() => server.decode(fromHex('0461'))).toThrow(expect.objectContaining({ code: 'ERR_MALFORMED_COMMAND' }));
    expect(server.status).toBe('failed');
  });

  test('with authenticate, the server asks for a decision and sends ERROR 400 on deny (row 48)', async () => {
    const server = NULL.server({ authenticate: true })();
    const result = await runHandshake(NULL.client({}), server, { authorizer: () => false });
    expect(result.authRequests).toHaveLength(1);
    expect(result.authRequests[0]!.mechanism).toBe('NULL');
    expect(server.error?.code).toBe('ERR_AUTH_DENIED');
    expect(toHex(result.transcript[1]!.blob)).toBe('054552524f5203343030');
    expect(result.client.error?.code).toBe('ERR_PEER_ERROR');
    expect(result.client.error?.status).toBe(400);
  });

  test('a temporary failure (300) closes silently', async () => {
    const server = NULL.server({ authenticate: true })();
    const result = await runHandshake(NULL.client({}), server, { authorizer: () => ({ status: 300 }) });
    expect(server.error?.code).toBe('ERR_AUTH_TEMPORARY');
    expect(result.transcript).toHaveLength(1);
    expect(result.client.status).toBe('handshaking');
  });

  test('an unexpected command fails the server; a server never accepts ERROR', () => {
    const server = new NullMechanism('server');
    server.start();
    expectFailed(server.receive(fromHex('054552524f5203343030')), 'ERR_UNEXPECTED_COMMAND');
    expect(() => server.receive(fromHex('055245414459'))).toThrow(StateError);
  });
});
