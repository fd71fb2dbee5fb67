import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, Optional, type NestMiddleware } from '@nestjs/common';
import { runWithMessageContext } from '../metadata/message-context';
import { isValidId, newId } from '../metadata/message-metadata';
import {
  CORRELATION_ID_OPTIONS,
  resolveCorrelationIdOptions,
  type ResolvedCorrelationIdOptions,
} from './correlation-id.options';

/**
 * Opens the message context of each HTTP request, so that every call and
 * event sent while serving it (from guards, interceptors, controllers and
 * services, even after `await`s) carries one correlation id.
 *
 * The id comes from the request header (`x-correlation-id` unless configured)
 * when it is a valid id: at most 128 characters of `A-Z a-z 0-9 . _ : -`.
 * Otherwise, or when the header is absent, a new id is made; an invalid value
 * is dropped without being logged. The id is echoed in the same header of the
 * response.
 *
 * Nest middleware runs before guards, on the Express and the Fastify adapters.
 * Register it with {@link MessagingHttpModule} (all routes), or apply it
 * yourself with `consumer.apply(CorrelationIdMiddleware).forRoutes(...)`.
 */
@Injectable()
export class CorrelationIdMiddleware implements NestMiddleware<IncomingMessage, ServerResponse> {
  private readonly header: string;

  constructor(@Optional() @Inject(CORRELATION_ID_OPTIONS) options?: ResolvedCorrelationIdOptions) {
    this.header = (options ?? resolveCorrelationIdOptions()).header;
  }

  /** Reads or makes the correlation id, echoes it, and runs the rest of the request in its context. */
  use(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void {
    const received = req.headers[this.header];
    const correlationId = isValidId(received) ? received : newId();
    if (!res.headersSent) res.setHeader(this.header, correlationId);
    runWithMessageContext({ correlationId }, () => next());
  }
}
