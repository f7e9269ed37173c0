/**
 * What a ZMTP connection is configured with, and the few constants of its behaviour, apart from
 * the connection itself so that the server and the entry points share them.
 *
 * @module
 */
import type { Authorizer } from '../../auth';
import type { ChannelLimits } from '../../channel/limits';
import type { WireTraits } from '../../mechanism';
import type { ZmtpSocketType } from './socket-type';

/** Whole messages that may wait for `receive()` before reading pauses (bytes are capped too). */
export const INBOX_ITEMS = 1024;

/** How long `close()` lets queued bytes flush before it destroys the socket (a peer may have stopped reading). */
export const CLOSE_GRACE_MS = 1000;

/** What a `ZmtpConnection` needs besides its socket and mechanism. */
export interface ZmtpConnectionConfig {
  /** This side's socket type; the peer's `Socket-Type` must pair with it. */
  readonly socketType: ZmtpSocketType;
  /** The mechanism's name as the greeting carries it (upper case). */
  readonly mechanismName: string;
  /** How the mechanism looks on the wire: framing of parts, roles, largest handshake command. */
  readonly wire: WireTraits;
  /** Every limit, checked by `channelLimits()`. */
  readonly limits: ChannelLimits;
  /** Server: decides who may enter. */
  readonly authorizer?: Authorizer;
}

/** A ZMTP command the peer sent after the handshake (events: `'command'`). */
export interface ZmtpCommand {
  /** The command name, e.g. `'PING'`. */
  readonly name: string;
  /** The bytes after the name. */
  readonly body: Uint8Array;
}
