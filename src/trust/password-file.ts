/**
 * PLAIN password files, like CZMQ zauth's `PLAIN <file>`: one `user=password` per line, split
 * at the first `=`, nothing trimmed (a password may hold spaces or `=`) but a CR before the LF
 * and a leading byte-order mark. Empty lines and lines starting with `#` are skipped. A line without `=`, with an empty user name, or repeating a
 * user is reported (`'invalid'` event) and skipped; the other lines still count.
 *
 * The file is re-read, and compared by SHA-256 digest of its contents, on
 * {@link PasswordFile.reload} and on a check made at least `checkInterval` ms (default 1000)
 * after the previous read began (see `refresh.ts`). A missing, unreadable or too large (over
 * 1 MiB) file is reported and lets no one in until it can be read. So is a file that is not
 * well-formed UTF-8 (finding 8 of the security review): decoded leniently, every invalid byte
 * would become U+FFFD, and a password written in Latin-1 (`s3cr\xE9t`) would match any
 * other password with one invalid byte in its place.
 *
 * Passwords are kept only as SHA-256 digests, compared in constant time; an unknown user costs
 * the same comparison as a known one.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { allow, deny, type Authorizer } from '../auth';
import { equalBytes, fromUtf8Strict, wipe } from '../bytes';
import { TrustError } from './errors';
import { readTrustFile } from './read-file';
import { Refresher, type RefreshOptions } from './refresh';

/** Events of a {@link PasswordFile}. */
export interface PasswordFileEvents {
  /** After each read that found the contents changed; `users` is the number of users loaded. */
  reload: [users: number];
  /** A line is skipped, or the file cannot be read. */
  invalid: [error: TrustError];
}

const sha256 = (data: string | Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(data).digest());
const NO_MATCH = sha256('curvezmq: no such user');

/** A file of `user=password` lines, re-read when its contents change. */
export class PasswordFile extends EventEmitter<PasswordFileEvents> {
  /** The file read. */
  readonly file: string;
  private readonly refresher: Refresher<void>;
  private users = new Map<string, Uint8Array>();
  private digest: string | undefined;

  /**
   * Nothing is read until the first {@link check} or {@link reload}.
   *
   * @throws {@link TypeError} when `file` is not a non-empty string; RangeError for a bad
   *   `checkInterval`
   */
  constructor(file: string, options: RefreshOptions = {}) {
    super();
    if (typeof file !== 'string' || file === '') throw new TypeError('"file" expected a non-empty string');
    this.file = file;
    this.refresher = new Refresher(() => this.read(), options);
  }

  /** True when `username` is in the file with exactly `password` (re-reading the file when due). */
  async check(username: string, password: string): Promise<boolean> {
    await this.refresher.fresh();
    const stored = this.users.get(username);
    const given = sha256(password);
    const same = equalBytes(given, stored ?? NO_MATCH);
    wipe(given);
    return same && stored !== undefined;
  }

  /** Re-reads the file now (after any read already running). Never rejects: faults are reported. */
  reload(): Promise<void> {
    return this.refresher.now();
  }

  private async read(): Promise<void> {
    let bytes: Buffer;
    try {
      bytes = await readTrustFile(this.file);
    } catch (error) {
      this.replace(new Map(), undefined);
      this.emit('invalid', error as TrustError);
      return;
    }
    const digest = createHash('sha256').update(bytes).digest('hex');
    if (digest === this.digest) return;
    let text: string;
    try {
      text = fromUtf8Strict(bytes);
    } catch (cause) {
      this.replace(new Map(), undefined);
      this.emit('invalid', new TrustError('ERR_PASSWORD_FILE_MALFORMED', 'is not UTF-8: no one is let in until it is', { file: this.file, cause }));
      return;
    }
    const { users, errors } = parsePasswords(text, this.file);
    this.replace(users, digest);
    for (const error of errors) this.emit('invalid', error);
    this.emit('reload', users.size);
  }

  private replace(users: Map<string, Uint8Array>, digest: string | undefined): void {
    wipe(...this.users.values());
    this.users = users;
    this.digest = digest;
  }
}

/**
 * Parses password file text into user names and password digests, with an error for each
 * skipped line.
 */
export function parsePasswords(text: string, file: string): { users: Map<string, Uint8Array>; errors: TrustError[] } {
  const users = new Map<string, Uint8Array>();
  const errors: TrustError[] = [];
  text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((content, index) => {
    const at = { file, line: index + 1 };
    if (content === '' || content.startsWith('#')) return;
    const equals = content.indexOf('=');
    if (equals <= 0) {
      const why = equals === 0 ? 'the user name is empty' : 'expected user=password';
      errors.push(new TrustError('ERR_PASSWORD_FILE_MALFORMED', why, at));
      return;
    }
    const user = content.slice(0, equals);
    if (users.has(user)) {
      errors.push(new TrustError('ERR_PASSWORD_FILE_MALFORMED', `user ${JSON.stringify(user)} is repeated`, at));
      return;
    }
    users.set(user, sha256(content.slice(equals + 1)));
  });
  return { users, errors };
}

/** An authorizer that also exposes the password file it reads. */
export type PasswordFileAuthorizer = Authorizer & { readonly passwords: PasswordFile };

/**
 * Lets in PLAIN clients whose user name and password are in the file, with the user name as
 * user id; denies the rest, including every request of another mechanism.
 *
 * @param source - a file (a new {@link PasswordFile} is made with `options`) or a `PasswordFile`
 * @throws as the {@link PasswordFile} constructor
 */
export function passwordFile(source: string | PasswordFile, options: RefreshOptions = {}): PasswordFileAuthorizer {
  const passwords = source instanceof PasswordFile ? source : new PasswordFile(source, options);
  const authorizer = async (request: Parameters<Authorizer>[0]) => {
    const { username, password } = request;
    if (request.mechanism !== 'PLAIN' || username === undefined || password === undefined) return deny();
    return (await passwords.check(username, password)) ? allow(username) : deny();
  };
  return Object.assign(authorizer, { passwords });
}
