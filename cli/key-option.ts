/**
 * Key and certificate options of `serve` and `connect`:
 * - `--secret-key KEY`, `--server-key KEY`, `--allow KEY[,KEY]`: {@link resolveKey};
 * - `--cert FILE`: {@link resolveCertOption};
 * - `--allow-dir DIR`: {@link allowDirAuthorizer}.
 *
 * KEY is a 40-character Z85 key, or a path to a CZMQ or pyzmq certificate file (public or
 * secret file, or the base name of either scheme), or to a file holding one bare Z85 key.
 *
 * @module
 */
import { promises as fs } from 'node:fs';
import { toPublicKey, toSecretKey, Z85_KEY_LENGTH } from '../src';
import {
  certificateFiles,
  certStore,
  loadCertificate,
  parseCertificate,
  readTrustText,
  SECRET_SUFFIX,
  TrustError,
  wipeCertificate,
  type Certificate,
  type CertStoreAuthorizer,
  type RefreshOptions,
} from '../src/trust';

/** Which key an option wants. */
export type KeyKind = 'public' | 'secret';

/**
 * Where a KEY value is read from: a Z85 key written in the value itself, or the one file read.
 * `serve` and `connect` look at the file before it is read (a secret file's permissions).
 */
export type KeySource = { readonly literal: string; readonly file?: undefined } | { readonly file: string; readonly literal?: undefined };

/**
 * Finds where `value` is read from, without reading a key. A value naming an existing file is a
 * file: a bare key file is read itself, a certificate as `loadCertificate(value, which)` reads it
 * (for `'secret'` the secret file first). Otherwise a certificate base name (`value_secret`,
 * `value.key_secret` ... in `loadCertificate`'s order) whose files exist; otherwise a
 * 40-character value is a literal key.
 *
 * @throws {@link TypeError} when `value` is not a string; RangeError for a bad `which`;
 *   {@link TrustError} `ERR_FILE_NOT_FOUND` when it is neither a key nor a file
 */
export async function locateKey(value: string, which: KeyKind): Promise<KeySource> {
  if (typeof value !== 'string') throw new TypeError('"value" expected a string');
  if (which !== 'public' && which !== 'secret') throw new RangeError(`"which" expected 'public' or 'secret'`);
  if (await isFile(value)) {
    if (meaningfulLines(await readTrustText(value)).length < 2) return { file: value };
    return { file: (await firstFile(certificateCandidates(value, which))) ?? value };
  }
  // A certificate base name first: a path can be 40 characters long too (a clone in /tmp/ci1
  // made `/tmp/ci1/test/vectors/certs/pyzmq/server` one), and a file that exists is meant.
  const found = await firstFile(certificateCandidates(value, which));
  if (found !== undefined) return { file: found };
  if (value.length === Z85_KEY_LENGTH) return { literal: value };
  throw new TrustError('ERR_FILE_NOT_FOUND', 'is neither a 40-character Z85 key nor a key or certificate file', { file: value });
}

/**
 * Resolves a KEY option value to 32 fresh bytes: {@link locateKey}, then the key of that source.
 * A bare key file holds the key asked for; a certificate gives its secret key for `'secret'`
 * and its public key for `'public'`.
 *
 * @throws {@link TypeError} when `value` is not a string; RangeError for a bad `which` or a
 *   40-character value that is not a valid key; {@link TrustError} `ERR_FILE_NOT_FOUND` when it is neither a key
 *   nor a file, `ERR_KEY_FILE_MALFORMED` for a bad bare key file, and the certificate errors
 *   of `parseCertificate` (`ERR_CERT_MALFORMED`, `ERR_CERT_KEY_MISMATCH`) and `ERR_CERT_NO_SECRET`
 */
export async function resolveKey(value: string, which: KeyKind): Promise<Uint8Array> {
  return readKey(await locateKey(value, which), which);
}

/** The key held by `source` (see {@link resolveKey}). */
export async function readKey(source: KeySource, which: KeyKind): Promise<Uint8Array> {
  if (source.literal !== undefined) return convert(source.literal, which);
  return keyFromText(await readTrustText(source.file), source.file, which);
}

/**
 * The key in the text of a key file: one bare Z85 key (comments and blank lines allowed), or a
 * certificate. `file` names the source in errors (`-` for stdin).
 */
