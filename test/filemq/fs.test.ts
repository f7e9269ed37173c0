/**
 * The file-system modules: the server's manifest and reads, the client's cache, partial files,
 * verification and moving into place.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PARTIAL_DIR, TreeSink, TreeSource } from '../../src/adapters/zeromq/filemq';
import { isFileMqError, type Cheezburger } from '../../src/filemq';
import { hashTree, patternBytes, removeDir, tempDir, writeTree } from './tree';

const sha = (data: Uint8Array) => new Uint8Array(createHash('sha256').update(data).digest());
let dir: string;

beforeEach(async () => {
  dir = await tempDir('fs');
});
afterEach(() => removeDir(dir));

function chunks(path: string, data: Buffer, size: number, digest = sha(data)): Cheezburger[] {
  const out: Cheezburger[] = [];
  for (let offset = 0; offset < data.length || out.length === 0; offset += size) {
    const piece = data.subarray(offset, offset + size);
    out.push({ name: 'CHEEZBURGER', sequence: out.length, path, offset, eof: offset + piece.length === data.length, size: data.length, sha256: digest, data: piece });
  }
  return out;
}

test('the manifest lists regular files with their SHA-256, skipping links and partial files', async () => {
  await writeTree(dir, { 'a.txt': 'alpha', 'd/b.txt': 'beta', [`${PARTIAL_DIR}/x.part`]: 'partial' });
  await symlink('/etc/hostname', join(dir, 'link'));
  const source = new TreeSource(dir);
  const manifest = await source.manifest('');
  expect(manifest.map((e) => [e.path, e.size, Buffer.from(e.sha256).toString('hex')])).toEqual([
    ['a.txt', 5, Buffer.from(sha(Buffer.from('alpha'))).toString('hex')],
    ['d/b.txt', 4, Buffer.from(sha(Buffer.from('beta'))).toString('hex')],
  ]);
  expect((await source.manifest('d')).map((e) => e.path)).toEqual(['d/b.txt']);
  // A changed file is hashed again (its size changed).
  await writeFile(join(dir, 'a.txt'), 'alpha!');
  expect((await source.manifest('a.txt'))[0]!.sha256).toEqual(sha(Buffer.from('alpha!')));
});

test('a read past the end of a file that shrank is ERR_FILEMQ_CLOSED', async () => {
  await writeTree(dir, { 'f.bin': patternBytes(1000, 1) });
  const source = new TreeSource(dir);
  await source.manifest('f.bin');
  expect(Buffer.from(await source.read({ path: 'f.bin', offset: 10, length: 5 }))).toEqual(patternBytes(1000, 1).subarray(10, 15));
  await truncate(join(dir, 'f.bin'), 100);
  const error = await source.read({ path: 'f.bin', offset: 50, length: 100 }).catch((e: unknown) => e);
  expect(isFileMqError(error, 'ERR_FILEMQ_CLOSED')).toBe(true);
});

test('the sink moves a verified file into place and deletes one that fails its SHA-256', async () => {
  const sink = new TreeSink(join(dir, 'into'));
  const good = patternBytes(10_000, 2);
  const results: boolean[] = [];
  for (const chunk of chunks('d/good.bin', good, 3000)) results.push(await sink.store(chunk));
  expect(results).toEqual([true, true, true, true]);
  for (const chunk of chunks('bad.bin', good, 4000, sha(Buffer.from('something else')))) results.push(await sink.store(chunk));
  expect(results.slice(4)).toEqual([true, true, false]);
  expect(await hashTree(join(dir, 'into'))).toEqual({ 'd/good.bin': Buffer.from(sha(good)).toString('hex') });
  expect(existsSync(join(dir, 'into', 'bad.bin'))).toBe(false);
  expect((await sink.cache('')).map((e) => [e.path, e.complete])).toEqual([['d/good.bin', true]]);
});

test('an interrupted file is listed as partial and resumes, verified over the bytes already on disk', async () => {
  const into = join(dir, 'into');
  const data = patternBytes(10_000, 3);
  const all = chunks('big.bin', data, 2500);
  const first = new TreeSink(into);
  await first.store(all[0]!);
  await first.store(all[1]!);
  await first.close();
  const second = new TreeSink(into);
  expect(await second.cache('')).toEqual([{ path: 'big.bin', size: 5000, sha256: sha(data), complete: false }]);
  expect(await second.store(all[2]!)).toBe(true);
  expect(await second.store(all[3]!)).toBe(true);
  expect(await readFile(join(into, 'big.bin'))).toEqual(data);
  expect(await second.cache('')).toEqual([{ path: 'big.bin', size: 10_000, sha256: sha(data), complete: true }]);
});

test('a partial note that was not written by the sink is ignored', async () => {
  const into = join(dir, 'into');
  await writeTree(into, { [`${PARTIAL_DIR}/0123.json`]: JSON.stringify({ path: '../x', size: 1, sha256: '00'.repeat(32) }) });
  await writeTree(into, { [`${PARTIAL_DIR}/4567.json`]: 'not json' });
  expect(await new TreeSink(into).cache('')).toEqual([]);
});

test('a directory that does not exist yet holds nothing and is not created by listing it', async () => {
  const into = join(dir, 'missing');
  expect(await new TreeSink(into).cache('')).toEqual([]);
  expect(existsSync(into)).toBe(false);
});
