/**
 * What one fuzz execution does. Each target takes the execution's generator and the corpus,
 * builds its input, runs it against the code under test and reports broken invariants.
 *
 * - `handshake:<profile>`: a fresh mechanism at a random handshake state of either side gets a
 *   mutated next command, a command from elsewhere, a duplicated or reordered pair, or garbage;
 * - `decode:<profile>`: a ready mechanism gets a mutated message part with `onError: 'keep'`
 *   (cheap: the same mechanism serves many executions while it rejects them);
 * - `sequence:<profile>`: a fresh ready mechanism gets recorded parts duplicated, reordered and
 *   mutated, with the default `onError: 'fail'`;
 * - `deframer`: the stream adapter's framing gets framed corpus blobs, mutated, in random chunks;
 * - `metadata`, `z85`: the property-list and Z85 decoders get mutated valid inputs;
 * - `zmtp-frames`, `zmtp-greeting`: the ZMTP adapter's codecs (see `./zmtp-targets.ts`).
 *
 * @module
 */
import { Deframer, encodeFrame } from '../src/adapters/stream/framing';
import { ChannelError, decodeMetadata, encodeMetadata, MechanismError, z85Decode, z85Encode, type Mechanism, type Role, type TunedCodec } from '../src';
import { rebuild, lengthHints, metadataHints, type Corpus, type Session } from './corpus';
import { describe, feedSequence, isTypedFailure, type Violate } from './invariants';
import { concatBytes, equalBytes } from '../src/bytes';
import { mutate } from './mutate';
import type { Prng } from './prng';
import type { Profile } from './profiles';
import { zmtpFrames, zmtpGreeting } from './zmtp-targets';
import { bstarHeartbeat, chpCommands, chpReplica } from './chp-targets';

/** The context of one execution. */
export interface Exec {
  readonly prng: Prng;
  readonly corpus: Corpus;
  readonly violate: Violate;
  /** Ready mechanisms kept across executions by the `decode` targets. */
  readonly ready: Map<string, Mechanism>;
}

/** One fuzz target with its share of the executions. */
export interface Target {
  readonly name: string;
  readonly weight: number;
  run(exec: Exec): void;
}

const ROLES: readonly Role[] = ['client', 'server'];
const MAX_FRAME = 70_000;

/** The targets for the corpus's profiles, plus the codec targets. */
export function targets(corpus: Corpus, profiles: readonly Profile[]): Target[] {
  const out: Target[] = [];
  for (const profile of profiles) {
    const sessions = corpus.allowed.filter((s) => s.profile === profile);
    // Any client's first blob is a valid start for a fresh server, denied sessions' included.
    const firsts = corpus.sessions
      .filter((s) => s.profile === profile)
      .map((s) => s.handshake.server[0])
      .filter((b): b is Uint8Array => b !== undefined);
    const heavy = profile.authenticated;
    out.push(
      { name: `handshake:${profile.label}`, weight: heavy ? 6 : 2, run: (exec) => handshake(exec, sessions, firsts) },
      { name: `decode:${profile.label}`, weight: heavy ? 12 : 3, run: (exec) => decodeKeep(exec, sessions) },
      { name: `sequence:${profile.label}`, weight: 0.5, run: (exec) => sequence(exec, sessions) },
    );
  }
  out.push(
    { name: 'deframer', weight: 6, run: deframer },
    { name: 'metadata', weight: 3, run: metadata },
    { name: 'z85', weight: 2, run: z85 },
    { name: 'zmtp-frames', weight: 4, run: zmtpFrames },
    { name: 'zmtp-greeting', weight: 2, run: zmtpGreeting },
    { name: 'chp-commands', weight: 2, run: chpCommands },
    { name: 'chp-replica', weight: 1, run: chpReplica },
    { name: 'bstar-heartbeat', weight: 1, run: bstarHeartbeat },
  );
  return out;
}

