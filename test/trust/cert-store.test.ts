import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { decide, Metadata } from '../../src';
import {
  CertStore,
  certStore,
  createCertificate,
  formatCertificate,
  MAX_TRUST_FILE_SIZE,
  publicPart,
  saveCertificate,
  type Certificate,
  type ReloadResult,
  type TrustError,
} from '../../src/trust';
import { CZMQ_CLIENT, manualClock, useTempDir } from './helpers';

const dir = useTempDir();
const INTERVAL = 500;

function storeWithClock(options: { checkInterval?: number } = {}) {
  const clock = manualClock();
  const store = new CertStore(dir(), { checkInterval: options.checkInterval ?? INTERVAL, clock: clock.now });
  const invalid: TrustError[] = [];
  const reloads: ReloadResult[] = [];
  store.on('invalid', (error) => invalid.push(error));
  store.on('reload', (result) => reloads.push(result));
  return { store, clock, invalid, reloads };
}

async function put(name: string, cert: Certificate = createCertificate()): Promise<Certificate> {
  await fs.writeFile(path.join(dir(), name), formatCertificate(cert));
  return cert;
}

const curveRequest = (cert: Certificate) => ({
  mechanism: 'CURVE',
  publicKey: cert.publicKey,
  publicKeyZ85: cert.publicKeyZ85,
  metadata: Metadata.EMPTY,
});

