/**
 * The server's file system: the manifest of a directory (with SHA-256 of each file, kept while
 * the file's identity, size and modification time stay the same) and reads of file pieces.
 *
 * Only regular files are served; symbolic links and special files are skipped, so a link can
 * never expose anything outside the directory. A link swapped in after the listing is caught
 * too (finding 5): every file is opened with `O_NOFOLLOW` (and `O_NONBLOCK`, so a FIFO cannot
 * stall the server), checked with `fstat` on that handle, and hashed from it; each read checks
 * that the handle's device and inode are still those the manifest listed, so a file reached
 * through a directory swapped for a link is refused as well.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { constants, createReadStream, type Stats } from 'node:fs';
import { lstat, open, readdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { FileMqError } from './errors';
import type { ManifestEntry } from './manifest';
import { checkFilePath, isUnder, PARTIAL_DIR } from './paths';
import type { ChunkRead } from './server-session';

export { PARTIAL_DIR } from './paths';

/** No link followed at the last component, no wait on a FIFO. */
const SAFE_OPEN = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** Pieces read ahead and not yet asked for, at most (each a chunk: 512 KiB by default). */
const READ_AHEAD_PIECES = 4;

interface Hashed {
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly sha256: Uint8Array;
}

/** A directory served as a manifest. */
export class TreeSource {
  private readonly hashes = new Map<string, Hashed>();
  private readonly ahead = new ReadAhead(READ_AHEAD_PIECES);

  /** @param root - the directory to serve */
  constructor(readonly root: string) {}

  /**
   * The regular files under `subscription` (`''` = everything), hashed. Hashes are cached
   * while a file's identity, size and modification time stay the same, so a second sync costs
   * an `open` and `fstat` per file. A file that became a link or a special file since the
   * listing is left out.
   */
  async manifest(subscription: string): Promise<ManifestEntry[]> {
    const entries: ManifestEntry[] = [];
    for (const path of await listFiles(this.root)) {
      // A name the client would refuse (control characters, a backslash) is not offered.
      if (!isUnder(path, subscription) || !isPortable(path)) continue;
      const opened = await openRegular(this.root, path);
      if (opened === undefined) continue;
      const { handle, info } = opened;
      try {
        let known = this.hashes.get(path);
        const same = known?.dev === info.dev && known.ino === info.ino && known.size === info.size && known.mtimeMs === info.mtimeMs;
        if (!same) {
          known = { dev: info.dev, ino: info.ino, size: info.size, mtimeMs: info.mtimeMs, sha256: await hashHandle(handle) };
          this.hashes.set(path, known);
        }
        entries.push({ path, size: known!.size, sha256: known!.sha256 });
      } finally {
        await handle.close();
      }
    }
    return entries;
  }

  /**
   * Reads one piece of a file, from the very file the manifest listed, behind `piece.headroom`
   * bytes of free room when asked (see {@link ChunkRead.headroom}). The next piece of the same
   * size is read ahead meanwhile (see {@link ReadAhead}), so the file system works while the
   * caller seals and sends this one.
   *
   * @throws {@link FileMqError} `ERR_FILEMQ_CLOSED` when the file is shorter than the manifest
   *   said, or is no longer the file listed (replaced, or reached through a link)
   */
  async read(piece: ChunkRead): Promise<Uint8Array> {
    const ahead = this.ahead.take(piece);
    const data = ahead === undefined ? await this.readNow(piece) : await ahead.catch(() => this.readNow(piece));
    const next = piece.offset + piece.length;
    const size = this.hashes.get(piece.path)?.size ?? 0;
    if (piece.length > 0 && next < size) {
      const following = { ...piece, offset: next, length: Math.min(piece.length, size - next) };
      this.ahead.put(following, this.readNow(following));
    }
    return data;
  }

  private async readNow(piece: ChunkRead): Promise<Uint8Array> {
    const headroom = piece.headroom ?? 0;
    // A buffer of its own (never the shared pool of small Buffers): the header goes in front.
    const data = new Uint8Array(Buffer.allocUnsafeSlow(headroom + piece.length).buffer, headroom, piece.length);
    if (piece.length === 0) return data;
    const changed = () => new FileMqError('ERR_FILEMQ_CLOSED', `${piece.path} changed while being served`);
    const listed = this.hashes.get(piece.path);
    const opened = await openRegular(this.root, piece.path);
    if (opened === undefined || listed === undefined) {
      await opened?.handle.close();
      throw changed();
    }
    const { handle, info } = opened;
    try {
      if (info.dev !== listed.dev || info.ino !== listed.ino) throw changed();
      const { bytesRead } = await handle.read(data, 0, piece.length, piece.offset);
      if (bytesRead !== piece.length) throw changed();
      return data;
    } finally {
      await handle.close();
    }
  }
}

/**
 * Pieces read ahead, a few at most (one per peering reading a file, in the common case): a
 * piece is kept until the read that asks for exactly it takes it, or until newer ones push it
 * out. A piece read ahead passed the same checks as any read, when it was read.
 */
class ReadAhead {
  private readonly pieces = new Map<string, Promise<Uint8Array>>();

  constructor(private readonly most: number) {}

  take(piece: ChunkRead): Promise<Uint8Array> | undefined {
    const key = ReadAhead.key(piece);
    const found = this.pieces.get(key);
    this.pieces.delete(key);
    return found;
  }

  put(piece: ChunkRead, read: Promise<Uint8Array>): void {
    read.catch(() => undefined); // its failure, if any, is met again by the read that needs it
    this.pieces.set(ReadAhead.key(piece), read);
    for (const key of this.pieces.keys()) {
      if (this.pieces.size <= this.most) break;
      this.pieces.delete(key);
    }
  }

  private static key(piece: ChunkRead): string {
    return `${piece.offset}:${piece.length}:${piece.headroom ?? 0}:${piece.path}`;
  }
}

/**
 * Opens `path` under `root` if it is a regular file reached through directories only: no link
 * at its end (`O_NOFOLLOW`), none on the way (each directory checked with `lstat` once the file
 * is open, so a swap before the open is seen), and the handle's file is the one at that path.
 * Returns the handle with its `fstat`, or `undefined` for anything else.
 */
async function openRegular(root: string, path: string): Promise<{ handle: FileHandle; info: Stats } | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(join(root, path), SAFE_OPEN);
  } catch (error) {
    // ELOOP: a link; ENOENT: gone since the listing; ENXIO: a socket. None is served.
    if (['ELOOP', 'ENOENT', 'ENXIO', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) return undefined;
    throw error;
  }
  try {
    const info = await handle.stat();
    if (info.isFile() && (await throughDirectories(root, path, info))) return { handle, info };
  } catch {
    // Gone or changed while being checked: not served.
  }
  await handle.close();
  return undefined;
}

/** True when every directory from `root` to `path` is a real directory and `path` is still `opened`. */
async function throughDirectories(root: string, path: string, opened: { dev: number; ino: number }): Promise<boolean> {
  const segments = path.split('/');
  for (let i = 1; i < segments.length; i++) {
    if (!(await lstat(join(root, ...segments.slice(0, i)))).isDirectory()) return false;
  }
  const last = await lstat(join(root, path));
  return last.dev === opened.dev && last.ino === opened.ino;
}

/** The SHA-256 of an open file, by positional reads (no stream keeps the handle). */
async function hashHandle(handle: FileHandle): Promise<Uint8Array> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(1024 * 1024);
  for (let position = 0; ; ) {
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
    if (bytesRead === 0) break;
    hash.update(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
  return new Uint8Array(hash.digest());
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
