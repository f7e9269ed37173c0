/**
 * Which crypto backends this platform has, and the fastest of them. Node-only backends are
 * reached through guarded `require` calls, so a browser bundle that maps `node:crypto` and
 * sodium-native away (package.json `browser` field) still loads and falls back to tweetnacl.
 *
 * @module
 */
import type { CryptoBackend } from './backend';
import { tweetnaclBackend } from './tweetnacl';

/** The names {@link backendByName} knows, fastest first. */
export const BACKEND_NAMES = ['sodium', 'node', 'tweetnacl'] as const;

/** A backend's name. */
export type BackendName = (typeof BACKEND_NAMES)[number];

function isNode(): boolean {
  return typeof process === 'object' && typeof process.versions?.node === 'string';
}

function loadNode(): CryptoBackend | undefined {
  if (!isNode()) return undefined;
  try {
    return (require('./node') as { nodeBackend?: CryptoBackend }).nodeBackend;
  } catch {
    return undefined;
  }
}

function loadSodium(): CryptoBackend | undefined {
  if (!isNode()) return undefined;
  try {
    return (require('./sodium') as { loadSodiumBackend?: () => CryptoBackend | undefined })
      .loadSodiumBackend?.();
  } catch {
    return undefined;
  }
}

/**
 * The backend of that name, or `undefined` when it is not available here (sodium-native not
 * installed, or not running on Node).
 */
export function backendByName(name: BackendName): CryptoBackend | undefined {
  switch (name) {
    case 'sodium':
      return loadSodium();
    case 'node':
      return loadNode();
    case 'tweetnacl':
      return tweetnaclBackend;
  }
}

/** Every backend available here, fastest first; tweetnacl is always last and always present. */
export function availableBackends(): CryptoBackend[] {
  const found: CryptoBackend[] = [];
  for (const name of BACKEND_NAMES) {
    const backend = backendByName(name);
    if (backend !== undefined) found.push(backend);
  }
  return found;
}

/** The fastest backend available: sodium-native, else node:crypto, else tweetnacl. */
export function fastestBackend(): CryptoBackend {
  return availableBackends()[0]!;
}
