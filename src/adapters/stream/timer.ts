/**
 * The stream's timers (handshake, idle, keepalive): one way to re-arm them, and the check of
 * duration options.
 *
 * @module
 */

/**
 * Re-arms a one-shot timer: clears `previous`, then, unless `ms` is 0, schedules
 * `onFire(arg)` in `ms` milliseconds. The callback is a shared function given its stream as
 * an argument, so a stream's timers make no closures.
 *
 * @returns the new timer, or `undefined` for 0
 */
export function restartTimer<T>(previous: NodeJS.Timeout | undefined, ms: number, onFire: (arg: T) => void, arg: T): NodeJS.Timeout | undefined {
  if (previous !== undefined) clearTimeout(previous);
  return ms > 0 ? setTimeout(onFire, ms, arg) : undefined;
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
