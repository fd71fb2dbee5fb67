import { ClientProxy, type MsPattern } from '@nestjs/microservices';
import { isContract, type AnyContract } from '../contract/message-contract';
import type { MessagePattern } from '../errors/messaging.errors';

/** What the kit's queries, faults and stubs select messages by: a contract, or a Nest pattern. */
export type MessageTarget = AnyContract | MessagePattern;

/** Reaches Nest's own pattern normalisation (a protected method of the public ClientProxy). */
class PatternRouter extends ClientProxy {
  route(pattern: MessagePattern): string {
    return this.normalizePattern(pattern as MsPattern);
  }
  async connect(): Promise<void> {}
  close(): void {}
  unwrap<T>(): T {
    throw new Error('not a transport');
  }
  protected publish(): () => void {
    throw new Error('not a transport');
  }
  protected async dispatchEvent<T>(): Promise<T> {
    throw new Error('not a transport');
  }
}

const router = new PatternRouter();

/**
 * The route of a pattern as Nest's servers match it: strings as they are,
 * object patterns with their keys sorted (`{ v: 2, cmd: 'x' }` and
 * `{ cmd: 'x', v: 2 }` are one route).
 * @internal
 */
export function routeOf(target: MessageTarget): string {
  return router.route(isContract(target) ? target.pattern : target);
}

/** The route of a pattern as it arrived on the wire (any JSON value): the same as {@link routeOf}. @internal */
export function routeOfWire(pattern: unknown): string {
  return typeof pattern === 'string' || (pattern !== null && typeof pattern === 'object')
    ? router.route(pattern as MessagePattern)
    : String(pattern);
}

/** The pattern as text, for messages and errors. @internal */
export function describeTarget(target: MessageTarget | undefined): string {
  if (target === undefined) return 'any pattern';
  const pattern = isContract(target) ? target.pattern : target;
  return typeof pattern === 'string' ? pattern : JSON.stringify(pattern);
}
