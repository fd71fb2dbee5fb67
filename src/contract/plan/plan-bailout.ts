/**
 * Thrown by a plan that meets what it does not cover at run time (a Set, a
 * promise returned by a constraint declared synchronous, a nested class that
 * falls back): the caller re-runs the payload through class-transformer and
 * class-validator, and uses them for that class from then on.
 * @internal
 */
export class PlanBailout extends Error {
  override name = 'PlanBailout';
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** class-validator's and class-transformer's own test for a promise. @internal */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';
}
