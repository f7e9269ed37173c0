/**
 * Paths as the protocol carries them: relative, `/`-separated, never climbing out. A client
 * writes under its own directory whatever names the server sends, so a name like `../x` or
 * `/etc/x` must be refused before anything touches the disk.
 *
 * @module
 */
import { FileMqError } from './errors';

// Control characters and the Windows separator have no place in a portable file name.
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u001f\u007f\\]/;

/** The directory a client keeps its partial files in; never served, listed or written by a server's name. */
export const PARTIAL_DIR = '.filemq-partial';

/**
 * Checks a file name from the wire: 1 to 4096 bytes, relative, segments neither empty nor
 * `.` / `..`, no control character or backslash.
 *
 * @throws {@link FileMqError} `ERR_FILEMQ_PATH`
 */
export function checkFilePath(path: string): string {
  const segments = path.split('/');
  const bad =
    path.length === 0 ||
    path.length > 4096 ||
    FORBIDDEN.test(path) ||
    segments.some((segment) => segment === '' || segment === '.' || segment === '..');
  if (bad) throw new FileMqError('ERR_FILEMQ_PATH', `refused file path ${JSON.stringify(path.slice(0, 80))}`);
  return path;
}

/**
 * Normalises a subscription path: `/` (or empty) means everything; otherwise a file or
 * directory name, with surrounding slashes dropped. Returns `''` for everything.
 *
 * @throws {@link FileMqError} `ERR_FILEMQ_PATH` when the rest is not a valid file path
 */
export function normaliseSubscription(path: string): string {
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '' : checkFilePath(trimmed);
}

/** True when `file` is `subscription` itself or lies under it (`''` holds everything). */
export function isUnder(file: string, subscription: string): boolean {
  return subscription === '' || file === subscription || file.startsWith(subscription + '/');
}

/**
 * Checks a path a server sends a chunk for: a valid file path, under the subscription, and not
 * in the client's own {@link PARTIAL_DIR} (where a forged name could overwrite a resume note).
 *
 * @throws {@link FileMqError} `ERR_FILEMQ_PATH`
 */
export function checkDeliveredPath(path: string, subscription: string): string {
  checkFilePath(path);
  if (path === PARTIAL_DIR || path.startsWith(PARTIAL_DIR + '/')) {
    throw new FileMqError('ERR_FILEMQ_PATH', `refused file path ${JSON.stringify(path.slice(0, 80))}: the partial-file directory is the client's own`);
  }
  if (!isUnder(path, subscription)) {
    throw new FileMqError('ERR_FILEMQ_PATH', `refused file path ${JSON.stringify(path.slice(0, 80))}: not under the subscribed ${JSON.stringify(subscription)}`);
  }
  return path;
}
