import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { EMPTY, Observable, Subscription } from 'rxjs';
import { MessagingErrorCode } from '../errors/error-codes';
import { MessagingError } from '../errors/messaging.errors';
import { decodePayload } from '../contract/contract-codec';
import type { AnyContract } from '../contract/message-contract';
import { runAsHandlerOf } from '../metadata/message-context';
import { MESSAGING_MODULE_OPTIONS } from '../messaging.constants';
import type { MessagingModuleOptions } from '../messaging.options';
import { CONTRACT_METADATA, HANDLER_KIND_METADATA, HANDLER_OPTIONS_METADATA, type MessagingHandlerOptions } from './handler.options';
import { HandlerGuards } from '../resilience/handler-guard';
import { messageMetadataOf } from './rpc-context.util';

/**
 * Runs each handled message in its message context: calls and events made
 * while handling carry the same correlation id and this message's id as
 * their causation id; a message from a plain Nest client gets a fresh
 * correlation id. On handlers with a contract (`@MessageHandler(contract)`), it
 * also turns the payload into a validated instance of the contract's current
 * DTO, upcasting older versions, before the handler (and its pipes) run.
 *
 * `@MessageHandler` / `@EventHandler` attach it. To use it on plain
 * `@MessagePattern` handlers, attach it per controller or handler
 * (`@UseInterceptors(MessagingInterceptor)`): in a hybrid app, global
 * interceptors do not run on microservice handlers unless `inheritAppConfig` is true.
 */
@Injectable()
export class MessagingInterceptor implements NestInterceptor {
  private readonly reflector = new Reflector();
  private readonly logger = new Logger('MessagingHandler');
  // resilience: in-flight hold (graceful shutdown), maxPayloadSize, event dedupe
  private readonly guards = new HandlerGuards();

  constructor(@Optional() @Inject(MESSAGING_MODULE_OPTIONS) private readonly options?: MessagingModuleOptions) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const receivedAt = performance.now();
    const metadata = messageMetadataOf(context);
    const deadline = metadata.timeoutMs === undefined ? undefined : receivedAt + metadata.timeoutMs;
    const handler = context.getHandler();
    const contract = this.reflector.get<AnyContract | undefined>(CONTRACT_METADATA, handler);
    const fields = {
      pattern: contract?.pattern,
      correlationId: metadata.correlationId,
      messageId: metadata.messageId,
    };
    if (contract?.kind === 'event' && contract.ttl !== undefined && metadata.sentAt !== undefined) {
      const age = Date.now() - metadata.sentAt;
      if (age > contract.ttl) {
        this.logger.warn(
          `dropped event ${JSON.stringify(contract.pattern)}: ${age} ms old, past its contract's ttl of ${contract.ttl} ms ` +
            `[correlationId=${metadata.correlationId} messageId=${metadata.messageId}]`,
        );
        return EMPTY;
      }
    }
    const expired = () =>
      deadline !== undefined && performance.now() >= deadline
        ? new MessagingError(
            `the deadline of this request passed before its handler started (budget ${metadata.timeoutMs} ms)`,
            MessagingErrorCode.DEADLINE_EXCEEDED,
            false,
            fields,
          )
        : undefined;
    const handlerOptions = this.reflector.get<MessagingHandlerOptions | undefined>(HANDLER_OPTIONS_METADATA, handler);
    const args = context.getArgs();
    // resilience: the guard wraps what follows (it runs first, the decoding after it)
    const guard = (source: Observable<unknown>) =>
      this.guards.guard(
        source,
        this.guards.resolve(handler, this.reflector.get(HANDLER_KIND_METADATA, handler) === 'event', handlerOptions, this.options?.handlers),
        args[0],
        metadata,
        `${context.getClass().name}.${handler.name}`,
        fields,
        this.logger,
      );
    if (!contract) {
      return guard(new Observable((subscriber) =>
        runAsHandlerOf(
          metadata,
          () => {
            const late = expired();
            if (late) return subscriber.error(late);
            return next.handle().subscribe(subscriber);
          },
          deadline,
        ),
      ));
    }
    const unknownProperties =
      handlerOptions?.unknownProperties ?? this.options?.handlers?.unknownProperties ?? 'reject';
    return guard(new Observable((subscriber) =>
      runAsHandlerOf(
        metadata,
        () => {
          const subscription = new Subscription();
          decodePayload(contract, args[0], metadata.payloadVersion, { unknownProperties }, fields).then(
            (dto) => {
              if (subscriber.closed) return;
              const late = expired();
              if (late) return subscriber.error(late);
              // The handler (and its pipes) read the payload from this array.
              args[0] = dto;
              subscription.add(next.handle().subscribe(subscriber));
            },
            (err: unknown) => subscriber.error(err),
          );
          return subscription;
        },
        deadline,
      ),
    ));
  }
}
