import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { decide, Metadata, type AuthRequest } from '../../src';
import { parsePasswords, PasswordFile, passwordFile, type TrustError } from '../../src/trust';
import { manualClock, useTempDir } from './helpers';

const dir = useTempDir();
const file = () => path.join(dir(), 'passwords');
const plain = (username: string, password: string): AuthRequest => ({ mechanism: 'PLAIN', username, password, metadata: Metadata.EMPTY });

function setup(text: string | undefined) {
  const clock = manualClock();
  const passwords = new PasswordFile(file(), { checkInterval: 1000, clock: clock.now });
  const invalid: TrustError[] = [];
  passwords.on('invalid', (error) => invalid.push(error));
  const write = (t: string) => fs.writeFile(file(), t);
  return { ready: text === undefined ? Promise.resolve() : write(text), passwords, authorize: passwordFile(passwords), clock, invalid, write };
}

describe('PLAIN password file', () => {
  it('allows a listed user with the right password, with the user name as user id', async () => {
    const { ready, authorize } = setup('admin=secret\nguest=guest\n');
    await ready;
    expect(await decide(authorize, plain('admin', 'secret'))).toMatchObject({ status: 200, userId: 'admin' });
    expect((await decide(authorize, plain('guest', 'guest'))).status).toBe(200);
  });

  it('denies a wrong password, an unknown user and other mechanisms', async () => {
    const { ready, authorize } = setup('admin=secret\n');
    await ready;
    expect((await decide(authorize, plain('admin', 'Secret'))).status).toBe(400);
    expect((await decide(authorize, plain('admin', 'secret '))).status).toBe(400);
    expect((await decide(authorize, plain('nobody', 'secret'))).status).toBe(400);
    expect((await decide(authorize, { mechanism: 'CURVE', metadata: Metadata.EMPTY })).status).toBe(400);
  });

  it('splits at the first = and trims nothing, skipping comments, blank lines, CRs and a BOM', async () => {
    const { ready, passwords, invalid } = setup('\uFEFF# users\r\n\r\nalice=a=b c \r\nbob=\n');
    await ready;
    expect(await passwords.check('alice', 'a=b c ')).toBe(true);
    expect(await passwords.check('bob', '')).toBe(true);
    expect(await passwords.check('# users', '')).toBe(false);
    expect(invalid).toEqual([]);
  });

  it('reports bad lines with their numbers, skips them, and keeps the rest', async () => {
    const { ready, passwords, invalid } = setup('admin=secret\nno equals sign\n=nouser\nadmin=other\nok=1\n');
    await ready;
    expect(await passwords.check('ok', '1')).toBe(true);
    expect(await passwords.check('admin', 'secret')).toBe(true);
    expect(await passwords.check('admin', 'other')).toBe(false);
    expect(invalid.map((e) => [e.code, e.line])).toEqual([
      ['ERR_PASSWORD_FILE_MALFORMED', 2],
      ['ERR_PASSWORD_FILE_MALFORMED', 3],
      ['ERR_PASSWORD_FILE_MALFORMED', 4],
    ]);
    expect(invalid[0]?.message).toBe(`${file()}:2: expected user=password`);
  });

  it('reloads a changed file (same size) after the documented delay, and at once on reload()', async () => {
    const { ready, passwords, clock, write } = setup('admin=aaaa\n');
    await ready;
    expect(await passwords.check('admin', 'aaaa')).toBe(true);
    await write('admin=bbbb\n');
    expect(await passwords.check('admin', 'aaaa')).toBe(true);
    clock.advance(1000);
    expect(await passwords.check('admin', 'bbbb')).toBe(true);
    expect(await passwords.check('admin', 'aaaa')).toBe(false);
    await write('admin=cccc\n');
    const reloads: number[] = [];
    passwords.on('reload', (users) => reloads.push(users));
    await passwords.reload();
    expect(await passwords.check('admin', 'cccc')).toBe(true);
    await passwords.reload();
    expect(reloads).toEqual([1]);
  });

  it('lets no one in while the file is missing, and reports it', async () => {
    const { passwords, invalid, clock, write } = setup(undefined);
    expect(await passwords.check('admin', 'secret')).toBe(false);
    expect(invalid.map((e) => e.code)).toEqual(['ERR_FILE_NOT_FOUND']);
    await write('admin=secret\n');
    clock.advance(1000);
    expect(await passwords.check('admin', 'secret')).toBe(true);
  });

  it('finding 8: a file that is not UTF-8 lets no one in, is reported, and counts again once fixed', async () => {
    const { passwords, invalid, clock } = setup(undefined);
    await fs.writeFile(file(), Buffer.concat([Buffer.from('admin=s3cr'), Buffer.of(0xe9), Buffer.from('t\nguest=guest\n')]));
    // Decoded leniently, the Latin-1 \xE9 became U+FFFD, which any other invalid byte also became.
    expect(await passwords.check('admin', 's3cr\uFFFDt')).toBe(false);
    expect(await passwords.check('guest', 'guest')).toBe(false);
    expect(invalid.map((e) => e.code)).toEqual(['ERR_PASSWORD_FILE_MALFORMED']);
    expect(invalid[0]!.message).toMatch(/passwords: is not UTF-8/);
    await fs.writeFile(file(), 'admin=s3cr\u00e9t\n');
    clock.advance(1000);
    expect(await passwords.check('admin', 's3cr\u00e9t')).toBe(true);
    expect(await passwords.check('admin', 's3cr\uFFFDt')).toBe(false);
  });

  it('parsePasswords keeps digests, not passwords', () => {
    const { users, errors } = parsePasswords('admin=secret\n', 'f');
    expect(errors).toEqual([]);
    expect(users.get('admin')).toHaveLength(32);
  });

  it('rejects misuse', () => {
    expect(() => new PasswordFile('')).toThrow(TypeError);
    expect(() => passwordFile(file(), { checkInterval: -5 })).toThrow(RangeError);
  });
});
