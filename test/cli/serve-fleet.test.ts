/**
 * `curvezmq serve ... --allow-fleet tcp://HOST:PORT --fleet-key KEY --group G` (issue 17, CLI):
 * a real fleet server in this process, the CLI's `serve` as a real process, real clients. A key
 * the fleet lists is admitted; when its entry is deleted, its established session ends within
 * 2 s and its next handshake is refused; a key never listed is refused from the start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type SecureStream } from '../../src/adapters/stream';
import { CURVE, curveKeyPair } from '../../index';
import { encodeKeyMetadata, keyPath } from '../../src/fleet/key-entry';
import { EXIT } from '../../cli/exit-codes';
import { Closer, listKey, startServer } from '../fleet/helpers';
import { cliBin, root } from './bin';
import { runCli } from '../helpers/cli';

const closer = new Closer();
afterEach(() => closer.closeAll());
let bin = '';
beforeAll(() => {
  bin = cliBin('serve-fleet-cli');
}, 120_000);

/** Starts `serve` and resolves with its port once it listens. */
async function serve(args: string[]): Promise<{ child: ChildProcess; port: number; log: () => string }> {
  const child = spawn(process.execPath, [bin, 'serve', 'tcp+stream://127.0.0.1:0', ...args], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  closer.track({ close: async () => void child.kill('SIGTERM') });
  let log = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr!.setEncoding('utf8').on('data', (text: string) => {
      log += text;
      const match = /^listening on tcp\+stream:\/\/127\.0\.0\.1:(\d+)/m.exec(log);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', () => reject(new Error(`serve exited: ${log}`)));
  });
  return { child, port, log: () => log };
}

function dial(port: number, secretKey: string, serverKey: string): SecureStream {
  const stream = connect({ host: '127.0.0.1', port, mechanism: CURVE, mechanismOptions: { secretKey, serverKey } });
  stream.on('error', () => undefined); // the test reads the failure from `handshake` and 'close'
  closer.track({ close: async () => void stream.destroy() });
  return stream;
}

test('admits the keys the fleet lists, ends a deleted key\'s session within 2 s and refuses it after', async () => {
  const { server: fleet, port: fleetPort, keys: fleetKeys } = await startServer();
  closer.track(fleet);
  const service = curveKeyPair();
  await listKey(fleet, service, ['read']); // the service follows the fleet with its own key
  const client = curveKeyPair();
  await fleet.set(keyPath('svc', client.publicKey), encodeKeyMetadata({ name: 'client', rights: [] }));
  const stranger = curveKeyPair();

  const served = await serve(['--secret-key', service.secretKey, '--allow-fleet', `tcp://127.0.0.1:${fleetPort}`, '--fleet-key', fleetKeys.publicKey, '--group', 'svc']);

  await expect(dial(served.port, stranger.secretKey, service.publicKey).handshake).rejects.toMatchObject({ code: 'ERR_PEER_ERROR' });
  const stream = dial(served.port, client.secretKey, service.publicKey);
  await expect(stream.handshake).resolves.toMatchObject({ publicKeyZ85: service.publicKey });
  stream.write('ping');
  const [echo] = (await new Promise((resolve) => stream.once('data', (d) => resolve([d])))) as [Buffer];
  expect(Buffer.from(echo).toString()).toBe('ping');

  const ended = new Promise<number>((resolve) => stream.once('close', () => resolve(Date.now())));
  const deleted = Date.now();
  await fleet.set(keyPath('svc', client.publicKey), new Uint8Array(0));
  expect((await ended) - deleted).toBeLessThan(2000);
  await expect(dial(served.port, client.secretKey, service.publicKey).handshake).rejects.toMatchObject({ code: 'ERR_PEER_ERROR' });
  expect(served.log()).toMatch(/following the fleet at tcp:\/\/127\.0\.0\.1:\d+ \(group svc\)/);
  expect(served.log()).toContain(`denied: CURVE client key ${stranger.publicKey}`);
}, 20_000);

test('usage: --allow-fleet needs --fleet-key, --group and CURVE; --group alone is refused', async () => {
  const service = curveKeyPair();
  const base = ['serve', 'tcp+stream://127.0.0.1:0', '--secret-key', service.secretKey];
  const fleetKey = curveKeyPair().publicKey;
  for (const [args, message] of [
    [['--allow-fleet', 'tcp://127.0.0.1:1'], /--allow-fleet needs --fleet-key/],
    [['--allow-fleet', 'tcp://127.0.0.1:1', '--fleet-key', fleetKey], /--allow-fleet needs --group/],
    [['--group', 'svc', '--allow-any'], /--group goes with --allow-fleet/],
  ] as const) {
    const result = await runCli(...base, ...args);
    expect(result.code).toBe(EXIT.USAGE);
    expect(result.stderr).toMatch(message);
  }
  const plain = await runCli('serve', 'tcp+stream://127.0.0.1:0', '--mechanism', 'plain', '--allow-fleet', 'tcp://127.0.0.1:1', '--fleet-key', fleetKey, '--group', 'svc');
  expect(plain.code).toBe(EXIT.USAGE);
  expect(plain.stderr).toMatch(/needs --mechanism curve/);
});
