/**
 * Reading the small files of the trust layer (certificates, key files, password files) with a
 * size limit, so a stray large file dropped into a watched directory cannot make every reload
 * read it into memory.
 *
 * @module
 */
import { promises as fs } from 'node:fs';
import { TrustError } from './errors';

/** The largest trust file read, in bytes (1 MiB; a certificate is well under 1 KiB). */
export const MAX_TRUST_FILE_SIZE = 1 << 20;

/**
 * Reads a whole file of at most {@link MAX_TRUST_FILE_SIZE} bytes.
 *
 * @throws {@link TrustError} keeping the cause: `ERR_FILE_NOT_FOUND` when it does not exist,
 *   `ERR_FILE_TOO_LARGE` when it is over the limit, `ERR_FILE_UNREADABLE` for any other failure
 *   (a directory, no permission)
 */
export async function readTrustFile(file: string): Promise<Buffer> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(file, 'r');
    const { size } = await handle.stat();
    if (size > MAX_TRUST_FILE_SIZE) {
      throw new TrustError('ERR_FILE_TOO_LARGE', `is ${size} bytes; the limit is ${MAX_TRUST_FILE_SIZE}`, { file });
    }
    return await handle.readFile();
  } catch (cause) {
    if (cause instanceof TrustError) throw cause;
    const code = (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'ERR_FILE_NOT_FOUND' : 'ERR_FILE_UNREADABLE';
    throw new TrustError(code, `cannot read: ${(cause as Error).message}`, { file, cause });
  } finally {
    await handle?.close();
  }
}

/** Reads a trust file as UTF-8 text, as {@link readTrustFile}. */
export async function readTrustText(file: string): Promise<string> {
  return (await readTrustFile(file)).toString('utf8');
}
