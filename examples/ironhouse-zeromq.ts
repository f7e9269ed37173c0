import { certStore, CURVE, loadCertificate, type Certificate } from 'curvezmq';
import { ZeroMqClient, ZeroMqServer } from 'curvezmq/zeromq';

// Run where `curvezmq keygen` made keys/ and allowed/ (steps 1 and 2).
export async function main(): Promise<string> {
  // Server: its own secret certificate, and the allow-list.
  const serverCert = await loadCertificate('keys/server', 'secret');
  const server = new ZeroMqServer({
    mechanism: CURVE,
    mechanismOptions: { secretKey: serverCert.secretKey! },
    authorizer: certStore('allowed'),
  });
  const endpoint = await server.bind('tcp://127.0.0.1:*');

  // A client: its own secret certificate, and the server's public one.
  const serverPublic = await loadCertificate('keys/server'); // the public file
  const clientOf = (cert: Certificate) =>
    new ZeroMqClient({
      mechanism: CURVE,
      mechanismOptions: { secretKey: cert.secretKey!, serverKey: serverPublic.publicKey },
    });

  const alice = clientOf(await loadCertificate('keys/alice', 'secret'));
  await alice.connect(endpoint);
  await alice.send('hello');
  const message = await server.receive();
  // Each message carries the authenticated client: user id and certificate metadata.
  const name = message.peer.authMetadata.getString('name');
  await message.reply(message.parts);
  const [echo] = await alice.receive();

  // Mallory's key is not in allowed/: her handshake is refused, no session is made.
  const mallory = clientOf(await loadCertificate('keys/mallory', 'secret'));
  const refusal = await mallory.connect(endpoint).catch((error) => error);

  await Promise.all([alice.close(), mallory.close()]);
  await server.close();
  return `${name}: ${echo}; Mallory: ${refusal.code} ${refusal.status}`;
}

if (require.main === module) main().then(console.log);
