/**
 * The fuzzer's corpus: real handshakes of every profile, run synchronously with seeded
 * randomness, recorded blob by blob, followed by message parts in both directions. From a
 * recording, {@link rebuild} makes a fresh mechanism in any state of the handshake by replaying
 * what that side received, so every execution starts from a known, byte-exact state.
 *
 * @module
 */
import type { AuthDecision, Mechanism, Role } from '../src';
import type { LengthHints } from './mutate';
import { mixSeed } from './prng';
import type { Profile } from './profiles';

/** One recorded session of a profile. */
export interface Session {
  readonly profile: Profile;
  readonly seed: number;
  /** True when the server's decision was 200 and both sides ended `ready`. */
  readonly allowed: boolean;
  /** Handshake blobs each side received, in order. */
  readonly handshake: Readonly<Record<Role, readonly Uint8Array[]>>;
  /** Message-part blobs each side receives once ready, in the order they were encoded. */
  readonly messages: Readonly<Record<Role, readonly Uint8Array[]>>;
}

/** Everything the targets draw from. */
export interface Corpus {
  readonly sessions: readonly Session[];
  /** Sessions whose handshake succeeded (the ones that have states to rebuild). */
  readonly allowed: readonly Session[];
  /** Every blob of every session, for splicing and for out-of-place commands. */
  readonly donors: readonly Uint8Array[];
}

const ALLOW: AuthDecision = { status: 200, userId: 'fuzz' };
const DENY: AuthDecision = { status: 400, statusText: 'denied' };

/** Message parts each side sends after the handshake: sizes around the boundaries, with flags. */
const PARTS: ReadonlyArray<{ size: number; more?: boolean; command?: boolean }> = [
  { size: 0 },
  { size: 1, more: true },
  { size: 17 },
  { size: 4, command: true },
  { size: 255, more: true },
  { size: 1500 },
];

/** Records `sessionsPerProfile` allowed sessions and one denied session of every profile. */
export function buildCorpus(runSeed: number, profiles: readonly Profile[], sessionsPerProfile = 2): Corpus {
  const sessions: Session[] = [];
  for (const [p, profile] of profiles.entries()) {
    for (let s = 0; s <= sessionsPerProfile; s++) {
      const denied = s === sessionsPerProfile;
      sessions.push(recordSession(profile, mixSeed(runSeed, p, s), denied ? DENY : ALLOW));
    }
  }
  const allowed = sessions.filter((session) => session.allowed);
  for (const session of allowed) checkReplayable(session);
  const donors = sessions.flatMap((s) => [...s.handshake.client, ...s.handshake.server, ...s.messages.client, ...s.messages.server]);
  return { sessions, allowed, donors };
}

/** Runs one handshake to its end, then (if both sides are ready) exchanges {@link PARTS}. */
function recordSession(profile: Profile, seed: number, decision: AuthDecision): Session {
  const sides: Record<Role, Mechanism> = { client: profile.client(seed), server: profile.server(seed) };
  const handshake: Record<Role, Uint8Array[]> = { client: [], server: [] };
  const queue: Array<{ to: Role; blob: Uint8Array }> = [];
  const post = (from: Role, blobs: readonly Uint8Array[]): void => {
    for (const blob of blobs) queue.push({ to: from === 'client' ? 'server' : 'client', blob });
  };
  post('server', sides.server.start().send);
  post('client', sides.client.start().send);
  while (queue.length > 0) {
    const { to, blob } = queue.shift()!;
    if (sides[to].status !== 'handshaking') continue;
    handshake[to].push(blob);
    let step = sides[to].receive(blob);
    while (step.auth !== undefined) step = sides[to].authorize(decision);
    post(to, step.send);
  }
  const allowed = sides.client.status === 'ready' && sides.server.status === 'ready';
  if (decision.status === 200 && !allowed) {
    throw new Error(`fuzz corpus: the ${profile.label} handshake failed: ${String(sides.client.error ?? sides.server.error)}`);
  }
  const messages: Record<Role, Uint8Array[]> = { client: [], server: [] };
  if (allowed) {
    for (const [i, part] of PARTS.entries()) {
      const data = new Uint8Array(part.size).fill(i + 1);
      messages.server.push(sides.client.encode(data, part));
      messages.client.push(sides.server.encode(data, part));
    }
  }
  return { profile, seed, allowed, handshake, messages };
}

/**
 * A fresh mechanism of `session`'s side `role` that has been started and has received the first
 * `received` handshake blobs of the recording, with every decision answered 200.
 */
export function rebuild(session: Session, role: Role, received: number): Mechanism {
  const mechanism = role === 'client' ? session.profile.client(session.seed) : session.profile.server(session.seed);
  mechanism.start();
  for (const blob of session.handshake[role].slice(0, received)) {
    let step = mechanism.receive(blob);
    while (step.auth !== undefined) step = mechanism.authorize(ALLOW);
  }
  return mechanism;
}

/** A rebuilt side must reach `ready` exactly as recorded; otherwise the profile is not deterministic. */
function checkReplayable(session: Session): void {
  for (const role of ['client', 'server'] as const) {
    const mechanism = rebuild(session, role, session.handshake[role].length);
    if (mechanism.status !== 'ready') {
      throw new Error(`fuzz corpus: replaying the ${session.profile.label} ${role} did not reach ready; is its randomness injected?`);
    }
    mechanism.destroy();
  }
}

/**
 * Length fields of a cleartext command as far as they can be found: the name size, the
 * PLAIN HELLO's user and password sizes (ERROR's reason size is the same byte), then the
 * metadata walk when the body looks like a property list.
 */
export function lengthHints(blob: Uint8Array): LengthHints {
  const base = 1 + (blob[0] ?? 0);
  const userSize = blob[base];
  const meta = metadataHints(blob, base);
  return { u8: [0, base, ...(userSize === undefined ? [] : [base + 1 + userSize]), ...meta.u8], u32: meta.u32 };
}

/** Offsets of the name sizes (1 byte) and value sizes (4 bytes) of a property list at `start`. */
export function metadataHints(bytes: Uint8Array, start: number): LengthHints {
  const u8: number[] = [];
  const u32: number[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = start; at < bytes.length; ) {
    const nameSize = bytes[at]!;
    if (nameSize === 0 || at + 1 + nameSize + 4 > bytes.length) break;
    u8.push(at);
    u32.push(at + 1 + nameSize);
    at += 1 + nameSize + 4 + view.getUint32(at + 1 + nameSize, false);
  }
  return { u8, u32 };
}
