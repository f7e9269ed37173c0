import type { AddressInfo } from 'node:net';
import { allowKeys, connect, createServer, CURVE, curveKeyPair } from 'curvezmq';

/** Echo over TCP: resolves with the reply to 'hello', once the server has closed. */
export function quickStart(): Promise<string> {
  const serverKeys = curveKeyPair();
  const clientKeys = curveKeyPair();

  const server = createServer(
    { mechanism: CURVE, mechanismOptions: { secretKey: serverKeys.secretKey }, authorizer: allowKeys([clientKeys.publicKey]) },
    (stream) => stream.pipe(stream), // echo
  );
  server.on('handshake', (peer, origin) => console.log(`${peer.publicKeyZ85} from ${origin.address}`));

  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      const client = connect({
        host: '127.0.0.1',
        port,
        mechanism: CURVE,
        mechanismOptions: { secretKey: clientKeys.secretKey, serverKey: serverKeys.publicKey },
      });
      client.write('hello'); // queued until the handshake completes
      client.once('data', async (reply) => {
        client.destroy();
        await server.close(); // ends what is still open, within a bounded time
        resolve(String(reply));
      });
    });
  });
}
