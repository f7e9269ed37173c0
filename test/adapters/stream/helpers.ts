/**
 * Helpers for the stream adapter's tests: secure pairs over in-memory duplexes, and promises
 * for a stream's next message, error and close.
 */
import { Duplex } from 'node:stream';
import { memoryPair } from './memory-pair';

export { memoryPair };
import { once } from 'node:events';
import { defaultRegistry } from '../../../mechanisms';
import { curveKeyPair, type AnyMechanismOptions, type Authorizer } from '../../../src';
import { SecureStream, type StreamMessage, type SecureStreamBaseOptions } from '../../../src/adapters/stream';

/** The server's and the client's CURVE key pairs for the tests (Z85). */
export const SERVER_KEYS = curveKeyPair();
export const CLIENT_KEYS = curveKeyPair();

/** The mechanisms every end-to-end test runs with. */
export const MECHANISMS = ['NULL', 'PLAIN', 'CURVE'] as const;

/** Client options per mechanism for the tests. */
export const CLIENT_OPTIONS: Record<string, AnyMechanismOptions> = {
  NULL: {},
  PLAIN: { username: 'admin', password: 'secret' },
  CURVE: { secretKey: CLIENT_KEYS.secretKey, serverKey: SERVER_KEYS.publicKey },
};

/** Server options per mechanism for the tests. */
export const SERVER_OPTIONS: Record<string, AnyMechanismOptions> = {
  NULL: {},
  PLAIN: {},
  CURVE: { secretKey: SERVER_KEYS.secretKey },
};

/** Lets in the PLAIN user admin/secret, the CURVE client key of {@link CLIENT_KEYS}, and NULL. */
export const allowAdmin: Authorizer = (request) => {
  if (request.mechanism === 'PLAIN') return request.password === 'secret';
  if (request.mechanism === 'CURVE') return request.publicKeyZ85 === CLIENT_KEYS.publicKey;
  return true;
};

/** Options of {@link securePair}. */
export interface PairSetup {
  readonly mechanism?: string;
  readonly clientOptions?: AnyMechanismOptions;
  readonly serverOptions?: AnyMechanismOptions;
  readonly client?: SecureStreamBaseOptions;
  readonly server?: SecureStreamBaseOptions;
  /** The two raw ends; default `duplexPair()`. */
  readonly raw?: [Duplex, Duplex];
}

/** A client and a server SecureStream over an in-memory pair. */
export function securePair(setup: PairSetup = {}) {
  const name = setup.mechanism ?? 'NULL';
  const [rawClient, rawServer] = setup.raw ?? memoryPair();
  const client = new SecureStream(rawClient, {
    session: defaultRegistry.client(name, setup.clientOptions ?? CLIENT_OPTIONS[name] ?? {}),
    ...setup.client,
  });
  const server = new SecureStream(rawServer, {
    session: defaultRegistry.server(name, setup.serverOptions ?? SERVER_OPTIONS[name] ?? {})(),
    authorizer: allowAdmin,
    ...setup.server,
  });
  return { client, server, rawClient, rawServer };
}

/** The next message `stream` emits. */
export async function nextMessage(stream: SecureStream): Promise<StreamMessage> {
  const [message] = (await once(stream, 'data')) as [StreamMessage];
  return message;
}

/** The next `count` messages `stream` emits; rejects if it fails or closes first. */
export function messages(stream: SecureStream, count: number): Promise<StreamMessage[]> {
  return new Promise((resolve, reject) => {
    const received: StreamMessage[] = [];
    const onData = (message: StreamMessage) => {
      received.push(message);
      if (received.length < count) return;
      stream.off('data', onData).off('error', reject).off('close', onClose);
      stream.pause();
      resolve(received);
    };
    const onClose = () => reject(new Error(`closed after ${received.length} of ${count} messages`));
    stream.on('data', onData).once('error', reject).once('close', onClose);
    stream.resume();
  });
}

/**
 * How `stream` ended: the error it emitted (or `undefined`), once it has closed. Records every
 * 'error' so that a second one would show.
 */
export function outcome(stream: Duplex): Promise<{ errors: Error[]; error: (Error & { code?: string }) | undefined }> {
  const errors: Error[] = [];
  stream.on('error', (error) => errors.push(error));
  return new Promise((resolve) => {
    if (!stream.closed) {
      stream.once('close', () => resolve({ errors, error: errors[0] }));
      return;
    }
    // Already closed: its error, if any, is known even if the event has not been emitted yet.
    const error = stream.errored ?? undefined;
    resolve({ errors: error === undefined ? [] : [error], error });
  });
}

/** The number of active timers in this process (to prove none leaked). */
export function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
}

/** The listeners a SecureStream attaches to its raw stream, counted. */
export function rawListenerCount(raw: Duplex): number {
  return ['data', 'end', 'error', 'close', 'drain'].reduce((sum, event) => sum + raw.listenerCount(event), 0);
}

/** Destroys streams whose peers' reactions the test does not look at (errors included). */
export function dispose(...streams: Duplex[]): void {
  for (const stream of streams) {
    stream.on('error', () => undefined);
    stream.destroy();
  }
}

/**
 * A raw channel that does not honour pause(), as some piped Duplexes do not: every chunk given
 * to `feed` is emitted as 'data' at once; what the stream writes is kept in `written`.
 */
export class Unpausable extends Duplex {
  readonly written: Buffer[] = [];
  override _read(): void {}
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.written.push(chunk);
    callback();
  }
  feed(chunk: Uint8Array): void {
    this.emit('data', chunk);
  }
}
