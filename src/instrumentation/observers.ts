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

/** Starts every instrumentation's observer for a call and combines them. @internal */
export function startCall(instruments: readonly MessagingInstrumentation[], info: CallInfo): CallObserver | undefined {
  let first: CallObserver | undefined;
  let more: CallObserver[] | undefined;
  for (const i of instruments) {
    let o: CallObserver | undefined;
    try {
      o = i.startCall?.(info);
    } catch {
      continue;
    }
    if (!o) continue;
    if (first === undefined) first = o;
    else (more ??= [first]).push(o);
  }
  if (first === undefined) return undefined;
  return more ? new CombinedCallObserver(more) : new GuardedCallObserver(first);
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
  let first: HandlerObserver | undefined;
  let more: HandlerObserver[] | undefined;
  for (const i of instruments) {
    let o: HandlerObserver | undefined;
    try {
      o = i.startHandler?.(info);
    } catch {
      continue;
    }
    if (!o) continue;
    if (first === undefined) first = o;
    else (more ??= [first]).push(o);
  }
  if (first === undefined) return undefined;
  return more ? new CombinedHandlerObserver(more) : new GuardedHandlerObserver(first);
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
