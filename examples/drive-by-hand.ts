import { NullMechanism, PlainMechanism } from 'curvezmq';
import { allow, deny, fromUtf8, utf8, type Mechanism, type Step } from 'curvezmq';

/** Delivers every blob of `step` to `to`, and returns the steps that came back. */
function deliver(step: Step, to: Mechanism): Step[] {
  return step.send.map((blob) => to.receive(blob));
}

export function driveByHand(): string {
  const client = new PlainMechanism('client', { username: 'admin', password: 'secret' });
  const server = new PlainMechanism('server', { metadata: { 'Socket-Type': 'ROUTER' } });

  server.start(); // a server's start() sends nothing
  const hello = client.start(); // the client's holds HELLO

  // HELLO reaches the server: it asks us who may enter.
  const [asked] = deliver(hello, server);
  const request = asked!.auth!;
  const ok = request.username === 'admin' && request.password === 'secret';
  const welcome = server.authorize(ok ? allow(request.username) : deny());

  // WELCOME → client sends INITIATE → server sends READY → client is ready.
  const [initiate] = deliver(welcome, client);
  const [ready] = deliver(initiate!, server);
  deliver(ready!, client);

  // Both sides are ready: message parts now go through encode/decode.
  const part = server.decode(client.encode(utf8('Hello')));
  return `${client.status}/${server.status} ${server.peer?.userId}: ${fromUtf8(part.data)}`;
}

export function nullHandshake(): string {
  const client = new NullMechanism('client');
  const server = new NullMechanism('server');
  server.start();
  const [reply] = deliver(client.start(), server);
  deliver(reply!, client);
  return `${client.status}/${server.status}`;
}
