/**
 * Ironhouse over the ZeroMQ adapter: certificates made by `curvezmq keygen`, an allow-list
 * directory read by a certificate store, a refused stranger, and PLAIN with a password file.
 */
import { once } from 'node:events';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { defaultRegistry } from '../../mechanisms';
import { ZeroMqClient, ZeroMqServer } from '../../src/adapters/zeromq';
import { certStore, passwordFile, type Certificate } from '../../src/trust';
import { makeIronhouse, useTempDir, type Ironhouse } from './helpers';

const dir = useTempDir();
const closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers.splice(0).reverse()) close();
});

function track<T extends { close(): void }>(closable: T): T {
  closers.push(() => closable.close());
  return closable;
}

async function curveServer(house: Ironhouse, authorizer = certStore(house.allowDir)) {
  const server = track(
    new ZeroMqServer({
      mechanism: 'CURVE',
      registry: defaultRegistry,
      mechanismOptions: { secretKey: house.server.secretKey! },
      authorizer,
    }),
  );
  return { server, endpoint: await server.bind('tcp://127.0.0.1:*'), authorizer };
}

function curveClient(house: Ironhouse, me: Certificate): ZeroMqClient {
  return track(
    new ZeroMqClient({
      mechanism: 'CURVE',
      registry: defaultRegistry,
      mechanismOptions: { secretKey: me.secretKey!, serverKey: house.server.publicKey },
    }),
  );
}

describe('Ironhouse over the ZeroMQ adapter', () => {
  it('lets the allowed client in with its user id and certificate metadata on its messages', async () => {
    const house = await makeIronhouse(dir());
    const { server, endpoint } = await curveServer(house);
    const client = curveClient(house, house.client);
    await client.connect(endpoint);
    await client.send('hello');
    const message = await server.receive();
    expect(message.parts.map(String)).toEqual(['hello']);
    expect(message.peer.userId).toBe(house.client.publicKeyZ85);
    expect(message.peer.authMetadata.getString('name')).toBe('Alice');
  });

  it('refuses a stranger with the deny error', async () => {
    const house = await makeIronhouse(dir());
    const { server, endpoint } = await curveServer(house);
    const refusal = once(server, 'handshakeError');
    const stranger = curveClient(house, house.stranger);
    await expect(stranger.connect(endpoint)).rejects.toMatchObject({ code: 'ERR_PEER_ERROR', status: 400 });
    expect(server.sessionCount).toBe(0);
    const [error] = await refusal;
    expect(error).toMatchObject({ code: 'ERR_AUTH_DENIED' });
  });

  it('refuses a new handshake once the key is removed from the directory; the open session stays', async () => {
    const house = await makeIronhouse(dir());
    const { server, endpoint, authorizer } = await curveServer(house);
    const earlier = curveClient(house, house.client);
    await earlier.connect(endpoint);
    await fs.unlink(path.join(house.allowDir, 'alice'));
    await authorizer.store.reload();
    await expect(curveClient(house, house.client).connect(endpoint)).rejects.toMatchObject({ status: 400 });
    await earlier.send('still here');
    expect((await server.receive()).parts.map(String)).toEqual(['still here']);
  });

  it('PLAIN: the password file allows and denies', async () => {
    const file = path.join(dir(), 'passwords');
    await fs.writeFile(file, 'admin=secret\n');
    const server = track(new ZeroMqServer({ mechanism: 'PLAIN', registry: defaultRegistry, authorizer: passwordFile(file) }));
    const endpoint = await server.bind('tcp://127.0.0.1:*');
    const plainClient = (password: string) =>
      track(new ZeroMqClient({ mechanism: 'PLAIN', registry: defaultRegistry, mechanismOptions: { username: 'admin', password } }));
    await expect(plainClient('wrong').connect(endpoint)).rejects.toMatchObject({ code: 'ERR_PEER_ERROR', status: 400 });
    const good = plainClient('secret');
    await good.connect(endpoint);
    await good.send('in');
    expect((await server.receive()).peer.userId).toBe('admin');
  });
});
