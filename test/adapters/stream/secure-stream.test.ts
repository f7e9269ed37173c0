import { duplexPair } from 'node:stream';
import { defaultRegistry } from '../../../mechanisms';
import { SecureStream } from '../../../src/adapters/stream';
import { messages, nextMessage, outcome, securePair } from './helpers';

describe.each(['NULL', 'PLAIN'])('SecureStream over an in-memory pair (%s)', (mechanism) => {
  test('handshakes, exposes the peer and carries messages both ways', async () => {
    const { client, server } = securePair({ mechanism });
    const secureEvents: string[] = [];
    client.on('secure', () => secureEvents.push('client secure'));
    client.on('secureConnect', () => secureEvents.push('client secureConnect'));
    server.on('secure', () => secureEvents.push('server secure'));
    server.on('secureConnect', () => secureEvents.push('server secureConnect'));
    const [clientPeer, serverPeer] = await Promise.all([client.handshake, server.handshake]);
    expect(clientPeer.mechanism).toBe(mechanism);
    expect(serverPeer.mechanism).toBe(mechanism);
    expect(client.peer).toBe(clientPeer);
    expect(server.secure).toBe(true);
    expect(secureEvents.sort()).toEqual(['client secure', 'client secureConnect', 'server secure']);
    client.write('hello');
    expect((await nextMessage(server)).toString()).toBe('hello');
    server.write(Buffer.from('world'));
    expect((await nextMessage(client)).toString()).toBe('world');
    client.destroy();
    server.destroy();
  });
});
