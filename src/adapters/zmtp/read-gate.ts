/**
 * Stops and restarts reading a socket for a reason (a decision pending, a full inbox), holding
 * the undecoded rest of the read in hand meanwhile. A paused socket delivers nothing more, so
 * what is held is at most one socket read: memory stays bounded however much the peer sends.
 *
 * @module
 */
import type { Socket } from 'node:net';

/** Why reading is stopped: a decision is pending, or the inbox is full. */
export type StopReason = 'deciding' | 'full';

/** The pause/resume state of one socket's reading. */
export class ReadGate {
  private reason: StopReason | undefined;
  private held: Uint8Array | undefined;

  /** @param onSuspend - told when reading stops (true) and resumes (false) */
  constructor(
    private readonly socket: Socket,
    private readonly onSuspend: (paused: boolean) => void,
  ) {}

  /** True while reading is stopped. */
  get stopped(): boolean {
    return this.reason !== undefined;
  }

  /** Stops reading until {@link restart} with the same reason. */
  stop(reason: StopReason): void {
    this.reason = reason;
    this.socket.pause();
    this.onSuspend(true);
  }

  /** Keeps bytes read but not decoded while stopped (should a read slip through, it is appended). */
  hold(bytes: Uint8Array): void {
    this.held = this.held === undefined ? bytes : Buffer.concat([this.held, bytes]);
  }

  /**
   * Restarts reading stopped for `reason`: hands the held bytes to `consume` first, then
   * resumes the socket unless `consume` stopped reading again.
   *
   * @returns false when reading was not stopped for `reason` (nothing done)
   */
  restart(reason: StopReason, consume: (bytes: Uint8Array) => void): boolean {
    if (this.reason !== reason) return false;
    this.reason = undefined;
    this.onSuspend(false);
    const held = this.held;
    this.held = undefined;
    if (held !== undefined) consume(held);
    if (this.reason === undefined && !this.socket.destroyed) this.socket.resume();
    return true;
  }

  /** Drops what is held for good (the connection ended). */
  clear(): void {
    this.held = undefined;
  }
}
