import { applyDecorators, SetMetadata, UseFilters, UseGuards } from '@nestjs/common';
import { EventPattern, MessagePattern, type Transport } from '@nestjs/microservices';
import { isContract, type EventContract, type MessageContract } from '../contract/message-contract';
import { MessagingConfigurationError, type MessagePattern as Pattern } from '../errors/messaging.errors';
import { HANDLER_CONFIG, HANDLER_CONFIG_METADATA, type HandlerConfig } from './handler-config';
import { checkHandlerOptions } from './handler-options.validate';
import type { MessagingHandlerOptions } from './handler.options';
import { MessagingExceptionFilter } from './messaging-exception.filter';
import { ServedByLibraryGuard } from './served-by-library.guard';

/** Options of {@link MessageHandler} and {@link EventHandler}. */
export interface HandlerDecoratorOptions extends MessagingHandlerOptions {
  /** Only for this transport, in a microservice that listens on several (Nest's `MessagePattern` transport argument). */
  transport?: Transport | symbol;
}

/**
 * A request-response handler: Nest's `@MessagePattern`, run by the library's
 * server (`messagingMicroservice`) inside its inbound pipeline: the message
 * context (correlation and causation ids, deadline, `AbortSignal`), payload
 * limits, and with a contract a validated, upcast DTO as payload; errors
 * become the structured wire error. Nest's own guards, pipes, interceptors
 * and filters run around it as usual, also in hybrid apps without
 * `inheritAppConfig`.
 *
 * Served by a server that is not the library's (a plain `Transport.TCP`), a
 * handler with a contract, `dedupe` or `maxPayloadSize` of its own still
 * validates its payload (in a guard the decorator adds for it) and logs once
 * that it gets no message context; a handler without any runs there as the
 * plain `@MessagePattern` it is (without the message context, and silently:
 * there is nothing to validate).
 *
 * @param target a contract made by `defineMessage`, or a plain Nest pattern.
 * @throws MessagingConfigurationError for an event contract, `dedupe`, or invalid options.
 * @example
 * @MessageHandler(GetUser)
 * getUser(@Payload() dto: GetUserV2, @MessageMeta() meta: MessageMetadata): UserDto {}
 */
export function MessageHandler(target: MessageContract | Pattern, options: HandlerDecoratorOptions = {}): MethodDecorator {
  if (isContract(target) && target.kind !== 'message') {
    throw new MessagingConfigurationError(`@MessageHandler needs a message contract (defineMessage); use @EventHandler for events`);
  }
  if (options.dedupe) {
    throw new MessagingConfigurationError('@MessageHandler does not take dedupe: it is for @EventHandler (make request handlers idempotent instead)');
  }
  if (options.invalidEvents !== undefined) {
    throw new MessagingConfigurationError('@MessageHandler does not take invalidEvents: an invalid request is answered INVALID_ARGUMENT');
  }
  return handlerDecorator(target, options, 'request', MessagePattern);
}

/**
 * An event handler: Nest's `@EventPattern`, run inside the library's inbound
 * pipeline (see {@link MessageHandler}). An event whose payload breaks its
 * contract is not handled: it is logged once (correlation id, pattern, failing
 * field paths), counted, and dead-lettered where the transport can
 * (`invalidEvents`).
 *
 * @param target a contract made by `defineEvent`, or a plain Nest pattern.
 * @throws MessagingConfigurationError for a message contract or invalid options.
 * @example
 * @EventHandler(UserCreated)
 * onUserCreated(@Payload() event: UserCreatedV1) {}
 */
export function EventHandler(target: EventContract | Pattern, options: HandlerDecoratorOptions = {}): MethodDecorator {
  if (isContract(target) && target.kind !== 'event') {
    throw new MessagingConfigurationError(`@EventHandler needs an event contract (defineEvent); use @MessageHandler for messages`);
  }
  return handlerDecorator(target, options, 'event', EventPattern);
}

type PatternDecorator = (
  pattern: Pattern,
  transportOrExtras?: Transport | symbol | Record<string | symbol, unknown>,
  extras?: Record<string | symbol, unknown>,
) => MethodDecorator;

function handlerDecorator(
  target: MessageContract | EventContract | Pattern,
  { transport, ...handlerOptions }: HandlerDecoratorOptions,
  kind: 'request' | 'event',
  patternDecorator: PatternDecorator,
): MethodDecorator {
  const contract = isContract(target) ? target : undefined;
  const pattern = contract ? contract.pattern : (target as Pattern);
  const problems = checkHandlerOptions('handler options', handlerOptions);
  if (problems.length) throw new MessagingConfigurationError(problems.join('; '));
  return (proto, key, descriptor) => {
    const config: HandlerConfig = Object.freeze({
      kind,
      contract,
      options: Object.freeze({ ...handlerOptions }),
      name: `${(proto as { constructor: { name: string } }).constructor.name}.${String(key)}`,
    });
    const extras = { [HANDLER_CONFIG]: config };
    applyDecorators(
      transport === undefined ? patternDecorator(pattern, extras) : patternDecorator(pattern, transport, extras),
      SetMetadata(HANDLER_CONFIG_METADATA, config),
      // Only a handler with something that a server which is not the library's would skip gets the fallback:
      // Nest runs a guard as a chain of async functions on every message, on the library's server too.
      ...(needsFallback(config) ? [UseGuards(ServedByLibraryGuard)] : []),
      UseFilters(MessagingExceptionFilter),
    )(proto, key, descriptor);
    behindOtherFilters(descriptor.value as object);
  };
}

/**
 * Whether a handler has what only the inbound pipeline applies (a contract,
 * dedupe, a payload limit of its own): under a server that is not the
 * library's, {@link ServedByLibraryGuard} then validates its payload and says
 * once what is missing. Without any, the handler runs there as the plain
 * `@MessagePattern` / `@EventPattern` it is (nothing to validate, no guard).
 */
function needsFallback(config: HandlerConfig): boolean {
  const { dedupe, maxPayloadSize } = config.options;
  return config.contract !== undefined || (dedupe !== undefined && dedupe !== false) || maxPayloadSize !== undefined;
}

/**
 * Moves the library's filter to the front of the method's filter list. Nest
 * asks a method's filters last-added first, and the decorators written below
 * `@MessageHandler` were applied before it: so a `@UseFilters` of the user's,
 * above or below the library's decorator, is asked before the library's
 * catch-all filter. (The list is found by its content, not by Nest's
 * metadata key, which the public API does not export.)
 * @internal
 */
export function behindOtherFilters(method: object): void {
  for (const key of Reflect.getOwnMetadataKeys(method)) {
    const value: unknown = Reflect.getOwnMetadata(key, method);
    if (!Array.isArray(value) || !value.includes(MessagingExceptionFilter) || value[0] === MessagingExceptionFilter) continue;
    Reflect.defineMetadata(key, [MessagingExceptionFilter, ...value.filter((f) => f !== MessagingExceptionFilter)], method);
  }
}