function handshake(exec: Exec, sessions: readonly Session[], firsts: readonly Uint8Array[]): void {
  const { prng } = exec;
  const session = prng.pick(sessions);
  const role = prng.pick(ROLES);
  const received = session.handshake[role];
  if (received.length === 0) return;
  const at = prng.int(received.length);
  const next = [...received.slice(at), ...session.messages[role]];
  const first = next[0]!;
  const second = next[1];
  const hints = session.profile.authenticated ? undefined : lengthHints(first);
  const roll = prng.int(100);
  let inputs: Uint8Array[];
  if (roll < 60) inputs = [mutate(prng, first, exec.corpus.donors, hints)];
  else if (roll < 70 && second !== undefined) inputs = [first, mutate(prng, second, exec.corpus.donors, lengthHints(second))];
  else if (roll < 80) inputs = [prng.pick(exec.corpus.donors)];
  else if (roll < 87) inputs = [first, first];
  else if (roll < 94 && second !== undefined) inputs = [second, first];
  else inputs = [prng.chance(0.2) ? new Uint8Array(65_536) : prng.bytes(prng.int(400))];
  const mechanism = rebuild(session, role, at);
  feedSequence(
    mechanism,
    inputs,
    {
      next,
      handshakeLeft: received.length - at,
      authenticated: session.profile.authenticated,
      alternatives: role === 'server' && at === 0 ? firsts : [],
    },
    exec.violate,
  );
  mechanism.destroy();
}

function decodeKeep(exec: Exec, sessions: readonly Session[]): void {
  const { prng } = exec;
  const session = prng.pick(sessions);
  const role = prng.pick(ROLES);
  const key = `${session.profile.label}:${session.seed}:${role}`;
  let mechanism = exec.ready.get(key);
  if (mechanism === undefined) {
    mechanism = rebuild(session, role, session.handshake[role].length);
    exec.ready.set(key, mechanism);
  }
  const parts = session.messages[role];
  const original = prng.pick(parts);
  const input = mutate(prng, original, exec.corpus.donors);
  if (parts.some((part) => equalBytes(part, input))) return;
  let accepted = false;
  // Half the time in place, on a copy, so that a reported input is the one that was fed.
  const inPlace = prng.chance(0.5);
  try {
    (mechanism as TunedCodec).decode(inPlace ? input.slice() : input, { onError: 'keep', inPlace });
    accepted = true;
  } catch (error) {
    if (!isTypedFailure(error)) exec.violate('decode-threw-untyped', describe(error), input);
  }
  if (mechanism.status !== 'ready') {
    exec.violate('keep-changed-state', `status ${mechanism.status} after decode(..., { onError: 'keep' })`, input);
    exec.ready.delete(key);
    return;
  }
  if (accepted && session.profile.authenticated) {
    exec.violate('accepted-mutant', 'a mutated message part was decoded', input);
    exec.ready.delete(key);
    return;
  }
  // Now and then, prove that the rejections really left the state alone: the first recorded
  // part must still decode (the mechanism is spent afterwards, so it is replaced).
  if (session.profile.authenticated && prng.chance(0.002)) {
    try {
      mechanism.decode(parts[0]!);
    } catch (error) {
      exec.violate('keep-changed-state', `the first recorded part no longer decodes: ${describe(error)}`, parts[0]);
    }
    mechanism.destroy();
    exec.ready.delete(key);
  }
}

function sequence(exec: Exec, sessions: readonly Session[]): void {
  const { prng } = exec;
  const session = prng.pick(sessions);
  const role = prng.pick(ROLES);
  const parts = session.messages[role];
  const inputs: Uint8Array[] = [];
  const count = 2 + prng.int(6);
  for (let i = 0; i < count; i++) {
    const part = prng.pick(parts);
    inputs.push(prng.chance(0.15) ? mutate(prng, part, exec.corpus.donors) : part);
  }
  const mechanism = rebuild(session, role, session.handshake[role].length);
  feedSequence(mechanism, inputs, { next: parts, handshakeLeft: 0, authenticated: session.profile.authenticated, alternatives: [] }, exec.violate);
  mechanism.destroy();
}

