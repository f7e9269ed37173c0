/**
 * A certificate store: a directory of public certificates used as an allow-list, like CZMQ's
 * `zcertstore` with its directory loader, without its reload bug.
 *
 * CZMQ re-scans only when the directory's mtime, file count or total size changed, so a file
 * replaced by one of the same size within the same second goes unseen (czmq #2113). This store
 * re-reads every file on each scan and compares SHA-256 digests of the contents, so any change
 * is seen. A scan happens:
 * - on every {@link CertStore.reload} call, and
 * - on a {@link CertStore.lookup} when at least `checkInterval` milliseconds (default 1000)
 *   have passed since the previous scan began. A change to the directory therefore decides
 *   lookups made `checkInterval` ms after it or later; lookups sooner may still see the old set.
 *
 * Files whose names start with `.` (editor and temporary files) or end with `_secret` are not
 * read, nor files over `MAX_TRUST_FILE_SIZE` (1 MiB; reported as broken). Only regular files
 * count: a symbolic link, FIFO, device or socket in the directory is reported as broken and
 * never opened through (finding 10: a FIFO, or a link to one, used to block every lookup). A broken file is
 * reported (`'invalid'` event, and in the {@link ReloadResult}) and skipped; the other files
 * still load. A missing directory is an empty store, so it may be created later; a directory
 * that cannot be listed is reported and also gives an empty store, because an allow-list that
 * cannot be read must let no one in.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { keyToZ85, type KeyLike } from '../keys';
import { parseCertificate, publicPart, wipeCertificate, type Certificate } from './certificate';
import { SECRET_SUFFIX } from './cert-files';
import { TrustError } from './errors';
import { readTrustFile } from './read-file';
import { Refresher, type RefreshOptions } from './refresh';

/** Options of {@link CertStore}. */
export type CertStoreOptions = RefreshOptions;

/** What one scan found, by file name (without the directory). */
export interface ReloadResult {
  readonly added: readonly string[];
  readonly changed: readonly string[];
  readonly removed: readonly string[];
  /** Files that are broken since this scan (a file still broken and unchanged is not repeated). */
  readonly invalid: readonly TrustError[];
}

/** Events of a {@link CertStore}. */
export interface CertStoreEvents {
  /** After every scan. */
  reload: [result: ReloadResult];
  /** A file is broken and skipped, or the directory cannot be listed. */
  invalid: [error: TrustError];
}

interface Entry {
  readonly digest: string;
  readonly certificate: Certificate | undefined;
}

/** A directory of public certificates, reloaded when its contents change. */
export class CertStore extends EventEmitter<CertStoreEvents> {
  /** The directory scanned. */
  readonly directory: string;
  private readonly refresher: Refresher<ReloadResult>;
  private entries = new Map<string, Entry>();
  private byKey = new Map<string, Certificate>();

  /**
   * Makes a store over `directory`. Nothing is read until the first {@link lookup} or
   * {@link reload}.
   *
   * @throws {@link TypeError} when `directory` is not a non-empty string
   * @throws {@link RangeError} when `checkInterval` is negative or not a number
   */
  constructor(directory: string, options: CertStoreOptions = {}) {
    super();
    if (typeof directory !== 'string' || directory === '') {
      throw new TypeError('"directory" expected a non-empty string');
    }
    this.directory = directory;
    this.refresher = new Refresher(() => this.scan(), options);
  }

  /**
   * The certificate holding public key `key`, scanning the directory first when the last scan
   * began `checkInterval` ms ago or more; `undefined` when no file holds it.
   *
   * @throws {@link TypeError} / {@link RangeError} when `key` is not a key
   */
  async lookup(key: KeyLike): Promise<Certificate | undefined> {
    const z85 = keyToZ85(key);
    await this.refresher.fresh();
    return this.byKey.get(z85);
  }

  /**
   * Scans the directory now (after any scan already running) and returns what changed.
   * Never rejects for a broken file or directory: those are reported.
   */
  reload(): Promise<ReloadResult> {
    return this.refresher.now();
  }

  /** The certificates of the last scan, one per file, in file-name order. */
  certificates(): Certificate[] {
    return [...this.files().values()];
  }

  /** The certificates of the last scan by file name (without the directory), in file-name order. */
  files(): Map<string, Certificate> {
    const loaded = [...this.entries].flatMap(([name, { certificate }]) =>
      certificate === undefined ? [] : [[name, certificate] as const],
    );
    return new Map(loaded);
  }

  private async scan(): Promise<ReloadResult> {
    const invalid: TrustError[] = [];
    const next = new Map<string, Entry>();
    for (const name of await this.listFiles(invalid)) {
      const entry = await this.readEntry(name, invalid);
      if (entry !== undefined) next.set(name, entry);
    }
    const result = this.compare(next, invalid);
    this.entries = next;
    this.byKey = new Map();
    for (const certificate of this.certificates()) {
      if (!this.byKey.has(certificate.publicKeyZ85)) this.byKey.set(certificate.publicKeyZ85, certificate);
    }
    for (const error of invalid) this.emit('invalid', error);
    this.emit('reload', result);
    return result;
  }

  private async listFiles(invalid: TrustError[]): Promise<string[]> {
    try {
      const dirents = await fs.readdir(this.directory, { withFileTypes: true });
      return dirents
        .filter((d) => !d.isDirectory() && !d.name.startsWith('.') && !d.name.endsWith(SECRET_SUFFIX))
        .map((d) => d.name)
        .sort();
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return [];
      const message = `cannot list: ${(cause as Error).message}`;
      invalid.push(new TrustError('ERR_FILE_UNREADABLE', message, { file: this.directory, cause }));
      return [];
    }
  }

  /** Reads one file; reuses the parsed certificate when its digest is unchanged. */
  private async readEntry(name: string, invalid: TrustError[]): Promise<Entry | undefined> {
    const file = path.join(this.directory, name);
    let bytes: Buffer;
    try {
      bytes = await readTrustFile(file, { followLinks: false });
    } catch (error) {
      // A file removed between the listing and the read is simply gone.
      if ((error as TrustError).code === 'ERR_FILE_NOT_FOUND') return undefined;
      invalid.push(error as TrustError);
      return { digest: '', certificate: undefined };
    }
    const digest = createHash('sha256').update(bytes).digest('hex');
    const previous = this.entries.get(name);
    if (previous?.digest === digest) return previous;
    try {
      const certificate = parseCertificate(bytes.toString('utf8'), file);
      wipeCertificate(certificate);
      return { digest, certificate: publicPart(certificate) };
    } catch (error) {
      invalid.push(error as TrustError);
      return { digest, certificate: undefined };
    }
  }

  private compare(next: ReadonlyMap<string, Entry>, invalid: TrustError[]): ReloadResult {
    const added = [...next.keys()].filter((name) => !this.entries.has(name));
    const changed = [...next.keys()].filter((name) => {
      const before = this.entries.get(name);
      return before !== undefined && before.digest !== next.get(name)!.digest;
    });
    const removed = [...this.entries.keys()].filter((name) => !next.has(name));
    return { added, changed, removed, invalid };
  }
}
