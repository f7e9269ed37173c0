import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { certStore, connect, createServer, CURVE, loadCertificate, type Certificate } from 'curvezmq';

// Run where `curvezmq keygen` made keys/ and allowed/ (steps 1 and 2).
export async function main(): Promise<string> {
  const serverCert = await loadCertificate('keys/server', 'secret');
  const names: string[] = [];
  const server = createServer(
    { mechanism: CURVE, mechanismOptions: { secretKey: serverCert.secretKey! }, authorizer: certStore('allowed') },
    (stream) => {
      // The stream's peer is the authenticated client.
      names.push(stream.peer?.authMetadata.getString('name') ?? '?');
      stream.pipe(stream); // echo, one message per write
    },
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  const serverPublic = await loadCertificate('keys/server');
  const connectAs = (cert: Certificate) =>
    connect({
      host: '127.0.0.1',
      port,
      mechanism: CURVE,
      mechanismOptions: { secretKey: cert.secretKey!, serverKey: serverPublic.publicKey },
    });

  const alice = connectAs(await loadCertificate('keys/alice', 'secret'));
  await alice.handshake;
  alice.write('hello');
  const [echo] = await once(alice, 'data');
  alice.end();

  // Mallory is refused: the handshake promise rejects with the coded error.
  const mallory = connectAs(await loadCertificate('keys/mallory', 'secret'));
  const refusal = await mallory.handshake.catch((error) => error);

  await server.close();
  return `${names.join(',')}: ${echo}; Mallory: ${refusal.code} ${refusal.status}`;
}

if (require.main === module) main().then(console.log);
