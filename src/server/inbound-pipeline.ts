import { Logger } from '@nestjs/common';
import { isObservable, Observable, throwError, type Observer, type Subscription } from 'rxjs';
import { InFlightTracker } from '../context/in-flight';
import { currentInbound, InboundMessage, runInbound } from '../context/message-context';
import { decodePayload } from '../contract/contract-codec';
import { ContractViolationError, UnsupportedVersionError } from '../contract/contract.errors';
import { MessagingErrorCode } from '../errors/error-codes';
import { MessagingError, type MessagingErrorFields } from '../errors/messaging.errors';
import { toWireError } from '../errors/wire-error';
import { MemoryDedupeStore } from '../handler/dedupe-store';
import { handlerConfigOf } from '../handler/handler-config';
import { HandlerRoute } from '../handler/handler-route';
import type { MessagingInstrumentation } from '../instrumentation/messaging-instrumentation';
import { startHandler } from '../instrumentation/observers';
import type { Carrier } from '../wire/carriers';
import { decodeMetadata, type MessageMetadata } from '../wire/message-metadata';
import { checkPayloadSize } from '../wire/payload-size';
import type { MessagingServerOptions } from './server.options';

/** A handler as Nest registers it with a server: `(data, context)`, plus the chain of event handlers for one pattern. */
export type NestHandler = ((data: unknown, context: unknown) => unknown) & { next?: NestHandler };

/** What a strategy tells its pipeline about the transport. @internal */
export interface PipelineTransport {
  /** How metadata rides on the transport (its reader is used here). */
  readonly carrier: Carrier;
  /** Whether the transport can dead-letter an event whose handler refused it (RabbitMQ with a dead-letter queue). */
  readonly deadLetters?: boolean;
  /** Whether messages are tracked for graceful shutdown. */
  readonly tracked: boolean;
}

/** Returned by the pipeline's checks for an event to drop (acknowledged, not handled). */
const DROPPED = Symbol('dropped');

/**
 * The handler side of the library, run by its server strategies for every
 * transport. When a strategy reads a message it opens the message's one async
 * context ({@link receive}: the budget starts then); when Nest dispatches the
 * message to a handler, the handler that the strategy registered
 * ({@link wrap}) decodes the metadata with the transport's reader, checks the
 * deadline, the event's time to live and the payload size, claims the event
 * for dedupe, decodes the contract's payload, and calls Nest's handler, inside
 * which Nest's own guards, pipes, interceptors and filters run. Failures of
 * these steps become the structured wire error (requests) or a log line, a
 * count and a dead-letter (events).
 *
 * A plain `@MessagePattern` handler on the library's server runs in the
 * message context and nothing more, at the cost of decoding the metadata.
 * @internal
 */
export class InboundPipeline {
  /** Messages being handled, when tracked for graceful shutdown. */
  readonly inFlight = new InFlightTracker();
  private readonly logger = new Logger('MessagingServer');
  private readonly instruments: readonly MessagingInstrumentation[] | undefined;
  private defaultStore?: MemoryDedupeStore;

  constructor(
    private readonly transport: PipelineTransport,
    private readonly options: MessagingServerOptions,
  ) {
    this.instruments = options.instrumentation?.some((i) => i.startHandler) ? options.instrumentation : undefined;
  }

  /**
   * Runs Nest's handling of one message (`handle`) in the message's context,
   * opened now: its budget starts when it is read.
   * @param packetField the packet-level `metadata` field, when the strategy has the packet at hand (TCP).
   */
  receive<T>(packetField: unknown, handle: () => T): T {
    const message = new InboundMessage(performance.now(), this.transport.tracked ? this.inFlight : undefined);
    message.packetField = packetField;
    if (!message.tracked) return runInbound(message, handle);
    let result: T;
    try {
      result = runInbound(message, handle);
    } catch (err) {
      message.release();
      throw err;
    }
    if (result instanceof Promise) result.then(() => message.release(), () => message.release());
    else message.release();
    return result;
  }

