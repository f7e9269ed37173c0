/**
 * One wording per mistake, whatever the transport: the line a person reads after a failed
 * `connect` or in a server's log, naming the likely causes rather than the symptom (a frame
 * length, a closed channel, a timeout).
 *
 * @module
 */
import { ChannelError, CurveZmqError } from '../src';

/**
 * A ZMTP greeting starts with 0xFF and eight padding bytes (zero from libzmq): read as the
 * stream framing's 4-byte big-endian length, that is 0xFF000000 or just above.
 */
const ZMTP_AS_LENGTH = 0xff000000;

/** True when `error` is the stream framing reading a ZMTP greeting as a frame length. */
export function isZmtpGreeting(error: unknown): boolean {
  if (!(error instanceof ChannelError) || error.code !== 'ERR_FRAME_TOO_LARGE') return false;
  const length = Number(/frame of (\d+) bytes/.exec(error.message)?.[1]);
  return length >= ZMTP_AS_LENGTH && length <= 0xffffffff;
}

/** What a wrong server key looks like from the client, on every transport. */
export const WRONG_SERVER_KEY =
  'the server did not complete the handshake: a wrong --server-key, another --mechanism than the server, or not a curvezmq server';

/**
 * Watches the first bytes a peer sends for a ZMTP greeting's signature (0xFF, then 0x7F at
 * offset 9). A libzmq peer may reset the connection as soon as it reads our first frame, and
 * the reset can overtake the framing's report of its greeting: this sees the bytes either way.
 */
export function sniffZmtp(raw: NodeJS.EventEmitter): () => boolean {
  let first: Buffer | undefined;
  const onData = (chunk: Buffer) => {
    first = first === undefined ? chunk : Buffer.concat([first, chunk]);
    if (first.length >= 10) raw.off('data', onData);
  };
  raw.prependListener('data', onData);
  return () => first !== undefined && first[0] === 0xff && (first.length < 10 || first[9] === 0x7f);
}

/** One line for a client's failure (the code first, then the likely causes). */
export function describeClientError(error: unknown, endpoint: string, sawZmtp = false): string {
  if (sawZmtp || isZmtpGreeting(error)) return `ERR_WRONG_PROTOCOL: this endpoint speaks ZMTP (ZeroMQ): use tcp://${hostPort(endpoint)}`;
  if (error instanceof ChannelError && error.code === 'ERR_CHANNEL_CLOSED' && /during the handshake/.test(error.message)) {
    return `${error.code}: ${WRONG_SERVER_KEY}`;
  }
  return describe(error);
}

/** One line for a server's log about a peer whose handshake failed. */
export function describePeerError(error: unknown): string {
  if (isZmtpGreeting(error)) return 'ERR_WRONG_PROTOCOL: a ZeroMQ (ZMTP) client; this endpoint speaks tcp+stream://';
  return describe(error);
}

/** `CODE: message` for a coded error, the message otherwise. */
export function describe(error: unknown): string {
  if (error instanceof CurveZmqError) return `${error.code}: ${error.message}`;
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? `${code}: ${(error as Error).message}` : String((error as Error)?.message ?? error);
}

function hostPort(endpoint: string): string {
  return endpoint.replace(/^[a-z+]+:\/\//, '');
}

/**
 * A log that says a given thing about a given peer address once: a client that retries every
 * 100 ms (libzmq does) must not fill the server's log with the same line.
 */
export function oncePerAddress(log: (line: string) => void, limit = 1024): (address: string | undefined, line: string) => void {
  const said = new Set<string>();
  return (address, line) => {
    const key = `${address ?? ''}\n${line}`;
    if (said.has(key)) return;
    // Bounded: an address-spraying peer cannot grow the record without limit.
    if (said.size >= limit) said.clear();
    said.add(key);
    log(address === undefined ? line : `${line} (from ${address})`);
  };
}
