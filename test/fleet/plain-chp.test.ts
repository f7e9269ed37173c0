import * as zmq from 'zeromq';
import type { Kvpub } from '../../src/fleet/codec';
import { FleetReplica } from '../../src/adapters/zeromq/fleet/replica';
import { FleetServer } from '../../src/adapters/zeromq/fleet/server';
import { FleetUpdater } from '../../src/adapters/zeromq/fleet/updater';
import { Closer, eventWhere, startServer } from './helpers';

const closer = new Closer();
afterEach(() => closer.closeAll());
const text = (s: string) => new TextEncoder().encode(s);

test('with curve off, plain RFC 12 peers take a snapshot, follow updates and send KVSET', async () => {
  const { server, port } = await startServer({ curve: false });
  closer.track(server);
  await server.set('/a', text('1'));
  const dealer = closer.track(new zmq.Dealer({ linger: 0 }));
  dealer.connect(`tcp://127.0.0.1:${port}`);
  await dealer.send(['ICANHAZ?', '']);
  const first = await dealer.receive();
  expect(first.map(String)).toEqual(['/a', '\0\0\0\0\0\0\0\x01', '', '', '1']);
  expect((await dealer.receive())[0]?.toString()).toBe('KTHXBAI');

  const replica = closer.track(FleetReplica.start({ port, curve: false }));
  await replica.ready;
  expect(new TextDecoder().decode(replica.get('/a')?.value)).toBe('1');
  const updater = closer.track(FleetUpdater.connect({ port, curve: false }));
  const followed = eventWhere<[Kvpub]>(replica.events, 'update', (u) => u.key === '/b');
  await updater.set('/b', text('2'));
  await followed;
  expect(replica.sequence).toBe(server.sequence);
});

test('curve is on unless turned off: keys are required, and misuse names the option', async () => {
  await expect(FleetServer.start({ port: 40000, group: 'g' })).rejects.toThrow(/"options.secretKey"/);
  await expect(FleetServer.start({ port: 40000, curve: 'no' as unknown as boolean })).rejects.toThrow(/"options.curve"/);
  await expect(FleetServer.start({ port: 65534, curve: false })).rejects.toThrow(/"options.port"/);
  expect(() => FleetReplica.start({ port: 40000 })).toThrow(/"options.secretKey"/);
  expect(() => FleetReplica.start({ port: 40000, curve: false, group: 'g', subtree: '/x/' })).toThrow(/"options.group"/);
  expect(() => FleetUpdater.connect({ port: 40000 })).toThrow(/"options.secretKey"/);
});
