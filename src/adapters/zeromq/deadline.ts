/**
 * A pending outcome with a time limit and an optional `AbortSignal`: what a handshake waits on.
 *
 * @module
 */
import { ChannelError } from '../../errors';

/** A promise settled from outside, that rejects by itself on timeout or abort. */
export class Deadline<T> {
  /** Settles with the outcome. */
  readonly promise: Promise<T>;
  private resolveFn!: (value: T) => void;
  private rejectFn!: (error: Error) => void;
  private readonly timer: NodeJS.Timeout;
  private readonly signal: AbortSignal | undefined;
  private readonly onAbort = (): void => {
    this.reject(new ChannelError('ERR_ABORTED', 'the handshake was aborted', { cause: this.signal?.reason }));
  };
  private settled = false;

  /**
   * @param timeoutMs - rejects with `ERR_HANDSHAKE_TIMEOUT` after this many milliseconds
   * @param signal - rejects with `ERR_ABORTED` when it aborts (at once if already aborted)
   */
  constructor(timeoutMs: number, signal?: AbortSignal) {
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolveFn = resolve;
      this.rejectFn = reject;
    });
    // Nobody may await a handshake that fails; the owner reports the failure through events.
    this.promise.catch(() => undefined);
    this.timer = setTimeout(() => {
      this.reject(new ChannelError('ERR_HANDSHAKE_TIMEOUT', `the handshake did not complete in ${timeoutMs} ms`));
    }, timeoutMs);
    this.signal = signal;
    if (signal?.aborted) this.onAbort();
    else signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** True once resolved or rejected. */
  get done(): boolean {
    return this.settled;
  }

  /** Settles with `value` (ignored when already settled). */
  resolve(value: T): void {
    if (this.finish()) this.resolveFn(value);
  }

  /** Settles with `error` (ignored when already settled). */
  reject(error: Error): void {
    if (this.finish()) this.rejectFn(error);
  }

  private finish(): boolean {
    if (this.settled) return false;
    this.settled = true;
    clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this.onAbort);
    return true;
  }
}

/**
 * Checks a duration option.
 *
 * @throws {@link RangeError} unless it is a positive finite number of milliseconds
 */
export function checkDuration(value: number, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`"${name}" expected a positive number of milliseconds, got ${String(value)}`);
  }
  return value;
}

/**
 * Checks a count option.
 *
 * @throws {@link RangeError} unless it is a positive integer
 */
export function checkCount(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`"${name}" expected a positive integer, got ${String(value)}`);
  }
  return value;
}
