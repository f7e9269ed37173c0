/**
 * The client's handshake deadline and abort signal: timers are the adapter's, the driver only
 * says how long (`src/channel/handshake.ts`), so both fail the handshake through the driver.
 *
 * @module
 */
import type { HandshakeDriver, HandshakeOutcome } from '../../channel/handshake';
import { ChannelError } from '../../errors';

/**
 * Fails `driver` with `ERR_HANDSHAKE_TIMEOUT` after `timeout` ms, or with `ERR_ABORTED` when
 * `signal` aborts (at once if it already has), handing the outcome to `follow`.
 *
 * @returns stops both (call it once the handshake is over)
 */
export function armHandshake(
  driver: HandshakeDriver,
  timeout: number,
  signal: AbortSignal | undefined,
  follow: (outcome: HandshakeOutcome) => void,
): () => void {
  const timer = setTimeout(() => follow(driver.expire()), timeout);
  const onAbort = (): void => {
    follow(driver.fail(new ChannelError('ERR_ABORTED', 'the handshake was aborted', { cause: signal?.reason })));
  };
  const stop = (): void => {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  };
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  return stop;
}
