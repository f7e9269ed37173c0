/**
 * Credit-based flow control (FileMQ's NOM): the server may have at most the granted number of
 * file-content bytes in flight; command bytes do not count.
 *
 * @module
 */
import { checkSize } from '../channel/limits';
import { FileMqError } from './errors';

/** The server's side: how much it may still send. */
export class CreditLedger {
  private available = 0;

  /** Bytes the server may still send. */
  get credit(): number {
    return this.available;
  }

  /** Adds a grant (capped at 2^53 - 1: a client cannot overflow the count). */
  grant(bytes: number): void {
    this.available = Math.min(Number.MAX_SAFE_INTEGER, this.available + bytes);
  }

  /** Takes up to `wanted` bytes of credit; returns what was taken (possibly 0). */
  take(wanted: number): number {
    const taken = Math.min(wanted, this.available);
    this.available -= taken;
    return taken;
  }
}

/** Options of a {@link CreditWindow}. */
export interface CreditWindowOptions {
  /** Most bytes granted but not yet written (default 8 MiB). */
  readonly window?: number;
  /** Smallest top-up; the client grants again once this much was written (default 2 MiB). */
  readonly slice?: number;
}

/**
 * The client's side: keeps `window` bytes granted ahead of what was written, topping up in
 * slices, and checks that the server never sends more than was granted.
 */
export class CreditWindow {
  /** Most bytes granted but not yet written. */
  readonly window: number;
  /** Smallest top-up. */
  readonly slice: number;
  private granted = 0;
  private received = 0;
  private consumed = 0;

  /**
   * @throws {@link RangeError} when `window` or `slice` is not a positive safe integer, or
   *   `slice` exceeds `window`
   */
  constructor(options: CreditWindowOptions = {}) {
    // Sizes have one check (channel/limits); a window may exceed what a length prefix carries.
    this.window = checkSize(options.window, 'window', 8 * 1024 * 1024, Number.MAX_SAFE_INTEGER);
    this.slice = checkSize(options.slice, 'slice', 2 * 1024 * 1024, Number.MAX_SAFE_INTEGER);
    if (this.slice > this.window) throw new RangeError('"slice" expected at most "window"');
  }

  /** Total bytes granted so far. */
  get totalGranted(): number {
    return this.granted;
  }

  /** The first grant: the whole window. */
  open(): number {
    this.granted = this.window;
    return this.window;
  }

  /**
   * Records `bytes` of file content received.
   *
   * @throws {@link FileMqError} `ERR_FILEMQ_CREDIT` when that exceeds what was granted
   */
  receive(bytes: number): void {
    this.received += bytes;
    if (this.received > this.granted) {
      throw new FileMqError('ERR_FILEMQ_CREDIT', `the server sent ${this.received} bytes with ${this.granted} granted`);
    }
  }

  /** Records `bytes` written; returns the credit to grant now (0 for none). */
  consume(bytes: number): number {
    this.consumed += bytes;
    const topUp = this.consumed + this.window - this.granted;
    if (topUp < this.slice) return 0;
    this.granted += topUp;
    return topUp;
  }
}
