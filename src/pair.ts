/**
 * The in-memory pair: drives a client and a server mechanism to completion with no sockets and
 * returns the transcript. Exported for users' tests and used throughout this package's own.
 *
 * @module
 */
import type { Authorizer } from './auth';
import { HandshakeDriver, type HandshakeOutcome } from './channel/handshake';
import type { AuthRequest, Mechanism } from './mechanism';

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
  let missingAuthorizer = false;
  const authorizer: Authorizer = (request) => {
    authRequests.push(request);
    if (options.authorizer !== undefined) return options.authorizer(request);
    missingAuthorizer = true;
    return false;
  };
  let decided: ((outcome: HandshakeOutcome) => void) | undefined;
  const onDecision = (outcome: HandshakeOutcome) => decided?.(outcome);
  const drivers = {
    client: new HandshakeDriver(client, { authorizer, onDecision }),
    server: new HandshakeDriver(server, { authorizer, onDecision }),
  };
  const enqueue = (from: 'client' | 'server', outcome: HandshakeOutcome) => {
    for (const blob of outcome.send) queue.push({ from, blob });
  };
  const settled = async (from: 'client' | 'server', first: HandshakeOutcome) => {
    // 'deciding': a decision or an asynchronous mechanism step (Step.pending) is awaited.
    for (let outcome = first; outcome.state === 'deciding'; ) {
      outcome = await new Promise<HandshakeOutcome>((resolve) => (decided = resolve));
      if (missingAuthorizer) throw new Error('the server asked for a decision; pass an authorizer');
      enqueue(from, outcome);
    }
  };
  const serverStart = drivers.server.start();
  enqueue('server', serverStart);
  await settled('server', serverStart);
  const clientStart = drivers.client.start();
  enqueue('client', clientStart);
  await settled('client', clientStart);
  while (queue.length > 0) {
    if (transcript.length >= maxBlobs) throw new Error(`handshake exceeded ${maxBlobs} blobs`);
    const sent = queue.shift()!;
    const blob = options.tamper ? options.tamper(sent, transcript.length) : sent.blob;
    transcript.push({ from: sent.from, blob });
    const to = sent.from === 'client' ? 'server' : 'client';
    const driver = drivers[to];
    if (driver.state !== 'handshaking') continue;
    const outcome = driver.receive(blob);
    enqueue(to, outcome);
    await settled(to, outcome);
  }
  return { transcript, authRequests, client, server };
}
