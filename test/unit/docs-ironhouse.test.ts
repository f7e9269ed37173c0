/**
 * docs/ironhouse.md, run as a user follows it: `curvezmq keygen` and `cp` make keys/ and
 * allowed/ in a temporary directory, then each TypeScript and shell example runs there.
 */
import { main as overStream } from '../../examples/ironhouse-stream';
import { main as overZeroMq } from '../../examples/ironhouse-zeromq';
import { addressThenKey } from '../../examples/address-then-key';
import { main as reloadAllowList } from '../../examples/allow-list-reload';
import { main as plainWithPasswords } from '../../examples/password-file';
import { main as saveAndLoad } from '../../examples/certificates';
import { loadCertificate, Metadata } from '../../index';
import { freePort, sandbox, type Sandbox } from './doc-sandbox';

let box: Sandbox;
const home = process.cwd();

beforeAll(async () => {
  box = sandbox();
  await box.sh('ironhouse-setup.sh');
  const { stdout } = await box.sh('ironhouse-allow.sh');
  expect(stdout).toMatch(/alice\s+name="Alice"/);
  process.chdir(box.dir); // the examples name keys/ and allowed/ relative to where they run
}, 60_000);

afterAll(() => {
  process.chdir(home);
  box.remove();
});

test('section 3: Alice is let in over ZeroMQ with her metadata, Mallory refused with 400', async () => {
  await expect(overZeroMq()).resolves.toBe('Alice: hello; Mallory: ERR_PEER_ERROR 400');
});

test('section 4: the same over the stream adapter; the refusal is the handshake rejection', async () => {
  await expect(overStream()).resolves.toBe('Alice: hello; Mallory: ERR_PEER_ERROR 400');
});

test('section 4: the address list comes before the key', async () => {
  const authorizer = addressThenKey();
  const alice = await loadCertificate('keys/alice');
  const request = { mechanism: 'CURVE', publicKey: alice.publicKey, metadata: Metadata.EMPTY };
  await expect(Promise.resolve(authorizer({ ...request, address: '10.1.2.3' }))).resolves.toMatchObject({ status: 200 });
  await expect(Promise.resolve(authorizer({ ...request, address: '192.168.1.2' }))).resolves.toMatchObject({ status: 400 });
});

test('section 6: the command line lets Alice in and refuses Mallory with exit code 3', async () => {
  const { stdout, stderr } = await box.sh('ironhouse-cli.sh', { PORT: String(await freePort()) });
  expect(stdout + stderr).toMatch(/reply: hello/);
  expect(stdout + stderr).toMatch(/Mallory refused, exit code 3/);
}, 40_000);

test('PLAIN with a password file: the right password gets in, a wrong one is refused', async () => {
  await expect(plainWithPasswords()).resolves.toBe('in, ERR_PEER_ERROR 400');
});

test('section 5: a broken file is reported and skipped; the others keep working', async () => {
  const reported = jest.spyOn(console, 'error').mockImplementation(() => {});
  try {
    await expect(reloadAllowList()).resolves.toBe('broken files skipped: 1; still allowed: 1');
    expect(reported).toHaveBeenCalledWith(expect.stringMatching(/^allowed\/bob:\d+: /));
  } finally {
    reported.mockRestore();
  }
});

/** A port nothing listens on now, for the CLI server. */

test('docs/keys.md: a certificate saved, then read back as secret and as public', async () => {
  const keysBox = sandbox();
  process.chdir(keysBox.dir);
  try {
    await expect(saveAndLoad()).resolves.toBe('Alice: secret true, public file secret false');
  } finally {
    process.chdir(box.dir);
    keysBox.remove();
  }
});
