import { runHandshake, defaultRegistry, utf8, fromUtf8 } from '../index';

test('NULL and PLAIN handshake in memory', async () => {
  const n = await runHandshake(defaultRegistry.client('NULL', { metadata: { 'Socket-Type': 'DEALER' } }), defaultRegistry.server('NULL', {})());
  expect(n.client.status).toBe('ready');
  expect(n.server.peer?.metadata.getString('socket-type')).toBe('DEALER');
  const p = await runHandshake(defaultRegistry.client('PLAIN', { username: 'u', password: 'p' }), defaultRegistry.server('PLAIN', {})(), { authorizer: (r) => r.password === 'p' });
  expect(p.server.status).toBe('ready');
  expect(fromUtf8(p.server.decode(p.client.encode(utf8('hi'))).data)).toBe('hi');
});
