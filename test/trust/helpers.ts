/**
 * Shared helpers of the trust tests: temporary directories and the certificate files written by
 * CZMQ 4.2.1 and pyzmq 24.0.1 in `test/vectors/certs/` (see `test/vectors/README.md` for provenance).
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Certificate } from '../../src/trust';

/** The folder of the vector certificates. */
export const VECTOR_CERTS = path.resolve(__dirname, '../vectors/certs');

/** Known contents of the vector certificates (from the files themselves). */
export const CZMQ_CLIENT = {
  publicFile: path.join(VECTOR_CERTS, 'czmq/client.cert'),
  secretFile: path.join(VECTOR_CERTS, 'czmq/client.cert_secret'),
  publicKey: ')0!t!1hS@dD9#qG!J/mTX%qOk3x}V>odGO)?UftV',
  secretKey: '8WT&*Q2ng5fQb6AweH!shuY}2*W*^SA[GS#<zy?F',
  metadata: { name: 'Example Client', organization: 'curvezmq tests' },
};
export const PYZMQ_SERVER = {
  publicFile: path.join(VECTOR_CERTS, 'pyzmq/server.key'),
  secretFile: path.join(VECTOR_CERTS, 'pyzmq/server.key_secret'),
  publicKey: '/eHd$:WjnFIV^5Qh?vwgw+iK*CdiAGz@L1Cks{>E',
  secretKey: 'NFe((IYBu=K]9mu3-z-y>9PF)!j%fhEt5pH/)]j@',
  metadata: { name: 'Example Server', role: 'server' },
};

/** Makes a temporary directory per test and removes it afterwards; returns a getter. */
export function useTempDir(): () => string {
  let dir = '';
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'curvezmq-trust-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });
  return () => dir;
}

/** A clock the test moves by hand. */
export function manualClock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let time = start;
  return { now: () => time, advance: (ms) => void (time += ms) };
}

/** Runs `fn` and returns what it threw (or rejected with); fails when it did not throw. */
export async function caught(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

/** The certificates of an Ironhouse set-up, made by `curvezmq keygen` and loaded back. */
export interface Ironhouse {
  /** The server's secret certificate. */
  readonly server: Certificate;
  /** The allowed client's secret certificate (metadata `name = "Alice"`). */
  readonly client: Certificate;
  /** A client whose key is in no certificate of the allow-list. */
  readonly stranger: Certificate;
  /** The allow-list directory, holding the client's public file `alice`. */
  readonly allowDir: string;
}

/**
 * Runs `curvezmq keygen` for a server, a client and a stranger under `root`, and copies only
 * the client's public file into `root/allowed`, as the Ironhouse walkthrough does.
 */
export async function makeIronhouse(root: string): Promise<Ironhouse> {
  const { main } = await import('../../cli/main');
  const { resolveCertOption } = await import('../../cli/key-option');
  const quiet = [jest.spyOn(process.stdout, 'write').mockReturnValue(true), jest.spyOn(process.stderr, 'write').mockReturnValue(true)];
  try {
    for (const [name, meta] of [['server', 'name=Server'], ['alice', 'name=Alice'], ['mallory', 'name=Mallory']]) {
      const code = await main(['keygen', name!, '--dir', path.join(root, 'keys'), '--meta', meta!]);
      if (code !== 0) throw new Error(`keygen ${name} exited with ${code}`);
    }
  } finally {
    for (const spy of quiet) spy.mockRestore();
  }
  const allowDir = path.join(root, 'allowed');
  await fs.mkdir(allowDir);
  await fs.copyFile(path.join(root, 'keys', 'alice'), path.join(allowDir, 'alice'));
  const load = (name: string) => resolveCertOption(path.join(root, 'keys', name));
  return { server: await load('server'), client: await load('alice'), stranger: await load('mallory'), allowDir };
}

/** Settles with `promise`, or rejects once `ms` have passed: a read that hangs fails the test. */
export function withinDeadline<T>(promise: Promise<T>, ms: number, why = ''): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still reading after ${ms} ms${why}`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
