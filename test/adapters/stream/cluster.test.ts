/**
 * docs/scaling.md: the stream adapter under node:cluster. A primary and two workers, each with
 * its own StreamServer on one port; 40 CURVE clients all get in and are spread across both.
 * Runs examples/cluster-stream-server.js (shown in the doc) against the built package.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { connect, CURVE, curveKeyPair } from '../../../index';

const root = path.join(__dirname, '..', '..', '..');

test('under cluster, a primary and two workers take 40 connections, spread over both', async () => {
  const serverKeys = curveKeyPair();
  const clientKeys = curveKeyPair();
  const child = spawn(process.execPath, ['examples/cluster-stream-server.js', serverKeys.secretKey, clientKeys.publicKey, '0', '2'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += String(chunk);
        const match = /listening on (\d+)/.exec(out);
        if (match) resolve(Number(match[1]));
      });
      child.once('exit', (code) => reject(new Error(`the cluster exited with ${code}`)));
    });
    const pids = await Promise.all(
      Array.from({ length: 40 }, async () => {
        const stream = connect({ host: '127.0.0.1', port, mechanism: CURVE, mechanismOptions: { secretKey: clientKeys.secretKey, serverKey: serverKeys.publicKey } });
        try {
          await stream.handshake;
          stream.write('which worker?');
          const [reply] = (await new Promise((resolve, reject) => {
            stream.once('data', (data) => resolve([data]));
            stream.once('error', reject);
          })) as [Buffer];
          return String(reply);
        } finally {
          stream.destroy();
        }
      }),
    );
    expect(pids).toHaveLength(40);
    expect(new Set(pids).size).toBe(2);
  } finally {
    child.kill();
  }
}, 60_000);
