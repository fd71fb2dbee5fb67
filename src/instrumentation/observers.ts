import type { MessagingError } from '../errors/messaging.errors';
import type {
  CallInfo,
  CallObserver,
  HandlerInfo,
  HandlerObserver,
  MessagingInstrumentation,
} from './messaging-instrumentation';

/*
 * The observers of the instrumentations, combined and guarded (an instrumentation must never break a call or a
 * handler). Classes rather than closures: these run for every call and every handled message.
 */

/** What each instrumentation's `key` hook returned for `info` (a hook that throws counts as none). */
function startEach<K extends 'startCall' | 'startHandler'>(
  instruments: readonly MessagingInstrumentation[],
  key: K,
  info: Parameters<NonNullable<MessagingInstrumentation[K]>>[0],
): Array<NonNullable<ReturnType<NonNullable<MessagingInstrumentation[K]>>>> {
  const observers: Array<NonNullable<ReturnType<NonNullable<MessagingInstrumentation[K]>>>> = [];
  for (const i of instruments) {
    try {
      const o = (i[key] as ((info: unknown) => ReturnType<NonNullable<MessagingInstrumentation[K]>>) | undefined)?.call(i, info);
      if (o) observers.push(o);
    } catch {
      // swallowed: see the file's header
    }
  }
  return observers;
}

/** Starts every instrumentation's observer for a call and combines them. @internal */
export function startCall(instruments: readonly MessagingInstrumentation[], info: CallInfo): CallObserver | undefined {
  const observers = startEach(instruments, 'startCall', info);
  if (observers.length === 0) return undefined;
  return observers.length === 1 ? new GuardedCallObserver(observers[0]!) : new CombinedCallObserver(observers);
}

class GuardedCallObserver implements CallObserver {
  readonly headers: Readonly<Record<string, string>> | undefined;

  constructor(private readonly o: CallObserver) {
    this.headers = o.headers;
  }

  attempt(n: number, left: number | undefined): void {
    try {
      this.o.attempt?.(n, left);
    } catch {
      // swallowed: see the file's header
    }
  }

  retry(n: number, delay: number, error: MessagingError): void {
    try {
      this.o.retry?.(n, delay, error);
    } catch {
      // swallowed
    }
  }

  end(error?: MessagingError): void {
    try {
      this.o.end(error);
    } catch {
      // swallowed
    }
  }

  cancel(): void {
    try {
      if (this.o.cancel) this.o.cancel();
      else this.o.end();
    } catch {
      // swallowed
    }
  }
}

class CombinedCallObserver implements CallObserver {
  readonly headers: Readonly<Record<string, string>>;
  private readonly observers: GuardedCallObserver[];

  constructor(observers: CallObserver[]) {
    this.headers = Object.assign({}, ...observers.map((o) => o.headers ?? {})) as Record<string, string>;
    this.observers = observers.map((o) => new GuardedCallObserver(o));
  }

  attempt(n: number, left: number | undefined): void {
    for (const o of this.observers) o.attempt(n, left);
  }

  retry(n: number, delay: number, error: MessagingError): void {
    for (const o of this.observers) o.retry(n, delay, error);
  }

  end(error?: MessagingError): void {
    for (const o of this.observers) o.end(error);
  }

  cancel(): void {
    for (const o of this.observers) o.cancel();
  }
}

/** Starts every instrumentation's handler observer and combines them (outermost first). @internal */
export function startHandler(
  instruments: readonly MessagingInstrumentation[],
  info: HandlerInfo,
): HandlerObserver | undefined {
  const observers = startEach(instruments, 'startHandler', info);
  if (observers.length === 0) return undefined;
  return observers.length === 1 ? new GuardedHandlerObserver(observers[0]!) : new CombinedHandlerObserver(observers);
}

class GuardedHandlerObserver implements HandlerObserver {
  constructor(private readonly o: HandlerObserver) {}

  run<T>(fn: () => T): T {
    return this.o.run(fn);
  }

  end(error?: unknown): void {
    try {
      this.o.end(error);
    } catch {
      // swallowed
    }
  }
}

class CombinedHandlerObserver implements HandlerObserver {
  constructor(private readonly observers: HandlerObserver[]) {}

  run<T>(fn: () => T): T {
    return this.observers.reduceRight<() => T>((inner, o) => () => o.run(inner), fn)();
  }

  end(error?: unknown): void {
    for (const o of this.observers) {
      try {
        o.end(error);
      } catch {
        // swallowed
      }
    }
  }
}
