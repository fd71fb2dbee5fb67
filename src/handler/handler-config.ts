import type { AnyContract } from '../contract/message-contract';
import type { MessagingHandlerOptions } from './handler.options';

/**
 * What `@MessageHandler` / `@EventHandler` say about a handler: its kind, its
 * contract and its options. It travels with the handler, not through
 * dependency injection: in the `extras` of Nest's `@MessagePattern` /
 * `@EventPattern`, which Nest hands to the server's `addHandler` and keeps on
 * the handler, whichever module declares it.
 * @internal
 */
export interface HandlerConfig {
  readonly kind: 'request' | 'event';
  readonly contract?: AnyContract;
  readonly options: MessagingHandlerOptions;
  /** `Class.method`, for logs and dedupe keys. */
  readonly name: string;
  /** gRPC stream handlers: the payload is an Observable of requests (no payload size or contract checks). */
  readonly requestStream?: boolean;
}

/** Key of the HandlerConfig in a pattern's `extras` (a symbol: invisible to JSON and to Nest's graph). @internal */
export const HANDLER_CONFIG = Symbol.for('nestjs-messaging:handler');

/** Method metadata key of the HandlerConfig (read by the fallback guard). @internal */
export const HANDLER_CONFIG_METADATA = 'nestjs-messaging:handler';

/** The HandlerConfig in a handler's `extras`, if the library's decorator made it. @internal */
export function handlerConfigOf(extras: unknown): HandlerConfig | undefined {
  if (extras === null || typeof extras !== 'object') return undefined;
  return (extras as { [HANDLER_CONFIG]?: HandlerConfig })[HANDLER_CONFIG];
}
