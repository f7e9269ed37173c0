/**
 * A restartable one-shot timer, so that the stream's three timers (handshake, idle, keepalive)
 * share one way to start, refresh and always clear.
 *
 * @module
 */

/** A one-shot timer that can be re-armed, refreshed and cleared any number of times. */
export class Timer {
  private handle: NodeJS.Timeout | undefined;

  constructor(private readonly onFire: () => void) {}

  /** Arms the timer for `ms` milliseconds from now (0 clears it instead). */
  start(ms: number): void {
    this.clear();
    if (ms > 0) {
      this.handle = setTimeout(() => {
        this.handle = undefined;
        this.onFire();
      }, ms);
    }
  }

  /** Pushes the deadline back to a full period from now, if armed. */
  refresh(): void {
    this.handle?.refresh();
  }

  /** Disarms the timer. */
  clear(): void {
    if (this.handle !== undefined) clearTimeout(this.handle);
    this.handle = undefined;
  }
}

/**
 * Checks a duration option in milliseconds.
 *
 * @throws {@link RangeError} naming `name` unless a finite number ≥ 0 (0 means "none")
 */
export function checkDuration(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 0x7fffffff) {
    throw new RangeError(`"${name}" expected milliseconds from 0 to ${0x7fffffff}, got ${String(value)}`);
  }
  return value;
}
