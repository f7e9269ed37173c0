/**
 * Reading the small files of the trust layer (certificates, key files, password files) with a
 * size limit, so a stray large file dropped into a watched directory cannot make every reload
 * read it into memory.
 *
 * Only a regular file is read (finding 10 of the security review): a FIFO in an allow-list
 * directory blocked `open()` until a writer came, so every decision waited on it, and a link to
 * `/dev/zero` read without end. The file is therefore opened with `O_NONBLOCK` (a FIFO opens at
 * once), its type is checked with `fstat` on that handle (no window between a check and the
 * open), and at most the limit plus one byte is read, whatever size `fstat` reported. Files found
 * by listing a directory (the certificate store) are also opened with `O_NOFOLLOW`, so a link
 * dropped there is refused by the kernel; a file the caller names (a key file, a password file)
 * may be a link, as secrets mounted by container platforms are, and must still end at a regular
 * file.
 *
 * @module
 */
import { constants, promises as fs, type Stats } from 'node:fs';
import { TrustError } from './errors';

/** The largest trust file read, in bytes (1 MiB; a certificate is well under 1 KiB). */
export const MAX_TRUST_FILE_SIZE = 1 << 20;

/** `O_NONBLOCK` and `O_NOFOLLOW` where the platform has them (Windows has neither). */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;

/** Options of {@link readTrustFile}. */
export interface ReadTrustFileOptions {
  /**
   * Whether `file` itself may be a symbolic link (default true: the caller named it). False for
   * files found by listing a directory that others may write to.
   */
  readonly followLinks?: boolean;
}

/**
 * Reads a whole regular file of at most {@link MAX_TRUST_FILE_SIZE} bytes.
 *
 * @throws {@link TrustError} keeping the cause: `ERR_FILE_NOT_FOUND` when it does not exist,
 *   `ERR_FILE_TOO_LARGE` when it is over the limit, `ERR_FILE_UNREADABLE` for any other failure
 *   (a directory, a FIFO, a device, a symbolic link with `followLinks: false`, no permission)
 */
export async function readTrustFile(file: string, options: ReadTrustFileOptions = {}): Promise<Buffer> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(file, options.followLinks === false ? OPEN_FLAGS | NO_FOLLOW : OPEN_FLAGS);
    const stat = await handle.stat();
    if (!stat.isFile()) {
      throw new TrustError('ERR_FILE_UNREADABLE', `is not a regular file (${kindOf(stat)}): not read`, { file });
    }
    if (stat.size > MAX_TRUST_FILE_SIZE) throw tooLarge(file, `is ${stat.size} bytes`);
    return await readAtMost(handle, file, stat.size);
  } catch (cause) {
    if (cause instanceof TrustError) throw cause;
    throw new TrustError(codeOf(cause), messageOf(cause), { file, cause });
  } finally {
    await handle?.close();
  }
}

/**
 * Reads the limit plus one byte at most, whatever `fstat` said: a file that grew after it, or
 * one that reports size 0 (procfs), is still bounded. The buffer starts at the reported size
 * plus one and doubles, so a certificate costs a few hundred bytes, not the limit.
 */
async function readAtMost(handle: fs.FileHandle, file: string, reported: number): Promise<Buffer> {
  let buffer = Buffer.alloc(Math.min(reported + 1, MAX_TRUST_FILE_SIZE + 1));
  let length = 0;
  for (;;) {
    if (length === buffer.length) {
      if (length > MAX_TRUST_FILE_SIZE) throw tooLarge(file, 'grew while it was read');
      const larger = Buffer.alloc(Math.min(2 * length, MAX_TRUST_FILE_SIZE + 1));
      buffer.copy(larger);
      buffer.fill(0);
      buffer = larger;
    }
    const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
    if (bytesRead === 0) return buffer.subarray(0, length);
    length += bytesRead;
  }
}

function tooLarge(file: string, what: string): TrustError {
  return new TrustError('ERR_FILE_TOO_LARGE', `${what}; the limit is ${MAX_TRUST_FILE_SIZE}`, { file });
}

function codeOf(cause: unknown): 'ERR_FILE_NOT_FOUND' | 'ERR_FILE_UNREADABLE' {
  return (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'ERR_FILE_NOT_FOUND' : 'ERR_FILE_UNREADABLE';
}

function messageOf(cause: unknown): string {
  // O_NOFOLLOW makes open() fail with ELOOP on a link: say what that means here.
  if ((cause as NodeJS.ErrnoException).code === 'ELOOP') return 'is a symbolic link: trust files are not read through links';
  return `cannot read: ${(cause as Error).message}`;
}

function kindOf(stat: Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Reads a trust file as UTF-8 text, as {@link readTrustFile}. */
export async function readTrustText(file: string): Promise<string> {
  return (await readTrustFile(file)).toString('utf8');
}
