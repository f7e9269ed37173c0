/**
 * The listeners a secure stream puts on its raw Duplex, and how it lets the raw Duplex go. The
 * listeners are shared functions that find their stream through a symbol on the raw stream,
 * instead of closures made per stream (they count in the heap per connection).
 *
 * @module
 */
import type { Duplex } from 'node:stream';

/** What the raw listeners call: the secure stream that owns the raw stream. */
export interface RawOwner {
  onRawData(chunk: Uint8Array): void;
  onRawEnd(): void;
  onRawError(error: Error): void;
  onRawClose(): void;
  onRawDrain(): void;
}

/** Where a raw stream points back to its owner. */
const OWNER = Symbol('curvezmq.SecureStream');

/** A raw stream carrying an owner. */
type OwnedRaw = Duplex & { [OWNER]?: RawOwner | undefined };

const ignore = (): void => undefined;

function onData(this: OwnedRaw, chunk: Uint8Array): void {
  this[OWNER]?.onRawData(chunk);
}

function onEnd(this: OwnedRaw): void {
  this[OWNER]?.onRawEnd();
}

function onError(this: OwnedRaw, error: Error): void {
  this[OWNER]?.onRawError(error);
}

function onClose(this: OwnedRaw): void {
  this[OWNER]?.onRawClose();
}

function onDrain(this: OwnedRaw): void {
  this[OWNER]?.onRawDrain();
}

/** True when `raw` already carries a secure stream. */
export function isOwned(raw: Duplex): boolean {
  return (raw as OwnedRaw)[OWNER] !== undefined;
}

/** Puts `owner`'s listeners on `raw`. */
export function attachRaw(raw: Duplex, owner: RawOwner): void {
  (raw as OwnedRaw)[OWNER] = owner;
  raw.on('data', onData);
  raw.on('end', onEnd);
  raw.on('error', onError);
  raw.on('close', onClose);
  raw.on('drain', onDrain);
}

/** Takes `owner`'s listeners off `raw`. */
export function detachRaw(raw: Duplex, owner: RawOwner): void {
  raw.off('data', onData);
  raw.off('end', onEnd);
  raw.off('error', onError);
  raw.off('close', onClose);
  raw.off('drain', onDrain);
  if ((raw as OwnedRaw)[OWNER] === owner) (raw as OwnedRaw)[OWNER] = undefined;
}

/**
 * Tears the channel down; with `linger` (after a refusal), ends it first so that the ERROR
 * reply reaches the peer. Some Duplexes emit 'error' when destroyed (`Duplex.from` emits an
 * AbortError): once we let go, such errors are of no interest but must not crash the process,
 * so a no-op listener stays until the channel has closed.
 */
export function releaseRaw(raw: Duplex, linger: boolean): void {
  if (raw.closed) return;
  raw.on('error', ignore);
  raw.once('close', () => raw.off('error', ignore));
  if (linger) raw.end(() => raw.destroy());
  else raw.destroy();
}
