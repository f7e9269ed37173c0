/**
 * The built package resolves by name for a TypeScript consumer under every `moduleResolution`:
 * `node10` (what `module: commonjs` implies) finds the subpaths through "typesVersions", the
 * others through "exports". The consumer is a temp folder whose `node_modules/curvezmq` holds a
 * copy of package.json and a link to the built `dist/` (made by `npm run build`, which
 * `npm test` runs first; CURVEZMQ_DIST names another build, e.g. a private
 * `tsc -p tsconfig.build.json --outDir .tmp/dist`).
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.join(__dirname, '..', '..');
const dist = path.resolve(process.env['CURVEZMQ_DIST'] ?? path.join(root, 'dist'));
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');

/** Each specifier a consumer imports, and the declarations it must land on. */
const ENTRY_POINTS: ReadonlyArray<readonly [string, string]> = [
  ['curvezmq', 'index.d.ts'],
  ['curvezmq/zeromq', 'src/adapters/zeromq/index.d.ts'],
  ['curvezmq/stream', 'src/adapters/stream/index.d.ts'],
  ['curvezmq/zmtp', 'src/adapters/zmtp/index.d.ts'],
];

/** Each resolution mode with the module setting it goes with, and the consumer files it checks. */
const MODES: ReadonlyArray<{ readonly moduleResolution: string; readonly module: string; readonly files: readonly string[] }> = [
  { moduleResolution: 'node10', module: 'commonjs', files: ['consumer.ts'] },
  // node16 and nodenext tell CommonJS from ESM importers by extension: check both.
  { moduleResolution: 'node16', module: 'node16', files: ['consumer.cts', 'consumer.mts'] },
  { moduleResolution: 'nodenext', module: 'nodenext', files: ['consumer.cts', 'consumer.mts'] },
  { moduleResolution: 'bundler', module: 'esnext', files: ['consumer.ts'] },
];

/**
 * Imports every entry point and uses a type from each: `MechanismChoice` is exported by all
 * four, so an entry point that resolves to the wrong file fails too. The per-role option types
 * must survive declaration emit: a CURVE client without `serverKey` must not compile for a
 * consumer either.
 */
const CONSUMER = ENTRY_POINTS.map(([specifier], i) => `import type { MechanismChoice as Choice${i} } from '${specifier}';`)
  .concat(`import { CURVE } from 'curvezmq';`)
  .concat(`export type Choices = [${ENTRY_POINTS.map((_, i) => `Choice${i}`).join(', ')}];`)
  .concat(`export const mechanisms: Array<Choices[number]['mechanism']> = ['CURVE'];`)
  .concat(`export const client = () => CURVE.client({ secretKey: new Uint8Array(32), serverKey: new Uint8Array(32) });`)
  .concat(`// @ts-expect-error serverKey is required on a CURVE client`)
  .concat(`export const unpinned = () => CURVE.client({ secretKey: new Uint8Array(32) });`)
  .join('\n');

let consumer: string;
/** One check per mode, all started at once (each is a tsc process of about 2 s). */
const checks = new Map<string, Promise<{ ok: boolean; output: string; files: string[] }>>();

beforeAll(() => {
  if (!fs.existsSync(path.join(dist, 'index.d.ts'))) {
    throw new Error(`no built package at ${dist}: run "npm run build" first (npm test does)`);
  }
  consumer = fs.mkdtempSync(path.join(os.tmpdir(), 'curvezmq-consumer-'));
  const installed = path.join(consumer, 'node_modules', 'curvezmq');
  fs.mkdirSync(installed, { recursive: true });
  fs.copyFileSync(path.join(root, 'package.json'), path.join(installed, 'package.json'));
  fs.symlinkSync(dist, path.join(installed, 'dist'), 'dir');
  for (const name of ['consumer.ts', 'consumer.cts', 'consumer.mts']) fs.writeFileSync(path.join(consumer, name), CONSUMER);
  for (const mode of MODES) checks.set(mode.moduleResolution, typecheck(mode));
});

afterAll(() => {
  if (consumer !== undefined) fs.rmSync(consumer, { recursive: true, force: true });
});

/** Type-checks the consumer under one mode; resolves (never rejects) with tsc's output and the files it read. */
async function typecheck(mode: (typeof MODES)[number]): Promise<{ ok: boolean; output: string; files: string[] }> {
  const config = path.join(consumer, `tsconfig.${mode.moduleResolution}.json`);
  const compilerOptions = {
    strict: true,
    noEmit: true,
    target: 'es2022',
    module: mode.module,
    moduleResolution: mode.moduleResolution,
    // The package's own declarations are checked by its build; here only resolution counts.
    skipLibCheck: true,
    types: [],
  };
  fs.writeFileSync(config, JSON.stringify({ compilerOptions, files: mode.files }));
  try {
    const { stdout } = await run(process.execPath, [tsc, '-p', config, '--listFiles'], { cwd: consumer });
    return { ok: true, output: stdout, files: stdout.split('\n').map((line) => line.trim()) };
  } catch (error) {
    const output = String((error as { stdout?: string }).stdout ?? error);
    return { ok: false, output, files: [] };
  }
}

describe('subpath exports resolve for TypeScript consumers', () => {
  test.each(MODES.map((mode) => [mode.moduleResolution, mode] as const))(
    'moduleResolution %s: curvezmq, /zeromq, /stream, /zmtp resolve; CURVE options keep their roles',
    async (_name, mode) => {
      const result = await checks.get(mode.moduleResolution)!;
      expect(result.output.split('\n').filter((line) => line.includes('error TS'))).toEqual([]);
      expect(result.ok).toBe(true);
      const read = new Set(result.files);
      const landed = ENTRY_POINTS.map(([specifier, file]) => [specifier, read.has(fs.realpathSync(path.join(dist, file)))]);
      expect(landed).toEqual(ENTRY_POINTS.map(([specifier]) => [specifier, true]));
    },
    // Four tsc processes at once take 8-18 s here; a loaded full run gets room to spare.
    60_000,
  );

  test('the same specifiers load at run time, from require and from import', async () => {
    const specifiers = JSON.stringify(ENTRY_POINTS.map(([specifier]) => specifier));
    const script = `const s = ${specifiers}; const r = s.map((p) => typeof require(p));`
      + ` Promise.all(s.map((p) => import(p))).then((m) => console.log(r.join(), m.map((x) => typeof x.MechanismChoice === 'undefined').join()));`;
    const { stdout } = await run(process.execPath, ['-e', script], { cwd: consumer });
    // MechanismChoice is a type only: present in declarations, absent at run time.
    expect(stdout.trim()).toBe('object,object,object,object true,true,true,true');
  });
});
