/**
 * The in-memory pair: drives a client and a server mechanism to completion with no sockets and
 * returns the transcript. Exported for users' tests and used throughout this package's own.
 *
 * @module
 */
import { decide, type Authorizer } from './auth';
import type { AuthRequest, Mechanism, Step } from './mechanism';

/** One blob as it crossed between the two mechanisms. */
export interface TranscriptEntry {
  readonly from: 'client' | 'server';
  readonly blob: Uint8Array;
}

/** Options of {@link runHandshake}. */
export interface PairOptions {
  /** Answers the server's decision requests (default: none; a request then fails the run). */
  readonly authorizer?: Authorizer;
  /** Called with each blob before delivery; return a replacement to tamper with it in a test. */
  readonly tamper?: (entry: TranscriptEntry, index: number) => Uint8Array;
  /** Most blobs exchanged before giving up (default 32); guards against a mechanism that loops. */
  readonly maxBlobs?: number;
}

/** What {@link runHandshake} returns. */
export interface PairResult {
  /** Every blob, in the order it was sent. */
  readonly transcript: TranscriptEntry[];
  /** Every decision request the server made. */
  readonly authRequests: AuthRequest[];
  readonly client: Mechanism;
  readonly server: Mechanism;
}

/**
 * Runs the handshake between `client` and `server` until neither has anything left to send.
 * Both end `ready`, or at least one ends `failed` (inspect `client.error` / `server.error`).
 *
 * @throws {@link Error} when the server asks for a decision and no authorizer was given, or the
 *   exchange exceeds `maxBlobs`
 */
export async function runHandshake(
  client: Mechanism,
  server: Mechanism,
  options: PairOptions = {},
): Promise<PairResult> {
  const transcript: TranscriptEntry[] = [];
  const authRequests: AuthRequest[] = [];
  const maxBlobs = options.maxBlobs ?? 32;
  const queue: TranscriptEntry[] = [];
  const enqueue = (from: 'client' | 'server', step: Step) => {
    for (const blob of step.send) queue.push({ from, blob });
  };
  enqueue('server', server.start());
  enqueue('client', client.start());
  while (queue.length > 0) {
    if (transcript.length >= maxBlobs) throw new Error(`handshake exceeded ${maxBlobs} blobs`);
    const sent = queue.shift()!;
    const blob = options.tamper ? options.tamper(sent, transcript.length) : sent.blob;
    transcript.push({ from: sent.from, blob });
    const receiver = sent.from === 'client' ? server : client;
    if (receiver.status !== 'handshaking') continue;
    let step = receiver.receive(blob);
    while (step.auth !== undefined) {
      if (options.authorizer === undefined) throw new Error('the server asked for a decision; pass an authorizer');
      authRequests.push(step.auth);
      step = receiver.authorize(await decide(options.authorizer, step.auth));
    }
    enqueue(sent.from === 'client' ? 'server' : 'client', step);
  }
  return { transcript, authRequests, client, server };
}