describe('CertStore', () => {
  it('sees a new file on a lookup made the documented delay after the last scan, not before', async () => {
    const { store, clock } = storeWithClock();
    expect(await store.lookup(createCertificate().publicKey)).toBeUndefined();
    const cert = await put('alice');
    clock.advance(INTERVAL - 1);
    expect(await store.lookup(cert.publicKey)).toBeUndefined();
    clock.advance(1);
    expect((await store.lookup(cert.publicKey))?.publicKeyZ85).toBe(cert.publicKeyZ85);
  });

  it('sees a change at once on reload(), and reports what changed', async () => {
    const { store } = storeWithClock();
    await store.reload();
    const cert = await put('alice');
    expect(await store.reload()).toEqual({ added: ['alice'], changed: [], removed: [], invalid: [] });
    expect((await store.lookup(cert.publicKeyZ85))?.publicKey).toEqual(cert.publicKey);
  });

  it('sees a file replaced by one of the same size and mtime (czmq #2113)', async () => {
    const { store } = storeWithClock();
    const first = await put('peer', createCertificate({ metadata: { name: 'one' } }));
    const file = path.join(dir(), 'peer');
    const stamp = new Date('2026-01-01T00:00:00Z');
    await fs.utimes(file, stamp, stamp);
    const before = await fs.stat(file);
    await store.reload();
    expect(await store.lookup(first.publicKey)).toBeDefined();
    const second = await put('peer', createCertificate({ metadata: { name: 'two' } }));
    await fs.utimes(file, stamp, stamp);
    const after = await fs.stat(file);
    expect([after.size, after.mtimeMs]).toEqual([before.size, before.mtimeMs]);
    expect((await store.reload()).changed).toEqual(['peer']);
    expect(await store.lookup(first.publicKey)).toBeUndefined();
    expect((await store.lookup(second.publicKey))?.metadata.get('name')).toBe('two');
  });

  it('forgets a removed file: its key is no longer allowed', async () => {
    const { store, clock } = storeWithClock();
    const authorize = certStore(store);
    const cert = await put('alice');
    expect((await decide(authorize, curveRequest(cert))).status).toBe(200);
    await fs.unlink(path.join(dir(), 'alice'));
    clock.advance(INTERVAL);
    expect((await decide(authorize, curveRequest(cert))).status).toBe(400);
    expect(store.certificates()).toEqual([]);
  });

  it('keeps a key across a rename, reporting it as removed and added', async () => {
    const { store } = storeWithClock();
    const cert = await put('old-name');
    await store.reload();
    await fs.rename(path.join(dir(), 'old-name'), path.join(dir(), 'new-name'));
    const result = await store.reload();
    expect([result.added, result.removed]).toEqual([['new-name'], ['old-name']]);
    expect(await store.lookup(cert.publicKey)).toBeDefined();
  });

  it('reports a broken file once, skips it, and still loads the others', async () => {
    const { store, invalid } = storeWithClock();
    const good = await put('good');
    await fs.writeFile(path.join(dir(), 'broken'), 'curve\n    public-key = "not a key"\n');
    const result = await store.reload();
    expect(result.invalid.map((e) => [e.code, e.file, e.line])).toEqual([['ERR_CERT_MALFORMED', path.join(dir(), 'broken'), 2]]);
    expect(invalid).toHaveLength(1);
    expect(await store.lookup(good.publicKey)).toBeDefined();
    expect(store.certificates()).toHaveLength(1);
    expect((await store.reload()).invalid).toEqual([]);
    expect(invalid).toHaveLength(1);
    const fixed = await put('broken');
    expect((await store.reload()).changed).toEqual(['broken']);
    expect(await store.lookup(fixed.publicKey)).toBeDefined();
  });

  it('reports a file over MAX_TRUST_FILE_SIZE without reading it, and loads the others', async () => {
    const { store } = storeWithClock();
    const good = await put('good');
    const big = path.join(dir(), 'big');
    await fs.writeFile(big, '');
    await fs.truncate(big, MAX_TRUST_FILE_SIZE + 1);
    const result = await store.reload();
    expect(result.invalid.map((e) => [e.code, e.file])).toEqual([['ERR_FILE_TOO_LARGE', big]]);
    expect(await store.lookup(good.publicKey)).toBeDefined();
  });

  it('drops a key when its file turns broken', async () => {
    const { store } = storeWithClock();
    const cert = await put('alice');
    await store.reload();
    await fs.writeFile(path.join(dir(), 'alice'), 'garbage\n\tgarbage\n');
    expect((await store.reload()).invalid).toHaveLength(1);
    expect(await store.lookup(cert.publicKey)).toBeUndefined();
  });

  it('reads neither secret files nor dot-files', async () => {
    const { store } = storeWithClock();
    const secretOnly = createCertificate();
    await fs.writeFile(path.join(dir(), 'x_secret'), formatCertificate(secretOnly, { secret: true }));
    const hidden = await put('.hidden');
    await store.reload();
    expect(await store.lookup(secretOnly.publicKey)).toBeUndefined();
    expect(await store.lookup(hidden.publicKey)).toBeUndefined();
  });

  it('keeps no secret key from a secret certificate saved under a public name', async () => {
    const { store } = storeWithClock();
    const cert = createCertificate();
    await fs.writeFile(path.join(dir(), 'careless'), formatCertificate(cert, { secret: true }));
    expect((await store.lookup(cert.publicKey))?.secretKey).toBeUndefined();
  });

  it('accepts the CZMQ public certificate file', async () => {
    const { store } = storeWithClock();
    await fs.copyFile(CZMQ_CLIENT.publicFile, path.join(dir(), 'client.cert'));
    expect((await store.lookup(CZMQ_CLIENT.publicKey))?.metadata.get('organization')).toBe('curvezmq tests');
  });

  it('is empty while its directory is missing and loads it once created', async () => {
    const clock = manualClock();
    const sub = path.join(dir(), 'later');
    const store = new CertStore(sub, { clock: clock.now, checkInterval: INTERVAL });
    const invalid: TrustError[] = [];
    store.on('invalid', (e) => invalid.push(e));
    const cert = createCertificate();
    expect(await store.lookup(cert.publicKey)).toBeUndefined();
    await fs.mkdir(sub);
    await saveCertificate(publicPart(cert), path.join(sub, 'alice'));
    clock.advance(INTERVAL);
    expect(await store.lookup(cert.publicKey)).toBeDefined();
    expect(invalid).toEqual([]);
  });

  it('reports a directory it cannot list and lets no one in', async () => {
    const file = path.join(dir(), 'not-a-dir');
    await fs.writeFile(file, '');
    const store = new CertStore(file);
    const result = await store.reload();
    expect(result.invalid.map((e) => e.code)).toEqual(['ERR_FILE_UNREADABLE']);
    expect(store.certificates()).toEqual([]);
  });

  it('runs one scan for lookups that arrive together', async () => {
    const { store, reloads } = storeWithClock();
    const cert = await put('alice');
    const found = await Promise.all([1, 2, 3].map(() => store.lookup(cert.publicKey)));
    expect(found.every((c) => c?.publicKeyZ85 === cert.publicKeyZ85)).toBe(true);
    expect(reloads).toHaveLength(1);
  });

  it('scans on every lookup with checkInterval 0', async () => {
    const { store, reloads } = storeWithClock({ checkInterval: 0 });
    await store.lookup(CZMQ_CLIENT.publicKey);
    await store.lookup(CZMQ_CLIENT.publicKey);
    expect(reloads).toHaveLength(2);
  });

  it('rejects misuse with TypeError and RangeError', async () => {
    expect(() => new CertStore('')).toThrow(TypeError);
    expect(() => new CertStore(dir(), { checkInterval: -1 })).toThrow(RangeError);
    expect(() => new CertStore(dir(), { checkInterval: Number.NaN })).toThrow(/checkInterval/);
    await expect(new CertStore(dir()).lookup('short')).rejects.toThrow(RangeError);
  });
});
