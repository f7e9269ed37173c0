import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Journal } from '../../src/fleet/journal';
import { crc32, decodeRecords, encodeRecord, type JournalRecord } from '../../src/fleet/journal-record';
import { FleetServer } from '../../src/adapters/zeromq/fleet/server';
import { Closer, startServer } from './helpers';

const closer = new Closer();
afterEach(() => closer.closeAll());
const text = (s: string) => new TextEncoder().encode(s);
const none = new Uint8Array(0);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'curvezmq-fleet-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => path.join(dir, `journal-${++n}`);

const records: JournalRecord[] = [
  { type: 'update', sequence: 1, key: '/a', uuid: new Uint8Array(16).fill(1), properties: { ttl: '9' }, value: text('1'), expiresAt: 123456 },
  { type: 'update', sequence: 2, key: '/b', uuid: none, properties: {}, value: text('2') },
  { type: 'mark', sequence: 5 },
];
const concat = (parts: Uint8Array[]) => Buffer.concat(parts);

describe('journal records', () => {
  it('crc32 is zlib\'s', () => {
    expect(crc32(text('123456789'))).toBe(0xcbf43926);
  });

  it('a torn tail, at every byte of the last record, loads up to the last good record', () => {
    const good = concat(records.slice(0, 2).map(encodeRecord));
    const last = encodeRecord(records[2]!);
    for (let cut = 1; cut < last.length; cut++) {
      const result = decodeRecords(concat([good, last.subarray(0, cut)]));
      expect(result.records).toHaveLength(2);
      expect(result.good).toBe(good.length);
      expect(result.error?.code).toBe('ERR_CHP_ENTRY');
    }
    expect(decodeRecords(concat([good, last])).records).toEqual(records);
  });

  it('a corrupted byte anywhere stops reading at the record it hit', () => {
    const all = concat(records.map(encodeRecord));
    const first = encodeRecord(records[0]!).length;
    for (let i = 0; i < all.length; i++) {
      const bad = Buffer.from(all);
      bad[i] = bad[i]! ^ 0x40;
      const result = decodeRecords(bad);
      expect(result.records.length).toBeLessThan(3);
      if (i >= first) expect(result.records[0]).toEqual(records[0]);
    }
  });
});

describe('Journal', () => {
  it('keeps appended updates across reopen, compacting deletes and keeping the sequence', () => {
    const file = fresh();
    const first = Journal.open(file);
    expect(first.sequence).toBe(0);
    first.journal.append({ command: 'KVPUB', key: '/a', sequence: 1, uuid: none, properties: {}, value: text('1') });
    first.journal.append({ command: 'KVPUB', key: '/b', sequence: 2, uuid: none, properties: {}, value: text('2') }, 99);
    first.journal.append({ command: 'KVPUB', key: '/a', sequence: 3, uuid: none, properties: {}, value: none });
    first.journal.close();
    const second = Journal.open(file);
    expect(second.entries.map((e) => [e.key, e.sequence, e.expiresAt])).toEqual([['/b', 2, 99]]);
    expect(second.sequence).toBe(3);
    expect(second.cut).toBeUndefined();
    second.journal.close();
    // Compacted: one update and a mark.
    expect(decodeRecords(fs.readFileSync(file)).records.map((r) => r.type)).toEqual(['update', 'mark']);
  });

  it('cuts a corrupt tail and never serves it', () => {
    const file = fresh();
    const { journal } = Journal.open(file);
    journal.append({ command: 'KVPUB', key: '/a', sequence: 1, uuid: none, properties: {}, value: text('1') });
    journal.close();
    fs.appendFileSync(file, Buffer.from([0, 0, 0, 40, 1, 2, 3]));
    const loaded = Journal.open(file);
    expect(loaded.cut).toMatchObject({ bytes: 7, error: { code: 'ERR_CHP_ENTRY' } });
    expect(loaded.entries.map((e) => e.key)).toEqual(['/a']);
    loaded.journal.close();
    expect(Journal.open(file).cut).toBeUndefined();
  });
});

test('a fleet server restarted on its journal serves the same map and sequence', async () => {
  const file = fresh();
  const { server, port, keys, admin } = await startServer({ journal: file });
  await server.set('/config/a', text('1'));
  await server.set('/config/b', text('2'));
  await server.set('/config/a', none);
  const sequence = server.sequence;
  await server.close();
  fs.appendFileSync(file, Buffer.from('torn tail'));
  const again = closer.track(await FleetServer.start({ port, secretKey: keys.secretKey, group: 'fleet', admins: [admin.publicKey], journal: file }));
  expect(again.journalCut?.bytes).toBe(9);
  expect(again.sequence).toBe(sequence);
  expect(again.get('/config/a')).toBeUndefined();
  expect(new TextDecoder().decode(again.get('/config/b')?.value)).toBe('2');
  expect((await again.set('/config/c', text('3'))).sequence).toBe(sequence + 1);
});
