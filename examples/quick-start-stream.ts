import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { allowKeys, connect, createServer, CURVE, curveKeyPair } from 'curvezmq';

export async function main(): Promise<string> {
  const serverKeys = curveKeyPair();
  const clientKeys = curveKeyPair();

  const server = createServer(
    { mechanism: CURVE, mechanismOptions: { secretKey: serverKeys.secretKey }, authorizer: allowKeys([clientKeys.publicKey]) },
    (stream) => stream.pipe(stream), // echo, one message per write
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  const client = connect({
    host: '127.0.0.1',
    port,
    mechanism: CURVE,
    mechanismOptions: { secretKey: clientKeys.secretKey, serverKey: serverKeys.publicKey },
  });
  const serverPeer = await client.handshake; // rejects with a coded error if refused
  client.write('hello');
  const [reply] = await once(client, 'data');

  client.end();
  await server.close();
  return `${String(reply)} (server key verified: ${serverPeer.publicKeyZ85 === serverKeys.publicKey})`;
}

if (require.main === module) main().then(console.log);
