import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allowKeys, CURVE, curveKeyPair, defaultRegistry } from 'curvezmq';
import { FileMqServer, syncFiles } from 'curvezmq/zeromq';

export async function main(): Promise<string> {
  const serverKeys = curveKeyPair();
  const clientKeys = curveKeyPair();
  const root = await mkdtemp(join(tmpdir(), 'served-'));
  const mirror = await mkdtemp(join(tmpdir(), 'mirror-'));
  await writeFile(join(root, 'hello.txt'), 'hello, mirror');

  const server = new FileMqServer({
    root,
    mechanism: CURVE,
    mechanismOptions: { secretKey: serverKeys.secretKey },
    authorizer: allowKeys([clientKeys.publicKey]),
  });
  const endpoint = await server.bind('tcp://127.0.0.1:*');
  const result = await syncFiles({
    endpoint,
    into: mirror,
    mechanism: 'CURVE',
    registry: defaultRegistry,
    mechanismOptions: { secretKey: clientKeys.secretKey, serverKey: serverKeys.publicKey },
  });
  await server.close();
  return `${result.files.join(',')}: ${await readFile(join(mirror, 'hello.txt'), 'utf8')}`;
}

if (require.main === module) main().then(console.log);
