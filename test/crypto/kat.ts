/**
 * The bulk known-answer checks (every vector of the tweetnacl, Wycheproof and low-order files,
 * and 2,000 more public keys against tweetnacl's ladder), written without jest so they can also
 * run in a plain Node process: under jest's vm context tweetnacl runs about twenty times slower
 * (every global lookup in its inner loops goes through the context's interceptors), which would
 * take minutes for tweetnacl's ~5,000 X25519 runs.
 * `kat-cli.ts` runs them in a child process; `vectors.test.ts` asserts that nothing failed.
 */
import { createHash } from 'node:crypto';
import nacl from 'tweetnacl';
import {
  box,
  boxOpen,
  cryptoBackend,
  isValidPublicKey,
  precompute,
  publicKeyFromSecret,
} from '../../src/crypto';
import { MechanismError } from '../../src/errors';
import { b64, hex, loadVectors, toHexString } from './load-vectors';

interface BoxRandom {
  nonce_hex: string;
  vectors: { pk: string; sk: string; message: string; box: string }[];
}
interface ScalarMultRandom {
  iterated_base_golden: { result_hex: string };
  vectors: { pk1: string; sk1: string; pk2: string; sk2: string; shared: string }[];
}
interface Wycheproof {
  testGroups: { tests: { tcId: number; public: string; private: string; shared: string }[] }[];
}
interface LowOrder {
  tweetnacl_box_before_of_zero_shared_secret_hex: string;
  points: { public: string }[];
}

/** What a run checked: how many comparisons, and a line for each that failed. */
export interface KatReport {
  readonly backend: string;
  readonly checks: Record<string, number>;
  readonly failures: string[];
}

const ZERO_16 = new Uint8Array(16);
/** Secret keys checked against tweetnacl's ladder beyond the vectors' (`base-random`). */
const BASE_RANDOM_KEYS = 2000;
const ALL_ZERO = /^0+$/;
const b64text = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

function rejectedAsLowOrder(fn: () => unknown): boolean {
  try {
    fn();
    return false;
  } catch (error) {
    return error instanceof MechanismError && error.code === 'ERR_INVALID_KEY';
  }
}

/** Runs every bulk check on the façade's current backend. */
export function runKnownAnswers(): KatReport {
  const backend = cryptoBackend();
  const checks: Record<string, number> = {};
  const failures: string[] = [];
  const check = (group: string, ok: boolean, what: string) => {
    checks[group] = (checks[group] ?? 0) + 1;
    if (!ok) failures.push(`${group}: ${what}`);
  };

  const boxes = loadVectors<BoxRandom>('tweetnacl_box_random.json');
  const zeroNonce = hex(boxes.nonce_hex);
  boxes.vectors.forEach((v, i) => {
    check('box', b64text(box(b64(v.message), zeroNonce, b64(v.pk), b64(v.sk))) === v.box, `box #${i}`);
    check('box', b64text(boxOpen(b64(v.box), zeroNonce, b64(v.pk), b64(v.sk))) === v.message, `open #${i}`);
  });

  const scalar = loadVectors<ScalarMultRandom>('tweetnacl_scalarmult_random.json');
  scalar.vectors.forEach((v, i) => {
    check('scalarmult', b64text(publicKeyFromSecret(b64(v.sk1))) === v.pk1, `base(sk1) #${i}`);
    check('scalarmult', b64text(publicKeyFromSecret(b64(v.sk2))) === v.pk2, `base(sk2) #${i}`);
    check('scalarmult', b64text(backend.scalarMult(b64(v.sk1), b64(v.pk2))) === v.shared, `sk1·pk2 #${i}`);
    check('scalarmult', b64text(backend.scalarMult(b64(v.sk2), b64(v.pk1))) === v.shared, `sk2·pk1 #${i}`);
  });
  // Public keys against tweetnacl's Montgomery ladder: the tweetnacl backend computes them
  // another way (src/crypto/x25519-base.ts). Secrets are SHA-256 of a counter, so reproducible.
  for (let i = 0; i < BASE_RANDOM_KEYS; i++) {
    const secret = new Uint8Array(createHash('sha256').update(`x25519-base ${i}`).digest());
    const expected = toHexString(nacl.scalarMult.base(secret));
    check('base-random', toHexString(publicKeyFromSecret(secret)) === expected, `base(${toHexString(secret)})`);
  }
  let value: Uint8Array = new Uint8Array(32);
  value[0] = 1;
  for (let i = 0; i < 200; i++) value = publicKeyFromSecret(value);
  check('iterated-base', toHexString(value) === scalar.iterated_base_golden.result_hex, '200 × base');

  const wycheproof = loadVectors<Wycheproof>('wycheproof_x25519_test.json').testGroups.flatMap((g) => g.tests);
  for (const t of wycheproof) {
    const secret = hex(t.private);
    const publicKey = hex(t.public);
    check('wycheproof', toHexString(backend.scalarMult(secret, publicKey)) === t.shared, `tcId ${t.tcId} shared`);
    if (ALL_ZERO.test(t.shared)) {
      check('wycheproof-zero', rejectedAsLowOrder(() => precompute(publicKey, secret)), `tcId ${t.tcId} accepted`);
      check('wycheproof-zero', !isValidPublicKey(publicKey), `tcId ${t.tcId} called valid`);
    } else {
      const expected = toHexString(backend.hsalsa20(hex(t.shared), ZERO_16));
      check('wycheproof', toHexString(precompute(publicKey, secret)) === expected, `tcId ${t.tcId} key`);
    }
  }

  const lowOrder = loadVectors<LowOrder>('x25519_low_order_points.json');
  const secrets = [new Uint8Array(32).fill(0x5a), new Uint8Array(32).fill(0xff)];
  for (const point of lowOrder.points) {
    const publicKey = hex(point.public);
    check('low-order', !isValidPublicKey(publicKey), `${point.public} called valid`);
    for (const secret of secrets) {
      check('low-order', ALL_ZERO.test(toHexString(backend.scalarMult(secret, publicKey))), `${point.public} nonzero`);
      check('low-order', rejectedAsLowOrder(() => precompute(publicKey, secret)), `${point.public} accepted`);
    }
  }
  // Why the check matters: unchecked, every such key gives this fixed, public box key.
  check(
    'low-order',
    toHexString(backend.hsalsa20(new Uint8Array(32), ZERO_16)) === lowOrder.tweetnacl_box_before_of_zero_shared_secret_hex,
    'fixed key of the zero secret',
  );

  return { backend: backend.name, checks, failures };
}
