/**
 * How the fuzzer builds each registered mechanism deterministically: long-term keys, options
 * and random sources all derive from the run's seed, so that a session (and every state inside
 * it) can be rebuilt byte for byte whenever an execution needs a fresh mechanism.
 *
 * @module
 */
import { defaultRegistry } from '../mechanisms';
import { generateKeyPair, seededRandom, type Mechanism, type MechanismRegistry } from '../src';
import { mixSeed } from './prng';

/** A fixed clock: cookie keys never expire during a run, so replays stay deterministic. */
const FIXED_CLOCK = (): number => 1_700_000_000_000;

/** One way of running a registered mechanism. */
export interface Profile {
  /** Display name (`'NULL+auth'` is NULL with a decision step). */
  readonly label: string;
  /** The registered mechanism name. */
  readonly mechanism: string;
  /**
   * True when every command after HELLO is authenticated (CURVE): a mutated command must then
   * never be accepted, and a server must never send more bytes than it received before the
   * client proved itself (anti-amplification).
   */
  readonly authenticated: boolean;
  /** A client of session `sessionSeed`. */
  client(sessionSeed: number): Mechanism;
  /** One server session of a fresh endpoint of session `sessionSeed`. */
  server(sessionSeed: number): Mechanism;
}

/**
 * The profiles of every built-in mechanism registered in `registry`, with keys derived from
 * `runSeed`.
 */
export function profiles(runSeed: number, registry: MechanismRegistry = defaultRegistry): Profile[] {
  const out: Profile[] = [];
  const make = (label: string, mechanism: string, authenticated: boolean, client: Options, server: Options): void => {
    if (!registry.has(mechanism)) return;
    out.push({
      label,
      mechanism,
      authenticated,
      client: (seed) => registry.client(mechanism, { ...client, random: seededRandom(mixSeed(seed, 1)), clock: FIXED_CLOCK }),
      server: (seed) => registry.server(mechanism, { ...server, random: seededRandom(mixSeed(seed, 2)), clock: FIXED_CLOCK })(),
    });
  };
  make('NULL', 'NULL', false, {}, {});
  make('NULL+auth', 'NULL', false, {}, { authenticate: true });
  make('PLAIN', 'PLAIN', false, { username: 'admin', password: 'secret', metadata: { 'Socket-Type': 'DEALER' } }, {});
  const serverKeys = generateKeyPair(seededRandom(mixSeed(runSeed, 0x5e)));
  const clientKeys = generateKeyPair(seededRandom(mixSeed(runSeed, 0xc1)));
  make(
    'CURVE',
    'CURVE',
    true,
    { secretKey: clientKeys.secretKey, serverKey: serverKeys.publicKey, metadata: { 'Socket-Type': 'DEALER', Identity: 'fuzz' } },
    { secretKey: serverKeys.secretKey, metadata: { 'Socket-Type': 'ROUTER' } },
  );
  return out;
}

type Options = Readonly<Record<string, unknown>>;

