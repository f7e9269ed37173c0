/**
 * A link: one zeromq socket seen as "send frames" and "deliver each received message to a
 * handler". Dealer, Router and Subscriber read in a loop; a Request socket may only receive
 * after a send (it fails with EFSM otherwise), so its link receives exactly one reply per send.
 *
 * @module
 */
import type { Dealer, Request, Router, XPublisher } from 'zeromq';
import { SerialQueue } from './serial-queue';

/** Handles one received ZeroMQ message (all its frames). May return a promise for backpressure. */
export type FrameHandler = (frames: Buffer[]) => void | Promise<void>;

/** A socket as the adapter uses it. */
export interface Link {
  /** Sends one ZeroMQ message. */
  send(frames: Buffer[]): Promise<void>;
  /** Closes the socket; the reader stops. */
  close(): void;
}

/** A socket the adapter reads in a loop. */
export type ReadSocket = AsyncIterable<Buffer[]> & { readonly closed: boolean; close(): void };

/** A socket the adapter reads in a loop and writes to. */
export type LoopSocket = Dealer | Router | XPublisher;

/**
 * Reads `socket` until it closes, handing each message to `onMessage`. A handler that throws is
 * a bug in the adapter, not the peer's fault; it is reported to `onFault` and the loop goes on,
 * so one bad message never stops the socket.
 */
export function startReader(socket: ReadSocket, onMessage: FrameHandler, onFault: (error: unknown) => void): void {
  void (async () => {
    try {
      for await (const frames of socket) {
        try {
          await onMessage(frames);
        } catch (error) {
          onFault(error);
        }
      }
    } catch (error) {
      // The iterator rejects only when the socket fails underneath us; closing ends it quietly.
      if (!socket.closed) onFault(error);
    }
  })();
}

/** A link that sends one message at a time; whoever owns it starts the reader when ready. */
export function writeLink(socket: LoopSocket): Link {
  const queue = new SerialQueue();
  return {
    send: (frames) => queue.run(() => socket.send(frames)),
    close: () => socket.close(),
  };
}

/**
 * A link that reads `socket` in a loop (see {@link startReader}) and sends one message at a
 * time. Connect or bind the socket first: zeromq.js can miss the first inproc message of a
 * reader started earlier.
 */
export function loopLink(socket: LoopSocket, onMessage: FrameHandler, onFault: (error: unknown) => void): Link {
  startReader(socket, onMessage, onFault);
  return writeLink(socket);
}

/**
 * A link over a Request socket: each send is followed by one receive, whose reply goes to
 * `onMessage`. The next send waits for that reply, as the REQ state machine requires.
 */
export function requestLink(socket: Request, onMessage: FrameHandler, onFault: (error: unknown) => void): Link {
  const queue = new SerialQueue();
  let reply: Promise<void> = Promise.resolve();
  return {
    send: (frames) =>
      queue.run(async () => {
        await reply;
        await socket.send(frames);
        reply = socket
          .receive()
          .then((reply) => onMessage(reply))
          .catch((error: unknown) => {
            if (!socket.closed) onFault(error);
          });
      }),
    close: () => socket.close(),
  };
}

/**
 * Sends one ZeroMQ message over the link `current()` names. When that link was replaced while
 * the send waited (the client's `reconnect()` away from a dead route: ZeroMQ had no connection
 * to hand it to, and closing the old socket failed the send), the message goes over the new
 * link instead, so nothing already encrypted is lost on the way; it is still the oldest
 * message, so nonces stay in order. Stops retrying once `stillWanted()` is false.
 */
export async function sendOnCurrent(current: () => Link, frames: Buffer[], stillWanted: () => boolean): Promise<void> {
  for (;;) {
    const link = current();
    try {
      return await link.send(frames);
    } catch (error) {
      if (link === current() || !stillWanted()) throw error;
    }
  }
}

/**
 * Connects with `immediate` set (ZMQ_IMMEDIATE): ZeroMQ then takes a message only while a
 * connection is up, so while a route is dead what waits stays in the adapter's own queue,
 * which `reconnect()` moves to the new socket, instead of in a ZeroMQ queue that closing the
 * old socket would discard without a word. Set before `connect()`: libzmq applies it to
 * connections made afterwards only.
 */
export function connectImmediate(socket: Dealer | Request, endpoint: string): void {
  socket.immediate = true;
  socket.connect(endpoint);
}
