/**
 * Closing a CURVE server endpoint (`sessions.close()`, called by the adapters when they stop
 * listening) wipes its cookie keys: the factory makes no more sessions, a handshake caught
 * between WELCOME and INITIATE fails, and sessions already established go on.
 */
import { CURVE } from '../../../mechanisms/curve';
import { generateKeyPair, runHandshake, StateError, toHex } from '../../../src';
import { survivingSecrets } from './secret-oracle';

const serverKeys = generateKeyPair();
const clientKeys = generateKeyPair();
const client = () => CURVE.client({ secretKey: clientKeys.secretKey, serverKey: serverKeys.publicKey });
const allow = () => ({ status: 200 }) as const;

test('after close the factory throws, a pending INITIATE fails, and an established session still works', async () => {
  const sessions = CURVE.server({ secretKey: serverKeys.secretKey });
  const established = await runHandshake(client(), sessions(), { authorizer: allow });
  const pendingClient = client();
  const pendingServer = sessions();
  pendingServer.start();
  const welcome = pendingServer.receive(pendingClient.start().send[0]!).send[0]!;
  const initiate = pendingClient.receive(welcome).send[0]!;

  sessions.close!();

  expect(() => sessions()).toThrow(StateError);
  const step = pendingServer.receive(initiate);
  expect(step.status).toBe('failed');
  expect(step.error?.code).toBe('ERR_DECRYPT');
  const blob = established.client.encode(new Uint8Array([1, 2, 3]));
  expect(Array.from(established.server.decode(blob).data)).toEqual([1, 2, 3]);
});

test("finding 9: close() wipes the endpoint's copy of the long-term secret key, which its sessions reach", async () => {
  const sessions = CURVE.server({ secretKey: serverKeys.secretKey });
  const session = sessions();
  await runHandshake(client(), session, { authorizer: allow });
  // The oracle walks what the session reaches (its endpoint included) for the key's bytes.
  expect(survivingSecrets([serverKeys.secretKey], [session])).toEqual([toHex(serverKeys.secretKey)]);
  sessions.close!();
  expect(survivingSecrets([serverKeys.secretKey], [session])).toEqual([]);
  expect(serverKeys.secretKey.some((b) => b !== 0)).toBe(true);
});
