import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { allow, decide, deny, Metadata, type AuthRequest, type Authorizer } from '../../src';
import {
  allOf,
  allowAddresses,
  allowAny,
  allowKeys,
  certStore,
  createCertificate,
  denyAddresses,
  firstMatch,
  formatCertificate,
  type Certificate,
} from '../../src/trust';
import { useTempDir } from './helpers';

const alice = createCertificate();
const bob = createCertificate();

function curve(cert: Certificate, address?: string): AuthRequest {
  return { mechanism: 'CURVE', publicKey: cert.publicKey, publicKeyZ85: cert.publicKeyZ85, metadata: Metadata.EMPTY, ...(address ? { address } : {}) };
}
const plain: AuthRequest = { mechanism: 'PLAIN', username: 'admin', password: 'pw', metadata: Metadata.EMPTY };
const withAddress = (address: string | undefined): AuthRequest => ({ mechanism: 'NULL', metadata: Metadata.EMPTY, ...(address === undefined ? {} : { address }) });

describe('allowAny', () => {
  it('allows every peer with the default user id', async () => {
    expect(await decide(allowAny(), curve(alice))).toMatchObject({ status: 200, userId: alice.publicKeyZ85 });
    expect(await decide(allowAny(), plain)).toMatchObject({ status: 200, userId: 'admin' });
    expect((await decide(allowAny(), withAddress(undefined))).status).toBe(200);
  });
});

describe('allowKeys', () => {
  it('allows listed keys, given as bytes or Z85, with the Z85 key as user id', async () => {
    const authorize = allowKeys([alice.publicKey, bob.publicKeyZ85]);
    expect(await decide(authorize, curve(alice))).toMatchObject({ status: 200, userId: alice.publicKeyZ85 });
    expect(await decide(authorize, curve(bob))).toMatchObject({ status: 200, userId: bob.publicKeyZ85 });
  });

  it('denies unknown keys and other mechanisms', async () => {
    const authorize = allowKeys([alice.publicKey]);
    expect((await decide(authorize, curve(bob))).status).toBe(400);
    expect((await decide(authorize, plain)).status).toBe(400);
  });

  it('rejects a bad key naming it, and a non-iterable', () => {
    expect(() => allowKeys([alice.publicKey, 'short'])).toThrow(/keys\[1\]/);
    expect(() => allowKeys([new Uint8Array(32)])).toThrow(RangeError);
    expect(() => allowKeys(42 as never)).toThrow(TypeError);
  });
});

describe('certStore authorizer', () => {
  const dir = useTempDir();

  async function storeWith(cert: Certificate) {
    await fs.writeFile(path.join(dir(), 'cert'), formatCertificate(cert));
  }

  it('allows a stored key with its Z85 key as user id and the certificate metadata, as zauth does', async () => {
    const cert = createCertificate({ metadata: { name: 'Alice', 'e@mail': 'not carried' } });
    await storeWith(cert);
    const decision = await decide(certStore(dir()), curve(cert));
    expect(decision).toMatchObject({ status: 200, userId: cert.publicKeyZ85 });
    expect(Metadata.from(decision.metadata).toRecord()).toEqual({ name: 'Alice' });
  });

  it('takes a custom user id', async () => {
    const cert = createCertificate({ metadata: { name: 'Alice' } });
    await storeWith(cert);
    const authorize = certStore(dir(), { userId: (c) => c.metadata.get('name')! });
    expect((await decide(authorize, curve(cert))).userId).toBe('Alice');
  });

  it('denies unknown keys and non-CURVE requests, and exposes its store', async () => {
    await storeWith(alice);
    const authorize = certStore(dir());
    expect((await decide(authorize, curve(bob))).status).toBe(400);
    expect((await decide(authorize, plain)).status).toBe(400);
    expect(authorize.store.directory).toBe(dir());
  });
});

