/**
 * Shared pieces of the libzmq interop tests: message shapes that cross the 255-byte frame
 * boundary, libzmq's standard test keys, event waiting and cleanup.
 */
import { createHash } from 'node:crypto';
import * as zmq from 'zeromq';

/** libzmq's standard CURVE test keys (`doc/zmq_curve.adoc`, reference §11.2). */
export const STANDARD_KEYS = {
  client: { publicKey: 'Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID', secretKey: 'D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs' },
  server: { publicKey: 'rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7', secretKey: 'JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6' },
} as const;

/**
 * Part sizes around the boundaries: a ZMTP frame of 255 bytes is short, 256 is long. A CURVE
 * MESSAGE adds 33 bytes, so parts of 222 and 223 bytes straddle the boundary under CURVE, and
 * 255 and 256 under NULL and PLAIN.
 */
const SIZES = [0, 1, 222, 223, 254, 255, 256, 257, 1000, 70_000];

/** Message `i`: one part of a boundary size; every seventh has three parts. */
export function messageAt(i: number): Buffer[] {
  const first = Buffer.alloc(SIZES[i % SIZES.length]!, i & 0xff);
  return i % 7 === 0 ? [first, Buffer.from(`part ${i}`), Buffer.alloc(256, 0xab)] : [first];
}

/**
 * A short fingerprint of a message (part lengths and a hash), to compare with `toBe`: jest's
 * deep equality walks a 70 kB buffer byte by byte and would stall the event loop.
 */
export function digest(parts: readonly Uint8Array[]): string {
  return parts.map((part) => `${part.length}:${createHash('sha256').update(part).digest('hex').slice(0, 16)}`).join(' ');
}

/** How many messages the long runs exchange each way. */
export const COUNT = 1_200;

/** The first event of `type` on a zeromq socket's observer. */
export async function firstEvent(socket: zmq.Socket, type: zmq.Event['type']): Promise<zmq.Event> {
  for await (const event of socket.events) if (event.type === type) return event;
  throw new Error(`the socket closed before a ${type} event`);
}

/** The port of a zeromq socket bound to `tcp://127.0.0.1:*`. */
export function portOf(socket: zmq.Socket): number {
  const endpoint = socket.lastEndpoint!;
  return Number(endpoint.slice(endpoint.lastIndexOf(':') + 1));
}

/** Things to close after each test, most recent first. */
export class Closers {
  private readonly list: Array<() => unknown> = [];

  add<T>(thing: T, close: (thing: T) => unknown): T {
    this.list.push(() => close(thing));
    return thing;
  }

  async closeAll(): Promise<void> {
    for (const close of this.list.splice(0).reverse()) await close();
  }
}

/** The frames of a ZAP request after the routing id and the delimiter, as strings. */
export type ZapRequest = string[];

/** A running ZAP handler: what it was asked, its policy, and how to stop it. */
export interface ZapHandlerHandle {
  /** The requests seen so far; tests empty it with `splice(0)`. */
  readonly seen: ZapRequest[];
  /** The policy: true answers 200, false 400. Tests replace it. */
  allows: (request: ZapRequest) => boolean;
  /** Closes the socket; resolves when its receive loop has ended. */
  close(): Promise<void>;
}

/** The default ZAP policy: PLAIN `admin`/`secret`, nothing else. */
export function plainAdminOnly(request: ZapRequest): boolean {
  const [, , , , , mechanism, username, password] = request;
  return mechanism === 'PLAIN' && username === 'admin' && password === 'secret';
}

/**
 * A ZAP handler (RFC 27) in the default zeromq context: a ROUTER on libzmq's well-known
 * endpoint, recording every request and answering by `allows` (initially {@link plainAdminOnly}).
 * While it runs, libzmq CURVE servers consult it even without a ZAP domain. Start one per test
 * file (`beforeAll`): libzmq releases an inproc name only when its reaper gets to the closed
 * socket, so rebinding at once may fail.
 * Reply frames: version, request id (echoed), status, status text, user id, metadata.
 */
export async function startZapHandler(): Promise<ZapHandlerHandle> {
  const zap = new zmq.Router();
  await zap.bind('inproc://zeromq.zap.01');
  const handle: ZapHandlerHandle = {
    seen: [],
    allows: plainAdminOnly,
    close: async () => {
      zap.close();
      await loop;
    },
  };
  const loop = (async () => {
    for await (const [id, delimiter, ...request] of zap) {
      // CURVE's credential (frame 7) is the client's binary public key: kept as hex.
      const curve = request[5]?.toString() === 'CURVE';
      const fields = request.map((frame, index) => (curve && index === 6 ? frame.toString('hex') : frame.toString()));
      handle.seen.push(fields);
      const ok = handle.allows(fields);
      await zap.send([id!, delimiter!, '1.0', fields[1]!, ok ? '200' : '400', ok ? 'OK' : 'Denied', ok ? fields[6]! : '', '']);
    }
  })().catch(() => undefined);
  return handle;
}
