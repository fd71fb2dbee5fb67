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
import { EMPTY, Observable, Subscriber, Subscription, type TeardownLogic } from 'rxjs';
import { MessagingErrorCode } from '../errors/error-codes';
import { describePattern, MessagingError } from '../errors/messaging.errors';
import { startHandler } from '../instrumentation/observers';
import type { MessagingInstrumentation } from '../instrumentation/messaging-instrumentation';
import { decodePayload } from '../contract/contract-codec';
import type { AnyContract } from '../contract/message-contract';
import { runAsHandlerOf } from '../metadata/message-context';
import { MESSAGING_MODULE_OPTIONS } from '../messaging.constants';
import type { MessagingModuleOptions } from '../messaging.options';
import {
  CONTRACT_METADATA,
  HANDLER_KIND_METADATA,
  HANDLER_OPTIONS_METADATA,
  type MessagingHandlerOptions,
} from './handler.options';
import { HandlerGuards } from '../resilience/handler-guard';
import { messageMetadataOf, patternOf } from './rpc-context.util';

interface HandlerSettings {
  readonly contract: AnyContract | undefined;
  readonly options: MessagingHandlerOptions | undefined;
  readonly unknownProperties: 'reject' | 'strip';
  readonly kind: 'request' | 'event';
}

/** The argument arrays (one per handled message) that an outer MessagingInterceptor already took. */
const intercepted = new WeakSet<unknown[]>();

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
  /** What the decorators said about each handler, read once per handler instead of once per message. */
  private readonly handlers = new WeakMap<object, HandlerSettings>();
  private readonly logger = new Logger('MessagingHandler');
  // resilience: in-flight hold (graceful shutdown), maxPayloadSize, event dedupe
  private readonly guards = new HandlerGuards();

  private readonly instruments: readonly MessagingInstrumentation[] | undefined;

  constructor(@Optional() @Inject(MESSAGING_MODULE_OPTIONS) private readonly options?: MessagingModuleOptions) {
    this.instruments = options?.instrumentation?.some((i) => i.startHandler) ? options.instrumentation : undefined;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    // Attached twice (class and method, or decorator and class)? The outer one does the work.
    const args = context.getArgs();
    if (intercepted.has(args)) return next.handle();
    intercepted.add(args);
    const receivedAt = performance.now();
    const metadata = messageMetadataOf(context);
    const deadline = metadata.timeoutMs === undefined ? undefined : receivedAt + metadata.timeoutMs;
    const handler = context.getHandler();
    const { contract, unknownProperties, kind, options: handlerOptions } = this.settingsOf(handler);
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
    // Subscribes `out` to the handler: deadline check, contract decoding, then the handler itself.
    const execute = (out: Subscriber<unknown>): TeardownLogic => {
      const late = expired();
      if (late) return out.error(late);
      if (!contract) return next.handle().subscribe(out);
      const subscription = new Subscription();
      decodePayload(contract, args[0], metadata.payloadVersion, { unknownProperties }, fields).then(
        (dto) => {
          if (out.closed) return;
          const lateNow = expired();
          if (lateNow) return out.error(lateNow);
          // The handler (and its pipes) read the payload from this array.
          args[0] = dto;
          subscription.add(next.handle().subscribe(out));
        },
        (err: unknown) => out.error(err),
      );
      return subscription;
    };
    // resilience: payload size, event dedupe, in-flight tracking for graceful shutdown (no wrapper when none is on)
    const guard = (source: Observable<unknown>) =>
      this.guards.guard(
        source,
        this.guards.resolve(handler, kind === 'event', handlerOptions, this.options?.handlers),
        args[0],
        metadata,
        () => `${context.getClass().name}.${handler.name}`,
        fields,
        this.logger,
      );
    const instruments = this.instruments;
    if (!instruments) {
      return guard(new Observable((subscriber) => runAsHandlerOf(metadata, () => execute(subscriber), deadline)));
    }
    return guard(new Observable((subscriber) => {
      const observer = startHandler(instruments, {
        kind: contract?.kind === 'event' ? 'event' : kind,
        destination: contract ? describePattern(contract.pattern) : (patternOf(context) ?? '(unknown)'),
        metadata,
      });
      if (!observer) return runAsHandlerOf(metadata, () => execute(subscriber), deadline);
      const observed = new Subscriber<unknown>({
        next: (v) => subscriber.next(v),
        error: (e: unknown) => {
          observer.end(e);
          subscriber.error(e);
        },
        complete: () => {
          observer.end();
          subscriber.complete();
        },
      });
      subscriber.add(observed);
      return observer.run(() => runAsHandlerOf(metadata, () => execute(observed), deadline));
    }));
  }

  private settingsOf(handler: object): HandlerSettings {
    let settings = this.handlers.get(handler);
    if (!settings) {
      const contract = this.reflector.get<AnyContract | undefined>(CONTRACT_METADATA, handler as () => void);
      const options = this.reflector.get<MessagingHandlerOptions | undefined>(HANDLER_OPTIONS_METADATA, handler as () => void);
      settings = {
        contract,
        options,
        unknownProperties: options?.unknownProperties ?? this.options?.handlers?.unknownProperties ?? 'reject',
        kind: this.reflector.get<'request' | 'event' | undefined>(HANDLER_KIND_METADATA, handler as () => void) ?? 'request',
      };
      this.handlers.set(handler, settings);
    }
    return settings;
  }
}