describe('firstMatch', () => {
  it('returns the first allow', async () => {
    const authorize = firstMatch(allowKeys([alice.publicKey]), allowKeys([bob.publicKey]));
    expect(await decide(authorize, curve(bob))).toMatchObject({ status: 200, userId: bob.publicKeyZ85 });
  });

  it('returns the last denial when all deny', async () => {
    const authorize = firstMatch(() => deny('first'), () => deny('second'));
    expect(await decide(authorize, curve(alice))).toEqual({ status: 400, statusText: 'second' });
  });

  it.each([
    ['a temporary failure', () => ({ status: 300 as const }), 300],
    ['an internal error', () => ({ status: 500 as const }), 500],
    ['a throw', () => { throw new Error('database down'); }, 500],
    ['a rejection', () => Promise.reject(new Error('database down')), 500],
  ])('stops at %s without asking later members', async (_, failing: Authorizer, status) => {
    const later = jest.fn(allowAny());
    const decision = await decide(firstMatch(() => false, failing, later), curve(alice));
    expect(decision.status).toBe(status);
    expect(later).not.toHaveBeenCalled();
  });

  it('awaits async user functions', async () => {
    const lookup: Authorizer = async (request) => {
      await new Promise((resolve) => setImmediate(resolve));
      return request.publicKeyZ85 === alice.publicKeyZ85 ? allow('alice@db') : false;
    };
    const authorize = firstMatch(allowKeys([bob.publicKey]), lookup);
    expect((await decide(authorize, curve(alice))).userId).toBe('alice@db');
    expect((await decide(authorize, curve(createCertificate()))).status).toBe(400);
  });

  it('refuses no members or a non-function', () => {
    expect(() => firstMatch()).toThrow(RangeError);
    expect(() => firstMatch(allowAny(), 'x' as never)).toThrow(/authorizers\[1\]/);
  });
});

describe('allOf', () => {
  it('allows when all allow, with the first user id and the metadata merged in order', async () => {
    const authorize = allOf(
      () => allow(undefined, { a: '1', b: '1' }),
      () => allow('first', { b: '2' }),
      () => allow('second', { c: '3' }),
    );
    const decision = await decide(authorize, curve(alice));
    expect(decision.status).toBe(200);
    expect(decision.userId).toBe('first');
    expect(Metadata.from(decision.metadata).toRecord()).toEqual({ a: '1', b: '2', c: '3' });
  });

  it('returns the first non-allow at once', async () => {
    const later = jest.fn(allowAny());
    const decision = await decide(allOf(allowAny(), () => deny('nope'), later), curve(alice));
    expect(decision).toEqual({ status: 400, statusText: 'nope' });
    expect(later).not.toHaveBeenCalled();
  });

  it('puts an address check before a key check, like zauth', async () => {
    const authorize = allOf(allowAddresses(['127.0.0.1']), allowKeys([alice.publicKey]));
    expect(await decide(authorize, curve(alice, '127.0.0.1'))).toMatchObject({ status: 200, userId: alice.publicKeyZ85 });
    expect((await decide(authorize, curve(alice, '10.0.0.1'))).statusText).toBe('Address not allowed');
    expect((await decide(authorize, curve(bob, '127.0.0.1'))).status).toBe(400);
  });

  it('refuses no members', () => {
    expect(() => allOf()).toThrow(RangeError);
  });
});

describe('address lists', () => {
  it('allowAddresses matches addresses, CIDR subnets, IPv6 and IPv4-mapped IPv6', async () => {
    const authorize = allowAddresses(['192.168.1.7', '10.0.0.0/8', '::1', '2001:db8::/32']);
    for (const address of ['192.168.1.7', '10.200.3.4', '::1', '2001:db8::5', '::ffff:10.1.2.3']) {
      expect([address, (await decide(authorize, withAddress(address))).status]).toEqual([address, 200]);
    }
    for (const address of ['192.168.1.8', '11.0.0.1', '::2', '2001:db9::1']) {
      expect([address, (await decide(authorize, withAddress(address))).statusText]).toEqual([address, 'Address not allowed']);
    }
  });

  it('denyAddresses denies listed addresses and allows the rest without a user id', async () => {
    const authorize = denyAddresses(['10.0.0.0/8']);
    expect(await decide(authorize, withAddress('10.9.9.9'))).toEqual({ status: 400, statusText: 'Address denied' });
    const passed = await decide(authorize, withAddress('127.0.0.1'));
    expect(passed.status).toBe(200);
    expect(passed.userId).toBeUndefined();
  });

  it.each([undefined, 'localhost', '127.0.0.1:5555'])('both deny a request whose address is %p', async (address) => {
    for (const authorize of [allowAddresses(['0.0.0.0/0', '::/0']), denyAddresses([])]) {
      expect(await decide(authorize, withAddress(address))).toEqual({ status: 400, statusText: 'No verified address' });
    }
  });

  it.each(['localhost', '10.0.0.0/33', '10.0.0.0/x', '1.2.3.4/8/1', '::1/129', ''])('rejects the entry %p naming it', (entry) => {
    expect(() => allowAddresses(['127.0.0.1', entry])).toThrow(/addresses\[1\]/);
  });

  it('rejects a non-iterable and a non-string entry with TypeError', () => {
    expect(() => denyAddresses(null as never)).toThrow(TypeError);
    expect(() => denyAddresses([7 as never])).toThrow(TypeError);
  });
});
