/**
 * The part of the standard `WebSocket` API the browser channel uses, and how it gets one: a
 * URL opened with the global `WebSocket` (a page's), with an injected constructor (Node 20 has
 * no global one: tests pass `ws`'s), or a socket the caller opened.
 *
 * @module
 */

/** `WebSocket.OPEN`. */
export const SOCKET_OPEN = 1;
/** `WebSocket.CLOSED`. */
export const SOCKET_CLOSED = 3;

/** What the channel needs of a `WebSocket`. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: { data?: unknown }) => void): void;
  removeEventListener(type: string, listener: (event: { data?: unknown }) => void): void;
}

/** A `WebSocket` constructor. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** Where the channel's WebSocket comes from. */
export interface WebSocketSource {
  /** The server's `ws://` or `wss://` URL. */
  readonly url?: string | { readonly href: string };
  /** WebSocket subprotocols to offer. */
  readonly protocols?: string | string[];
  /** A socket already made (open or connecting); then `url` is not used. */
  readonly socket?: WebSocketLike;
  /** The constructor to open `url` with (default: the global `WebSocket`). */
  readonly WebSocket?: WebSocketConstructor;
}

/**
 * The socket `options` give or open.
 *
 * @throws {@link TypeError} naming the option: neither `url` nor `socket`, a `socket` that is
 *   no WebSocket, or no WebSocket constructor on this platform
 */
export function openSocket(options: WebSocketSource): WebSocketLike {
  if (options.socket !== undefined) {
    const socket = options.socket;
    if (typeof socket?.send !== 'function' || typeof socket.addEventListener !== 'function') {
      throw new TypeError('"options.socket" expected a WebSocket');
    }
    return socket;
  }
  const url = typeof options.url === 'string' ? options.url : options.url?.href;
  if (typeof url !== 'string') throw new TypeError('"options.url" expected a ws:// or wss:// URL (or pass "options.socket")');
  const Constructor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (typeof Constructor !== 'function') {
    throw new TypeError('"options.WebSocket" is required where there is no global WebSocket');
  }
  return new Constructor(url, options.protocols);
}