function deframer(exec: Exec): void {
  const { prng } = exec;
  const blobs = Array.from({ length: 1 + prng.int(4) }, () => prng.pick(exec.corpus.donors));
  const frames = blobs.map((blob) => encodeFrame(blob));
  const clean = concatBytes(...frames);
  const headers: number[] = [];
  frames.reduce((at, frame) => (headers.push(at), at + frame.length), 0);
  const mutated = prng.chance(0.6);
  const stream = mutated ? mutate(prng, clean, exec.corpus.donors, { u8: [], u32: headers }) : clean;
  const deframer = new Deframer({ maxFrameSize: MAX_FRAME });
  const out: Uint8Array[] = [];
  let failure: unknown;
  for (const chunk of chunks(prng, stream)) {
    try {
      out.push(...deframer.push(chunk));
    } catch (error) {
      failure = error;
      break;
    }
    if (deframer.pending > MAX_FRAME + 4) exec.violate('deframer-memory', `pending ${deframer.pending}`, stream);
  }
  if (failure !== undefined) {
    if (!(failure instanceof ChannelError) || failure.code !== 'ERR_FRAME_TOO_LARGE') {
      exec.violate('deframer-untyped', describe(failure), stream);
    } else {
      try {
        deframer.push(new Uint8Array(1));
        exec.violate('deframer-not-terminal', 'push() worked after a framing error', stream);
      } catch (again) {
        if (again !== failure) exec.violate('deframer-not-terminal', `a different error after failure: ${describe(again)}`, stream);
      }
    }
  }
  const total = out.reduce((sum, frame) => sum + frame.length, 0);
  if (total > stream.length) exec.violate('deframer-output', `${total} bytes of frames from ${stream.length} bytes`, stream);
  if (!mutated && (failure !== undefined || out.length !== blobs.length || out.some((f, i) => !equalBytes(f, blobs[i]!)) || deframer.pending !== 0)) {
    exec.violate('deframer-output', 'an unmutated stream did not give back its frames', stream);
  }
}

/** Splits a stream as a socket might: single bytes, random cuts, or one piece. */
function chunks(prng: Prng, stream: Uint8Array): Uint8Array[] {
  const mode = prng.int(10);
  if (mode === 0) return [stream];
  const out: Uint8Array[] = [];
  for (let at = 0; at < stream.length; ) {
    const size = mode === 1 ? 1 : 1 + prng.int(Math.max(1, Math.min(stream.length, 300)));
    out.push(stream.subarray(at, at + size));
    at += size;
  }
  return out;
}

const METADATA_SAMPLES = [
  encodeMetadata({ 'Socket-Type': 'DEALER' }),
  encodeMetadata({ 'Socket-Type': 'ROUTER', Identity: 'abc', 'X-Custom': new Uint8Array(300).fill(7) }),
  encodeMetadata({ 'User-Id': 'admin', 'X-a.b+c_d': '' }),
];

function metadata(exec: Exec): void {
  const { prng } = exec;
  const sample = prng.pick(METADATA_SAMPLES);
  const input = mutate(prng, sample, METADATA_SAMPLES, metadataHints(sample, 0));
  try {
    decodeMetadata(input);
  } catch (error) {
    if (!(error instanceof MechanismError) || error.code !== 'ERR_INVALID_METADATA') exec.violate('metadata-untyped', describe(error), input);
  }
}

function z85(exec: Exec): void {
  const { prng } = exec;
  const text = z85Encode(prng.bytes(4 * (1 + prng.int(10))));
  const codes = Uint8Array.from(text, (c) => c.charCodeAt(0));
  const input = mutate(prng, codes, []);
  const mutated = String.fromCharCode(...input);
  try {
    const bytes = z85Decode(mutated);
    if (z85Encode(bytes) !== mutated) exec.violate('z85-roundtrip', `decoded ${mutated} does not encode back`, input);
  } catch (error) {
    if (!(error instanceof RangeError)) exec.violate('z85-untyped', describe(error), input);
  }
}
