import { allowKeys, CURVE, curveKeyPair } from 'curvezmq';
import { ZeroMqClient, ZeroMqServer } from 'curvezmq/zeromq';

export async function main(): Promise<string> {
  const serverKeys = curveKeyPair();
  const clientKeys = curveKeyPair();

  const server = new ZeroMqServer({
    mechanism: CURVE,
    mechanismOptions: { secretKey: serverKeys.secretKey },
    authorizer: allowKeys([clientKeys.publicKey]), // who may enter: required
  });
  const endpoint = await server.bind('tcp://127.0.0.1:*');

  const client = new ZeroMqClient({
    mechanism: CURVE,
    mechanismOptions: { secretKey: clientKeys.secretKey, serverKey: serverKeys.publicKey },
  });
  const serverPeer = await client.connect(endpoint); // resolves once the handshake is done
  await client.send('Hello');

  const message = await server.receive(); // every message comes with the authenticated peer
  await message.reply('World');
  const [reply] = await client.receive();

  await client.close();
  await server.close();
  const known = serverPeer.publicKeyZ85 === serverKeys.publicKey && message.peer.publicKeyZ85 === clientKeys.publicKey;
  return `${message.parts[0]} -> ${reply} (both keys verified: ${known})`;
}

if (require.main === module) main().then(console.log);
