/**
 * Known answers: with the inputs of `curvezmq_handshake.json` injected, every command is
 * produced byte for byte, and each side accepts the other side's bytes from the file.
 */
import { CURVE, CurveClient, CurveServer } from '../../../mechanisms/curve';
import { allow, fromHex, toHex, z85Encode, type Step } from '../../../src';
import { availableBackends, cryptoBackend, open, useCryptoBackend } from '../../../src/crypto';
import { COOKIE_PREFIX, INITIATE_PREFIX, longNonce, shortNonce } from '../../../mechanisms/curve/nonces';
import { input, only, vector, vectorOptions } from './helpers';

const hex = (name: keyof typeof vector.commands) => vector.commands[name];

function vectorPair(): { client: CurveClient; server: CurveServer } {
  const options = vectorOptions();
  return { client: CURVE.client(options.client) as CurveClient, server: CURVE.server(options.server)() as CurveServer };
}

function sent(step: Step): string {
  expect(step.error).toBeUndefined();
  return toHex(only(step.send));
}

describe('CURVE known-answer handshake (curvezmq_handshake.json)', () => {
  test('both sides produce HELLO, WELCOME (with cookie), INITIATE (with vouch) and READY byte for byte', () => {
    const { client, server } = vectorPair();
    server.start();
    const hello = sent(client.start());
    expect(hello).toBe(hex('hello'));
    const welcome = sent(server.receive(fromHex(hello)));
    expect(welcome).toBe(hex('welcome'));
    const initiate = sent(client.receive(fromHex(welcome)));
    expect(initiate).toBe(hex('initiate'));
    expect(initiate.slice(18, 18 + 192)).toBe(hex('cookie'));
    const step = server.receive(fromHex(initiate));
    expect(step.auth?.publicKeyZ85).toBe(z85Encode(input('client_public')));
    const ready = sent(server.authorize(allow()));
    expect(ready).toBe(hex('ready'));
    client.receive(fromHex(ready));
    expect([client.status, server.status]).toEqual(['ready', 'ready']);
  });

  test('the INITIATE box holds C, the vector vouch and the client metadata; the cookie holds C\' and s\'', () => {
    const initiate = fromHex(hex('initiate'));
    const key = fromHex(vector.derived.session_key_beforenm!);
    const nonce = shortNonce(INITIATE_PREFIX, 2n);
    const plaintext = open(initiate.subarray(113), nonce, key);
    expect(toHex(plaintext.subarray(0, 32))).toBe(vector.inputs.client_public);
    expect(toHex(plaintext.subarray(32, 128))).toBe(hex('vouch'));
    expect(toHex(plaintext.subarray(128))).toBe(vector.inputs.client_metadata);
    const cookie = fromHex(hex('cookie'));
    const contents = open(cookie.subarray(16), longNonce(COOKIE_PREFIX, cookie.subarray(0, 16)), input('cookie_key'));
    expect(toHex(contents)).toBe(vector.derived.client_transient_public! + vector.inputs.server_transient_secret!);
  });

  test('the three MESSAGEs are produced byte for byte, with MORE and COMMAND flags', () => {
    const { client, server } = vectorPair();
    server.start();
    const welcome = only(server.receive(only(client.start().send)).send);
    server.receive(only(client.receive(welcome).send));
    client.receive(only(server.authorize(allow()).send));
    for (const message of vector.messages) {
      const from = message.direction === 'client->server' ? client : server;
      const blob = from.encode(fromHex(message.payload_hex), { more: (message.flags & 1) !== 0, command: (message.flags & 2) !== 0 });
      expect(toHex(blob)).toBe(message.command);
    }
  });

  test('the server accepts the client bytes from the file and the client accepts the server bytes', () => {
    const options = vectorOptions();
    const server = CURVE.server(options.server)();
    server.start();
    expect(toHex(only(server.receive(fromHex(hex('hello'))).send))).toBe(hex('welcome'));
    const step = server.receive(fromHex(hex('initiate')));
    expect(step.auth?.metadata.getString('Socket-Type')).toBe('DEALER');
    server.authorize(allow());
    const client = CURVE.client(options.client);
    client.start();
    expect(toHex(only(client.receive(fromHex(hex('welcome'))).send))).toBe(hex('initiate'));
    client.receive(fromHex(hex('ready')));
    expect(client.peer?.metadata.getString('Socket-Type')).toBe('ROUTER');
    for (const message of vector.messages) {
      const to = message.direction === 'client->server' ? server : client;
      const part = to.decode(fromHex(message.command));
      expect(toHex(part.data)).toBe(message.payload_hex);
      expect(part.more).toBe((message.flags & 1) !== 0);
      expect(part.command).toBe((message.flags & 2) !== 0);
    }
  });

  test('the server peer is the vector client key, with the default user id', () => {
    const options = vectorOptions();
    const server = CURVE.server(options.server)();
    server.start();
    server.receive(fromHex(hex('hello')));
    server.receive(fromHex(hex('initiate')));
    server.authorize(allow());
    expect(toHex(server.peer!.publicKey!)).toBe(vector.inputs.client_public);
    expect(server.peer!.userId).toBe(z85Encode(input('client_public')));
  });
});

describe.each(availableBackends().map((backend) => [backend.name, backend] as const))('CURVE known answers on the %s backend', (_name, backend) => {
  const previous = cryptoBackend();
  beforeAll(() => useCryptoBackend(backend));
  afterAll(() => useCryptoBackend(previous));

  test('the whole transcript and the three MESSAGEs are produced byte for byte', () => {
    const { client, server } = vectorPair();
    server.start();
    const welcome = only(server.receive(only(client.start().send)).send);
    expect(toHex(welcome)).toBe(hex('welcome'));
    const initiate = only(client.receive(welcome).send);
    expect(toHex(initiate)).toBe(hex('initiate'));
    server.receive(initiate);
    const ready = only(server.authorize(allow()).send);
    expect(toHex(ready)).toBe(hex('ready'));
    client.receive(ready);
    for (const message of vector.messages) {
      const [from, to] = message.direction === 'client->server' ? [client, server] : [server, client];
      const flags = { more: (message.flags & 1) !== 0, command: (message.flags & 2) !== 0 };
      const blob = from.encode(fromHex(message.payload_hex), flags);
      expect(toHex(blob)).toBe(message.command);
      expect(toHex(to.decode(blob).data)).toBe(message.payload_hex);
    }
  });
});
