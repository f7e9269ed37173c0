/**
 * The client's file system: what it already holds (the resync cache) and where chunks go.
 *
 * A file is written to `.filemq-partial/<id>.part` beside a `<id>.json` note of the path, size
 * and SHA-256 the server announced. The note is what lets a later sync resume the file where it
 * stopped. Only once the whole file's SHA-256 matches is it moved to its place; a file that fails
 * the check is deleted, so nothing unverified ever appears under its own name.
 *
 * Names come from the server, so no write may leave the directory: every directory on the way
 * to a file (and the partial-file directory) is walked with `lstat` and made one level at a
 * time, a symbolic link anywhere on the way is refused (`ERR_FILEMQ_PATH`), and the real path
 * of the file's directory is checked against the root's once more just before the `rename`.
 *
 * @module
 */
import { createHash, type Hash } from 'node:crypto';
import { lstat, mkdir, open, readdir, readFile, realpath, rename, rm, rmdir, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fromHex, toHex } from '../bytes';
import type { CacheEntry, Cheezburger } from './commands';
import { FileMqError } from './errors';
import { hashFile, listFiles } from './fs-source';
import { checkFilePath, isUnder, PARTIAL_DIR } from './paths';

interface PartialNote {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

interface OpenFile {
  readonly path: string;
  readonly handle: FileHandle;
  readonly hash: Hash;
  readonly id: string;
}

/** A directory files are synchronised into. */
export class TreeSink {
  private file: OpenFile | undefined;

  /** @param root - the directory to write into (created with the first file) */
  constructor(readonly root: string) {}

  /**
   * What the directory holds under `subscription`: complete files with their SHA-256, and
   * partial files with the size reached and the SHA-256 announced for them.
   */
  async cache(subscription: string): Promise<CacheEntry[]> {
    const entries: CacheEntry[] = [];
    // A directory that does not exist yet holds nothing; it is created with the first file.
    const files = await listFiles(this.root).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    for (const path of files) {
      if (isUnder(path, subscription)) {
        const sha256 = await hashFile(join(this.root, path));
        entries.push({ path, size: (await stat(join(this.root, path))).size, sha256, complete: true });
      }
    }
    for (const note of await this.notes()) {
      if (!isUnder(note.path, subscription)) continue;
      const size = await stat(this.partPath(partialId(note.path))).then((s) => s.size, () => 0);
      entries.push({ path: note.path, size, sha256: fromHex(note.sha256), complete: false });
    }
    return entries;
  }

  /**
   * Stores one chunk. Returns, for a file's last chunk, whether its SHA-256 matched (the file is
   * then in place, or deleted); `true` for any other chunk.
   */
  async store(chunk: Cheezburger): Promise<boolean> {
    const file = this.file?.path === chunk.path ? this.file : await this.begin(chunk);
    await file.handle.write(chunk.data, 0, chunk.data.length, chunk.offset);
    file.hash.update(chunk.data);
    if (!chunk.eof) return true;
    this.file = undefined;
    await file.handle.close();
    const part = this.partPath(file.id);
    const verified = Buffer.from(file.hash.digest()).equals(chunk.sha256);
    if (verified) {
      await rename(part, await this.target(chunk.path));
    } else {
      await rm(part, { force: true });
    }
    await rm(this.notePath(file.id), { force: true });
    return verified;
  }

  /** Closes the file being written, keeping it and its note for a later resume. */
  async close(): Promise<void> {
    const file = this.file;
    this.file = undefined;
    await file?.handle.close();
  }

  /** Removes the partial-file directory when nothing is left in it (after a complete sync). */
  async tidy(): Promise<void> {
    await rmdir(join(this.root, PARTIAL_DIR)).catch(() => undefined);
  }

