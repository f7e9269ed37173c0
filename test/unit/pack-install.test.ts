/**
 * Packaging test (issue 16): the `npm pack` tarball, installed offline into a consumer project
 * (see pack-consumer.ts), runs the README's quick starts as CommonJS and as ESM, and they
 * type-check as TypeScript under `nodenext` and `node10` resolution. A second consumer is the
 * `--omit=optional` shape: no zeromq anywhere on its path. There the stream quick start still
 * works and the ZeroMQ one fails fast with one line naming `npm install zeromq@6`; the bare
 * root and `curvezmq/zeromq` imports in that shape are covered by optional-zeromq.test.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { exec, makeConsumer, packTarball, tempDir, typeCheck, writeExample } from './pack-consumer';

const EXAMPLES = ['quick-start-zeromq', 'quick-start-stream'];
const EXPECTED: Record<string, string> = {
  'quick-start-zeromq': 'Hello -> World (both keys verified: true)',
  'quick-start-stream': 'hello (server key verified: true)',
};

let work: string;
let full: string;
let lean: string;

beforeAll(async () => {
  work = tempDir('curvezmq-pack-');
  const tarball = await packTarball(work);
  [full, lean] = await Promise.all([
    makeConsumer(path.join(work, 'full'), tarball, ['tweetnacl', 'zeromq', '@types/node']),
    makeConsumer(path.join(work, 'lean'), tarball, ['tweetnacl']),
  ]);
  for (const dir of [full, lean]) for (const example of EXAMPLES) writeExample(dir, example);
}, 60_000);

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

/** Runs a script in a consumer; a quick start must print its result and exit by itself. */
function node(cwd: string, file: string) {
  return exec(process.execPath, [file], { cwd, timeout: 20_000 });
}

describe('the packed tarball, installed with its optional zeromq', () => {
  test('holds the built entry points and declarations, and no sources or tests', () => {
    const pkg = path.join(full, 'node_modules', 'curvezmq');
    for (const file of ['dist/index.js', 'dist/index.d.ts', 'dist/src/adapters/zeromq/index.js', 'bin/curvezmq.js']) {
      expect(fs.existsSync(path.join(pkg, file))).toBe(true);
    }
    expect(fs.existsSync(path.join(pkg, 'test'))).toBe(false);
    expect(fs.existsSync(path.join(pkg, 'src'))).toBe(false);
  });

  for (const example of EXAMPLES) {
    for (const ext of ['js', 'mjs']) {
      test(`examples/${example} runs as ${ext === 'js' ? 'CommonJS' : 'ESM'}, prints its result and exits`, async () => {
        const { stdout } = await node(full, `${example}.${ext}`);
        expect(stdout.trim()).toBe(EXPECTED[example]);
      });
    }
  }

  test('the examples type-check under moduleResolution nodenext (CommonJS .ts and ESM .mts)', async () => {
    const files = EXAMPLES.flatMap((example) => [`ts/${example}.ts`, `ts/${example}.mts`]);
    await expect(typeCheck(full, 'nodenext', files)).resolves.toBe('');
  }, 60_000);

  test('the examples type-check under moduleResolution node10 (typesVersions for subpaths)', async () => {
    await expect(typeCheck(full, 'node10', EXAMPLES.map((example) => `ts/${example}.ts`))).resolves.toBe('');
  }, 60_000);
});

describe('the packed tarball installed with --omit=optional (no zeromq)', () => {
  test('zeromq is not reachable from the consumer', async () => {
    await expect(exec(process.execPath, ['-e', "require.resolve('zeromq')"], { cwd: lean })).rejects.toThrow();
  });

  for (const ext of ['js', 'mjs']) {
    test(`the stream quick start still runs as ${ext === 'js' ? 'CommonJS' : 'ESM'}`, async () => {
      const { stdout } = await node(lean, `quick-start-stream.${ext}`);
      expect(stdout.trim()).toBe(EXPECTED['quick-start-stream']);
    });

    test(`the ZeroMQ quick start as ${ext === 'js' ? 'CommonJS' : 'ESM'} fails fast naming npm install zeromq@6`, async () => {
      const failed = await node(lean, `quick-start-zeromq.${ext}`).then(
        () => undefined,
        (error: { code: number; stderr: string; killed: boolean }) => error,
      );
      expect(failed).toBeDefined();
      expect(failed!.killed).toBe(false);
      expect(failed!.stderr).toContain('npm install zeromq@6');
      expect(failed!.stderr).not.toMatch(/Require stack/);
    });
  }
});
