import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, Optional, type NestMiddleware } from '@nestjs/common';
import { runWithMessageContext } from '../context/message-context';
import { isValidAppValue, isValidId, newId } from '../wire/message-metadata';
import {
  CORRELATION_ID_OPTIONS,
  resolveCorrelationIdOptions,
  type ResolvedCorrelationIdOptions,
} from './correlation-id.options';
import { parseTraceparent } from '../wire/traceparent';

/** A whole number of milliseconds, of any length (one longer than `max` is lowered to it). */
const WHOLE_MS = /^[0-9]{1,64}$/;

/**
 * Opens the message context of each HTTP request, so that every call and
 * event sent while serving it (from guards, interceptors, controllers and
 * services, even after `await`s) carries one correlation id, and, with
 * `requestTimeout`, has at most the request's time budget.
 *
 * The correlation id is the first valid one of: `correlationIdFrom(req)` (e.g.
 * nestjs-cls's request id), the request header (`x-correlation-id` unless
 * configured), the trace id of a valid W3C `traceparent` header (with
 * `correlationIdFromTraceparent: true`), or a new id. A valid id is at most
 * 128 characters of `A-Z a-z 0-9 . _ : -`; an invalid value is dropped
 * without being logged. The id is echoed in the same header of the response.
 *
 * Nest middleware runs before guards, on the Express and the Fastify adapters.
 * Register it with {@link MessagingHttpModule} (all routes), or apply it
 * yourself with `consumer.apply(CorrelationIdMiddleware).forRoutes(...)`.
 */
@Injectable()
export class CorrelationIdMiddleware implements NestMiddleware<IncomingMessage, ServerResponse> {
  private readonly options: ResolvedCorrelationIdOptions;

  constructor(@Optional() @Inject(CORRELATION_ID_OPTIONS) options?: ResolvedCorrelationIdOptions) {
    this.options = options ?? resolveCorrelationIdOptions();
  }

  /** Reads or makes the correlation id, echoes it, and runs the rest of the request in its context. */
  use(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void {
    const correlationId = this.correlationIdOf(req);
    if (!res.headersSent) res.setHeader(this.options.header, correlationId);
    runWithMessageContext({ correlationId, timeout: this.budgetOf(req), app: this.appOf(req) }, () => next());
  }

  /** The application keys of the allow-listed headers (`appHeaders`), values that break the rules dropped. */
  private appOf(req: IncomingMessage): Record<string, string> | undefined {
    const listed = this.options.appHeaders;
    if (listed.length === 0) return undefined;
    let app: Record<string, string> | undefined;
    for (const [header, key] of listed) {
      const value = req.headers[header];
      if (typeof value !== 'string' || !isValidAppValue(value)) continue;
      (app ??= {})[key] = value;
    }
    return app;
  }

  private correlationIdOf(req: IncomingMessage): string {
    const { correlationIdFrom, header, correlationIdFromTraceparent } = this.options;
    if (correlationIdFrom) {
      let fromOption: unknown;
      try {
        fromOption = correlationIdFrom(req);
      } catch {
        fromOption = undefined; // a failing source must not fail the request
      }
      if (isValidId(fromOption)) return fromOption;
    }
    const received = req.headers[header];
    if (isValidId(received)) return received;
    if (correlationIdFromTraceparent) {
      const parent = parseTraceparent(req.headers.traceparent);
      if (parent) return parent.traceId;
    }
    return newId();
  }

  /**
   * The request's budget in ms: the header's value when it is a whole number
   * of milliseconds above 0 (lowered to `max`, whatever its length), else the default.
   */
  private budgetOf(req: IncomingMessage): number | undefined {
    const rt = this.options.requestTimeout;
    if (!rt) return undefined;
    const raw = rt.header === undefined ? undefined : req.headers[rt.header];
    if (typeof raw === 'string' && WHOLE_MS.test(raw)) {
      // Number() of 16+ digits loses precision, never its size: anything above max is max.
      const asked = Number(raw);
      if (asked > 0) return Math.min(asked, rt.max);
    }
    return rt.default;
  }
}
