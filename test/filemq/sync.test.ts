/**
 * FileMQ over real zeromq sockets on tcp://127.0.0.1: whole trees, resync, resume, refusal and
 * credit, with CURVE.
 */
import { CURVE, defaultRegistry, NULL } from '../../mechanisms';
import type { MechanismChoice } from '../../src/adapters/zeromq';
import { FileMqServer, syncFiles, type SyncOptions } from '../../src/adapters/zeromq/filemq';
import { isFileMqError } from '../../src/filemq';
import { generateKeyPair, keyToZ85, StateError } from '../../src';
import { allowAny } from '../../src/trust';
import { SpyDefinition } from '../helpers/spy-definition';
import { hashTree, patternBytes, removeDir, tempDir, writeTree } from './tree';
import { existsSync } from 'node:fs';
import * as net from 'node:net';
import * as zmq from 'zeromq';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

const serverKeys = generateKeyPair();
const clientKeys = generateKeyPair();
const strangerKeys = generateKeyPair();
const allowed = new Set([keyToZ85(clientKeys.publicKey)]);

const MB = 1024 * 1024;
let served: string;
let endpoint: string;
let server: FileMqServer;
const dirs: string[] = [];

/** The client by definition (the server below takes its mechanism by name). */
function curveClient(secretKey: Uint8Array): MechanismChoice {
  return { mechanism: CURVE, mechanismOptions: { secretKey, serverKey: serverKeys.publicKey } };
}

async function into(label: string): Promise<string> {
  const dir = await tempDir(label);
  dirs.push(dir);
  return dir;
}

beforeAll(async () => {
  served = await tempDir('served');
  const small: Record<string, Uint8Array | string> = {};
  for (let i = 0; i < 40; i++) small[`many/file-${String(i).padStart(2, '0')}.txt`] = `small file ${i}\n`.repeat(i);
  await writeTree(served, {
    'empty.bin': '',
    'tiny.txt': 'x',
    'big/fifty.bin': patternBytes(50 * MB, 50),
    'deep/a/b/c.txt': 'nested',
    'medium/one.bin': patternBytes(MB + 17, 1),
    'resume/twelve.bin': patternBytes(12 * MB, 12),
    ...small,
  });
  server = new FileMqServer({
    root: served,
    mechanism: 'CURVE',
    registry: defaultRegistry,
    mechanismOptions: { secretKey: serverKeys.secretKey },
    authorizer: (request) => request.publicKeyZ85 !== undefined && allowed.has(request.publicKeyZ85),
  });
  endpoint = await server.bind('tcp://127.0.0.1:*');
});

afterAll(async () => {
  await server.close();
  await removeDir(served);
  await Promise.all(dirs.map(removeDir));
});

// The 50 MB case takes a few seconds; a loaded machine gets room before jest gives up.
test('a tree (empty, tiny, 50 MB, many small, nested) arrives identical, and a second sync sends nothing', async () => {
  const dir = await into('tree');
  const first = await syncFiles({ endpoint, into: dir, ...curveClient(clientKeys.secretKey) });
  expect(await hashTree(dir)).toEqual(await hashTree(served));
  expect(first.files).toHaveLength(46);
  expect(first.bytes).toBe(Object.values(await sizes(served)).reduce((a, b) => a + b, 0));
  expect(first.peer?.mechanism).toBe('CURVE');

  const second = await syncFiles({ endpoint, into: dir, ...curveClient(clientKeys.secretKey) });
  expect(second.files).toEqual([]);
  expect(second.bytes).toBe(0);
  expect(await hashTree(dir)).toEqual(await hashTree(served));
  expect(existsSync(join(dir, '.filemq-partial'))).toBe(false);
}, 60_000);

test('a subscription to one directory fetches only that directory', async () => {
  const dir = await into('sub');
  const result = await syncFiles({ endpoint, into: dir, path: '/deep', ...curveClient(clientKeys.secretKey) });
  expect(result.files).toEqual(['deep/a/b/c.txt']);
  expect(Object.keys(await hashTree(dir))).toEqual(['deep/a/b/c.txt']);
  const again = await syncFiles({ endpoint, into: dir, path: '/deep', ...curveClient(clientKeys.secretKey) });
  expect(again.files).toEqual([]);
});

test('a path that names nothing on the server is ERR_FILEMQ_NOT_FOUND, and nothing is written', async () => {
  const dir = join(await into('notfound'), 'target');
  const error = await syncFiles({ endpoint, into: dir, path: 'deep/a/nope', ...curveClient(clientKeys.secretKey) }).catch((e: unknown) => e);
  expect(isFileMqError(error, 'ERR_FILEMQ_NOT_FOUND')).toBe(true);
  expect(existsSync(dir)).toBe(false);
});

