/**
 * A temporary directory with the built command (`npm test` builds dist/ first) on a PATH of its
 * own as `curvezmq`, so shell examples run as a user would run them, and a way to run them.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

export const root = path.join(__dirname, '..', '..');
const run = promisify(execFile);

export interface Sandbox {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  /** Runs examples/NAME with `bash -e` in the sandbox; resolves with its output. */
  sh(name: string, env?: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }>;
  remove(): void;
}

export function sandbox(): Sandbox {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'curvezmq-doc-'));
  const binDir = path.join(dir, '.bin');
  fs.mkdirSync(binDir);
  fs.writeFileSync(path.join(binDir, 'curvezmq'), `#!/bin/sh\nexec "${process.execPath}" "${path.join(root, 'bin', 'curvezmq.js')}" "$@"\n`, { mode: 0o755 });
  const env = { ...process.env, PATH: `${binDir}${path.delimiter}${process.env['PATH'] ?? ''}` };
  return {
    dir,
    env,
    sh: (name, extra = {}) => run('bash', ['-e', path.join(root, 'examples', name)], { cwd: dir, env: { ...env, ...extra }, timeout: 30_000 }),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** A TCP port nobody listens on now (the kernel's pick, released at once). */
export async function freePort(): Promise<number> {
  const net = await import('node:net');
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as import('node:net').AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
