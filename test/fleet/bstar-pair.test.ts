/**
 * A Binary Star pair in one process, over real sockets: who serves, what the passive server
 * refuses, KVSETs held pending by UUID and applied on takeover, and the state port's keys.
 */
import * as zmq from 'zeromq';
import { ChannelError } from '../../src/errors';
import { FleetReplica } from '../../src/adapters/zeromq/fleet/replica';
import { FleetServer } from '../../src/adapters/zeromq/fleet/server';
import { FleetUpdater } from '../../src/adapters/zeromq/fleet/updater';
import { curveKeyPair } from '../../src/keys';
import { bareCurve, Closer, eventually, eventWhere, pairOptions, until } from './helpers';

const text = (s: string) => new TextEncoder().encode(s);
const closer = new Closer();
afterEach(() => closer.closeAll());

/** Both servers on random ports, tried again when one is in use (other tests run beside us). */
async function startPair(admins: string[]) {
  for (let attempt = 0; ; attempt++) {
    const pair = pairOptions({ admins });
    let primary: FleetServer | undefined;
    try {
      primary = await FleetServer.start(pair.primary);
      const backup = await FleetServer.start(pair.backup);
      return await settled(pair, closer.track(primary), closer.track(backup));
    } catch (error) {
      await primary?.close();
      if (attempt > 10 || (error as { code?: string }).code !== 'EADDRINUSE') throw error;
    }
  }
}

async function settled(pair: ReturnType<typeof pairOptions>, primary: FleetServer, backup: FleetServer) {
  await until(primary.events, 'state', () => primary.state === 'active');
  await until(backup.events, 'state', () => backup.state === 'passive');
  return { ...pair, primary, backup };
}

it('only the active server serves: the passive one refuses snapshots and local sets', async () => {
  const client = curveKeyPair();
  const { primary, backup, servers, keys } = await startPair([client.publicKey]);
  await primary.set('/a', text('1'));
  // A replica pointed at the passive server alone never gets a snapshot.
  const stuck = closer.track(FleetReplica.start({ port: servers[1]!.port, serverKey: keys.backup.publicKey, secretKey: client.secretKey, heartbeatTimeout: 300 }));
  await eventually(() => backup.stats.notServed >= 2);
  expect(backup.state).toBe('passive');
  await stuck.close();
  await expect(stuck.ready).rejects.toMatchObject({ code: 'ERR_CHANNEL_CLOSED' });
  await expect(backup.set('/b', text('2'))).rejects.toThrow(ChannelError);
  // The passive server follows the active one's map.
  await eventually(() => backup.get('/a') !== undefined);
  expect(backup.sequence).toBe(primary.sequence);
});

it('the passive server holds a KVSET by UUID and applies it on takeover; one it saw published, it does not', async () => {
  const client = curveKeyPair();
  const { primary, backup, servers, keys } = await startPair([client.publicKey]);
  // To both servers: the primary publishes it, the backup sees that and lets it go.
  const both = closer.track(FleetUpdater.connect({ servers, secretKey: client.secretKey, heartbeatTimeout: 500 }));
  await both.ready;
  await both.set('/seen', text('x'));
  await both.acknowledged();
  await eventually(() => backup.sequence === primary.sequence);
  // To the backup alone (no client re-sends it): held pending.
  const toBackup = closer.track(FleetUpdater.connect({ port: servers[1]!.port, serverKey: keys.backup.publicKey, secretKey: client.secretKey }));
  await toBackup.ready;
  await toBackup.set('/held', text('y'));
  await eventually(() => backup.stats.held === 2);
  const before = backup.sequence;
  await both.close();
  await primary.close();
  // A client's snapshot request is the vote that lets the backup take over.
  const replica = closer.track(FleetReplica.start({ servers, secretKey: client.secretKey, heartbeatTimeout: 300 }));
  await replica.ready;
  expect(backup.state).toBe('active');
  expect(backup.sequence).toBe(before + 1); // '/held' only: '/seen' is not applied again
  expect(new TextDecoder().decode(replica.get('/held')!.value)).toBe('y');
  expect(replica.get('/seen')).toBeDefined();
});

it('the state port admits only the peer key', async () => {
  const { primary, backup, servers } = await startPair([]);
  const stranger = new zmq.Subscriber(bareCurve(curveKeyPair(), servers[0]!.serverKey));
  closer.track(stranger);
  stranger.subscribe();
  const refused = eventWhere(primary.events, 'refused', (_request: unknown, where: string) => where === 'state');
  stranger.connect(`tcp://127.0.0.1:${servers[0]!.port + 3}`);
  await refused;
  expect(primary.stats.refused.state).toBeGreaterThanOrEqual(1);
  expect(backup.stats.refused.state).toBe(0);
});

it('an updater gives up on an update the server refuses, after maxResends, and says so', async () => {
  const client = curveKeyPair();
  const { servers } = await startPair([client.publicKey]);
  const updater = closer.track(FleetUpdater.connect({ servers, secretKey: client.secretKey, heartbeatTimeout: 300, maxResends: 2 }));
  await updater.ready;
  // A /keys/ entry whose value is not key metadata: every server drops it (ERR_CHP_ENTRY).
  const unconfirmed = eventWhere<[Uint8Array]>(updater.events, 'unconfirmed', () => true);
  const uuid = await updater.set('/keys/fleet/not-a-key', text('x'));
  await updater.set('/fine', text('y'));
  await updater.acknowledged();
  expect(updater.pending).toBe(0);
  expect((await unconfirmed)[0]).toEqual(uuid);
});
