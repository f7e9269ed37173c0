/**
 * A ZAP handler (RFC 27) that asks one of our authorizers, so allow-lists and certificate stores
 * work when libzmq runs CURVE (or PLAIN) itself. It binds `inproc://zeromq.zap.01` in a zeromq
 * context; libzmq then consults it for every CURVE handshake in that context.
 *
 * @module
 */
import { EventEmitter } from 'node:events';
import * as zmq from 'zeromq';
import { decide, type Authorizer } from '../../auth';
import type { AuthDecision, AuthRequest } from '../../mechanism';
import { loopLink, type Link } from './link';
import { encodeZapReply, isZapRequest, parseZapRequest } from '../../codec/zap';

/** The endpoint libzmq sends ZAP requests to. */
export const ZAP_ENDPOINT = 'inproc://zeromq.zap.01';

/** Options of {@link ZapHandler.start}. */
export interface ZapHandlerOptions {
  /** Decides each request (may be async; requests are answered concurrently). */
  readonly authorizer: Authorizer;
  /** The zeromq context whose sockets it serves (default: zeromq's global context). */
  readonly context?: zmq.Context;
}

/** The events of a {@link ZapHandler}. */
export interface ZapEvents {
  /** A request was answered. */
  decision: [request: AuthRequest, decision: AuthDecision, domain: string];
  /** A malformed request was answered with 500 (or dropped when it had no route). */
  invalid: [frames: Buffer[]];
  /** A socket fault. */
  fault: [error: unknown];
}

/**
 * The running handler. One per context: binding a second fails with `EADDRINUSE`.
 *
 * ```typescript
 * const zap = await ZapHandler.start({authorizer: allowKeys([clientPublicKey])})
 * const server = new zmq.Router(nativeCurveServer(serverSecretKey))
 * ```
 */
export class ZapHandler {
  /** Events (see {@link ZapEvents}). */
  readonly events = new EventEmitter<ZapEvents>();
  private readonly link: Link;

  private constructor(
    private readonly socket: zmq.Router,
    private readonly authorizer: Authorizer,
  ) {
    this.link = loopLink(socket, (frames) => this.onRequest(frames), (error) => this.events.emit('fault', error));
  }

  /**
   * Binds the ZAP endpoint and starts answering.
   *
   * @throws {@link TypeError} when `authorizer` is not a function
   * @throws the zeromq bind error (`EADDRINUSE` when a handler already runs in the context)
   */
  static async start(options: ZapHandlerOptions): Promise<ZapHandler> {
    if (typeof options?.authorizer !== 'function') throw new TypeError('"authorizer" expected a function');
    const socket = new zmq.Router(options.context === undefined ? {} : { context: options.context });
    try {
      await socket.bind(ZAP_ENDPOINT);
    } catch (error) {
      socket.close();
      throw error;
    }
    return new ZapHandler(socket, options.authorizer);
  }

  /**
   * Stops answering and closes the socket. libzmq then fails CURVE handshakes that need ZAP.
   * libzmq frees the inproc endpoint only when its reaper gets to the closed socket, so a new
   * handler started at once in the same context may still get `EADDRINUSE`.
   */
  close(): void {
    this.link.close();
  }

  /** Answers without waiting: a slow decision must not hold back the next request. */
  private onRequest(frames: Buffer[]): void {
    const parsed = parseZapRequest(frames);
    if (!isZapRequest(parsed)) {
      this.events.emit('invalid', frames);
      if (parsed.route !== undefined && parsed.requestId !== undefined) {
        void this.reply(encodeZapReply(parsed.route, parsed.requestId, { status: 500, statusText: 'Invalid request' }));
      }
      return;
    }
    void decide(this.authorizer, parsed.auth).then((decision) => {
      this.events.emit('decision', parsed.auth, decision, parsed.domain);
      return this.reply(replyFrames(parsed.route, parsed.requestId, decision, parsed.auth));
    });
  }

  private reply(frames: Buffer[]): Promise<void> {
    return this.link.send(frames).catch((error: unknown) => {
      if (!this.socket.closed) this.events.emit('fault', error);
    });
  }
}

/** The reply for a decision; metadata that cannot be encoded turns it into a 500, never a 200. */
function replyFrames(route: Buffer[], requestId: Buffer, decision: AuthDecision, request: AuthRequest): Buffer[] {
  try {
    return encodeZapReply(route, requestId, decision, request);
  } catch {
    return encodeZapReply(route, requestId, { status: 500, statusText: 'Invalid decision metadata' });
  }
}
