/**
 * A Binary Star pair over real sockets: the primary runs in a child process (SIGKILL is real),
 * the backup here. 1,000 updates; the primary is killed half way; the backup takes over; both
 * replicas end with the same map, every update present once; then both servers restart from
 * their journals with the map intact.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FleetReplica } from '../../src/adapters/zeromq/fleet/replica';
import { FleetServer, type FleetServerOptions } from '../../src/adapters/zeromq/fleet/server';
import { FleetUpdater } from '../../src/adapters/zeromq/fleet/updater';
import { toHex } from '../../src/bytes';
import { Journal } from '../../src/fleet/journal';
import { curveKeyPair, type Z85KeyPair } from '../../src/keys';
import { Closer, eventually, pairOptions, spawnFleetServer, until, type ChildServer } from './helpers';

const HEARTBEAT = 100;
const CLIENT_TIMEOUT = 500;
const COUNT = 1000;
const text = (s: string) => new TextEncoder().encode(s);
const keyOf = (i: number) => `/test/${String(i).padStart(4, '0')}`;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'curvezmq-failover-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const closer = new Closer();
const children: ChildServer[] = [];
afterEach(async () => {
  await closer.closeAll();
  for (const { child } of children.splice(0)) child.kill('SIGKILL');
});

/** The primary in a child, the backup here, on random ports (tried again when one is in use). */
async function startPair(admins: string[]) {
  for (let attempt = 0; ; attempt++) {
    const pair = pairOptions({ admins, heartbeat: HEARTBEAT });
    const primaryOptions: FleetServerOptions = { ...pair.primary, journal: path.join(dir, 'primary.journal') };
    const backupOptions: FleetServerOptions = { ...pair.backup, journal: path.join(dir, 'backup.journal') };
    let primary: ChildServer | undefined;
    try {
      primary = await spawnFleetServer(primaryOptions);
      children.push(primary);
      const backup = closer.track(await FleetServer.start(backupOptions));
      return { primary, backup, primaryOptions, backupOptions, servers: pair.servers };
    } catch (error) {
      primary?.child.kill('SIGKILL');
      await primary?.exited;
      const inUse = String((error as Error).message).includes('EADDRINUSE') || (error as { code?: string }).code === 'EADDRINUSE';
      if (attempt > 5 || !inUse) throw error;
      for (const file of [primaryOptions.journal!, backupOptions.journal!]) fs.rmSync(file, { force: true });
    }
  }
}

/** The map as key -> value text. */
function contents(source: { entries(): Iterable<{ key: string; value: Uint8Array }> }): Map<string, string> {
  return new Map([...source.entries()].map((e) => [e.key, new TextDecoder().decode(e.value)]));
}