export function keyFromText(text: string, file: string, which: KeyKind): Uint8Array {
  const lines = meaningfulLines(text);
  if (lines.length >= 2) {
    const certificate = parseCertificate(text, file);
    if (which === 'secret' && certificate.secretKey === undefined) {
      throw new TrustError('ERR_CERT_NO_SECRET', 'the certificate holds no secret key', { file });
    }
    return keyOf(certificate, which);
  }
  const only = lines[0];
  if (only === undefined) throw new TrustError('ERR_KEY_FILE_MALFORMED', 'holds no key', { file });
  try {
    return convert(only.text, which);
  } catch (cause) {
    throw new TrustError('ERR_KEY_FILE_MALFORMED', (cause as Error).message, { file, line: only.line, cause });
  }
}

function convert(z85: string, which: KeyKind): Uint8Array {
  return which === 'public' ? toPublicKey(z85, 'public key') : toSecretKey(z85, 'secret key');
}

function meaningfulLines(text: string): Array<{ text: string; line: number }> {
  return text
    .split(/\r?\n/)
    .map((line, index) => ({ text: line.trim(), line: index + 1 }))
    .filter(({ text: line }) => line !== '' && !line.startsWith('#'));
}

/**
 * The files `loadCertificate(base, which)` tries, in its order (zcert_load's for a secret). Kept
 * in step with src/trust/cert-files.ts, so that the file whose permissions are checked is the
 * file read.
 */
function certificateCandidates(base: string, which: KeyKind): string[] {
  if (base.endsWith(SECRET_SUFFIX)) return [base];
  const { secretFile } = certificateFiles(base);
  const pyzmq = certificateFiles(base, 'pyzmq');
  const secret = pyzmq.publicFile === base ? [secretFile] : [secretFile, pyzmq.secretFile];
  const pub = pyzmq.publicFile === base ? [base] : [base, pyzmq.publicFile];
  return which === 'secret' ? [...secret, base] : [...pub, ...secret];
}

async function isFile(file: string): Promise<boolean> {
  return (await fs.stat(file).catch(() => undefined))?.isFile() === true;
}

async function firstFile(files: readonly string[]): Promise<string | undefined> {
  for (const file of files) if (await isFile(file)) return file;
  return undefined;
}

function keyOf(certificate: Certificate, which: KeyKind): Uint8Array {
  const key = new Uint8Array(which === 'secret' ? certificate.secretKey! : certificate.publicKey);
  wipeCertificate(certificate);
  return key;
}

/**
 * Resolves `--cert FILE`: the secret certificate of this side (its secret key, public key and
 * metadata), from a secret file, a public file with its `_secret` beside it, or a base name.
 * The caller wipes it with `wipeCertificate` when done.
 *
 * @throws {@link TrustError} as `loadCertificate(file, 'secret')`
 */
export async function resolveCertOption(file: string): Promise<Certificate> {
  if (typeof file !== 'string') throw new TypeError('"file" expected a string');
  return loadCertificate(file, 'secret');
}

/** Options of {@link allowDirAuthorizer}. */
export interface AllowDirOptions extends RefreshOptions {
  /** Where a skipped broken file or an unreadable directory is reported (e.g. stderr lines). */
  readonly log?: (line: string) => void;
}

/**
 * Resolves `--allow-dir DIR`: an authorizer over a certificate store of `DIR`, loaded once
 * before it is returned and re-read as `CertStore` documents (default: on a lookup at least one
 * second after the previous read). Broken files are logged and skipped.
 *
 * @throws {@link TrustError} `ERR_FILE_NOT_FOUND` when `dir` is not an existing directory, since
 *   a mistyped allow-list directory at start-up is almost always a mistake
 */
export async function allowDirAuthorizer(dir: string, options: AllowDirOptions = {}): Promise<CertStoreAuthorizer> {
  if (typeof dir !== 'string') throw new TypeError('"dir" expected a string');
  const stat = await fs.stat(dir).catch(() => undefined);
  if (stat?.isDirectory() !== true) throw new TrustError('ERR_FILE_NOT_FOUND', 'is not a directory', { file: dir });
  const authorizer = certStore(dir, options);
  const log = options.log;
  if (log !== undefined) authorizer.store.on('invalid', (error) => log(`skipped: ${error.message}`));
  await authorizer.store.reload();
  return authorizer;
}
