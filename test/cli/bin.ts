/**
 * The `curvezmq` bin for tests that run it as a process. The bin runs the compiled `dist/`
 * (built by `npm test`, and by `npm ci` through `prepare`). When `dist/` is missing or older
 * than a source, the tree is built into `.tmp/<name>/` instead and a copy of the bin there is
 * run, so a test never runs stale code.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';

export const root = path.join(__dirname, '..', '..');

/** True when every `.ts` under the built folders has a `.js` in dist/ at least as new. */
function distIsFresh(): boolean {
  const stale = (dir: string): boolean =>
    readdirSync(path.join(root, dir), { withFileTypes: true }).some((entry) => {
      const relative = path.join(dir, entry.name);
      if (entry.isDirectory()) return stale(relative);
      if (!entry.name.endsWith('.ts') || entry.name.endsWith('.d.ts')) return false;
      const built = path.join(root, 'dist', relative.replace(/\.ts$/, '.js'));
      return !existsSync(built) || statSync(built).mtimeMs < statSync(path.join(root, relative)).mtimeMs;
    });
  return !['src', 'mechanisms', 'cli'].some(stale);
}

/**
 * The bin to run: the package's own, or a copy beside a fresh build in `.tmp/<name>/` (one
 * folder per test file, as jest runs files in parallel).
 */
export function cliBin(name: string): string {
  if (distIsFresh()) return path.join(root, 'bin', 'curvezmq.js');
  const out = path.join(root, '.tmp', name);
  const tsc = require.resolve('typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', path.join(out, 'dist')], { cwd: root, stdio: 'pipe' });
  } catch {
    // Type errors elsewhere in the tree still emit JavaScript; the run shows if it works.
  }
  mkdirSync(path.join(out, 'bin'), { recursive: true });
  copyFileSync(path.join(root, 'bin', 'curvezmq.js'), path.join(out, 'bin', 'curvezmq.js'));
  // The copy finds package.json (for --version) one level above its dist/, as the real bin does.
  copyFileSync(path.join(root, 'package.json'), path.join(out, 'package.json'));
  return path.join(out, 'bin', 'curvezmq.js');
}
