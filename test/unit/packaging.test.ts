/**
 * The built package (dist/, made by `npm run build`, which `npm test` runs first) loads from
 * both `require` and `import` on Node 20, by its own name.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..');

function run(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }).trim();
}

describe('package entry points', () => {
  test('require("curvezmq") gives the core and the mechanisms', () => {
    const out = run(['-e', "const m = require('curvezmq'); console.log(typeof m.z85Encode, typeof m.runHandshake, m.defaultRegistry.has('PLAIN'))"]);
    expect(out).toBe('function function true');
  });

  test('import from "curvezmq" gives the same named exports', () => {
    const out = run([
      '--input-type=module',
      '-e',
      "import { z85Encode, MechanismError, defaultRegistry } from 'curvezmq'; console.log(z85Encode(new Uint8Array(4)), typeof MechanismError, defaultRegistry.has('NULL'))",
    ]);
    expect(out).toBe('00000 function true');
  });

  test('type declarations are emitted beside the code', () => {
    const out = run(['-e', "console.log(require('fs').existsSync(require.resolve('curvezmq').replace(/\\.js$/, '.d.ts')))"]);
    expect(out).toBe('true');
  });
});
