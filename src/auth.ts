/**
 * Authorizers: the caller's side of a server mechanism's decision step (ZAP semantics, RFC 27,
 * without ZAP plumbing). An authorizer may be synchronous or asynchronous; it may answer
 * `true`/`false` or a full {@link AuthDecision}. Whatever it does, {@link decide} turns it into a
 * valid decision: a throw, a rejection or a malformed answer becomes status 500, never "allow".
 *
 * @module
 */
import type { AuthDecision, AuthRequest, Mechanism, Step } from './mechanism';

/** What an authorizer may return. */
export type AuthAnswer = AuthDecision | boolean;

/** Decides whether a peer may enter. */
export type Authorizer = (request: AuthRequest) => AuthAnswer | Promise<AuthAnswer>;

/** Allow, optionally with a user id and metadata (ZAP 200). */
export function allow(userId?: string, metadata?: AuthDecision['metadata']): AuthDecision {
  return {
    status: 200,
    statusText: 'OK',
    ...(userId === undefined ? {} : { userId }),
    ...(metadata === undefined ? {} : { metadata }),
  };
}

/** Deny (ZAP 400). */
export function deny(statusText = 'No access'): AuthDecision {
  return { status: 400, statusText };
}

const STATUSES = new Set([200, 300, 400, 500]);

/**
 * Turns an authorizer's answer into a decision. `true` → 200, `false` → 400; anything that is
 * not a boolean or an object with a valid status → 500.
 */
export function toDecision(answer: unknown): AuthDecision {
  if (answer === true) return allow();
  if (answer === false) return deny();
  if (typeof answer === 'object' && answer !== null) {
    const decision = answer as AuthDecision;
    const userIdOk = decision.userId === undefined || typeof decision.userId === 'string';
    if (STATUSES.has(decision.status) && userIdOk) return decision;
  }
  return { status: 500, statusText: 'Invalid authorizer answer' };
}

/**
 * Runs an authorizer and never rejects: a throw or rejection becomes status 500.
 */
export async function decide(authorizer: Authorizer, request: AuthRequest): Promise<AuthDecision> {
  try {
    return toDecision(await authorizer(request));
  } catch {
    return { status: 500, statusText: 'Authorizer failed' };
  }
}

/**
 * Resolves a step's pending decision, if any, with `authorizer`, and returns the step that
 * follows. `extra` adds transport facts the caller has verified (such as `address`) to the
 * request the authorizer sees.
 */
export async function resolveStep(
  mechanism: Mechanism,
  step: Step,
  authorizer: Authorizer,
  extra: Partial<Pick<AuthRequest, 'address'>> = {},
): Promise<Step> {
  if (step.auth === undefined) return step;
  const decision = await decide(authorizer, { ...step.auth, ...extra });
  return mechanism.authorize(decision);
}
