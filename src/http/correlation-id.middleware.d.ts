import type { IncomingMessage, ServerResponse } from 'node:http';
import { type NestMiddleware } from '@nestjs/common';
import { type ResolvedCorrelationIdOptions } from './correlation-id.options';
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
export declare class CorrelationIdMiddleware implements NestMiddleware<IncomingMessage, ServerResponse> {
    private readonly options;
    constructor(options?: ResolvedCorrelationIdOptions);
    /** Reads or makes the correlation id, echoes it, and runs the rest of the request in its context. */
    use(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void;
    private correlationIdOf;
    /** The request's budget in ms: the header's value (lowered to `max`) when valid, else the default. */
    private budgetOf;
}