  /**
   * The handler to register with Nest for `callback`: the pipeline, then
   * `callback`. Nest chains event handlers of one pattern through `next`,
   * which stays on `callback` (Nest's own handler calls it).
   * @param destination the pattern as Nest routes it (normalised).
   */
  wrap(destination: string, callback: NestHandler, isEvent: boolean, extras: unknown): NestHandler {
    const route = new HandlerRoute(destination, isEvent, handlerConfigOf(extras), this.options.handlers, () =>
      (this.defaultStore ??= new MemoryDedupeStore()),
    );
    const handler: NestHandler = (data, context) => this.dispatch(route, callback, data, context);
    Object.defineProperty(handler, 'next', {
      get: () => callback.next,
      set: (next: NestHandler | undefined) => {
        callback.next = next;
      },
      configurable: true,
    });
    return handler;
  }

  private dispatch(route: HandlerRoute, callback: NestHandler, data: unknown, context: unknown): unknown {
    const message = currentInbound();
    if (message === undefined || (message.context !== undefined && message.context !== context)) {
      // Not inside a read of this strategy (a handler called directly), or another message nested in one's context.
      return runInbound(new InboundMessage(performance.now()), () => this.dispatch(route, callback, data, context));
    }
    if (message.context === undefined) {
      message.context = context;
      message.payload = data;
      const metadata = decodeMetadata(this.transport.carrier.read(context, message.packetField));
      message.setMetadata(metadata);
      if (route.kind === 'request' && metadata.timeoutMs !== undefined) message.deadline = message.receivedAt + metadata.timeoutMs;
    } else {
      // The next handler of an event's chain: it decodes the payload as it arrived, for itself.
      data = message.payload;
    }
    message.route = route;
    if (!route.guarded && this.instruments === undefined && !message.tracked) {
      if (message.deadline !== undefined && performance.now() >= message.deadline) {
        return this.refused(route, message, expired(message, route), undefined);
      }
      return callback(data, context);
    }
    return this.run(route, callback, message, data, context);
  }

  /** The whole pipeline, as one Observable that ends when the handler's result has been sent. */
  private run(route: HandlerRoute, callback: NestHandler, message: InboundMessage, data: unknown, context: unknown): Observable<unknown> {
    return new Observable<unknown>((subscriber) => {
      const release = message.hold();
      const metadata = message.message!;
      const observer = this.instruments
        ? startHandler(this.instruments, {
            kind: route.kind,
            destination: route.destination,
            system: this.transport.carrier.system,
            metadata,
          })
        : undefined;
      let claimed: string | undefined;
      let ended = false;
      const end = (error?: unknown): void => {
        if (ended) return;
        ended = true;
        observer?.end(error === undefined ? undefined : (message.failure ?? error));
        if (error !== undefined && claimed !== undefined) this.forget(route, claimed);
        // A loop turn later: Nest writes the reply on the next tick.
        setImmediate(release);
      };
      const sink: Observer<unknown> = {
        next: (value) => subscriber.next(value),
        error: (error: unknown) => {
          end(error);
          subscriber.error(error);
        },
        complete: () => {
          end();
          subscriber.complete();
        },
      };
      let inner: Subscription | undefined;
      const start = (): void => {
        this.prepare(route, message, data, (key) => (claimed = key)).then(
          (prepared) => {
            if (subscriber.closed) return;
            if (prepared === DROPPED) return sink.complete();
            const deliver = (value: unknown): void => {
              if (subscriber.closed) return;
              if (isObservable(value)) {
                inner = value.subscribe(sink);
              } else {
                sink.next(value);
                sink.complete();
              }
            };
            const result = callback(prepared, context);
            if (result instanceof Promise) result.then(deliver, (err: unknown) => sink.error(err));
            else deliver(result);
          },
          (err: unknown) => {
            end(err);
            this.refused(route, message, err, subscriber);
          },
        );
      };
      if (observer) observer.run(start);
      else start();
      return () => {
        inner?.unsubscribe();
        end();
      };
    });
  }

