import { MechanismError, type MechanismErrorCode, type Step } from '../../src';

/** Asserts that a step failed with the given code and returns its error. */
export function expectFailed(step: Step, code: MechanismErrorCode): MechanismError {
  expect(step.status).toBe('failed');
  expect(step.error).toBeInstanceOf(MechanismError);
  expect(step.error?.code).toBe(code);
  return step.error!;
}

/** Runs `fn` and returns the MechanismError it throws, failing the test otherwise. */
export function catchMechanismError(fn: () => unknown): MechanismError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(MechanismError);
    return error as MechanismError;
  }
  throw new Error('expected a MechanismError');
}
