/**
 * The FileMQ sessions' handshake through the HandshakeDriver, with no network: the authorizer
 * called by the driver, frames held off while it decides, a deadline, a late decision ignored,
 * and frames over the mechanism's largest handshake command refused before access.
 */
import { PLAIN } from '../../mechanisms';
import { allow, deny, type AuthRequest } from '../../src';
import {
  ClientSession,
  encodeCommand,
  handshakeFrameLimit,
  ServerSession,
  type NamedFactory,
  type ServerActions,
} from '../../src/filemq';

const plainServer: NamedFactory[] = [{ name: 'PLAIN', create: PLAIN.server({}), maxHandshakeSize: PLAIN.wire!.maxHandshakeSize }];
const plainClient: NamedFactory[] = [
  { name: 'PLAIN', create: () => PLAIN.client({ username: 'user', password: 'pass' }), maxHandshakeSize: PLAIN.wire!.maxHandshakeSize },
];

/** A server whose authorizer waits for the test: `answer()` settles the pending request. */
function pendingServer() {
  const requests: AuthRequest[] = [];
  let answer!: (granted: boolean) => void;
  const decisions: ServerActions[] = [];
  const server = new ServerSession({
    mechanisms: plainServer,
    authorizer: (request) => {
      requests.push(request);
      return new Promise<boolean>((resolve) => (answer = resolve));
    },
    onDecision: (actions) => decisions.push(actions),
    handshakeTimeout: 500,
  });
  return { server, requests, decisions, answer: (granted: boolean) => answer(granted) };
}

/** Runs OHAI, ORLY and the YARLY with HELLO: the server then asks its authorizer. */
function toDecision(server: ServerSession): { client: ClientSession; asked: ServerActions } {
  const client = new ClientSession({ mechanisms: plainClient, path: '/' });
  const orly = server.receive(client.start().send[0]!).send[0]!;
  const asked = server.receive(client.receive(orly).send[0]!);
  return { client, asked };
}

/** Lets the driver's authorizer call and its decision run (they are promise callbacks). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

test('the driver asks the authorizer; its outcome comes through onDecision and the handshake completes', async () => {
  const { server, requests, decisions, answer } = pendingServer();
  const { client, asked } = toDecision(server);
  expect(asked).toEqual({ send: [], deciding: true });
  expect(server.deciding).toBe(true);
  await settle();
  expect(requests.map((r) => r.username)).toEqual(['user']);
  answer(true);
  await settle();
  expect(decisions).toHaveLength(1);
  // The decision's frames go on to the client: ORLY with WELCOME, then OHAI-OK after INITIATE.
  let toServer = client.receive(decisions[0]!.send[0]!).send;
  const granted = server.receive(toServer[0]!);
  expect(granted.granted).toBe(true);
  toServer = client.receive(granted.send[0]!).send;
  expect(client.status).toBe('subscribing');
  expect(server.receive(toServer[0]!).subscribe?.path).toBe('/');
});

test('frames sent while the authorizer decides are dropped unread, and no sign of life', async () => {
  const { server, decisions, answer } = pendingServer();
  toDecision(server);
  const ohai = encodeCommand({ name: 'OHAI', protocol: 'FILEMQ', version: 3, mechanisms: ['PLAIN'] });
  for (const frame of [ohai, Uint8Array.of(1, 2, 3), encodeCommand({ name: 'KTHXBAI' })]) {
    expect(server.receive(frame)).toEqual({ send: [], dropped: true });
  }
  expect(server.status).toBe('authorizing');
  answer(false);
  await settle();
  expect(decisions[0]!.close).toBe(true);
  expect(decisions[0]!.error?.code).toBe('ERR_FILEMQ_REFUSED');
});

test('the deadline ends a pending handshake with ERR_HANDSHAKE_TIMEOUT, and the late decision is ignored', async () => {
  const { server, decisions, answer } = pendingServer();
  toDecision(server);
  await settle();
  const expired = server.expire();
  expect(expired.close).toBe(true);
  expect(expired.error?.code).toBe('ERR_HANDSHAKE_TIMEOUT');
  expect(expired.error?.message).toMatch(/500 ms/);
  expect(server.status).toBe('closed');
  answer(true);
  await settle();
  expect(decisions).toEqual([]);
  expect(server.expire()).toEqual({ send: [] });
});

test('before access, a frame over the largest handshake command ends the peering with ERR_FRAME_TOO_LARGE', () => {
  const limit = handshakeFrameLimit(plainServer);
  const { server } = pendingServer();
  const big = encodeCommand({ name: 'YARLY', mechanism: 'PLAIN', blobs: [new Uint8Array(limit)] });
  const ohai = encodeCommand({ name: 'OHAI', protocol: 'FILEMQ', version: 3, mechanisms: ['PLAIN'] });
  server.receive(ohai);
  const actions = server.receive(big);
  expect(actions.close).toBe(true);
  expect(actions.error?.code).toBe('ERR_FRAME_TOO_LARGE');
  expect([...actions.send[0]!.subarray(0, 3)]).toEqual([0xaa, 0xa3, 128]); // SRSLY

  const client = new ClientSession({ mechanisms: plainClient, path: '/' });
  client.start();
  const failed = client.receive(encodeCommand({ name: 'ORLY', mechanism: 'PLAIN', blobs: [new Uint8Array(limit)] }));
  expect(failed.status).toBe('failed');
  expect(failed.error?.code).toBe('ERR_FRAME_TOO_LARGE');
});

test('a handshake blob over the mechanism\'s largest command fails in the driver: SRSLY, ERR_FILEMQ_SECURITY', () => {
  const tiny: NamedFactory[] = [{ ...plainServer[0]!, maxHandshakeSize: 8 }];
  const server = new ServerSession({ mechanisms: tiny, authorizer: () => allow(), onDecision: () => undefined });
  const client = new ClientSession({ mechanisms: plainClient, path: '/' });
  const orly = server.receive(client.start().send[0]!).send[0]!;
  const actions = server.receive(client.receive(orly).send[0]!);
  expect(actions.error?.code).toBe('ERR_FILEMQ_SECURITY');
  expect((actions.error?.cause as { code?: string }).code).toBe('ERR_FRAME_TOO_LARGE');
});

test('the client\'s deadline is ERR_FILEMQ_TIMEOUT, caused by the driver\'s ERR_HANDSHAKE_TIMEOUT', () => {
  const { server } = pendingServer();
  const { client } = toDecision(server);
  const expired = client.expire(300);
  expect(expired.status).toBe('failed');
  expect(expired.error?.code).toBe('ERR_FILEMQ_TIMEOUT');
  expect((expired.error?.cause as { code?: string }).code).toBe('ERR_HANDSHAKE_TIMEOUT');
  expect(client.authenticated).toBe(false);
  server.close();
});

test('a refusal from the authorizer reaches the client as SRSLY', async () => {
  const server = new ServerSession({ mechanisms: plainServer, authorizer: () => deny(), onDecision: (a) => decided.push(a) });
  const decided: ServerActions[] = [];
  const { client } = toDecision(server);
  await settle();
  expect(client.receive(decided[0]!.send[0]!).error?.code).toBe('ERR_FILEMQ_REFUSED');
});
