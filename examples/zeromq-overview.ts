import { CURVE, curveKeyPair } from 'curvezmq';
import { ZeroMqClient, ZeroMqServer } from 'curvezmq/zeromq';

export async function main(): Promise<string> {
  const serverKeys = curveKeyPair();
  const clientKeys = curveKeyPair();

  const server = new ZeroMqServer({
    mechanism: CURVE,
    mechanismOptions: { secretKey: serverKeys.secretKey },
    authorizer: (request) => request.publicKeyZ85 === clientKeys.publicKey,
  });
  const endpoint = await server.bind('tcp://127.0.0.1:*');

  const client = new ZeroMqClient({
    mechanism: CURVE,
    mechanismOptions: { secretKey: clientKeys.secretKey, serverKey: serverKeys.publicKey },
  });
  await client.connect(endpoint); // resolves with the server's PeerIdentity (also client.handshake)
  await client.send(['Hello', 'more parts']);

  let seen = '';
  for await (const message of server) {
    // Every message carries its authenticated sender.
    seen = `${message.peer.publicKeyZ85 === clientKeys.publicKey} ${message.parts.map(String).join('+')}`;
    await message.reply('World');
    break; // one message is enough here; a real server keeps looping until close()
  }
  const [reply] = await client.receive();
  await client.close();
  await server.close();
  return `${seen} -> ${reply}`;
}

if (require.main === module) main().then(console.log);
