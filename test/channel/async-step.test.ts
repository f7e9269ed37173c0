/**
 * The HandshakeDriver's rules for a mechanism step still computing (`Step.pending`): awaited as
 * a decision is (state `deciding`, nothing fed meanwhile, the rest through `onDecision`); a
 * close, an expiry or a failure meanwhile wins and the late result is ignored; a rejection is a
 * coded failure; a channel that cannot wait (no `onDecision`) fails with `ERR_PROTOCOL`.
 */
import { ChannelError, MechanismError, StateError, type Mechanism, type Step } from '../../src';
import { HandshakeDriver, type HandshakeOutcome } from '../../src/channel/handshake';

/** A promise the test settles. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** A client mechanism whose start() is pending on `next`; records calls. */
function pendingClient(next: Promise<Step>) {
  const calls: string[] = [];
  const mechanism = {
    name: 'TEST',
    role: 'client',
    status: 'handshaking',
    peer: undefined,
    error: undefined,
    start: () => (calls.push('start'), { send: [Uint8Array.of(1)], status: 'handshaking', pending: next }),
    receive: () => (calls.push('receive'), { send: [], status: 'handshaking' }),
    authorize: () => (calls.push('authorize'), { send: [], status: 'handshaking' }),
    encode: () => new Uint8Array(0),
    decode: () => ({ data: new Uint8Array(0), more: false, command: false }),
    destroy: () => void calls.push('destroy'),
  } as unknown as Mechanism;
  return { mechanism, calls };
}

const HELLO: Step = { send: [Uint8Array.of(2)], status: 'handshaking' };

describe('HandshakeDriver: a pending mechanism step', () => {
  test('is awaited in state deciding; its step arrives through onDecision', async () => {
    const next = deferred<Step>();
    const outcomes: HandshakeOutcome[] = [];
    const { mechanism, calls } = pendingClient(next.promise);
    const driver = new HandshakeDriver(mechanism, { onDecision: (o) => outcomes.push(o) });
    const first = driver.start();
    expect(first).toEqual({ send: [Uint8Array.of(1)], state: 'deciding' });
    expect(() => driver.receive(Uint8Array.of(9))).toThrow(StateError);
    next.resolve(HELLO);
    await next.promise;
    expect(outcomes).toEqual([{ send: [Uint8Array.of(2)], state: 'handshaking' }]);
    expect(driver.state).toBe('handshaking');
    driver.receive(Uint8Array.of(3));
    expect(calls).toEqual(['start', 'receive']);
  });

  test('a step pending on another pending step is awaited again', async () => {
    const inner = deferred<Step>();
    const outer = deferred<Step>();
    const outcomes: HandshakeOutcome[] = [];
    const driver = new HandshakeDriver(pendingClient(outer.promise).mechanism, { onDecision: (o) => outcomes.push(o) });
    driver.start();
    outer.resolve({ send: [], status: 'handshaking', pending: inner.promise });
    await outer.promise;
    expect(outcomes).toEqual([{ send: [], state: 'deciding' }]);
    inner.resolve(HELLO);
    await inner.promise;
    expect(outcomes[1]).toEqual({ send: [Uint8Array.of(2)], state: 'handshaking' });
  });

  test('close() during the wait wins: the mechanism is destroyed and the late step ignored', async () => {
    const next = deferred<Step>();
    const onDecision = jest.fn();
    const { mechanism, calls } = pendingClient(next.promise);
    const driver = new HandshakeDriver(mechanism, { onDecision });
    expect(driver.start().state).toBe('deciding');
    driver.close();
    next.resolve(HELLO);
    await next.promise;
    expect(onDecision).not.toHaveBeenCalled();
    expect(driver.state).toBe('closed');
    expect(calls).toEqual(['start', 'destroy']);
  });

  test('expire() during the wait fails with ERR_HANDSHAKE_TIMEOUT; a late rejection is ignored', async () => {
    const next = deferred<Step>();
    const onDecision = jest.fn();
    const driver = new HandshakeDriver(pendingClient(next.promise).mechanism, { onDecision, timeout: 50 });
    expect(driver.start().state).toBe('deciding');
    const expired = driver.expire();
    expect(expired.state).toBe('failed');
    expect(expired.error).toMatchObject({ code: 'ERR_HANDSHAKE_TIMEOUT' });
    next.reject(new StateError('destroyed while computing'));
    await next.promise.catch(() => undefined);
    expect(onDecision).not.toHaveBeenCalled();
    expect(driver.error).toBe(expired.error);
  });

  test('a rejection fails the handshake with a coded error', async () => {
    const next = deferred<Step>();
    const outcomes: HandshakeOutcome[] = [];
    const { mechanism, calls } = pendingClient(next.promise);
    const driver = new HandshakeDriver(mechanism, { onDecision: (o) => outcomes.push(o) });
    driver.start();
    const cause = new Error('OperationError');
    next.reject(cause);
    await next.promise.catch(() => undefined);
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]!.state).toBe('failed');
    expect(outcomes[0]!.error).toBeInstanceOf(MechanismError);
    expect(outcomes[0]!.error).toMatchObject({ code: 'ERR_KEY_EXCHANGE', cause });
    expect(calls).toEqual(['start', 'destroy']);
  });

  test('a coded rejection keeps its code', async () => {
    const next = deferred<Step>();
    const outcomes: HandshakeOutcome[] = [];
    const driver = new HandshakeDriver(pendingClient(next.promise).mechanism, { onDecision: (o) => outcomes.push(o) });
    driver.start();
    const error = new MechanismError('ERR_INVALID_KEY', 'public key is of low order');
    next.reject(error);
    await next.promise.catch(() => undefined);
    expect(outcomes[0]!.error).toBe(error);
  });

  test('without onDecision the channel cannot wait: ERR_PROTOCOL, the blobs of the step kept', async () => {
    const next = deferred<Step>();
    const { mechanism, calls } = pendingClient(next.promise);
    const driver = new HandshakeDriver(mechanism);
    const outcome = driver.start();
    expect(outcome.state).toBe('failed');
    expect(outcome.error).toBeInstanceOf(ChannelError);
    expect(outcome.error).toMatchObject({ code: 'ERR_PROTOCOL' });
    expect(calls).toEqual(['start', 'destroy']);
    next.reject(new StateError('destroyed')); // handled by the driver: no unhandled rejection
    await next.promise.catch(() => undefined);
  });
});
