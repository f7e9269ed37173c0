/**
 * Secrets zeroed (security checklist row 34; finding 9 of the security review), checked by an
 * oracle that does not ask the mechanism what it holds (`./secret-oracle.ts`): every key the
 * crypto façade hands out must be all zero once the session is destroyed or failed, and no byte
 * array the session can reach may still hold a copy of any key, transient secret or long-term
 * secret it was given.
 */
import { CURVE, CurveClient, CurveServer } from '../../../mechanisms/curve';
import { allow, deny, toHex, utf8 } from '../../../src';
import { craftHello, transient } from './craft';
import { clientKeys, flipBit, handshake, makeClient, makeServerFactory, only, serverKeys } from './helpers';
import { recordingRandom, survivingSecrets, unwipedKeys, useRecordingBackend } from './secret-oracle';

const recorded = useRecordingBackend();

/** A client and a server whose random draws are recorded; the server's endpoint is returned too. */
function parties(seed = 1) {
  const client = makeClient({ random: recordingRandom(recorded, seed) });
  const sessions = CURVE.server({ secretKey: serverKeys.secretKey, random: recordingRandom(recorded, seed + 1) });
  const server = sessions() as CurveServer;
  return { client, server, sessions };
}

/**
 * The endpoint a server session shares with its siblings: its cookie keys and s rightly outlive
 * one session, so the walk skips it unless the endpoint is closed. (If the field were renamed,
 * the walk would include the endpoint and the tests would fail, not pass.)
 */
const endpointOf = (server: CurveServer): unknown => Reflect.get(server, 'endpoint');

/** Every secret value the test knows of: recorded draws and keys, and both long-term secrets. */
const everySecret = () => [...recorded.values, clientKeys.secretKey, serverKeys.secretKey];

describe('secrets zeroed (row 34), by an independent oracle', () => {
  test('destroy() zero-fills every secret of both sides: no key the façade handed out is left, nor any copy', () => {
    const { client, server } = parties();
    handshake(client, server);
    expect(server.decode(client.encode(utf8('x'))).data).toEqual(utf8('x'));
    const live = survivingSecrets(everySecret(), [client, server], [endpointOf(server)]);
    expect(live.length).toBeGreaterThan(0);
    client.destroy();
    server.destroy();
    expect(unwipedKeys(recorded)).toEqual([]);
    expect(survivingSecrets(everySecret(), [client, server], [endpointOf(server)])).toEqual([]);
    expect(() => client.encode(utf8('x'))).toThrow(expect.objectContaining({ code: 'ERR_MECHANISM_STATE' }));
  });

  test('finding 9: destroy() and the endpoint close() leave nothing of the server side, its copy of s included', () => {
    const { client, server, sessions } = parties(5);
    handshake(client, server);
    server.destroy();
    expect(survivingSecrets([serverKeys.secretKey], [server])).toEqual([toHex(serverKeys.secretKey)]);
    sessions.close!();
    expect(survivingSecrets(everySecret(), [server])).toEqual([]);
  });

  test('a failed handshake zero-fills what the session held (client after HELLO, ERROR received)', () => {
    const { client } = parties(7);
    client.start();
    expect(survivingSecrets(everySecret(), [client]).length).toBeGreaterThan(0);
    expect(client.receive(utf8('\x05ERROR\x03400')).status).toBe('failed');
    expect(unwipedKeys(recorded)).toEqual([]);
    expect(survivingSecrets(everySecret(), [client])).toEqual([]);
  });

  test('a failed handshake zero-fills what the session held (client with a corrupted READY)', () => {
    const { client, server } = parties(9);
    server.start();
    const welcome = only(server.receive(only(client.start().send)).send);
    const initiate = only(client.receive(welcome).send);
    server.receive(initiate);
    const ready = only(server.authorize(allow()).send);
    expect(client.receive(flipBit(ready, 20)).status).toBe('failed');
    server.destroy();
    expect(unwipedKeys(recorded)).toEqual([]);
    expect(survivingSecrets(everySecret(), [client, server], [endpointOf(server)])).toEqual([]);
  });

  test('a refused client (400) leaves the server session holding nothing', () => {
    const { client, server } = parties(11);
    server.start();
    const welcome = only(server.receive(only(client.start().send)).send);
    expect(server.receive(only(client.receive(welcome).send)).auth).toBeDefined();
    expect(server.authorize(deny()).status).toBe('failed');
    expect(survivingSecrets(everySecret(), [server], [endpointOf(server)])).toEqual([]);
  });

  test('after WELCOME the server session holds no secret: s\' lives only in the cookie box (stateless until INITIATE)', () => {
    const hello = craftHello(transient(3), serverKeys.publicKey);
    recorded.keys.length = 0; // what crafting the HELLO made is the test's, not the server's
    const server = makeServerFactory({ random: recordingRandom(recorded, 13) })();
    server.start();
    only(server.receive(hello).send);
    expect(recorded.values.length).toBeGreaterThanOrEqual(2);
    expect(unwipedKeys(recorded)).toEqual([]);
    expect(survivingSecrets(everySecret(), [server], [endpointOf(server)])).toEqual([]);
  });

  test("after INITIATE the client holds only the session key: c', the HELLO key and its copy of c are zero", () => {
    const { client, server } = parties(15);
    server.start();
    const welcome = only(server.receive(only(client.start().send)).send);
    client.receive(welcome);
    const live = unwipedKeys(recorded);
    // The server's session key (same value) is the other live one; the client holds one.
    expect(live.map(toHex).filter((hex, i, all) => all.indexOf(hex) === i)).toHaveLength(1);
    expect(survivingSecrets(everySecret(), [client as CurveClient])).toEqual([toHex(live[0]!)]);
  });

  test("a bad MESSAGE with the default onError wipes the session key, the codec's copy included", () => {
    const { client, server } = parties(17);
    handshake(client, server);
    expect(() => server.decode(flipBit(client.encode(utf8('x')), 20))).toThrow(expect.objectContaining({ code: 'ERR_DECRYPT' }));
    expect(server.status).toBe('failed');
    expect(survivingSecrets(everySecret(), [server], [endpointOf(server)])).toEqual([]);
  });
});