test('a connection killed mid-file resumes without resending completed chunks', async () => {
  const dir = await into('resume');
  const controller = new AbortController();
  const options: SyncOptions = { endpoint, into: dir, path: 'resume', ...curveClient(clientKeys.secretKey) };
  const killed = syncFiles({
    ...options,
    signal: controller.signal,
    onProgress: (p) => {
      if (p.receivedBytes >= 4 * MB) controller.abort();
    },
  });
  await expect(killed).rejects.toMatchObject({ code: 'ERR_FILEMQ_CLOSED' });
  expect(await hashTree(dir)).toEqual({}); // nothing unverified under its own name
  const partials = await readdir(join(dir, '.filemq-partial'));
  const part = partials.find((name) => name.endsWith('.part'))!;
  const kept = (await stat(join(dir, '.filemq-partial', part))).size;
  expect(kept).toBeGreaterThanOrEqual(4 * MB);
  expect(kept).toBeLessThan(12 * MB);

  let firstOffset = -1;
  const resumed = await syncFiles({
    ...options,
    onProgress: (p) => {
      if (firstOffset < 0) firstOffset = p.chunk.offset;
    },
  });
  expect(firstOffset).toBe(kept);
  expect(resumed.bytes).toBe(12 * MB - kept);
  expect(await hashTree(dir)).toEqual({ 'resume/twelve.bin': (await hashTree(served))['resume/twelve.bin'] });
});

test('a server killed mid-file: the client times out, and a sync with a restarted server resumes', async () => {
  const dir = await into('server-killed');
  const serverOptions = {
    root: served,
    mechanism: 'CURVE',
    registry: defaultRegistry,
    mechanismOptions: { secretKey: serverKeys.secretKey },
    authorizer: () => true,
  };
  const first = new FileMqServer(serverOptions);
  const firstEndpoint = await first.bind('tcp://127.0.0.1:*');
  const broken = syncFiles({
    endpoint: firstEndpoint,
    into: dir,
    path: 'resume',
    ...curveClient(clientKeys.secretKey),
    idleTimeout: 1000,
    onProgress: (p) => {
      if (p.receivedBytes >= 4 * MB) void first.close();
    },
  });
  await expect(broken).rejects.toMatchObject({ code: 'ERR_FILEMQ_TIMEOUT' });
  const second = new FileMqServer(serverOptions);
  try {
    const resumed = await syncFiles({ endpoint: await second.bind('tcp://127.0.0.1:*'), into: dir, path: 'resume', ...curveClient(clientKeys.secretKey) });
    expect(resumed.bytes).toBeLessThanOrEqual(8 * MB);
    expect(await hashTree(dir)).toEqual({ 'resume/twelve.bin': (await hashTree(served))['resume/twelve.bin'] });
  } finally {
    await second.close();
  }
});

