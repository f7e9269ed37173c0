/**
 * Fuzz targets for the ZMTP adapter's pure codecs: the incremental frame decoder and the
 * greeting parser. Their inputs come from any TCP peer, so anything must end in frames or a
 * `ChannelError` (`ERR_PROTOCOL`, `ERR_FRAME_TOO_LARGE`), and a decoder that failed stays failed.
 * Some runs decode as before authentication (commands only, none over a handshake bound), fed
 * frame by frame with stops, as the adapter feeds it: no message frame and no frame over the
 * bound may come out. Greetings are also fed in pieces to the adapter's fixed-size reader.
 *
 * @module
 */
import { ChannelError } from '../src';
import { FrameDecoder, encodeFrame, type ZmtpFrame } from '../src/adapters/zmtp/frames';
import { checkGreetingPrefix, encodeGreeting, GREETING_SIZE, GreetingReader, parseGreeting } from '../src/adapters/zmtp/greeting';
import { describe } from './invariants';
import { concatBytes, equalBytes } from '../src/bytes';
import { mutate } from './mutate';
import type { Prng } from './prng';
import type { Exec } from './targets';

const MAX_FRAME = 70_000;
/** The bound of a decoder "before authentication": small, so corpus blobs cross it. */
const HANDSHAKE_BOUND = 300;
const ZMTP_CODES = new Set(['ERR_PROTOCOL', 'ERR_FRAME_TOO_LARGE']);
const MECHANISMS = ['NULL', 'PLAIN', 'CURVE'];

/** Corpus blobs as ZMTP frames (commands, single and multipart messages), mutated, in random chunks. */
export function zmtpFrames(exec: Exec): void {
  const { prng } = exec;
  const count = 1 + prng.int(4);
  const sent: Array<{ body: Uint8Array; command: boolean; more: boolean }> = [];
  for (let i = 0; i < count; i++) {
    const command = prng.chance(0.4);
    sent.push({ body: prng.pick(exec.corpus.donors), command, more: !command && i < count - 1 && prng.chance(0.5) });
  }
  const frames = sent.map((f) => encodeFrame(f.body, { command: f.command, more: f.more }));
  const clean = concatBytes(...frames);
  const u8: number[] = [];
  const u32: number[] = [];
  frames.reduce((at, frame) => {
    u8.push(at, at + 1);
    if (frame.length > 2 + 255) u32.push(at + 1, at + 5);
    return at + frame.length;
  }, 0);
  const mutated = prng.chance(0.6);
  const stream = mutated ? mutate(prng, clean, exec.corpus.donors, { u8, u32 }) : clean;
  const before = prng.chance(0.3);
  const decoder = before
    ? new FrameDecoder({ maxFrameSize: HANDSHAKE_BOUND, maxCommandSize: HANDSHAKE_BOUND, messages: false })
    : new FrameDecoder({ maxFrameSize: MAX_FRAME });
  const out: ZmtpFrame[] = [];
  let failure: unknown;
  for (const chunk of split(prng, stream)) {
    try {
      // Stop after some frames and feed the rest again, as the adapter does around a decision.
      for (let rest = chunk; rest.length > 0; ) {
        const used = decoder.feed(rest, (frame) => (out.push(frame), !prng.chance(0.3)));
        rest = rest.subarray(used);
      }
    } catch (error) {
      failure = error;
      break;
    }
  }
  if (before && out.some((f) => !f.command || f.body.length > HANDSHAKE_BOUND)) {
    exec.violate('zmtp-frames-before-auth', 'a message frame or a frame over the bound came out before authentication', stream);
  }
  if (failure !== undefined) {
    if (!(failure instanceof ChannelError) || !ZMTP_CODES.has(failure.code)) {
      exec.violate('zmtp-frames-untyped', describe(failure), stream);
      return;
    }
    try {
      decoder.push(new Uint8Array(1));
      exec.violate('zmtp-frames-not-terminal', 'push() worked after a decoding error', stream);
    } catch (again) {
      if (again !== failure) exec.violate('zmtp-frames-not-terminal', `a different error after failure: ${describe(again)}`, stream);
    }
  }
  const total = out.reduce((sum, frame) => sum + frame.body.length, 0);
  if (total > stream.length) exec.violate('zmtp-frames-output', `${total} bytes of frames from ${stream.length} bytes`, stream);
  if (!mutated && !before) {
    const same =
      failure === undefined &&
      out.length === sent.length &&
      out.every((f, i) => equalBytes(f.body, sent[i]!.body) && f.command === sent[i]!.command && f.more === sent[i]!.more);
    if (!same) exec.violate('zmtp-frames-output', 'an unmutated stream did not give back its frames', stream);
  }
}

/** Mutated greetings: a whole one is parsed, and every prefix is checked as it would arrive. */
export function zmtpGreeting(exec: Exec): void {
  const { prng } = exec;
  const valid = encodeGreeting({ mechanism: prng.pick(MECHANISMS), asServer: prng.chance(0.5), minor: prng.int(2) });
  const input = mutate(prng, valid, []);
  try {
    checkGreetingPrefix(input.subarray(0, prng.int(input.length + 1)));
    if (input.length === GREETING_SIZE) parseGreeting(input);
  } catch (error) {
    if (!(error instanceof ChannelError) || error.code !== 'ERR_PROTOCOL') exec.violate('zmtp-greeting-untyped', describe(error), input);
  }
  readGreeting(exec, input);
}

/** The adapter's reader, fed `input` in pieces: a typed error, or the bytes after 64 handed back. */
function readGreeting(exec: Exec, input: Uint8Array): void {
  const reader = new GreetingReader();
  let handedBack = 0;
  try {
    for (const chunk of split(exec.prng, input)) handedBack += reader.push(chunk).length;
  } catch (error) {
    if (!(error instanceof ChannelError) || error.code !== 'ERR_PROTOCOL') exec.violate('zmtp-greeting-untyped', describe(error), input);
    return;
  }
  const expected = reader.greeting === undefined ? 0 : input.length - GREETING_SIZE;
  if (handedBack !== expected) exec.violate('zmtp-greeting-reader', `${handedBack} bytes handed back, expected ${expected}`, input);
}

function split(prng: Prng, stream: Uint8Array): Uint8Array[] {
  if (prng.chance(0.1)) return [stream];
  const one = prng.chance(0.1);
  const out: Uint8Array[] = [];
  for (let at = 0; at < stream.length; ) {
    const size = one ? 1 : 1 + prng.int(Math.max(1, Math.min(stream.length, 300)));
    out.push(stream.subarray(at, at + size));
    at += size;
  }
  return out;
}
