/**
 * The invariants every execution checks, and the driver that feeds a sequence of blobs to one
 * mechanism while checking them:
 *
 * - **typed failure**: `receive` never throws for bytes; a failed step carries a
 *   `MechanismError` with an `ERR_*` code; `decode` throws nothing but a `MechanismError`;
 * - **terminal failure**: after a failed step every call throws a `StateError`;
 * - **no acceptance** (authenticated profiles): a blob that is not the recorded next one is
 *   rejected, and the recorded next one is accepted;
 * - **anti-amplification** (authenticated profiles): before it is ready, a server never sends
 *   more bytes than the blob it answers.
 *
 * @module
 */
import { equalBytes, MechanismError, StateError, type Mechanism, type Step, type TunedCodec } from '../src';

/** Reports one broken invariant. */
export type Violate = (kind: string, detail: string, input?: Uint8Array) => void;

/** What a sequence is checked against. */
export interface Expectation {
  /** The recorded continuation of this side: handshake blobs still to come, then message parts. */
  readonly next: readonly Uint8Array[];
  /** How many of `next` are handshake blobs (the rest are message parts). */
  readonly handshakeLeft: number;
  /** Whether acceptance of anything else is a violation. */
  readonly authenticated: boolean;
  /** Blobs other than `next[0]` that may legitimately be accepted first (another client's HELLO). */
  readonly alternatives: readonly Uint8Array[];
}

const CODE = /^ERR_[A-Z_]+$/;

/** True when `error` is a MechanismError with a well-formed code. */
export function isTypedFailure(error: unknown): error is MechanismError {
  return error instanceof MechanismError && CODE.test(error.code);
}

/** Checks the shape of a step against the mechanism's own status. */
export function checkStep(step: Step, mechanism: Mechanism, violate: Violate, input: Uint8Array): void {
  if (!Array.isArray(step.send) || step.send.some((blob) => !(blob instanceof Uint8Array))) {
    violate('step-shape', 'send is not an array of Uint8Array', input);
  }
  if (step.status !== mechanism.status) violate('step-shape', `step says ${step.status}, mechanism says ${mechanism.status}`, input);
  if ((step.status === 'failed') !== (step.error !== undefined)) violate('step-shape', 'error present iff failed does not hold', input);
  if (step.error !== undefined && !isTypedFailure(step.error)) violate('untyped-error', String(step.error), input);
}

/** Sends one blob to a handshaking mechanism, answering decisions with 200. */
function receiveChecked(mechanism: Mechanism, blob: Uint8Array, violate: Violate): Step | undefined {
  let step: Step;
  try {
    step = mechanism.receive(blob);
    checkStep(step, mechanism, violate, blob);
    while (step.auth !== undefined) {
      const sent = step.send;
      step = mechanism.authorize({ status: 200, userId: 'fuzz' });
      checkStep(step, mechanism, violate, blob);
      step = { ...step, send: [...sent, ...step.send] };
    }
  } catch (error) {
    violate('receive-threw', describe(error), blob);
    return undefined;
  }
  return step;
}

/** Decodes one blob; returns whether it was accepted. */
function decodeChecked(mechanism: Mechanism, blob: Uint8Array, violate: Violate, keep: boolean): boolean {
  try {
    (mechanism as TunedCodec).decode(blob, keep ? { onError: 'keep' } : {});
    return true;
  } catch (error) {
    if (!isTypedFailure(error)) violate('decode-threw-untyped', describe(error), blob);
    return false;
  }
}

/**
 * Feeds `inputs` in order (handshake blobs through `receive`, then parts through `decode`) and
 * checks every invariant against `expect`. Stops at the first rejection.
 */
export function feedSequence(mechanism: Mechanism, inputs: readonly Uint8Array[], expect: Expectation, violate: Violate): void {
  let position = 0;
  let tracking = true;
  for (const input of inputs) {
    if (mechanism.status === 'failed') break;
    let accepted: boolean;
    if (mechanism.status === 'handshaking') {
      const step = receiveChecked(mechanism, input, violate);
      if (step === undefined) return;
      accepted = step.status !== 'failed';
      if (expect.authenticated && mechanism.role === 'server' && step.status !== 'ready') {
        const sent = step.send.reduce((sum, blob) => sum + blob.length, 0);
        if (sent > input.length) violate('amplification', `server sent ${sent} bytes for ${input.length}`, input);
      }
    } else {
      accepted = decodeChecked(mechanism, input, violate, false);
    }
    if (!tracking) continue;
    const expected = expect.next[position];
    const isExpected = expected !== undefined && equalBytes(input, expected);
    if (isExpected) {
      if (!accepted) violate('valid-rejected', `the recorded blob at position ${position} was rejected: ${String(mechanism.error)}`, input);
      position++;
      continue;
    }
    if (!accepted || !expect.authenticated) {
      if (!accepted) checkTerminal(mechanism, violate, input);
      if (accepted) tracking = false;
      continue;
    }
    const later = laterPart(input, expect, position);
    if (later >= 0) {
      position = later + 1;
    } else if (position === 0 && expect.alternatives.some((blob) => equalBytes(blob, input))) {
      tracking = false;
    } else {
      violate('accepted-mutant', `accepted a blob that differs from the recorded one at position ${position}`, input);
      return;
    }
  }
}

/** A message part later than `position` that may skip ahead (nonces only have to increase). */
function laterPart(input: Uint8Array, expect: Expectation, position: number): number {
  for (let j = Math.max(position, expect.handshakeLeft); j < expect.next.length; j++) {
    if (equalBytes(input, expect.next[j]!)) return j;
  }
  return -1;
}

/** After a rejection the mechanism is failed and refuses every call with a StateError. */
export function checkTerminal(mechanism: Mechanism, violate: Violate, input: Uint8Array): void {
  if (mechanism.status !== 'failed') {
    violate('not-terminal', `status ${mechanism.status} after a rejection`, input);
    return;
  }
  try {
    mechanism.receive(input);
    violate('not-terminal', 'receive() worked after failure', input);
  } catch (error) {
    if (!(error instanceof StateError)) violate('not-terminal', `receive() after failure threw ${describe(error)}`, input);
  }
}

/** A short description of a thrown value. */
export function describe(error: unknown): string {
  if (error instanceof Error) return `${error.constructor.name}: ${error.message}${error.stack ? `\n${error.stack.split('\n').slice(1, 4).join('\n')}` : ''}`;
  return String(error);
}
