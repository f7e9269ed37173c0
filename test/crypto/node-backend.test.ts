/** The node backend's private-key cache (long-term keys only) must follow the bytes, not the array object. */
import { publicKeyFromSecret } from '../../src/crypto';
import { nodeBackend } from '../../src/crypto/node';
import { tweetnaclBackend } from '../../src/crypto/tweetnacl';
import { toHexString } from './load-vectors';

test('a secret-key array that is wiped or refilled gives the new key’s results', () => {
  const secret = new Uint8Array(32).fill(0x11);
  const peer = tweetnaclBackend.scalarMultBase(new Uint8Array(32).fill(0x22));
  expect(toHexString(nodeBackend.scalarMultBase(secret, 'long-term'))).toBe(toHexString(tweetnaclBackend.scalarMultBase(secret)));
  nodeBackend.scalarMult(secret, peer, 'long-term');
  secret.fill(0x33);
  expect(toHexString(nodeBackend.scalarMult(secret, peer, 'long-term'))).toBe(toHexString(tweetnaclBackend.scalarMult(secret, peer)));
  expect(toHexString(nodeBackend.scalarMultBase(secret, 'long-term'))).toBe(toHexString(tweetnaclBackend.scalarMultBase(secret)));
  secret.fill(0);
  expect(toHexString(nodeBackend.scalarMultBase(secret, 'long-term'))).toBe(toHexString(tweetnaclBackend.scalarMultBase(secret)));
});

test('a returned public key is a copy: changing it does not change the cache', () => {
  const secret = new Uint8Array(32).fill(0x44);
  const first = nodeBackend.scalarMultBase(secret, 'long-term');
  first.fill(0);
  expect(toHexString(nodeBackend.scalarMultBase(secret, 'long-term'))).toBe(toHexString(tweetnaclBackend.scalarMultBase(secret)));
});

describe('finding 9: only long-term keys are kept as OpenSSL key objects', () => {
  // A KeyObject cannot be wiped: one kept for s' or c' would outlive the session's wipe. What
  // is kept shows in how often a key is imported: once for a cached key, at every use otherwise.
  const crypto = require('node:crypto') as typeof import('node:crypto');
  let imports: jest.SpyInstance;
  beforeEach(() => {
    imports = jest.spyOn(crypto, 'createPrivateKey');
  });
  afterEach(() => imports.mockRestore());
  const peer = tweetnaclBackend.scalarMultBase(new Uint8Array(32).fill(0x55));

  test('finding 9: a transient secret (the default) is imported at each use and never kept', () => {
    const transient = new Uint8Array(32).fill(0x66);
    const expected = toHexString(tweetnaclBackend.scalarMult(transient, peer));
    expect(toHexString(nodeBackend.scalarMult(transient, peer))).toBe(expected);
    expect(toHexString(nodeBackend.scalarMult(transient, peer, 'transient'))).toBe(expected);
    nodeBackend.scalarMultBase(transient);
    expect(imports).toHaveBeenCalledTimes(3);
  });

  test('finding 9: a long-term secret is imported once, until forget()', () => {
    const longTerm = new Uint8Array(32).fill(0x77);
    const expected = toHexString(tweetnaclBackend.scalarMult(longTerm, peer));
    expect(toHexString(nodeBackend.scalarMult(longTerm, peer, 'long-term'))).toBe(expected);
    expect(toHexString(nodeBackend.scalarMult(longTerm, peer, 'long-term'))).toBe(expected);
    nodeBackend.scalarMultBase(longTerm, 'long-term');
    expect(imports).toHaveBeenCalledTimes(1);
    nodeBackend.forget!(longTerm);
    nodeBackend.scalarMult(longTerm, peer, 'long-term');
    expect(imports).toHaveBeenCalledTimes(2);
  });
});

test('publicKeyFromSecret refuses a lifetime it does not know, naming the argument', () => {
  expect(() => publicKeyFromSecret(new Uint8Array(32).fill(1), 'forever' as never)).toThrow(new RangeError(`"lifetime" expected 'transient' or 'long-term', got forever`));
});