test('a connection cut by the network mid-file: the sync retries on its own and fetches every byte once', async () => {
  const dir = await into('cut');
  // A TCP proxy between client and server, so the test can cut the connection itself.
  const sockets = new Set<net.Socket>();
  const proxy = net.createServer((downstream) => {
    const upstream = net.connect(Number(new URL(endpoint).port), '127.0.0.1');
    const cut = () => {
      downstream.destroy();
      upstream.destroy();
    };
    for (const socket of [downstream, upstream]) {
      sockets.add(socket);
      socket.on('error', cut).on('close', cut);
    }
    downstream.pipe(upstream).pipe(downstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  try {
    let cut = false;
    const result = await syncFiles({
      endpoint: `tcp://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`,
      into: dir,
      path: 'resume',
      ...curveClient(clientKeys.secretKey),
      idleTimeout: 1000,
      retries: 3,
      onProgress: (p) => {
        if (cut || p.receivedBytes < 4 * MB) return;
        cut = true;
        for (const socket of sockets) socket.destroy();
      },
    });
    expect(cut).toBe(true);
    expect(result.attempts).toBeGreaterThanOrEqual(2);
    expect(result.bytes).toBe(12 * MB); // nothing fetched twice
    expect(result.files).toEqual(['resume/twelve.bin']);
    expect(await hashTree(dir)).toEqual({ 'resume/twelve.bin': (await hashTree(served))['resume/twelve.bin'] });
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => proxy.close(resolve));
  }
});

test('a client with an unknown key is refused and writes nothing', async () => {
  const dir = join(await into('refused'), 'target');
  let chunks = 0;
  const onChunk = () => (chunks += 1);
  let onClose!: (route: string, error: Error | undefined) => void;
  const closed = new Promise<Error | undefined>((resolve) => (onClose = (_route, error) => resolve(error)));
  server.on('chunk', onChunk).once('session:close', onClose);
  const before = server.sessions;
  const attempt = syncFiles({ endpoint, into: dir, ...curveClient(strangerKeys.secretKey), retries: 3 });
  const error = await attempt.catch((e: unknown) => e);
  const refusal = await closed;
  server.off('chunk', onChunk);
  expect(isFileMqError(error, 'ERR_FILEMQ_REFUSED')).toBe(true);
  expect(existsSync(dir)).toBe(false);
  // The server refused and forgot the peer without sending a single file byte.
  expect(chunks).toBe(0);
  expect(isFileMqError(refusal, 'ERR_FILEMQ_REFUSED')).toBe(true);
  expect(server.sessions).toBe(before); // forgotten at once
});

test('a client that does not know the server key fails the handshake and writes nothing', async () => {
  const dir = join(await into('wrongserver'), 'target');
  const wrong = { secretKey: clientKeys.secretKey, serverKey: strangerKeys.publicKey };
  const error = await syncFiles({ endpoint, into: dir, mechanism: 'CURVE', registry: defaultRegistry, mechanismOptions: wrong }).catch((e: unknown) => e);
  // The server cannot open HELLO, so it answers SRSLY: no file-protocol byte was served.
  expect(isFileMqError(error, 'ERR_FILEMQ_REFUSED')).toBe(true);
  expect(existsSync(dir)).toBe(false);
});

test('credit is respected: with a small window the server splits chunks and never exceeds the grant', async () => {
  const dir = await into('credit');
  const window = 96 * 1024;
  let maxChunk = 0;
  let violations = 0;
  const result = await syncFiles({
    endpoint,
    into: dir,
    path: 'medium',
    ...curveClient(clientKeys.secretKey),
    credit: { window, slice: 16 * 1024 },
    onProgress: (p) => {
      maxChunk = Math.max(maxChunk, p.chunk.data.length);
      if (p.receivedBytes > p.grantedBytes) violations += 1;
    },
  });
  expect(result.files).toEqual(['medium/one.bin']);
  expect(result.bytes).toBe(MB + 17);
  expect(violations).toBe(0);
  expect(maxChunk).toBeLessThanOrEqual(window);
  expect(await hashTree(dir)).toEqual({ 'medium/one.bin': (await hashTree(served))['medium/one.bin'] });
});

test('many clients at once each receive an identical copy; each peering is known by its key and ends', async () => {
  const targets = await Promise.all([1, 2, 3, 4, 5].map((i) => into(`many-${i}`)));
  const readyKeys: string[] = [];
  const routes = new Set<string>();
  const onReady = (peer: { publicKeyZ85?: string }, origin: { sessionId?: string }) => {
    routes.add(origin.sessionId!);
    readyKeys.push(peer.publicKeyZ85 ?? '');
  };
  const closeErrors: Array<Error | undefined> = [];
  let allClosed!: () => void;
  const closed = new Promise<void>((resolve) => (allClosed = resolve));
  // Only this test's peerings count: an earlier test's cut peering may expire meanwhile.
  const onClose = (route: string, error: Error | undefined) => {
    if (!routes.has(route)) return;
    closeErrors.push(error);
    if (closeErrors.length === 5) allClosed();
  };
  server.on('handshake', onReady).on('session:close', onClose);
  const results = await Promise.all(
    targets.map((dir) => syncFiles({ endpoint, into: dir, path: 'many', ...curveClient(clientKeys.secretKey) })),
  );
  const expected = Object.fromEntries(Object.entries(await hashTree(served)).filter(([path]) => path.startsWith('many/')));
  for (const [index, dir] of targets.entries()) {
    expect(results[index]!.files).toHaveLength(40);
    expect(await hashTree(dir)).toEqual(expected);
  }
  await closed;
  server.off('handshake', onReady).off('session:close', onClose);
  expect(readyKeys).toEqual(Array(5).fill(keyToZ85(clientKeys.publicKey)));
  expect(closeErrors).toEqual(Array(5).fill(undefined)); // each ended by KTHXBAI, not a fault
});

test('a server that never answers is ERR_FILEMQ_TIMEOUT at once (no retry before access), and nothing is written', async () => {
  const silent = new zmq.Router({ linger: 0 });
  try {
    await silent.bind('tcp://127.0.0.1:*');
    let opened = 0;
    void (async () => {
      for await (const [, frame] of silent) if (frame?.[2] === 1) opened += 1; // OHAI
    })();
    const dir = join(await into('silent'), 'target');
    const error = await syncFiles({ endpoint: silent.lastEndpoint!, into: dir, ...curveClient(clientKeys.secretKey), handshakeTimeout: 300, retries: 5 }).catch((e: unknown) => e);
    expect(isFileMqError(error, 'ERR_FILEMQ_TIMEOUT')).toBe(true);
    expect((error as Error).message).toMatch(/handshaking/);
    expect(opened).toBe(1); // one attempt: a silent server is not retried
    expect(existsSync(dir)).toBe(false);
  } finally {
    silent.close();
  }
});

test('several mechanisms in order of preference: the server picks the first the client offers', async () => {
  const both = new FileMqServer({
    root: served,
    mechanisms: [
      { mechanism: CURVE, mechanismOptions: { secretKey: serverKeys.secretKey } },
      { mechanism: 'NULL', registry: defaultRegistry },
    ],
    authorizer: () => true,
  });
  try {
    const at = await both.bind('tcp://127.0.0.1:*');
    const curve = await syncFiles({ endpoint: at, into: await into('list-curve'), path: 'tiny.txt', ...curveClient(clientKeys.secretKey) });
    expect(curve.peer?.mechanism).toBe('CURVE');
    const plain = await syncFiles({ endpoint: at, into: await into('list-null'), path: 'tiny.txt', mechanisms: [{ mechanism: NULL }] });
    expect(plain.peer?.mechanism).toBe('NULL');
  } finally {
    await both.close();
  }
});

test('close() closes each mechanism\'s server factory once: CURVE\'s cookie keys are wiped', async () => {
  const spy = new SpyDefinition(CURVE);
  const closing = new FileMqServer({ root: served, mechanism: spy, mechanismOptions: { secretKey: serverKeys.secretKey }, authorizer: () => true });
  const at = await closing.bind('tcp://127.0.0.1:*');
  await syncFiles({ endpoint: at, into: await into('closing'), path: 'tiny.txt', ...curveClient(clientKeys.secretKey) });
  expect(spy.made).toBe(1);
  await closing.close();
  await closing.close();
  expect(spy.closes).toBe(1);
  expect(() => spy.servers[0]!()).toThrow(StateError);
});

test('caller misuse is a TypeError or RangeError naming the argument', async () => {
  const choice = curveClient(clientKeys.secretKey);
  await expect(syncFiles({ endpoint: 5 as unknown as string, into: '/tmp/x', ...choice })).rejects.toThrow(/"endpoint"/);
  await expect(syncFiles({ endpoint, into: '', ...choice })).rejects.toThrow(/"into"/);
  await expect(syncFiles({ endpoint, into: '/tmp/x', path: '../up', ...choice })).rejects.toThrow(RangeError);
  await expect(syncFiles({ endpoint, into: '/tmp/x', mechanisms: [] })).rejects.toThrow('"options.mechanisms" expected at least one mechanism');
  await expect(syncFiles({ endpoint, into: '/tmp/x', mechanisms: [choice, { mechanism: 'NULL' }] })).rejects.toThrow(
    '"options.mechanisms[1].registry" is required when "options.mechanisms[1].mechanism" is a name',
  );
  await expect(syncFiles({ endpoint, into: '/tmp/x', ...choice, mechanisms: [choice] } as never)).rejects.toThrow('"options.mechanism" and "options.mechanisms" cannot both be given');
  await expect(syncFiles({ endpoint, into: '/tmp/x', mechanisms: 'CURVE' as never })).rejects.toThrow('"options.mechanisms" expected an array');
  expect(() => new FileMqServer({ root: '', ...choice, authorizer: allowAny() })).toThrow(/"root"/);
  expect(() => new FileMqServer({ root: '/tmp/x', mechanism: 'CURVE', authorizer: allowAny() })).toThrow(
    '"options.registry" is required when "options.mechanism" is a name',
  );
  expect(() => new FileMqServer({ root: '/tmp/x', ...choice } as never)).toThrow(
    new TypeError('"options.authorizer" is required: pass a function deciding who may enter (allowAny() lets everyone in)'),
  );
  expect(() => new FileMqServer({ root: '/tmp/x', ...choice, authorizer: allowAny(), handshakeTimeout: 0 })).toThrow(RangeError);
  expect(() => new FileMqServer({ root: '/tmp/x', ...choice, authorizer: allowAny(), maxHandshakes: 0 })).toThrow('"options.maxHandshakes"');
  await expect(syncFiles({ endpoint, into: '/tmp/x', ...choice, idleTimeout: -1 })).rejects.toThrow('"options.idleTimeout"');
});

async function sizes(root: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const path of Object.keys(await hashTree(root))) out[path] = (await stat(join(root, path))).size;
  return out;
}
