/**
 * CPU profiles of the in-memory figures (part 3), in this process: CURVE handshakes, both sides
 * on this thread, or MESSAGE encodes of one size, on one crypto backend. `bench/profile.ts`
 * prints them; the bounds of `docs/performance.md` on 16-byte encodes and tweetnacl
 * handshakes come from them.
 */
import { measureHandshakes, rate, readyPair } from '../cli/measure';
import { BACKEND_NAMES, useCryptoBackend, type BackendName } from '../src/crypto';
import { startProfile, stopProfile } from './net/cpu-profile';
import type { ProfileReport } from './profile';
import { formatRate } from './stats';

/** The in-memory subjects: `memory-` and a backend's name. */
export const MEMORY_SUBJECTS: readonly string[] = BACKEND_NAMES.map((name) => `memory-${name}`);

/** Runs the measurement for about `seconds` and describes its figure. */
type Work = (seconds: number) => string;

function handshakes(seconds: number): string {
  const { total, server } = measureHandshakes(seconds);
  return `${total.toFixed(0)} handshakes/s (both sides), ${server.toFixed(0)}/s (server's share)`;
}

function encodes(size: number): Work {
  const { client } = readyPair();
  const data = new Uint8Array(size).fill(0x61);
  return (seconds) => `${formatRate(rate(() => client.encode(data), seconds))} encodes/s of ${size} B`;
}

/**
 * Profiles one in-memory measurement after an unprofiled warm-up.
 *
 * @param scenario - `handshake` (default) or a message size in bytes
 * @param save - where to write the whole profile, if anywhere
 * @throws {@link RangeError} when the backend is not available here or the size is not a positive integer
 */
export async function profileMemory(subject: string, scenario: string | undefined, seconds: number, top: number, save?: string): Promise<ProfileReport> {
  useCryptoBackend(subject.slice('memory-'.length) as BackendName);
  const size = Number(scenario);
  if (scenario !== undefined && scenario !== 'handshake' && !(Number.isInteger(size) && size > 0)) {
    throw new RangeError(`"scenario" expected handshake or a size in bytes, got ${scenario}`);
  }
  const work = scenario === undefined || scenario === 'handshake' ? handshakes : encodes(size);
  work(Math.min(seconds, 0.5));
  await startProfile();
  const figure = work(seconds);
  const summary = await stopProfile(top, save);
  return { headline: `${subject}: ${figure}`, sides: [{ role: 'this process', summary }] };
}
