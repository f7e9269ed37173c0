/**
 * The stream adapter from the built package (dist/, made by `npm test` and `npm ci`): the
 * `curvezmq/stream` subpath and the root give the same classes.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..', '..');

test('require("curvezmq/stream") and require("curvezmq") give the same SecureStream', () => {
  const out = execFileSync(
    process.execPath,
    ['-e', "const s = require('curvezmq/stream'); console.log(typeof s.createServer, typeof s.connect, s.SecureStream === require('curvezmq').SecureStream)"],
    { cwd: root, encoding: 'utf8' },
  ).trim();
  expect(out).toBe('function function true');
});
