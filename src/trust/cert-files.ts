/**
 * Certificate files on disk, under both naming schemes:
 * - CZMQ (`zcert_save(cert, "alice")`): `alice` (public) and `alice_secret` (secret);
 * - pyzmq (`create_certificates(dir, "alice")`): `alice.key` and `alice.key_secret`.
 *
 * In both the secret file is the public file's name plus `_secret`. Secret files are written with
 * mode 0600; no file is ever replaced without the `overwrite` option; each file is written to a
 * temporary dot-file first and then moved into place, so a reader (a certificate store) never
 * sees half a file.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import {
  assertCertificate,
  formatCertificate,
  parseCertificate,
  publicPart,
  wipeCertificate,
  type Certificate,
} from './certificate';
import { TrustError } from './errors';
import { readTrustText } from './read-file';

/** The naming scheme of certificate files. */
export type CertificateFormat = 'czmq' | 'pyzmq';

/** What ends a secret file's name, in both schemes. */
export const SECRET_SUFFIX = '_secret';

const PYZMQ_EXTENSION = '.key';
const SECRET_MODE = 0o600;
const PUBLIC_MODE = 0o644;

/** The two files of a certificate. */
export interface CertificateFiles {
  readonly publicFile: string;
  readonly secretFile: string;
}

/**
 * The files of the certificate named `base` in `format` (default `'czmq'`): `base` and
 * `base_secret`, or `base.key` and `base.key_secret` (`.key` is not doubled if `base` has it).
 */
export function certificateFiles(base: string, format: CertificateFormat = 'czmq'): CertificateFiles {
  const publicFile = format === 'pyzmq' && !base.endsWith(PYZMQ_EXTENSION) ? base + PYZMQ_EXTENSION : base;
  return { publicFile, secretFile: publicFile + SECRET_SUFFIX };
}

/**
 * Reads and parses exactly one certificate file.
 *
 * @throws {@link TrustError} `ERR_FILE_NOT_FOUND`, `ERR_FILE_TOO_LARGE`, `ERR_FILE_UNREADABLE`
 *   (see `readTrustFile`), or what {@link parseCertificate} throws
 */
export async function readCertificateFile(file: string): Promise<Certificate> {
  return parseCertificate(await readTrustText(file), file);
}

/**
 * Loads a certificate given by its public file, its secret file or its base name, in either
 * naming scheme.
 *
 * - `'secret'`: like `zcert_load`, the secret file is read first (`p_secret`, `p.key_secret`,
 *   then `p` itself); the certificate must hold a secret key.
 * - `'public'` (default): the public file is read first (`p`, `p.key`, then the secret files);
 *   the result never holds a secret key (one read from a secret file is wiped).
 *
 * @throws {@link TypeError} when `file` is not a non-empty string, RangeError for a bad `which`
 * @throws {@link TrustError} `ERR_FILE_NOT_FOUND` when no candidate exists,
 *   `ERR_CERT_NO_SECRET` when `'secret'` finds only a public certificate, and what
 *   {@link readCertificateFile} throws for the file found
 */
export async function loadCertificate(file: string, which: 'public' | 'secret' = 'public'): Promise<Certificate> {
  if (typeof file !== 'string' || file === '') throw new TypeError('"file" expected a non-empty string');
  if (which !== 'public' && which !== 'secret') {
    throw new RangeError(`"which" expected 'public' or 'secret', got ${String(which)}`);
  }
  const found = await firstExisting(candidates(file, which));
  if (found === undefined) throw new TrustError('ERR_FILE_NOT_FOUND', 'no certificate file found', { file });
  const certificate = await readCertificateFile(found);
  if (which === 'public') {
    wipeCertificate(certificate);
    return publicPart(certificate);
  }
  if (certificate.secretKey === undefined) {
    throw new TrustError('ERR_CERT_NO_SECRET', 'the certificate holds no secret key', { file: found });
  }
  return certificate;
}

