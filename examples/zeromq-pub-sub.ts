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
  const pubEndpoint = await server.bindPublisher('tcp://127.0.0.1:*');

  // Client side: handshake over DEALER-ROUTER first, then subscribe to the session's feed.
  const client = new ZeroMqClient({ mechanism: CURVE, mechanismOptions: { secretKey: clientKeys.secretKey, serverKey: serverKeys.publicKey } });
  await client.connect(endpoint);
  client.subscribe(pubEndpoint);
  await client.send('feed me');

  // Server side, after the client asked for a feed: publish() waits until it has subscribed.
  const request = await server.receive();
  await server.publish(request.sessionId, ['topic', 'payload']);
  const feed = await client.receive();

  await client.close();
  await server.close();
  return feed.map(String).join(' ');
}

if (require.main === module) main().then(console.log);
