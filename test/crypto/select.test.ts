/** Backend selection: fastest first, by name, and graceful fallback when a backend is missing. */
import { cryptoBackend, useCryptoBackend } from '../../src/crypto';

const original = cryptoBackend();
afterEach(() => useCryptoBackend(original));

test('the default is the fastest available: sodium when installed, else node', () => {
  const { availableBackends } = jest.requireActual<typeof import('../../src/crypto/select')>('../../src/crypto/select');
  const names = availableBackends().map((b) => b.name);
  expect(names[names.length - 1]).toBe('tweetnacl');
  expect(original.name).toBe(names[0]);
});

test('a backend can be picked by name or as an object, and auto restores the fastest', () => {
  useCryptoBackend('tweetnacl');
  expect(cryptoBackend().name).toBe('tweetnacl');
  useCryptoBackend('node');
  expect(cryptoBackend().name).toBe('node');
  useCryptoBackend(original);
  expect(cryptoBackend()).toBe(original);
  useCryptoBackend('tweetnacl');
  useCryptoBackend('auto');
  expect(cryptoBackend().name).toBe(original.name);
});

test('something that is not a backend throws a TypeError naming the argument', () => {
  for (const bad of [null, 42, {}, { name: 'x', scalarMult: () => undefined }]) {
    expect(() => useCryptoBackend(bad as unknown as 'node')).toThrow(TypeError);
    expect(() => useCryptoBackend(bad as unknown as 'node')).toThrow(/"backend"/);
  }
  expect(cryptoBackend()).toBe(original);
});

test('an unknown name throws a RangeError naming the argument', () => {
  expect(() => useCryptoBackend('openssl' as 'node')).toThrow(RangeError);
  expect(() => useCryptoBackend('openssl' as 'node')).toThrow(/"backend"/);
});

test('without sodium-native, the node backend is chosen and naming sodium throws', () => {
  jest.isolateModules(() => {
    jest.doMock('sodium-native', () => {
      throw new Error('Cannot find module sodium-native');
    });
    const crypto = require('../../src/crypto') as typeof import('../../src/crypto');
    expect(crypto.cryptoBackend().name).toBe('node');
    expect(crypto.availableBackends().map((b) => b.name)).toEqual(['node', 'tweetnacl']);
    expect(() => crypto.useCryptoBackend('sodium')).toThrow(RangeError);
  });
  jest.dontMock('sodium-native');
});

test('in a bundle where the Node backends are mapped away, tweetnacl is chosen', () => {
  jest.isolateModules(() => {
    // What a bundler's `browser: { "./node.js": false }` mapping leaves: an empty module.
    jest.doMock('../../src/crypto/node', () => ({}));
    jest.doMock('../../src/crypto/sodium', () => ({}));
    const crypto = require('../../src/crypto') as typeof import('../../src/crypto');
    expect(crypto.cryptoBackend().name).toBe('tweetnacl');
  });
  jest.dontMock('../../src/crypto/node');
  jest.dontMock('../../src/crypto/sodium');
});
