import * as zmq from 'zeromq';
import { curveKeyPair } from 'curvezmq';
import { nativeCurveClient, nativeCurveServer, ZapHandler } from 'curvezmq/zeromq';

export async function main(): Promise<string> {
  const serverKeys = curveKeyPair();
  const clientKeys = curveKeyPair();
  const allowed = new Set([clientKeys.publicKey]);

  // libzmq runs CURVE; our authorizer answers its ZAP requests (one handler per context).
  const zap = await ZapHandler.start({ authorizer: (r) => allowed.has(r.publicKeyZ85!) });
  const router = new zmq.Router({ ...nativeCurveServer(serverKeys.secretKey), linger: 0 });
  await router.bind('tcp://127.0.0.1:*');
  const dealer = new zmq.Dealer({ ...nativeCurveClient({ secretKey: clientKeys.secretKey, serverKey: serverKeys.publicKey }), linger: 0 });
  dealer.connect(router.lastEndpoint!);

  await dealer.send('hello over native CURVE');
  const [, text] = await router.receive();
  dealer.close();
  router.close();
  zap.close();
  return String(text);
}

if (require.main === module) main().then(console.log);
