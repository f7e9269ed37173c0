/**
 * Secrets given to `serve`, `connect` and `files` (finding 11 of the security review).
 *
 * A secret written on the command line (`--password P`, `--secret-key Z85`) is visible to every
 * user of the machine in `ps` and `/proc/PID/cmdline`, so each such option also takes a file,
 * or `-` for stdin, and a literal secret is still accepted (scripts rely on it) but warned about.
 *
 * A secret file that its group or others may read is refused, as OpenSSH refuses such a private
 * key: the error names the file and the `chmod 600` that fixes it. `--allow-loose-permissions`
 * is the explicit way past, for a file whose access is controlled otherwise (a container's
 * mounted secret, an ACL). Windows has no such mode bits, so nothing is checked there.
 *
 * @module
 */
import { promises as fs } from 'node:fs';
import type { Readable } from 'node:stream';
import { MAX_TRUST_FILE_SIZE, readTrustFile } from '../src/trust';
import { keyFromText, locateKey, readKey } from './key-option';

/** The option that lets a secret file with group or world access be used. */
export const LOOSE_PERMISSIONS_OPTION = '--allow-loose-permissions';

/** The mode bits that give a secret file's group or others any access. */
const GROUP_OR_OTHERS = 0o077;

/** A secret could not be taken as given: the command prints `message` and exits with USAGE. */
export class SecretOptionError extends Error {
  override readonly name = 'SecretOptionError';
}

/** How {@link SecretReader} reads secrets. */
export interface SecretReaderOptions {
  /** Use secret files whatever their permissions (`--allow-loose-permissions`). */
  readonly allowLoosePermissions: boolean;
  /** Where a warning about a literal secret goes (a stderr line). */
  readonly warn: (line: string) => void;
  /** Where `-` reads from (default `process.stdin`). */
  readonly stdin?: Readable;
  /** True when stdin is already taken (the endpoint `-` carries the stream on it). */
  readonly stdinInUse?: boolean;
}

/** Reads the secrets of one command line, each file checked before it is read. */
export class SecretReader {
  constructor(private readonly options: SecretReaderOptions) {}

  /**
   * Own secret key from `--secret-key VALUE` or `--cert FILE` (`option` names which): `-` reads a
   * bare key or a secret certificate from stdin, a file (or certificate base name) is checked
   * and read, a literal Z85 key is taken with a warning (`--cert` takes no literal).
   */
  async secretKey(value: string, option: string): Promise<Uint8Array> {
    if (value === '-') return keyFromText((await this.stdinText(option)).toString('utf8'), '-', 'secret');
    const source = await locateKey(value, 'secret');
    if (source.literal !== undefined) {
      if (option === '--cert') throw new SecretOptionError(`${option}: ${value}: no such certificate file`);
      this.warnLiteral(option, 'a key file');
    } else {
      await this.checkPermissions(source.file, option);
    }
    return readKey(source, 'secret');
  }

  /**
   * The PLAIN password from `--password-file FILE` (or `-`), or a literal `--password` (warned
   * about). The file holds the password on one line (a final line break is not part of it), in
   * UTF-8: a password in another encoding would be sent as bytes the server never stored.
   */
  async password(literal: string | undefined, file: string | undefined): Promise<string | undefined> {
    if (literal !== undefined && file !== undefined) throw new SecretOptionError('give --password or --password-file, not both');
    if (literal !== undefined) {
      this.warnLiteral('--password', '--password-file FILE');
      return literal;
    }
    if (file === undefined) return undefined;
    const bytes = file === '-' ? await this.stdinText('--password-file') : await this.readFile(file, '--password-file');
    return passwordOf(bytes, file);
  }

  /** Checks a secret file the library reads later (`--passwords FILE` of a PLAIN server). */
  async checkFile(file: string, option: string): Promise<void> {
    await this.checkPermissions(file, option);
  }

  private async readFile(file: string, option: string): Promise<Buffer> {
    await this.checkPermissions(file, option);
    try {
      return await readTrustFile(file);
    } catch (error) {
      throw new SecretOptionError(`${option}: ${(error as Error).message}`);
    }
  }

  /**
   * Refuses a secret file its group or others may read. The check is on the file the link
   * points to, since that is what is read; a missing file is left to the reader to report.
   */
  private async checkPermissions(file: string, option: string): Promise<void> {
    if (this.options.allowLoosePermissions || process.platform === 'win32') return;
    const stat = await fs.stat(file).catch(() => undefined);
    if (stat === undefined || (stat.mode & GROUP_OR_OTHERS) === 0) return;
    const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
    throw new SecretOptionError(
      `${option}: ${file}: permissions ${mode} are too open: a secret file must be readable by its owner only. ` +
        `Run: chmod 600 ${file} (or pass ${LOOSE_PERMISSIONS_OPTION} to use it anyway)`,
    );
  }

  private warnLiteral(option: string, instead: string): void {
    this.options.warn(
      `warning: ${option} on the command line is visible to other users (ps, /proc/PID/cmdline); ` +
        `give ${instead} (mode 600) or - to read it from stdin`,
    );
  }

  private async stdinText(option: string): Promise<Buffer> {
    if (this.options.stdinInUse === true) throw new SecretOptionError(`${option} -: stdin carries the stream of endpoint -; give a file`);
    return readAll(this.options.stdin ?? process.stdin, option);
  }
}

/** The password in a password file's bytes: one line, strict UTF-8, not empty. */
function passwordOf(bytes: Buffer, file: string): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new SecretOptionError(`--password-file: ${file}: is not UTF-8`);
  }
  const password = text.replace(/\r?\n$/, '');
  if (/[\r\n]/.test(password)) throw new SecretOptionError(`--password-file: ${file}: holds more than one line`);
  if (password === '') throw new SecretOptionError(`--password-file: ${file}: is empty`);
  return password;
}

/** All of `input`, up to the trust layer's file limit (a secret is a few dozen bytes). */
async function readAll(input: Readable, option: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of input) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    length += bytes.length;
    if (length > MAX_TRUST_FILE_SIZE) {
      input.destroy();
      throw new SecretOptionError(`${option} -: stdin holds more than ${MAX_TRUST_FILE_SIZE} bytes`);
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}