it('the backup takes over from a SIGKILLed primary mid-stream; no update lost or applied twice; journals restart intact', async () => {
  const clients: Z85KeyPair[] = [curveKeyPair(), curveKeyPair(), curveKeyPair(), curveKeyPair()];
  const [updaterKeys, r1Keys, r2Keys, r3Keys] = clients as [Z85KeyPair, Z85KeyPair, Z85KeyPair, Z85KeyPair];
  const t0 = Date.now();
  const step = (what: string) => process.env.DEBUG_FAILOVER && process.stderr.write(`${Date.now() - t0} ${what}\n`);
  const { primary, backup, primaryOptions, backupOptions, servers } = await startPair(clients.map((k) => k.publicKey));
  step('pair up');
  backup.events.on('state', (st) => step(`backup ${st.from} -> ${st.to}`));
  await until(backup.events, 'state', () => backup.state === 'passive');
  await primary.lines.waitFor((line) => line === 'state active');

  const replicas = [r1Keys, r2Keys].map((keys) => closer.track(FleetReplica.start({ servers, secretKey: keys.secretKey, heartbeatTimeout: CLIENT_TIMEOUT })));
  await Promise.all(replicas.map((r) => r.ready));
  const updater = closer.track(FleetUpdater.connect({ servers, secretKey: updaterKeys.secretKey, heartbeatTimeout: CLIENT_TIMEOUT }));
  await updater.ready;
  step('updater ready');
  updater.events.on('failover', (i, n) => step(`updater failover to ${i}, resent ${n}`));
  replicas.forEach((r, n) => r.events.on('failover', (i) => step(`replica ${n} failover to ${i}; backup served ${backup.stats.snapshots} refused ${backup.stats.notServed} undelivered ${backup.stats.undelivered}`)));
  replicas.forEach((r, n) => r.events.on('dropped', (e) => step(`replica ${n} dropped ${e.code} ${e.message}`)));
  replicas.forEach((r, n) => r.events.on('snapshot', (q) => step(`replica ${n} snapshot ${q}`)));
  // The first update acknowledged proves the primary's COLLECTOR has subscribed.
  await updater.set('/test/probe', text('probe'));
  await updater.acknowledged();

  // Every KVPUB the first replica applies, by UUID: an update applied twice shows up twice.
  const applied = new Map<string, number>();
  replicas[0]!.events.on('update', (update) => {
    if (update.uuid.length > 0) applied.set(toHex(update.uuid), (applied.get(toHex(update.uuid)) ?? 0) + 1);
  });
  let killedAt = 0;
  for (let i = 0; i < COUNT; i++) {
    if (i === COUNT / 2) {
      primary.child.kill('SIGKILL');
      killedAt = Date.now();
    }
    await updater.set(keyOf(i), text(`v${i}`));
  }
  step(`all sent; pending ${updater.pending}; backup held ${backup.stats.held} seq ${backup.sequence} state ${backup.state}`);
  await updater.acknowledged();
  step('all acknowledged');
  const takeover = Date.now() - killedAt;
  expect(await primary.exited).toBeNull(); // killed by the signal
  expect(backup.state).toBe('active');

  step(`backup seq ${backup.sequence}`);
  // Each update applied exactly once on the surviving line: sequences 1 (probe) .. 1 + COUNT.
  expect(backup.sequence).toBe(1 + COUNT);
  // A replica reaches it by updates or by a snapshot, whichever came last.
  await eventually(() => replicas.every((r) => r.sequence === backup.sequence));
  const expected = new Map([['/test/probe', 'probe'], ...Array.from({ length: COUNT }, (_, i) => [keyOf(i), `v${i}`] as [string, string])]);
  expect(contents(backup)).toEqual(expected);
  for (const replica of replicas) expect(contents(replica)).toEqual(expected);
  expect([...applied.values()].every((n) => n === 1)).toBe(true);
  console.log(`failover: backup took over and every update was acknowledged ${takeover} ms after SIGKILL; duplicates dropped: ${backup.stats.duplicates}`);

  // Stop both; restart from the journals. The backup's map is newer, so it becomes active and
  // the primary follows it (its journal replaced by the backup's map).
  await closer.closeAll();
  step('restarting');
  const backup2 = closer.track(await FleetServer.start(backupOptions));
  expect(contents(backup2)).toEqual(expected);
  expect(backup2.sequence).toBe(1 + COUNT);
  backup2.events.on('state', (st) => step(`backup2 ${st.from} -> ${st.to}`));
  const primary2 = await spawnFleetServer(primaryOptions);
  children.push(primary2);
  primary2.lines.on('line', (line) => step(`primary2: ${line}`));
  step(`primary2 up: ${primary2.lines.all.join('; ')}`);
  await until(backup2.events, 'state', () => backup2.state === 'active');
  await primary2.lines.waitFor((line) => line === 'state passive');
  const follower = closer.track(FleetReplica.start({ servers, secretKey: r3Keys.secretKey, heartbeatTimeout: CLIENT_TIMEOUT }));
  await follower.ready;
  step('follower ready');
  expect(contents(follower)).toEqual(expected);
  // The primary's older journal was never served: it went from primary to passive only.
  expect(primary2.lines.all.filter((line) => line.startsWith('state '))).toEqual(['state passive']);

  // The passive primary's journal now holds the same map: kill it and read the file.
  await primary2.lines.waitFor((line) => line === `followed ${1 + COUNT}`);
  primary2.child.kill('SIGKILL');
  await primary2.exited;
  const reread = Journal.open(primaryOptions.journal!);
  reread.journal.close();
  expect(new Map(reread.entries.map((e) => [e.key, new TextDecoder().decode(e.value)]))).toEqual(expected);
  expect(reread.sequence).toBe(1 + COUNT);
}, 30_000);
