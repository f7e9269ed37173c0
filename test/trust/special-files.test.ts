/**
 * Finding 10 of the security review: a FIFO, a device or a link to one in an allow-list
 * directory (or named as a trust file) must be refused at once, never opened until a writer
 * comes nor read without bound. Each read races a deadline; if a read ever blocks on a FIFO
 * again, the test fails and then opens the FIFO for writing, which releases the stuck open.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { decide, Metadata } from '../../src';
import { CertStore, createCertificate, formatCertificate, PasswordFile, readTrustFile, type TrustError } from '../../src/trust';
import { useTempDir, withinDeadline } from './helpers';

const dir = useTempDir();
/** Far above what opening and refusing a file costs on a loaded machine; only a hang meets it. */
const DEADLINE_MS = 5_000;

function mkfifo(file: string): string {
  execFileSync('mkfifo', [file]);
  return file;
}

/** Settles with `promise`, or fails after the deadline and unblocks any reader stuck on `fifos`. */
async function promptly<T>(promise: Promise<T>, fifos: readonly string[]): Promise<T> {
  try {
    return await withinDeadline(promise, DEADLINE_MS, ': blocked on a FIFO');
  } catch (error) {
    for (const fifo of fifos) await (await fs.open(fifo, 'w')).close();
    throw error;
  }
}

async function refusal(file: string, fifos: readonly string[], options?: { followLinks?: boolean }): Promise<TrustError> {
  return promptly(
    readTrustFile(file, options).then(
      () => {
        throw new Error(`${file} was read`);
      },
      (error: TrustError) => error,
    ),
    fifos,
  );
}

const onLinux = process.platform === 'linux' ? test : test.skip;

describe('finding 10: special files in trust directories', () => {
  onLinux('finding 10: a FIFO, or a link to a FIFO or to /dev/zero, in a store directory is reported and the store still decides', async () => {
    const fifo = mkfifo(path.join(dir(), 'a-fifo'));
    const outside = path.join(path.dirname(dir()), `${path.basename(dir())}-outside-fifo`);
    mkfifo(outside);
    try {
      await fs.symlink(outside, path.join(dir(), 'b-link-to-fifo'));
      await fs.symlink('/dev/zero', path.join(dir(), 'c-link-to-zero'));
      const good = createCertificate();
      await fs.writeFile(path.join(dir(), 'd-good'), formatCertificate(good));
      const store = new CertStore(dir());
      const invalid: TrustError[] = [];
      store.on('invalid', (error) => invalid.push(error));
      const result = await promptly(store.reload(), [fifo, outside]);
      expect([...store.files().keys()]).toEqual(['d-good']);
      expect(result.invalid.map((e) => [path.basename(e.file!), e.code])).toEqual([
        ['a-fifo', 'ERR_FILE_UNREADABLE'],
        ['b-link-to-fifo', 'ERR_FILE_UNREADABLE'],
        ['c-link-to-zero', 'ERR_FILE_UNREADABLE'],
      ]);
      expect(result.invalid[0]!.message).toMatch(/is not a regular file \(a FIFO\)/);
      expect(result.invalid[1]!.message).toMatch(/is a symbolic link/);
      expect(invalid).toHaveLength(3);
      const request = { mechanism: 'CURVE', publicKey: good.publicKey, publicKeyZ85: good.publicKeyZ85, metadata: Metadata.EMPTY };
      expect((await promptly(decide(async (r) => (await store.lookup(r.publicKeyZ85!)) !== undefined, request), [fifo, outside])).status).toBe(200);
    } finally {
      await fs.rm(outside, { force: true });
    }
  });

  onLinux('finding 10: a named FIFO, device or directory is refused at once; a named link to a regular file is read', async () => {
    const fifo = mkfifo(path.join(dir(), 'fifo'));
    expect(await refusal(fifo, [fifo])).toMatchObject({ code: 'ERR_FILE_UNREADABLE', message: expect.stringMatching(/a FIFO/) });
    await fs.symlink(fifo, path.join(dir(), 'link-to-fifo'));
    expect((await refusal(path.join(dir(), 'link-to-fifo'), [fifo])).code).toBe('ERR_FILE_UNREADABLE');
    expect(await refusal('/dev/zero', [])).toMatchObject({ code: 'ERR_FILE_UNREADABLE', message: expect.stringMatching(/a device/) });
    expect(await refusal(dir(), [])).toMatchObject({ message: expect.stringMatching(/a directory/) });
    await fs.writeFile(path.join(dir(), 'real'), 'contents');
    await fs.symlink(path.join(dir(), 'real'), path.join(dir(), 'link'));
    expect((await readTrustFile(path.join(dir(), 'link'))).toString()).toBe('contents');
    expect(await refusal(path.join(dir(), 'link'), [], { followLinks: false })).toMatchObject({
      code: 'ERR_FILE_UNREADABLE',
      message: expect.stringMatching(/is a symbolic link/),
    });
  });

  onLinux('finding 10: a password file that is a FIFO lets no one in and does not hang the check', async () => {
    const fifo = mkfifo(path.join(dir(), 'passwords'));
    const passwords = new PasswordFile(fifo);
    const invalid: TrustError[] = [];
    passwords.on('invalid', (error) => invalid.push(error));
    expect(await promptly(passwords.check('admin', 'secret'), [fifo])).toBe(false);
    expect(invalid.map((e) => e.code)).toEqual(['ERR_FILE_UNREADABLE']);
  });
});
