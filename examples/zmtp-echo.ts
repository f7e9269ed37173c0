import { allowKeys, CURVE, curveKeyPair } from 'curvezmq';
import { connectZmtp, listenZmtp } from 'curvezmq/zmtp';

export async function main(): Promise<string> {
  const serverKeys = curveKeyPair();
  const clientKeys = curveKeyPair();

  // A server that libzmq DEALER/REQ/ROUTER clients with CURVE can reach.
  const server = await listenZmtp({
    mechanism: CURVE,
    mechanismOptions: { secretKey: serverKeys.secretKey },
    socketType: 'ROUTER',
    authorizer: allowKeys([clientKeys.publicKey]),
    port: 0, // any free port; see server.address()
  });
  const senders: string[] = [];
  server.on('connection', (connection) => {
    // Echo. The loop ends quietly when the client hangs up; any other error is caught here, so
    // that a libzmq client disconnecting never becomes an unhandled rejection.
    void (async () => {
      for await (const message of connection) {
        senders.push(connection.peer!.publicKeyZ85!); // every message is from this one peer
        await connection.send(message);
      }
    })().catch((error) => console.error(connection.socket.remoteAddress, error.code));
  });
  server.on('handshakeError', (error, origin) => console.error(origin.address, error.code));

  // A client of a libzmq ROUTER bound with curveServer: true would be the same.
  const client = await connectZmtp({
    mechanism: CURVE,
    mechanismOptions: { secretKey: clientKeys.secretKey, serverKey: serverKeys.publicKey },
    port: server.address().port,
  });
  await client.send([Buffer.from('hello'), Buffer.from('world')]); // one two-part message
  const reply = await client.receive(); // Uint8Array[]
  await client.close();
  await server.close();
  return `${reply.map((part) => Buffer.from(part).toString()).join(' ')} (from ${senders[0] === clientKeys.publicKey ? 'the client' : '?'})`;
}

if (require.main === module) main().then(console.log);
