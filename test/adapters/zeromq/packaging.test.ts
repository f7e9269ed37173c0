/**
 * The adapter's subpath export: `curvezmq/zeromq` loads the adapter from the built package
 * (dist/, made by `npm run build`, which `npm test` runs first), and the package root never
 * loads the native `zeromq` addon.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..', '..');

function run(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }).trim();
}

test('require("curvezmq/zeromq") gives the adapter, with its type declarations', () => {
  const out = run([
    '-e',
    "const z = require('curvezmq/zeromq'); const fs = require('fs'); console.log(typeof z.ZeroMqClient, typeof z.ZeroMqServer, typeof z.ZapHandler, fs.existsSync(require.resolve('curvezmq/zeromq').replace(/\\.js$/, '.d.ts')))",
  ]);
  expect(out).toBe('function function function true');
});

test('import from "curvezmq/zeromq" works from ESM too', () => {
  const out = run(['--input-type=module', '-e', "import { ZeroMqClient, nativeCurveServer } from 'curvezmq/zeromq'; console.log(typeof ZeroMqClient, typeof nativeCurveServer)"]);
  expect(out).toBe('function function');
});

test('loading the package root does not load zeromq', () => {
  const out = run(['-e', "require('curvezmq'); console.log(Object.keys(require.cache).some((file) => /node_modules[\\\\/]zeromq[\\\\/]/.test(file)))"]);
  expect(out).toBe('false');
});

test('the ZeroMQ subpath also exports the FileMQ-style file transfer', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const zeromqEntry = require('../../../src/adapters/zeromq');
  expect(typeof zeromqEntry.FileMqServer).toBe('function');
  expect(typeof zeromqEntry.syncFiles).toBe('function');
});
