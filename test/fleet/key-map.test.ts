import { Metadata } from '../../src/codec/metadata';
import { curveKeyPair } from '../../src/keys';
import { fleetAuthorizer } from '../../src/fleet/authorizer';
import type { Kvsync } from '../../src/fleet/codec';
import { ChpError } from '../../src/fleet/errors';
import { encodeKeyMetadata, groupSubtree, keyPath, parseKeyMetadata, parseKeyPath } from '../../src/fleet/key-entry';
import { KeyMap } from '../../src/fleet/key-map';

const text = (s: string) => new TextEncoder().encode(s);
const none = new Uint8Array(0);
const set = (key: string, value: Uint8Array, properties = {}) => ({ key, uuid: none, properties, value });

describe('key map entries', () => {
  it('a key lives at /keys/<group>/<Z85>; its value is name=value lines', () => {
    const { publicKey } = curveKeyPair();
    const path = keyPath('web', publicKey);
    expect(path).toBe(`/keys/web/${publicKey}`);
    expect(parseKeyPath(path)).toEqual({ group: 'web', publicKeyZ85: publicKey });
    expect(groupSubtree('web')).toBe('/keys/web/');
    const value = encodeKeyMetadata({ name: 'web-1', rights: ['read', 'update'], expires: 1798761600 });
    expect(new TextDecoder().decode(value)).toBe('name=web-1\nrights=read,update\nexpires=1798761600\n');
    expect(parseKeyMetadata(value)).toEqual({ name: 'web-1', rights: ['read', 'update'], expires: 1798761600 });
    expect(encodeKeyMetadata({ rights: [] }).length).toBeGreaterThan(0);
  });

  it('malformed metadata is ERR_CHP_ENTRY; caller misuse names the argument', () => {
    expect((parseKeyMetadata(text('rights=root\n')) as ChpError).code).toBe('ERR_CHP_ENTRY');
    expect((parseKeyMetadata(text('expires=soon\n')) as ChpError).code).toBe('ERR_CHP_ENTRY');
    expect((parseKeyMetadata(text('garbage')) as ChpError).code).toBe('ERR_CHP_ENTRY');
    expect(() => keyPath('a/b', curveKeyPair().publicKey)).toThrow(/"group"/);
    expect(() => keyPath('web', 'short')).toThrow(/"publicKey"/);
    expect(() => encodeKeyMetadata({ rights: ['admin' as 'read'] })).toThrow(/"metadata.rights"/);
    expect(parseKeyPath('/keys/web/not-a-key')).toBeUndefined();
  });
});

describe('KeyMap', () => {
  it('assigns strictly increasing sequences; an empty value deletes', () => {
    const map = new KeyMap();
    expect(map.set(set('/a', text('1')), 0)?.sequence).toBe(1);
    expect(map.set(set('/b', text('2')), 0)?.sequence).toBe(2);
    expect(map.set(set('/a', none), 0)?.sequence).toBe(3);
    expect(map.get('/a')).toBeUndefined();
    expect([...map.under('')].map((e) => e.key)).toEqual(['/b']);
    expect(map.sequence).toBe(3);
  });

  it('a replica ignores any update not newer than what it has', () => {
    const replica = new KeyMap();
    const pub = (key: string, sequence: number, v: string) => ({ command: 'KVPUB' as const, key, sequence, uuid: none, properties: {}, value: text(v) });
    expect(replica.apply(pub('/a', 5, 'x'), 0)).toBe(true);
    expect(replica.apply(pub('/a', 5, 'y'), 0)).toBe(false);
    expect(replica.apply(pub('/a', 4, 'z'), 0)).toBe(false);
    expect(new TextDecoder().decode(replica.get('/a')?.value)).toBe('x');
    const snap: Kvsync[] = [{ command: 'KVSYNC', key: '/s', sequence: 9, properties: {}, value: text('s') }];
    replica.load(snap, 10, 0);
    expect(replica.get('/a')).toBeUndefined();
    expect(replica.apply(pub('/b', 10, 'old'), 0)).toBe(false);
    expect(replica.apply(pub('/b', 11, 'new'), 0)).toBe(true);
  });

  it('ttl: the server deletes the entry when it runs out and publishes the delete', () => {
    const map = new KeyMap();
    map.set(set('/t', text('v'), { ttl: '2' }), 1000);
    map.set(set('/u', text('v')), 1000);
    expect(map.nextExpiry()).toBe(3000);
    expect(map.expire(2999)).toEqual([]);
    const gone = map.expire(3000);
    expect(gone.map((g) => [g.key, g.sequence, g.value.length])).toEqual([['/t', 3, 0]]);
    expect(map.get('/t')).toBeUndefined();
    expect(map.set(set('/bad', text('v'), { ttl: 'soon' }), 0)).toBeUndefined();
  });

  it('refuses to grow past maxEntries, and names a bad option', () => {
    const map = new KeyMap({ maxEntries: 2 });
    map.set(set('/1', text('a')), 0);
    map.set(set('/2', text('a')), 0);
    expect(map.set(set('/3', text('a')), 0)).toBeUndefined();
    expect(map.set(set('/1', text('b')), 0)?.sequence).toBe(3);
    expect(() => new KeyMap({ maxEntries: 0 })).toThrow(/"options.maxEntries"/);
  });
});

describe('fleetAuthorizer', () => {
  it('admits listed, current keys of its group; refuses strangers, expired keys and other groups', async () => {
    const map = new KeyMap();
    const alice = curveKeyPair();
    const bob = curveKeyPair();
    const carol = curveKeyPair();
    let now = 1_000_000;
    map.set(set(keyPath('web', alice.publicKey), encodeKeyMetadata({ name: 'alice', rights: ['read'] })), now);
    map.set(set(keyPath('web', bob.publicKey), encodeKeyMetadata({ rights: [], expires: 1001 })), now);
    map.set(set(keyPath('db', carol.publicKey), encodeKeyMetadata({ rights: [] })), now);
    const authorize = fleetAuthorizer(map, { group: 'web', now: () => now });
    const ask = (z85: string) => Promise.resolve(authorize({ mechanism: 'X', publicKeyZ85: z85, metadata: Metadata.EMPTY }));
    expect(await ask(alice.publicKey)).toMatchObject({ status: 200, userId: 'alice' });
    expect(await ask(bob.publicKey)).toMatchObject({ status: 200 });
    expect(await ask(carol.publicKey)).toMatchObject({ status: 400 });
    expect(await ask(curveKeyPair().publicKey)).toMatchObject({ status: 400 });
    now = 1_001_000;
    expect(await ask(bob.publicKey)).toMatchObject({ status: 400 });
    const readers = fleetAuthorizer(map, { group: 'web', right: 'update' });
    expect(await Promise.resolve(readers({ mechanism: 'X', publicKeyZ85: alice.publicKey, metadata: Metadata.EMPTY }))).toMatchObject({ status: 400 });
    expect(await Promise.resolve(authorize({ mechanism: 'X', metadata: Metadata.EMPTY }))).toMatchObject({ status: 400 });
    expect(() => fleetAuthorizer({} as KeyMap, { group: 'web' })).toThrow(TypeError);
    expect(() => fleetAuthorizer(map, { group: '' })).toThrow(/"options.group"/);
  });
});
