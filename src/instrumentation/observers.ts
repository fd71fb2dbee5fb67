import type { MessagingError } from '../errors/messaging.errors';
import type {
  CallInfo,
  CallObserver,
  HandlerInfo,
  HandlerObserver,
  MessagingInstrumentation,
} from './messaging-instrumentation';

function guard(fn: () => void): void {
  try {
    fn();
  } catch {
    // an instrumentation must never break a call or a handler
  }
}

/** Starts every instrumentation's observer for a call and combines them. @internal */
export function startCall(instruments: readonly MessagingInstrumentation[], info: CallInfo): CallObserver | undefined {
  const observers: CallObserver[] = [];
  for (const i of instruments) {
    guard(() => {
      const o = i.startCall?.(info);
      if (o) observers.push(o);
    });
  }
  if (observers.length === 0) return undefined;
  if (observers.length === 1) return safeCall(observers[0]!);
  const headers = Object.assign({}, ...observers.map((o) => o.headers ?? {})) as Record<string, string>;
  return {
    headers,
    attempt: (n, left) => observers.forEach((o) => guard(() => o.attempt?.(n, left))),
    retry: (n, d, e) => observers.forEach((o) => guard(() => o.retry?.(n, d, e))),
    end: (e?: MessagingError) => observers.forEach((o) => guard(() => o.end(e))),
    cancel: () => observers.forEach((o) => guard(() => (o.cancel ? o.cancel() : o.end()))),
  };
}

function safeCall(o: CallObserver): CallObserver {
  return {
    headers: o.headers,
    attempt: (n, left) => guard(() => o.attempt?.(n, left)),
    retry: (n, d, e) => guard(() => o.retry?.(n, d, e)),
    end: (e?: MessagingError) => guard(() => o.end(e)),
    cancel: () => guard(() => (o.cancel ? o.cancel() : o.end())),
  };
}

/** Starts every instrumentation's handler observer and combines them (outermost first). @internal */
export function startHandler(
  instruments: readonly MessagingInstrumentation[],
  info: HandlerInfo,
): HandlerObserver | undefined {
  const observers: HandlerObserver[] = [];
  for (const i of instruments) {
    guard(() => {
      const o = i.startHandler?.(info);
      if (o) observers.push(o);
    });
  }
  if (observers.length === 0) return undefined;
  return {
    run: <T>(fn: () => T): T => observers.reduceRight<() => T>((inner, o) => () => o.run(inner), fn)(),
    end: (e?: unknown) => observers.forEach((o) => guard(() => o.end(e))),
  };
}
