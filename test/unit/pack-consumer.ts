/**
 * Builds consumer projects from the real `npm pack` tarball, offline: the registry is never
 * asked, because the tarball is unpacked into node_modules/curvezmq and its dependencies are
 * symlinked from this repository's node_modules (the "cache"). The consumers live in the OS
 * temp directory so that nothing resolves through the repository's own node_modules.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as ts from 'typescript';

export const root = path.join(__dirname, '..', '..');
export const exec = promisify(execFile);

/** `npm pack` without scripts: `prepare` would rebuild dist/, which `npm test` has just built. */
export async function packTarball(into: string, source = root): Promise<string> {
  const { stdout } = await exec('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', into], {
    cwd: source,
    timeout: 30_000,
  });
  const [entry] = JSON.parse(stdout) as Array<{ filename: string }>;
  if (!entry) throw new Error(`npm pack reported no tarball: ${stdout}`);
  return path.join(into, entry.filename);
}

/** A consumer project holding the unpacked tarball; `links` are package names taken from the repo. */
export async function makeConsumer(dir: string, tarball: string, links: string[]): Promise<string> {
  fs.mkdirSync(path.join(dir, 'node_modules', '@types'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  const unpack = path.join(dir, '.unpack');
  fs.mkdirSync(unpack);
  await exec('tar', ['-xzf', tarball, '-C', unpack]);
  fs.renameSync(path.join(unpack, 'package'), path.join(dir, 'node_modules', 'curvezmq'));
  for (const name of links) {
    const from = path.join(root, 'node_modules', name);
    if (!fs.existsSync(from)) throw new Error(`repository's node_modules lacks ${name}: run npm install`);
    fs.symlinkSync(from, path.join(dir, 'node_modules', name), 'dir');
  }
  return dir;
}

const RUN_MAIN = 'if (require.main === module) main().then(console.log);';

/**
 * Writes an example as CommonJS (`.js`), as ESM (`.mjs`) and as TypeScript (`.ts` and `.mts`).
 * ESM has no `require.main`, so its copy calls main() unconditionally; an example without
 * that line would silently test less, hence the throw.
 */
export function writeExample(dir: string, example: string): void {
  const source = fs.readFileSync(path.join(root, 'examples', `${example}.ts`), 'utf8');
  if (!source.includes(RUN_MAIN)) throw new Error(`examples/${example}.ts no longer ends with: ${RUN_MAIN}`);
  const esmSource = source.replace(RUN_MAIN, 'main().then(console.log);');
  const emit = (text: string, module: ts.ModuleKind) =>
    ts.transpileModule(text, { compilerOptions: { module, target: ts.ScriptTarget.ES2022 } }).outputText;
  fs.writeFileSync(path.join(dir, `${example}.js`), emit(source, ts.ModuleKind.CommonJS));
  fs.writeFileSync(path.join(dir, `${example}.mjs`), emit(esmSource, ts.ModuleKind.ESNext));
  fs.mkdirSync(path.join(dir, 'ts'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'ts', `${example}.ts`), source);
  fs.writeFileSync(path.join(dir, 'ts', `${example}.mts`), esmSource);
}

/** Runs the repository's own tsc on the consumer's TypeScript copies; resolves to its output. */
export async function typeCheck(dir: string, resolution: 'nodenext' | 'node10', files: string[]): Promise<string> {
  const compilerOptions =
    resolution === 'nodenext'
      ? { module: 'nodenext', moduleResolution: 'nodenext' }
      : { module: 'commonjs', moduleResolution: 'node10' };
  const config = path.join(dir, `tsconfig.${resolution}.json`);
  fs.writeFileSync(
    config,
    JSON.stringify({
      compilerOptions: { ...compilerOptions, target: 'es2022', strict: true, noEmit: true, types: ['node'] },
      files,
    }),
  );
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const { stdout } = await exec(process.execPath, [tsc, '-p', config], { cwd: dir, timeout: 40_000 }).catch(
    (error: { stdout: string }) => ({ stdout: `tsc failed:\n${error.stdout}` }),
  );
  return stdout.trim();
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
