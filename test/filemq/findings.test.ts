/**
 * Issue 15's FileMQ findings, each against real sockets and a real file system: slots held
 * without authentication (1), the mechanism downgrade (3), writes through a symbolic link on
 * the client (4), a link swapped in on the server (5) and mechanisms left undestroyed (9).
 * Finding 7 runs in a child process of its own (`findings-race.test.ts`).
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as zmq from 'zeromq';
import { CURVE, NULL } from '../../mechanisms';
import { FileMqServer, syncFiles, TreeSink, TreeSource } from '../../src/adapters/zeromq/filemq';
import { ChannelError, generateKeyPair, type Mechanism, type MechanismDefinition, type ServerSessions } from '../../src';
import { ClientSession, encodeCommand, isFileMqError, PARTIAL_DIR, ServerSession, type Cheezburger, type ClientActions, type NamedFactory } from '../../src/filemq';
import { allowAny, allowKeys } from '../../src/trust';
import { removeDir, tempDir, writeTree } from './tree';

const serverKeys = generateKeyPair();
const clientKeys = generateKeyPair();
const dirs: string[] = [];
const servers: FileMqServer[] = [];

async function dir(label: string): Promise<string> {
  const made = await tempDir(label);
  dirs.push(made);
  return made;
}

async function serve(root: string, options: Partial<ConstructorParameters<typeof FileMqServer>[0]> = {}) {
  const server = new FileMqServer({ root, mechanism: NULL, authorizer: allowAny(), ...options } as ConstructorParameters<typeof FileMqServer>[0]);
  servers.push(server);
  return { server, endpoint: await server.bind('tcp://127.0.0.1:*') };
}

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await Promise.all(dirs.map(removeDir));
});

test('finding 1: three raw Dealers sending OHAI then junk every 400 ms do not lock a legitimate client out', async () => {
  const root = await dir('f1');
  await writeTree(root, { 'a.txt': 'alpha' });
  // Every slot is taken by the attackers; the handshake deadline is far away, so only the
  // eviction of the oldest undecided peering (and junk not counting as life) lets the client in.
  const { server, endpoint } = await serve(root, { maxSessions: 3, handshakeTimeout: 60_000 });
  const evicted: string[] = [];
  server.on('handshakeError', (error) => evicted.push((error as ChannelError).code));
  const attackers = Array.from({ length: 3 }, () => new zmq.Dealer({ linger: 0 }));
  const ohai = Buffer.from(encodeCommand({ name: 'OHAI', protocol: 'FILEMQ', version: 3, mechanisms: ['NULL'] }));
  for (const attacker of attackers) {
    attacker.connect(endpoint);
    await attacker.send(ohai);
    await attacker.receive(); // ORLY: the slot is held
  }
  expect(server.sessions).toBe(3);
  let rounds = 0;
  let twice!: () => void;
  const junkSent = new Promise<void>((resolve) => (twice = resolve));
  const junk = setInterval(() => {
    attackers.forEach((a) => void a.send(Buffer.from('zz')).catch(() => undefined));
    if (++rounds === 2) twice();
  }, 400);
  try {
    await junkSent; // the junk has flowed: in 0.1 it kept every slot alive
    expect(server.sessions).toBe(3);
    const into = await dir('f1-into');
    const result = await syncFiles({ endpoint, into, mechanism: NULL, handshakeTimeout: 5_000 });
    expect(result.files).toEqual(['a.txt']);
    expect(await readFile(join(into, 'a.txt'), 'utf8')).toBe('alpha');
    expect(evicted).toContain('ERR_LIMIT_REACHED');
  } finally {
    clearInterval(junk);
    attackers.forEach((a) => a.close());
  }
});

test('finding 3: a client offering a sealing mechanism beside NULL is a TypeError; a man in the middle answering NULL syncs nothing', async () => {
  // The man in the middle: a server that answers the client's offer with NULL.
  const evil = await dir('f3-evil');
  await writeTree(evil, { 'evil.sh': 'rm -rf ~' });
  const { endpoint } = await serve(evil);
  const into = await dir('f3-into');
  const offer = [
    { mechanism: CURVE, mechanismOptions: { secretKey: clientKeys.secretKey, serverKey: serverKeys.publicKey } },
    { mechanism: NULL },
  ];
  const refused = await syncFiles({ endpoint, into, mechanisms: offer, handshakeTimeout: 5_000 }).catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(TypeError);
  expect((refused as Error).message).toMatch(/"options\.mechanisms" offers CURVE.*beside NULL.*"options\.allowDowngrade"/);
  expect(await readdir(into)).toEqual([]);
  // Allowed on purpose, the downgrade happens and the result says which mechanism ran.
  const downgraded = await syncFiles({ endpoint, into, mechanisms: offer, allowDowngrade: true, handshakeTimeout: 5_000 });
  expect(downgraded.mechanism).toBe('NULL');
});

test('finding 3: the mechanism the server picked is reported with the result', async () => {
  const root = await dir('f3-good');
  await writeTree(root, { 'a.txt': 'alpha' });
  const { endpoint } = await serve(root, { mechanism: CURVE, mechanismOptions: { secretKey: serverKeys.secretKey } });
  const result = await syncFiles({
    endpoint,
    into: await dir('f3-good-into'),
    mechanism: CURVE,
    mechanismOptions: { secretKey: clientKeys.secretKey, serverKey: serverKeys.publicKey },
  });
  expect(result.mechanism).toBe('CURVE');
});

test('finding 4: with into/docs a link to ../outside, the server\'s docs/authorized_keys lands nowhere: ERR_FILEMQ_PATH', async () => {
  const root = await dir('f4-served');
  await writeTree(root, { 'docs/authorized_keys': 'ssh-ed25519 AAAA attacker' });
  const { endpoint } = await serve(root);
  const base = await dir('f4-client');
  const into = join(base, 'into');
  await mkdir(join(base, 'outside'), { recursive: true });
  await mkdir(into);
  await symlink('../outside', join(into, 'docs'));
  const error = await syncFiles({ endpoint, into, mechanism: NULL, handshakeTimeout: 5_000 }).catch((e: unknown) => e);
  expect(isFileMqError(error, 'ERR_FILEMQ_PATH')).toBe(true);
  expect((error as Error).message).toMatch(/docs is a symbolic link/);
  expect(await readdir(join(base, 'outside'))).toEqual([]);
});

test('finding 4: the sink refuses a link anywhere on the way, and a partial-file directory that is a link', async () => {
  const base = await dir('f4-sink');
  const outside = join(base, 'outside');
  await mkdir(join(outside, 'deep'), { recursive: true });
  const chunk = (path: string): Cheezburger => {
    const data = Buffer.from('x');
    const sha256 = new Uint8Array(createHash('sha256').update(data).digest());
    return { name: 'CHEEZBURGER', sequence: 0, path, offset: 0, eof: true, size: 1, sha256, data };
  };
  const deep = join(base, 'deep-into');
  await mkdir(join(deep, 'a'), { recursive: true });
  await symlink(outside, join(deep, 'a', 'b'));
  await expect(new TreeSink(deep).store(chunk('a/b/deep/x'))).rejects.toMatchObject({ code: 'ERR_FILEMQ_PATH' });
  const partial = join(base, 'partial-into');
  await mkdir(partial);
  await symlink(outside, join(partial, PARTIAL_DIR));
  await expect(new TreeSink(partial).store(chunk('y'))).rejects.toMatchObject({ code: 'ERR_FILEMQ_PATH' });
  expect(await readdir(outside)).toEqual(['deep']);
  expect(await readdir(join(outside, 'deep'))).toEqual([]);
});

test('finding 4: a chunk under .filemq-partial, or outside the subscribed path, fails the client with ERR_FILEMQ_PATH', async () => {
  for (const [subscription, path] of [['/', `${PARTIAL_DIR}/0123.json`], ['docs', 'other/x'], ['docs', 'docs2/x']] as const) {
    const factory: NamedFactory = { name: 'NULL', create: () => NULL.client({}) };
    const client = new ClientSession({ mechanisms: [factory], path: subscription });
    const served: ServerSession = new ServerSession({ mechanisms: [{ name: 'NULL', create: NULL.server({}) }], authorizer: allowAny(), onDecision: () => undefined });
    // Handshake and subscription, frame by frame, in memory.
    let last: ClientActions = client.start();
    let toServer = last.send;
    for (let round = 0; round < 4 && served.status !== 'planning'; round++) {
      const replies = toServer.flatMap((frame) => served.receive(frame).send);
      toServer = replies.flatMap((frame) => (last = client.receive(frame)).send);
    }
    expect(served.status).toBe('planning');
    const data = Buffer.from('x');
    const sha256 = new Uint8Array(createHash('sha256').update(data).digest());
    const offered = served.offer([{ path, size: 1, sha256, offset: 0 }], 1);
    offered.send.forEach((frame) => (last = client.receive(frame)));
    last.send.forEach((frame) => served.receive(frame)); // NOM: the credit for the chunk
    expect(served.nextRead()).toBeDefined();
    last = client.receive(served.chunk(data));
    expect(last.status).toBe('failed');
    expect(client.error?.code).toBe('ERR_FILEMQ_PATH');
    expect(last.store).toBeUndefined();
  }
});

test('finding 5: a file swapped for a link after the listing is not read; nor one behind a directory swapped for a link', async () => {
  const base = await dir('f5');
  const root = join(base, 'served');
  await writeTree(base, { 'served/a.txt': 'public', 'served/d/b.txt': 'public', 'secret/a.txt': 'SECRET', 'secret/d/b.txt': 'SECRET' });
  const source = new TreeSource(root);
  const manifest = await source.manifest('');
  expect(manifest.map((e) => e.path)).toEqual(['a.txt', 'd/b.txt']);
  // The same names and sizes, now reaching outside the served tree.
  await rm(join(root, 'a.txt'));
  await symlink(join(base, 'secret', 'a.txt'), join(root, 'a.txt'));
  await rename(join(root, 'd'), join(base, 'old-d'));
  await symlink(join(base, 'secret', 'd'), join(root, 'd'));
  for (const path of ['a.txt', 'd/b.txt']) {
    const read = await source.read({ path, offset: 0, length: 6 }).then((data) => Buffer.from(data).toString(), (e: unknown) => e);
    expect(isFileMqError(read, 'ERR_FILEMQ_CLOSED')).toBe(true);
  }
  // A new manifest does not list them either: the link and the file behind a linked directory.
  expect((await source.manifest('')).map((e) => e.path)).toEqual([]);
  // A regular file replaced by another regular file (another inode) is no longer the one listed.
  await writeTree(base, { 'served2/c.txt': 'first!' });
  const second = new TreeSource(join(base, 'served2'));
  await second.manifest('');
  await writeFile(join(base, 'served2', 'c.tmp'), 'other!');
  await rename(join(base, 'served2', 'c.tmp'), join(base, 'served2', 'c.txt'));
  await expect(second.read({ path: 'c.txt', offset: 0, length: 6 })).rejects.toMatchObject({ code: 'ERR_FILEMQ_CLOSED' });
});

/** Wraps `inner`, recording every mechanism made, on both sides, and which were destroyed. */
function tracked(inner: MechanismDefinition<never, never>) {
  const made: Mechanism[] = [];
  const destroyed = new Set<Mechanism>();
  const track = (mechanism: Mechanism): Mechanism => {
    const destroy = mechanism.destroy.bind(mechanism);
    mechanism.destroy = () => {
      destroyed.add(mechanism);
      destroy();
    };
    made.push(mechanism);
    return mechanism;
  };
  const definition = {
    name: inner.name,
    wire: inner.wire,
    client: (options: never) => track(inner.client(options)),
    server: (options: never): ServerSessions => {
      const sessions = inner.server(options);
      return Object.assign(() => track(sessions()), { close: () => sessions.close?.() });
    },
  };
  return { definition, made, undestroyed: () => made.filter((m) => !destroyed.has(m)).length };
}

