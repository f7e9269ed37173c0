/**
 * Test trees: temporary directories with known content, and their SHA-256 listing.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { listFiles } from '../../src/filemq/fs-source';

/** A fresh temporary directory; remove it with {@link removeDir}. */
export function tempDir(label: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `curvezmq-filemq-${label}-`));
}

/** Removes a temporary directory. */
export function removeDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}

/** Writes `files` (path → content) under `root`. */
export async function writeTree(root: string, files: Record<string, Uint8Array | string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
}

/** Deterministic pseudo-random bytes (fast, so a 50 MB file costs little to make). */
export function patternBytes(length: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let x = seed >>> 0 || 1;
  let i = 0;
  for (; i + 4 <= length; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.writeUInt32LE(x >>> 0, i);
  }
  for (; i < length; i++) out[i] = i & 0xff;
  return out;
}

/** Path → SHA-256 hex of every regular file under `root` (the partial directory excluded). */
export async function hashTree(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const path of await listFiles(root)) {
    out[path] = createHash('sha256').update(await readFile(join(root, path))).digest('hex');
  }
  return out;
}
