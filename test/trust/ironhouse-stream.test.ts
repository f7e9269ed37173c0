/**
 * Ironhouse over the stream adapter (TCP on loopback): certificates made by `curvezmq keygen`,
 * an allow-list directory, a refused stranger, an address allow-list fed by the adapter, and
 * PLAIN with a password file.
 */
import { once } from 'node:events';
import { promises as fs } from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { defaultRegistry } from '../../mechanisms';
import type { Authorizer } from '../../src';
import { connect, createServer, type StreamServer, type SecureStream } from '../../src/adapters/stream';
import { allOf, allowAddresses, certStore, passwordFile, type Certificate } from '../../src/trust';
import { makeIronhouse, useTempDir, type Ironhouse } from './helpers';

const dir = useTempDir();
const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const close of cleanup.splice(0).reverse()) close();
});

async function listen(mechanism: string, authorizer: Authorizer, mechanismOptions = {}): Promise<{ server: StreamServer; port: number }> {
  const server = createServer({ mechanism, registry: defaultRegistry, mechanismOptions, authorizer });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanup.push(() => server.close());
  return { server, port: (server.address() as AddressInfo).port };
}

function dial(port: number, mechanism: string, mechanismOptions: Record<string, unknown>): SecureStream {
  const stream = connect({ host: '127.0.0.1', port, mechanism, registry: defaultRegistry, mechanismOptions });
  stream.on('error', () => undefined);
  cleanup.push(() => stream.destroy());
  return stream;
}

const curveServer = (house: Ironhouse, authorizer: Authorizer) => listen('CURVE', authorizer, { secretKey: house.server.secretKey! });
const curveClient = (house: Ironhouse, port: number, me: Certificate) =>
  dial(port, 'CURVE', { secretKey: me.secretKey!, serverKey: house.server.publicKey });

describe('Ironhouse over the stream adapter', () => {
  it('lets the allowed client in; the server stream shows its user id and certificate metadata', async () => {
    const house = await makeIronhouse(dir());
    const { server, port } = await curveServer(house, certStore(house.allowDir));
    const accepted = once(server, 'secureConnection') as Promise<[SecureStream]>;
    const client = curveClient(house, port, house.client);
    await client.handshake;
    const [stream] = await accepted;
    client.write('hello');
    const [data] = await once(stream, 'data');
    expect(String(data)).toBe('hello');
    expect(stream.peer?.userId).toBe(house.client.publicKeyZ85);
    expect(stream.peer?.authMetadata.getString('name')).toBe('Alice');
  });

  it('refuses a stranger with the deny error', async () => {
    const house = await makeIronhouse(dir());
    const { port } = await curveServer(house, certStore(house.allowDir));
    await expect(curveClient(house, port, house.stranger).handshake).rejects.toMatchObject({ code: 'ERR_PEER_ERROR', status: 400 });
  });

  it('refuses a new handshake once the key is removed from the directory; the open stream stays', async () => {
    const house = await makeIronhouse(dir());
    const authorizer = certStore(house.allowDir);
    const { server, port } = await curveServer(house, authorizer);
    const accepted = once(server, 'secureConnection') as Promise<[SecureStream]>;
    const earlier = curveClient(house, port, house.client);
    await earlier.handshake;
    const [serverSide] = await accepted;
    await fs.unlink(path.join(house.allowDir, 'alice'));
    await authorizer.store.reload();
    await expect(curveClient(house, port, house.client).handshake).rejects.toMatchObject({ status: 400 });
    earlier.write('still here');
    const [data] = await once(serverSide, 'data');
    expect(String(data)).toBe('still here');
  });

  it('feeds the transport address to address lists', async () => {
    const house = await makeIronhouse(dir());
    const loopback = await curveServer(house, allOf(allowAddresses(['127.0.0.0/8']), certStore(house.allowDir)));
    await expect(curveClient(house, loopback.port, house.client).handshake).resolves.toMatchObject({ mechanism: 'CURVE' });
    const elsewhere = await curveServer(house, allOf(allowAddresses(['10.0.0.0/8']), certStore(house.allowDir)));
    await expect(curveClient(house, elsewhere.port, house.client).handshake).rejects.toMatchObject({ status: 400 });
  });

  it('PLAIN: the password file allows and denies', async () => {
    const file = path.join(dir(), 'passwords');
    await fs.writeFile(file, 'admin=secret\n');
    const { server, port } = await listen('PLAIN', passwordFile(file));
    await expect(dial(port, 'PLAIN', { username: 'admin', password: 'wrong' }).handshake).rejects.toMatchObject({ status: 400 });
    const accepted = once(server, 'secureConnection') as Promise<[SecureStream]>;
    await dial(port, 'PLAIN', { username: 'admin', password: 'secret' }).handshake;
    const [stream] = await accepted;
    expect(stream.peer?.userId).toBe('admin');
  });
});
