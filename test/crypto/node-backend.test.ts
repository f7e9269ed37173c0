/** The node backend's private-key cache must follow the bytes, not the array object. */
import { nodeBackend } from '../../src/crypto/node';
import { tweetnaclBackend } from '../../src/crypto/tweetnacl';
import { toHexString } from './load-vectors';

test('a secret-key array that is wiped or refilled gives the new key’s results', () => {
  const secret = new Uint8Array(32).fill(0x11);
  const peer = tweetnaclBackend.scalarMultBase(new Uint8Array(32).fill(0x22));
  expect(toHexString(nodeBackend.scalarMultBase(secret))).toBe(toHexString(tweetnaclBackend.scalarMultBase(secret)));
  nodeBackend.scalarMult(secret, peer);
  secret.fill(0x33);
  expect(toHexString(nodeBackend.scalarMult(secret, peer))).toBe(toHexString(tweetnaclBackend.scalarMult(secret, peer)));
  expect(toHexString(nodeBackend.scalarMultBase(secret))).toBe(toHexString(tweetnaclBackend.scalarMultBase(secret)));
  secret.fill(0);
  expect(toHexString(nodeBackend.scalarMultBase(secret))).toBe(toHexString(tweetnaclBackend.scalarMultBase(secret)));
});

test('a returned public key is a copy: changing it does not change the cache', () => {
  const secret = new Uint8Array(32).fill(0x44);
  const first = nodeBackend.scalarMultBase(secret);
  first.fill(0);
  expect(toHexString(nodeBackend.scalarMultBase(secret))).toBe(toHexString(tweetnaclBackend.scalarMultBase(secret)));
});