function candidates(file: string, which: 'public' | 'secret'): string[] {
  if (file.endsWith(SECRET_SUFFIX)) return [file];
  const secret = [file + SECRET_SUFFIX];
  const pub = [file];
  if (!file.endsWith(PYZMQ_EXTENSION)) {
    secret.push(file + PYZMQ_EXTENSION + SECRET_SUFFIX);
    pub.push(file + PYZMQ_EXTENSION);
  }
  return which === 'secret' ? [...secret, file] : [...pub, ...secret];
}

async function firstExisting(files: readonly string[]): Promise<string | undefined> {
  for (const file of files) {
    const stat = await fs.stat(file).catch(() => undefined);
    if (stat?.isFile() === true) return file;
  }
  return undefined;
}

/** Options of {@link saveCertificate}. */
export interface SaveCertificateOptions {
  /** The naming scheme (default `'czmq'`). */
  readonly format?: CertificateFormat;
  /** Replace existing files. Without it, an existing file is an error and nothing is written. */
  readonly overwrite?: boolean;
  /** The date in the banner (default: now). */
  readonly date?: Date;
}

/**
 * Writes a certificate as `zcert_save` does: the public file and, when the certificate holds a
 * secret key, the secret file (mode 0600), named from `base` by {@link certificateFiles}.
 *
 * @returns the files written (`secretFile` is `undefined` for a public certificate)
 * @throws {@link TypeError} when `certificate` is not a certificate or `base` not a non-empty string
 * @throws {@link TrustError} `ERR_CERT_EXISTS` when a target exists and `overwrite` is not set
 *   (then nothing is written); Node's I/O errors otherwise
 */
export async function saveCertificate(
  certificate: Certificate,
  base: string,
  options: SaveCertificateOptions = {},
): Promise<{ publicFile: string; secretFile: string | undefined }> {
  assertCertificate(certificate);
  if (typeof base !== 'string' || base === '') throw new TypeError('"base" expected a non-empty string');
  const files = certificateFiles(base, options.format);
  // Said here, naming the directory: otherwise the first write fails on an internal temp name.
  const dir = path.dirname(files.publicFile);
  const isDir = await fs.stat(dir).then((stat) => stat.isDirectory(), () => false);
  if (!isDir) throw new TrustError('ERR_FILE_NOT_FOUND', 'is not a directory: create it first', { file: dir });
  const hasSecret = certificate.secretKey !== undefined;
  const targets = hasSecret ? [files.secretFile, files.publicFile] : [files.publicFile];
  if (options.overwrite !== true) await refuseExisting(targets);
  const write = { overwrite: options.overwrite === true };
  if (hasSecret) {
    const text = formatCertificate(certificate, { secret: true, date: options.date });
    await writeAtomic(files.secretFile, text, SECRET_MODE, write);
  }
  const text = formatCertificate(certificate, { secret: false, date: options.date });
  await writeAtomic(files.publicFile, text, PUBLIC_MODE, write);
  return { publicFile: files.publicFile, secretFile: hasSecret ? files.secretFile : undefined };
}

async function refuseExisting(files: readonly string[]): Promise<void> {
  for (const file of files) {
    const exists = await fs.lstat(file).then(() => true, () => false);
    if (exists) throw new TrustError('ERR_CERT_EXISTS', 'exists; pass overwrite to replace it', { file });
  }
}

/**
 * Writes `text` to a temporary file beside `file`, then renames it over `file` (overwrite) or
 * hard-links it to `file`, which fails if `file` appeared meanwhile: no silent replacement.
 */
async function writeAtomic(
  file: string,
  text: string,
  mode: number,
  { overwrite }: { overwrite: boolean },
): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  await fs.writeFile(temp, text, { mode, flag: 'wx' });
  try {
    if (overwrite) {
      await fs.rename(temp, file);
      return;
    }
    await fs.link(temp, file).catch((cause: NodeJS.ErrnoException) => {
      if (cause.code !== 'EEXIST') throw cause;
      throw new TrustError('ERR_CERT_EXISTS', 'exists; pass overwrite to replace it', { file, cause });
    });
  } finally {
    await fs.rm(temp, { force: true });
  }
}
