import type { MessagingError, MessagePattern } from '../errors/messaging.errors';
import type { MessageMetadata } from '../wire/message-metadata';

/** What an instrumentation learns when a call (one message) starts. */
export interface CallInfo {
  /** `'request'` for send/request, `'event'` for emit. */
  readonly kind: 'request' | 'event';
  /** Name of the client. */
  readonly client: string;
  /** The transport, lower case (`'tcp'`, `'redis'`, `'nats'`, `'rabbitmq'`, `'mqtt'`), or `'unknown'` for a wrapped proxy. */
  readonly system: string;
  /** Pattern of the call. */
  readonly pattern: MessagePattern;
  /** The pattern as text. */
  readonly destination: string;
  /** Id of the message. */
  readonly messageId: string;
  /** Correlation id of the call. */
  readonly correlationId: string;
  /** The call's budget in ms, or `false` for none. */
  readonly budget: number | false;
}

/** Per-call callbacks of an instrumentation. Each is optional; none may throw (errors are swallowed). */
export interface CallObserver {
  /** Extra metadata for every attempt of the call (e.g. `traceparent`, `tracestate`). */
  readonly headers?: Readonly<Record<string, string>>;
  /** An attempt starts; `budgetLeft` is what is left of the call's budget (ms), if it has one. */
  attempt?(attempt: number, budgetLeft: number | undefined): void;
  /** An attempt failed and the call waits `delay` ms before the next one. */
  retry?(attempt: number, delay: number, error: MessagingError): void;
  /**
   * The call ended: `error` is undefined on success. A call whose caller took
   * a reply and left (`firstValueFrom`, `take(1)`) ended in success.
   */
  end(error?: MessagingError): void;
  /**
   * The caller unsubscribed before any reply: the call ended neither in
   * success nor in failure. Without this callback, `end()` is called.
   */
  cancel?(): void;
}

/** What an instrumentation learns when a handler starts. */
export interface HandlerInfo {
  /** `'request'` for a message handler, `'event'` for an event handler. */
  readonly kind: 'request' | 'event';
  /** The pattern, as text (as Nest routes it: object patterns with their keys sorted). */
  readonly destination: string;
  /** The transport, lower case (`'tcp'`, `'redis'`, `'nats'`, `'rabbitmq'`, `'mqtt'`). */
  readonly system: string;
  /** The message's decoded metadata. */
  readonly metadata: MessageMetadata;
  /**
   * The message's metadata map as it arrived (string values), for context
   * propagation: a tracing instrumentation extracts its propagator's fields
   * from it (`traceparent`, `baggage`, `b3`...), the library's own keys included.
   */
  readonly headers: Readonly<Record<string, string>>;
}

/** Per-handler callbacks of an instrumentation. */
export interface HandlerObserver {
  /** Runs the handler inside the instrumentation's context (e.g. the span's OpenTelemetry context). */
  run<T>(fn: () => T): T;
  /**
   * The handler finished: `error` is what it threw, if anything, or why the
   * pipeline refused the message before the handler (a `ContractViolationError`
   * for an invalid payload, a deadline that had passed, a payload too large).
   */
  end(error?: unknown): void;
}

/**
 * Hooks that observe every call and every handled message: tracing, metrics,
 * custom logs. Pass instances in `MessagingModule.forRoot({ instrumentation: [...] })`.
 * The OpenTelemetry one is `OpenTelemetryInstrumentation` from `nestjs-messaging/opentelemetry`.
 */
export interface MessagingInstrumentation {
  /** A call starts (once per message; retries are reported to the observer). */
  startCall?(info: CallInfo): CallObserver | undefined;
  /** A handler of the library's server is about to run a message (its checks and decoding included). */
  startHandler?(info: HandlerInfo): HandlerObserver | undefined;
}
