/**
 * Without the optional `zeromq` (an install with `--omit=optional`, or a failed native build):
 * the package root and the stream adapter work, and `curvezmq/zeromq` fails at once with one
 * line naming `npm install zeromq@6`. A consumer folder holds a copy of the built package
 * (`npm test` builds dist/ first) and of tweetnacl, and no zeromq anywhere on its path.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const root = path.join(__dirname, '..', '..');
const run = promisify(execFile);
let consumer: string;

beforeAll(() => {
  consumer = fs.mkdtempSync(path.join(os.tmpdir(), 'curvezmq-no-zeromq-'));
  const pkg = path.join(consumer, 'node_modules', 'curvezmq');
  fs.mkdirSync(pkg, { recursive: true });
  fs.copyFileSync(path.join(root, 'package.json'), path.join(pkg, 'package.json'));
  fs.cpSync(path.join(root, 'dist'), path.join(pkg, 'dist'), { recursive: true });
  fs.cpSync(path.join(root, 'node_modules', 'tweetnacl'), path.join(consumer, 'node_modules', 'tweetnacl'), { recursive: true });
});

afterAll(() => fs.rmSync(consumer, { recursive: true, force: true }));

function node(script: string) {
  return run(process.execPath, ['-e', script], { cwd: consumer, timeout: 20_000 });
}

test('curvezmq/zeromq fails fast with one line naming npm install zeromq@6', async () => {
  const failed = await node("require('curvezmq/zeromq')").then(
    () => undefined,
    (error: { code: number; stderr: string }) => error,
  );
  expect(failed).toBeDefined();
  expect(failed!.stderr).toContain('curvezmq/zeromq needs the optional package zeromq, which is not installed: npm install zeromq@6');
  expect(failed!.stderr).not.toMatch(/Require stack/);
});

test('the root and the stream adapter work without zeromq: a CURVE handshake over TCP', async () => {
  const { stdout } = await node(`
    const { createServer, connect, CURVE, curveKeyPair, allowKeys } = require('curvezmq');
    const s = curveKeyPair(), c = curveKeyPair();
    const server = createServer({ mechanism: CURVE, mechanismOptions: { secretKey: s.secretKey }, authorizer: allowKeys([c.publicKey]) }, (x) => x.pipe(x));
    server.listen(0, '127.0.0.1', async () => {
      const client = connect({ host: '127.0.0.1', port: server.address().port, mechanism: CURVE, mechanismOptions: { secretKey: c.secretKey, serverKey: s.publicKey } });
      await client.handshake;
      client.write('hi');
      client.once('data', async (reply) => { console.log(String(reply)); client.end(); await server.close(); });
    });
  `);
  expect(stdout.trim()).toBe('hi');
});
