/**
 * Finding 10, memory: a link to an endless device in an allow-list directory (or named as a
 * trust file) used to be read until memory ran out. Measured with peakGrowth (its own jest
 * worker): the read is refused with a coded error and the process grows by less than 8 MiB.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CertStore, createCertificate, formatCertificate, readTrustFile, type TrustError } from '../../src/trust';
import { ALLOWED_GROWTH, describeGrowth, peakGrowth } from '../helpers/memory';
import { useTempDir, withinDeadline as within } from './helpers';

const dir = useTempDir();
/** Far above what refusing a file costs; only an endless read meets it. */
const DEADLINE_MS = 10_000;

const withinDeadline = <T>(promise: Promise<T>): Promise<T> => within(promise, DEADLINE_MS);

const onLinux = process.platform === 'linux' ? test : test.skip;

describe('finding 10: endless devices are never read (memory)', () => {
  onLinux('finding 10: a store directory with links to /dev/zero and /dev/urandom: both refused, growth under 8 MiB', async () => {
    await fs.symlink('/dev/zero', path.join(dir(), 'zero'));
    await fs.symlink('/dev/urandom', path.join(dir(), 'urandom'));
    const good = createCertificate();
    await fs.writeFile(path.join(dir(), 'good'), formatCertificate(good));
    const store = new CertStore(dir());
    const { result, growth } = await peakGrowth(() => withinDeadline(store.reload()));
    expect(result.invalid.map((e) => [path.basename(e.file!), e.code])).toEqual([
      ['urandom', 'ERR_FILE_UNREADABLE'],
      ['zero', 'ERR_FILE_UNREADABLE'],
    ]);
    expect([...store.files().keys()]).toEqual(['good']);
    expect(growth.rss).toBeLessThan(ALLOWED_GROWTH);
    expect(growth.arrayBuffers).toBeLessThan(ALLOWED_GROWTH);
    process.stdout.write(`finding 10, store with device links: ${describeGrowth(growth)}\n`);
  });

  onLinux('finding 10: /dev/zero named as a trust file: ERR_FILE_UNREADABLE, growth under 8 MiB', async () => {
    const { result, growth } = await peakGrowth(() =>
      withinDeadline(readTrustFile('/dev/zero').then(() => undefined, (error: TrustError) => error)),
    );
    expect(result).toMatchObject({ code: 'ERR_FILE_UNREADABLE', message: expect.stringMatching(/a device/) });
    expect(growth.rss).toBeLessThan(ALLOWED_GROWTH);
    expect(growth.arrayBuffers).toBeLessThan(ALLOWED_GROWTH);
    process.stdout.write(`finding 10, /dev/zero named: ${describeGrowth(growth)}\n`);
  });
});