test('finding 9: every mechanism FileMQ makes is destroyed: after a sync, a refusal, a failed handshake and the server\'s close', async () => {
  const root = await dir('f9');
  await writeTree(root, { 'a.txt': 'alpha' });
  const spy = tracked(CURVE as never);
  const { server, endpoint } = await serve(root, {
    mechanism: spy.definition as never,
    mechanismOptions: { secretKey: serverKeys.secretKey },
    authorizer: allowKeys([clientKeys.publicKey]),
  });
  const client = (secretKey: Uint8Array, serverKey = serverKeys.publicKey) => ({
    endpoint,
    mechanism: spy.definition as never,
    mechanismOptions: { secretKey, serverKey } as never,
    handshakeTimeout: 5_000,
  });
  await syncFiles({ ...client(clientKeys.secretKey), into: await dir('f9-a') });
  await expect(syncFiles({ ...client(generateKeyPair().secretKey), into: await dir('f9-b') })).rejects.toMatchObject({ code: 'ERR_FILEMQ_REFUSED' });
  await expect(syncFiles({ ...client(clientKeys.secretKey, generateKeyPair().publicKey), into: await dir('f9-c'), handshakeTimeout: 1_000 })).rejects.toThrow();
  // A client stopped while its peering is granted: the server holds a ready mechanism until close().
  const stop = new AbortController();
  const granted = new Promise<void>((resolve) => server.once('handshake', () => resolve()));
  const aborted = syncFiles({ ...client(clientKeys.secretKey), into: await dir('f9-d'), path: 'a.txt', signal: stop.signal, onProgress: () => undefined });
  await granted;
  stop.abort();
  await aborted.catch(() => undefined);
  await server.close();
  expect(spy.made.length).toBeGreaterThanOrEqual(7);
  expect(spy.undestroyed()).toBe(0);
});
