import { allowAny, CURVE, curveKeyPair } from 'curvezmq';
import { connectZmtp, listenZmtp, type ZmtpConnection } from 'curvezmq/zmtp';
import { Publisher, Subscriber } from 'zeromq';

export async function main(): Promise<string> {
  const keys = curveKeyPair();

  // 1. Our SUB at a libzmq PUB: the PUB sends nothing until we send a subscription message,
  //    a frame of 1 (subscribe) followed by the topic prefix (here: every topic).
  const pub = new Publisher({ curveServer: true, curveSecretKey: keys.secretKey });
  await pub.bind('tcp://127.0.0.1:*');
  const sub = await connectZmtp({
    mechanism: CURVE,
    mechanismOptions: { secretKey: curveKeyPair().secretKey, serverKey: keys.publicKey },
    socketType: 'SUB',
    port: Number(new URL(pub.lastEndpoint!).port),
  });
  await sub.send([Uint8Array.of(1)]);
  let received: Uint8Array[] | undefined;
  const receiving = sub.receive().then((message) => (received = message));
  while (received === undefined) {
    await pub.send(['news', 'from libzmq']); // dropped until the subscription has arrived
    await Promise.race([receiving, new Promise((resolve) => setTimeout(resolve, 50))]);
  }
  await sub.close();
  pub.close();

  // 2. A libzmq SUB at our PUB: libzmq 4.3 sends its subscription as a ZMTP 3.1 SUBSCRIBE
  //    command ('command' event), filters by topic itself, and receives what we send.
  const server = await listenZmtp({
    mechanism: CURVE,
    mechanismOptions: { secretKey: keys.secretKey },
    socketType: 'PUB',
    authorizer: allowAny(),
    port: 0,
  });
  const subscribed = new Promise<ZmtpConnection>((resolve) =>
    server.on('connection', (connection) => connection.on('command', () => resolve(connection))),
  );
  const mine = curveKeyPair();
  const libzmqSub = new Subscriber({ curvePublicKey: mine.publicKey, curveSecretKey: mine.secretKey, curveServerKey: keys.publicKey });
  libzmqSub.subscribe('news');
  libzmqSub.connect(`tcp://127.0.0.1:${server.address().port}`);
  const connection = await subscribed;
  await connection.send([Buffer.from('news'), Buffer.from('from curvezmq')]);
  const [topic, body] = await libzmqSub.receive();
  libzmqSub.close();
  await server.close();
  const first = received.map((part) => Buffer.from(part).toString()).join(': ');
  return `${first}; ${topic}: ${body}`;
}

if (require.main === module) main().then(console.log);
