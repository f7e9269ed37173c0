/**
 * The shell examples the docs show run as written, with the built command on the PATH as
 * `curvezmq`, in a fresh temporary directory (test/unit/doc-sandbox.ts).
 */
import { freePort, sandbox } from './doc-sandbox';

test('docs/stream.md: two pipes between serve - and connect - (examples/two-pipes.sh) exit 0', async () => {
  const box = sandbox();
  try {
    const { stderr } = await box.sh('two-pipes.sh');
    expect(stderr).not.toMatch(/visible|warning/i);
    expect(stderr).toMatch(/hello/);
    expect(stderr).toMatch(/world/);
  } finally {
    box.remove();
  }
}, 40_000);

test('docs/keys.md: a pyzmq-named allow-list (examples/pyzmq-allow-list.sh) holds alice.key', async () => {
  const box = sandbox();
  try {
    const { stdout } = await box.sh('pyzmq-allow-list.sh');
    const listed = stdout.trim().split('\n').pop()!;
    expect(listed).toMatch(/^\S{40}\s+alice\.key\b/);
  } finally {
    box.remove();
  }
}, 40_000);

test("README: the command line's quick start (examples/cli-quick-start.sh) gets its reply", async () => {
  const box = sandbox();
  try {
    const { stdout, stderr } = await box.sh('cli-quick-start.sh', { PORT: String(await freePort()) });
    expect(stdout + stderr).toMatch(/hi/);
  } finally {
    box.remove();
  }
}, 40_000);
