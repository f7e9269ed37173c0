/**
 * The server's file system: the manifest of a directory (with SHA-256 of each file, kept while
 * size and modification time stay the same) and reads of file pieces.
 *
 * Only regular files are served; symbolic links and special files are skipped, so a link can
 * never expose anything outside the directory.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FileMqError } from './errors';
import type { ManifestEntry } from './manifest';
import { checkFilePath, isUnder } from './paths';
import type { ChunkRead } from './server-session';

/** The directory a client keeps its partial files in; never served nor listed. */
export const PARTIAL_DIR = '.filemq-partial';

interface Hashed {
  readonly size: number;
  readonly mtimeMs: number;
  readonly sha256: Uint8Array;
}

/** A directory served as a manifest. */
export class TreeSource {
  private readonly hashes = new Map<string, Hashed>();

  /** @param root - the directory to serve */
  constructor(readonly root: string) {}

  /**
   * The regular files under `subscription` (`''` = everything), hashed. Hashes are cached
   * while a file's size and modification time stay the same, so a second sync costs a `stat`
   * per file.
   */
  async manifest(subscription: string): Promise<ManifestEntry[]> {
    const entries: ManifestEntry[] = [];
    for (const path of await listFiles(this.root)) {
      // A name the client would refuse (control characters, a backslash) is not offered.
      if (!isUnder(path, subscription) || !isPortable(path)) continue;
      const info = await stat(join(this.root, path));
      let known = this.hashes.get(path);
      if (known === undefined || known.size !== info.size || known.mtimeMs !== info.mtimeMs) {
        known = { size: info.size, mtimeMs: info.mtimeMs, sha256: await hashFile(join(this.root, path)) };
        this.hashes.set(path, known);
      }
      entries.push({ path, size: known.size, sha256: known.sha256 });
    }
    return entries;
  }

  /**
   * Reads one piece of a file.
   *
   * @throws {@link FileMqError} `ERR_FILEMQ_CLOSED` when the file is shorter than the manifest
   *   said (it changed while being served)
   */
  async read(piece: ChunkRead): Promise<Uint8Array> {
    const data = Buffer.allocUnsafe(piece.length);
    if (piece.length === 0) return data;
    const handle = await open(join(this.root, piece.path), 'r');
    try {
      const { bytesRead } = await handle.read(data, 0, piece.length, piece.offset);
      if (bytesRead !== piece.length) throw new FileMqError('ERR_FILEMQ_CLOSED', `${piece.path} changed while being served`);
      return data;
    } finally {
      await handle.close();
    }
  }
}

/** The SHA-256 of a file, streamed. */
export async function hashFile(path: string): Promise<Uint8Array> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return new Uint8Array(hash.digest());
}

/** Relative `/`-separated paths of the regular files under `root`, skipping {@link PARTIAL_DIR}. */
export async function listFiles(root: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  const dirents = await readdir(join(root, prefix), { withFileTypes: true });
  for (const dirent of dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = prefix === '' ? dirent.name : `${prefix}/${dirent.name}`;
    if (dirent.isDirectory() && path !== PARTIAL_DIR) out.push(...(await listFiles(root, path)));
    else if (dirent.isFile()) out.push(path);
  }
  return out;
}

function isPortable(path: string): boolean {
  try {
    checkFilePath(path);
    return true;
  } catch {
    return false;
  }
}
