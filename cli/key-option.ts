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
  certStore,
  loadCertificate,
  readTrustText,
  TrustError,
  wipeCertificate,
  type Certificate,
  type CertStoreAuthorizer,
  type RefreshOptions,
} from '../src/trust';

/** Which key an option wants. */
export type KeyKind = 'public' | 'secret';

/**
 * Resolves a KEY option value to 32 fresh bytes. A value naming an existing file is read as a
 * file; otherwise a 40-character value is Z85; otherwise it is tried as a certificate base name
 * (`value_secret`, `value.key`, `value.key_secret` ...).
 *
 * For `'secret'` a certificate's secret file is read (`FILE_secret` before `FILE`); for
 * `'public'` its public key. A bare key file holds the key asked for.
 *
 * @throws {@link TypeError} when `value` is not a string; RangeError for a bad `which` or a
 *   40-character value that is not a valid key; {@link TrustError} `ERR_FILE_NOT_FOUND` when it is neither a key
 *   nor a file, `ERR_KEY_FILE_MALFORMED` for a bad bare key file, and the certificate errors
 *   of `loadCertificate` (`ERR_CERT_MALFORMED`, `ERR_CERT_KEY_MISMATCH`, `ERR_CERT_NO_SECRET`)
 */
export async function resolveKey(value: string, which: KeyKind): Promise<Uint8Array> {
  if (typeof value !== 'string') throw new TypeError('"value" expected a string');
  if (which !== 'public' && which !== 'secret') throw new RangeError(`"which" expected 'public' or 'secret'`);
  const stat = await fs.stat(value).catch(() => undefined);
  if (stat?.isFile() === true) return keyFromFile(value, which);
  if (value.length === Z85_KEY_LENGTH) return convert(value, which);
  try {
    return keyOf(await loadCertificate(value, which), which);
  } catch (error) {
    if (!(error instanceof TrustError) || error.code !== 'ERR_FILE_NOT_FOUND') throw error;
    throw new TrustError('ERR_FILE_NOT_FOUND', 'is neither a 40-character Z85 key nor a key or certificate file', {
      file: value,
      cause: error,
    });
  }
}

function convert(z85: string, which: KeyKind): Uint8Array {
  return which === 'public' ? toPublicKey(z85, 'public key') : toSecretKey(z85, 'secret key');
}

async function keyFromFile(file: string, which: KeyKind): Promise<Uint8Array> {
  const lines = (await readTrustText(file))
    .split(/\r?\n/)
    .map((text, index) => ({ text: text.trim(), line: index + 1 }))
    .filter(({ text }) => text !== '' && !text.startsWith('#'));
  if (lines.length >= 2) return keyOf(await loadCertificate(file, which), which);
  const only = lines[0];
  if (only === undefined) throw new TrustError('ERR_KEY_FILE_MALFORMED', 'holds no key', { file });
  try {
    return convert(only.text, which);
  } catch (cause) {
    throw new TrustError('ERR_KEY_FILE_MALFORMED', (cause as Error).message, { file, line: only.line, cause });
  }
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
