/**
 * The repository stands alone: no tracked file (source, test, doc or comment) names a path
 * outside it, because a user's clone has nothing beside it. Every file the tests read lives in
 * the repository (`test/vectors/`, with its provenance and licences).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, readlinkSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * Paths that exist only on the machine this project was first written on. Assembled from
 * pieces so that this file does not name them itself.
 */
const OUTSIDE = [
  ['..', 'shared'].join('/'),
  ['shared', 'reference'].join('/'),
  ['shared', 'vectors'].join('/'),
  ['', 'work', ''].join('/'),
];

/**
 * Files that still name an outside path and belong to work in progress elsewhere; each is to be
 * fixed by the lead, who then empties this list. An entry that no longer offends fails the test,
 * so the list cannot outlive its reason.
 */
const PENDING: readonly string[] = [];

/** Git's own test for binary content: a NUL byte in the first 8,000 bytes. */
function isBinary(bytes: Buffer): boolean {
  return bytes.subarray(0, 8000).includes(0);
}

/** Every `file:line: text` of the tracked text files that names an outside path. */
function offences(): Map<string, string[]> {
  const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    .split('\0')
    .filter((file) => file !== '');
  const found = new Map<string, string[]>();
  for (const file of tracked) {
    const text = readText(path.join(ROOT, file));
    if (text === undefined) continue;
    const lines = text.split('\n');
    lines.forEach((line, index) => {
      if (!OUTSIDE.some((needle) => line.includes(needle))) return;
      const list = found.get(file) ?? [];
      list.push(`${file}:${index + 1}: ${line.trim()}`);
      found.set(file, list);
    });
  }
  return found;
}

/**
 * What a tracked path says: a file's text, or a symbolic link's target (a link out of the
 * repository is as broken in a clone as a path in a comment). Undefined for binary files and
 * for what is not there to read (a file deleted in the working tree, a submodule folder).
 */
function readText(full: string): string | undefined {
  let stat;
  try {
    stat = lstatSync(full);
  } catch {
    return undefined;
  }
  if (stat.isSymbolicLink()) return readlinkSync(full);
  if (!stat.isFile()) return undefined;
  const bytes = readFileSync(full);
  return isBinary(bytes) ? undefined : bytes.toString('utf8');
}

describe('the repository stands alone', () => {
  const found = offences();

  test('no tracked file names a path outside the repository', () => {
    const unexpected = [...found].filter(([file]) => !PENDING.includes(file)).flatMap(([, lines]) => lines);
    expect(unexpected).toEqual([]);
  });

  test('every file still pending names such a path (the list cannot rot)', () => {
    const fixed = PENDING.filter((file) => !found.has(file));
    expect(fixed).toEqual([]);
  });

  test('the vectors the tests read are in the repository', () => {
    const vectors = path.join(ROOT, 'test', 'vectors');
    const required = [
      'README.md',
      'LICENSE-wycheproof-Apache-2.0.txt',
      'curvezmq_handshake.json',
      'x25519_low_order_points.json',
      'certs/czmq/client.cert',
      'certs/pyzmq/server.key',
    ];
    expect(required.filter((file) => !existsSync(path.join(vectors, file)))).toEqual([]);
  });
});