  /**
   * The checks and decoding before the handler. Resolves to the payload to
   * hand to it, or DROPPED; rejects with the error that refuses the message.
   */
  private async prepare(
    route: HandlerRoute,
    message: InboundMessage,
    data: unknown,
    claim: (key: string) => void,
  ): Promise<unknown> {
    const metadata = message.message!;
    const fields = fieldsOf(route, metadata);
    if (message.deadline !== undefined && performance.now() >= message.deadline) throw expired(message, route);
    const contract = route.contract;
    if (contract?.kind === 'event' && contract.ttl !== undefined && metadata.sentAt !== undefined) {
      const age = Date.now() - metadata.sentAt;
      if (age > contract.ttl) {
        this.logger.warn(
          `dropped event ${route.destination}: ${age} ms old, past its contract's ttl of ${contract.ttl} ms ${ids(metadata)}`,
        );
        return DROPPED;
      }
    }
    const tooLarge = checkPayloadSize(data, route.maxPayloadSize, 'handler', fields);
    if (tooLarge) throw tooLarge;
    if (route.dedupe) {
      const key = `${route.name}:${metadata.messageId}`;
      let first = true;
      try {
        first = await route.dedupe.store.claim(key, route.dedupe.window);
      } catch (err) {
        // The store is down: handle the message (at-least-once) rather than lose it.
        this.logger.warn(
          `dedupe store failed (${err instanceof Error ? err.message : String(err)}); handling message ${metadata.messageId} anyway ${ids(metadata)}`,
        );
      }
      if (!first) {
        this.logger.log(`dropped a duplicate of event message ${metadata.messageId} ${ids(metadata)} (${route.name})`);
        return DROPPED;
      }
      claim(key);
    }
    if (!contract) return data;
    const dto = await decodePayload(contract, data, metadata.payloadVersion, { unknownProperties: route.unknownProperties }, fields);
    if (message.deadline !== undefined && performance.now() >= message.deadline) throw expired(message, route);
    return dto;
  }

  /**
   * A message the pipeline refused before its handler. A request is answered
   * with the wire error. An event is logged once; an invalid one is also
   * dead-lettered where the transport can (the strategy sees the error), else dropped.
   */
  private refused(route: HandlerRoute, message: InboundMessage, err: unknown, subscriber: Observer<unknown> | undefined): unknown {
    const metadata = message.message!;
    if (route.kind === 'request') {
      const wire = toWireError(err, { pattern: route.destination, correlationId: metadata.correlationId, exposeErrors: route.exposeErrors });
      if (wire.unexpected) this.logger.error(`the pipeline of ${route.destination} failed ${ids(metadata)}: ${describe(err)}`);
      if (!subscriber) return throwError(() => wire.payload);
      subscriber.error(wire.payload);
      return undefined;
    }
    const invalid = err instanceof ContractViolationError || err instanceof UnsupportedVersionError;
    const deadLetter = invalid && route.invalidEvents === 'dead-letter' && this.transport.deadLetters === true;
    if (invalid) {
      this.logger.warn(
        `invalid event ${route.destination} ${deadLetter ? 'dead-lettered' : 'dropped'} ${ids(metadata)}: ${issuesOf(err)}`,
      );
    } else {
      this.logger.warn(`event ${route.destination} dropped ${ids(metadata)}: ${describe(err)}`);
    }
    if (subscriber) {
      if (deadLetter) subscriber.error(err);
      else subscriber.complete();
    }
    return undefined;
  }

  private forget(route: HandlerRoute, key: string): void {
    // The handler failed: forget the id so that a redelivery is handled.
    void Promise.resolve()
      .then(() => route.dedupe?.store.release(key))
      .catch(() => undefined);
  }
}

function fieldsOf(route: HandlerRoute, metadata: MessageMetadata): MessagingErrorFields {
  return { pattern: route.contract?.pattern ?? route.destination, correlationId: metadata.correlationId, messageId: metadata.messageId };
}

function expired(message: InboundMessage, route: HandlerRoute): MessagingError {
  const metadata = message.message!;
  return new MessagingError(
    `the deadline of this request passed before its handler started (budget ${metadata.timeoutMs} ms)`,
    MessagingErrorCode.DEADLINE_EXCEEDED,
    false,
    fieldsOf(route, metadata),
  );
}

/** `[correlationId=... messageId=...]` for log lines. */
function ids(metadata: MessageMetadata): string {
  return `[correlationId=${metadata.correlationId} messageId=${metadata.messageId}]`;
}

/** The failing field paths and constraint names of an invalid payload: never the values. */
function issuesOf(err: ContractViolationError | UnsupportedVersionError): string {
  if (err instanceof UnsupportedVersionError) {
    return `version ${err.details.received} is not supported (supported: ${err.details.supported.join(', ')})`;
  }
  return err.details.issues
    .slice(0, 20)
    .map((i) => `${i.path || '(payload)'} (${Object.keys(i.constraints).join(', ')})`)
    .join(', ');
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
