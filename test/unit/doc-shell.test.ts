/**
 * The shell examples the docs show run as written, with the built command (`npm test` builds
 * dist/ first) on the PATH as `curvezmq`, in a fresh temporary directory.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { curveKeyPair } from '../../src';

const root = path.join(__dirname, '..', '..');
const run = promisify(execFile);

/** A temporary directory with `curvezmq` on a PATH of its own. */
function sandbox(): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'curvezmq-doc-'));
  const binDir = path.join(dir, '.bin');
  fs.mkdirSync(binDir);
  fs.writeFileSync(path.join(binDir, 'curvezmq'), `#!/bin/sh\nexec "${process.execPath}" "${path.join(root, 'bin', 'curvezmq.js')}" "$@"\n`, { mode: 0o755 });
  return { dir, env: { ...process.env, PATH: `${binDir}${path.delimiter}${process.env['PATH'] ?? ''}` } };
}

test('docs/stream.md: two pipes between serve - and connect - (examples/two-pipes.sh) exit 0', async () => {
  const server = curveKeyPair();
  const client = curveKeyPair();
  const { dir, env } = sandbox();
  try {
    const { stderr } = await run('bash', ['-e', path.join(root, 'examples', 'two-pipes.sh')], {
      cwd: dir,
      env: { ...env, SERVER_SECRET: server.secretKey, SERVER_PUBLIC: server.publicKey, CLIENT_SECRET: client.secretKey, CLIENT_PUBLIC: client.publicKey },
      timeout: 30_000,
    });
    expect(stderr).toMatch(/hello/);
    expect(stderr).toMatch(/world/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 40_000);
