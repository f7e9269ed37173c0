/**
 * Finding 7: the FileMQ server exited on an authorizer race (a decision landing while an RTFM
 * was being sent threw `StateError` in an unhandled promise). The server runs in a child
 * process under `--unhandled-rejections=strict`, so any unhandled rejection ends it non-zero.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

test('finding 7: decisions landing while RTFM is sent, peers leaving and deadlines passing leave no unhandled rejection', async () => {
  const child = spawn(process.execPath, ['--unhandled-rejections=strict', join(__dirname, 'race-child.js')], {
    cwd: join(__dirname, '..', '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += String(chunk)));
  child.stderr.on('data', (chunk: Buffer) => (err += String(chunk)));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect({ code, err }).toEqual({ code: 0, err: '' });
  const match = /rounds (\d+) decisions (\d+) granted (\d+) ended (\d+)/.exec(out);
  expect(match).not.toBeNull();
  // The race was run: decisions were asked and answered, some peerings granted, some ended.
  expect(Number(match![2])).toBeGreaterThan(0);
  expect(Number(match![3])).toBeGreaterThan(0);
  expect(Number(match![4])).toBeGreaterThan(0);
}, 60_000);