  /** Opens the part file: fresh at offset 0, or resuming with the hash of what is there. */
  private async begin(chunk: Cheezburger): Promise<OpenFile> {
    await this.close();
    const id = partialId(chunk.path);
    await this.directory([PARTIAL_DIR], PARTIAL_DIR);
    const hash = createHash('sha256');
    if (chunk.offset === 0) {
      const note: PartialNote = { path: chunk.path, size: chunk.size, sha256: toHex(chunk.sha256) };
      await writeFile(this.notePath(id), JSON.stringify(note));
      this.file = { path: chunk.path, handle: await open(this.partPath(id), 'w'), hash, id };
    } else {
      const handle = await open(this.partPath(id), 'r+');
      await hashPrefix(handle, chunk.offset, hash);
      this.file = { path: chunk.path, handle, hash, id };
    }
    return this.file;
  }

  /**
   * The final place of `path`, its directories made: refuses a name that would land outside the
   * root, or go through a symbolic link (even one the root's owner made: a link there could
   * point anywhere, and the server names what is written through it).
   */
  private async target(path: string): Promise<string> {
    const segments = checkFilePath(path).split('/');
    const dir = await this.directory(segments.slice(0, -1), path);
    const target = join(dir, segments[segments.length - 1]!);
    // A link swapped in after the walk is caught here, just before the rename.
    const expected = join(await realpath(this.root), ...segments.slice(0, -1));
    if ((await realpath(dir)) !== expected) throw refused(path, 'its directory moved while it was written');
    return target;
  }

  /** Makes `segments` under the root one level at a time; a link or a non-directory is refused. */
  private async directory(segments: readonly string[], path: string): Promise<string> {
    await mkdir(this.root, { recursive: true });
    let dir = resolve(this.root);
    for (const [i, segment] of segments.entries()) {
      dir = join(dir, segment);
      let info = await lstat(dir).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
      if (info === undefined) {
        await mkdir(dir).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'EEXIST') throw error;
        });
        info = await lstat(dir);
      }
      const name = segments.slice(0, i + 1).join('/');
      if (info.isSymbolicLink()) throw refused(path, `${name} is a symbolic link`);
      if (!info.isDirectory()) throw refused(path, `${name} is not a directory`);
    }
    return dir;
  }

  private async notes(): Promise<PartialNote[]> {
    const dir = join(this.root, PARTIAL_DIR);
    const names = await readdir(dir).catch(() => [] as string[]);
    const notes: PartialNote[] = [];
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      const note = parseNote(await readFile(join(dir, name), 'utf8').catch(() => ''));
      // A note whose name does not match its path was not written by us: ignore it.
      if (note !== undefined && `${partialId(note.path)}.json` === name) notes.push(note);
    }
    return notes;
  }

  private partPath(id: string): string {
    return join(this.root, PARTIAL_DIR, `${id}.part`);
  }

  private notePath(id: string): string {
    return join(this.root, PARTIAL_DIR, `${id}.json`);
  }
}

/**
 * Feeds the first `length` bytes of an open file to `hash`. Plain positional reads: a read
 * stream over a FileHandle would hold a reference that can delay the handle's close.
 */
async function hashPrefix(handle: FileHandle, length: number, hash: Hash): Promise<void> {
  const buffer = Buffer.allocUnsafe(Math.min(length, 1024 * 1024));
  for (let position = 0; position < length; ) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, length - position), position);
    if (bytesRead === 0) throw new Error('the partial file is shorter than recorded');
    hash.update(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
}

function refused(path: string, why: string): FileMqError {
  return new FileMqError('ERR_FILEMQ_PATH', `refused to write ${JSON.stringify(path.slice(0, 80))}: ${why}`);
}

/** Part files are named by a hash of the path, so any path maps to one flat, safe name. */
function partialId(path: string): string {
  return createHash('sha256').update(path).digest('hex').slice(0, 32);
}

function parseNote(text: string): PartialNote | undefined {
  try {
    const note = JSON.parse(text) as PartialNote;
    checkFilePath(note.path);
    const ok = Number.isSafeInteger(note.size) && note.size >= 0 && /^[0-9a-f]{64}$/.test(note.sha256);
    return ok ? note : undefined;
  } catch {
    return undefined;
  }
}
