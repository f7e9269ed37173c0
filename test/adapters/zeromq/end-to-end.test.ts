import { MechanismError } from '../../../src';
import { freshAddress, MECHANISMS, setup, texts, Tracker, TRANSPORTS } from './helpers';

const tracker = new Tracker();
afterEach(() => tracker.closeAll());

describe.each(MECHANISMS)('%s end to end', (name) => {
  test.each(TRANSPORTS)('over %s: request, multipart reply, peer identity with each message', async (transport) => {
    const s = setup(name);
    const server = tracker.server({ ...s.server, authorizer: s.authorizer });
    const endpoint = await server.bind(freshAddress(transport));
    const client = tracker.client({ ...s.client() });
    await client.connect(endpoint);
    expect(client.status).toBe('ready');
    expect(client.peer?.mechanism).toBe(name);

    await client.send(['Hello', Buffer.from([0, 1, 2]), '']);
    const message = await server.receive();
    expect(texts(message.parts)).toEqual(['Hello', '\u0000\u0001\u0002', '']);
    expect(message.parts[0]).toBeInstanceOf(Buffer);
    expect(message.peer.mechanism).toBe(name);
    if (name === 'CURVE') expect(message.peer.publicKeyZ85).toBe(s.allowed.keys.publicKey);
    if (name === 'NULL') expect(message.peer.metadata.getString('X-User')).toBe('alice');
    expect(server.peerOf(message.sessionId)).toBe(message.peer);
    expect(message.sessionId).toBe(client.sessionId.toString('hex'));

    await message.reply(['World', 'and more']);
    expect(texts(await client.receive())).toEqual(['World', 'and more']);
  });

  test('an unauthorized client gets the deny error and delivers nothing', async () => {
    const s = setup(name);
    const server = tracker.server({ ...s.server, authorizer: s.authorizer });
    const endpoint = await server.bind(freshAddress('tcp'));
    const refused = tracker.client({ ...s.client(s.refused) });
    const failure = refused.connect(endpoint);
    await expect(failure).rejects.toBeInstanceOf(MechanismError);
    await expect(failure).rejects.toMatchObject({ code: 'ERR_PEER_ERROR', status: 400 });
    expect(refused.status).toBe('failed');
    await expect(refused.send('sneaky')).rejects.toMatchObject({ code: 'ERR_PEER_ERROR' });
    expect(server.sessionCount).toBe(0);

    // A good client after it gets through, and its message is the first the server sees.
    const good = tracker.client({ ...s.client() });
    await good.connect(endpoint);
    await good.send('legit');
    expect(texts((await server.receive()).parts)).toEqual(['legit']);
  });
});
