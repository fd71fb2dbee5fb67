import { type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { MessagingErrorCode } from './error-codes';
import { MessagingError } from './messaging.errors';
/** The HTTP status of each error code, as {@link MessagingHttpExceptionFilter} maps it. */
export declare const HTTP_STATUS_BY_CODE: Readonly<Record<MessagingErrorCode, number>>;
/** The body {@link MessagingHttpExceptionFilter} sends. */
export interface MessagingHttpErrorBody {
    /** The HTTP status. */
    readonly statusCode: number;
    /** The error code. */
    readonly code: MessagingErrorCode;
    /** What went wrong, fit for an HTTP client (no internal pattern or client names). */
    readonly message: string;
    /** Correlation id of the failed call. */
    readonly correlationId?: string;
    /** Details a remote handler sent for a caller-facing error (e.g. validation issues). */
    readonly details?: unknown;
}
/**
 * Turns MessagingErrors that reach an HTTP route into proper HTTP responses:
 * INVALID_ARGUMENT -> 400, NOT_FOUND -> 404, DEADLINE_EXCEEDED -> 504,
 * UNAVAILABLE -> 503, ... (see {@link HTTP_STATUS_BY_CODE}). Works on the Express
 * and Fastify adapters. Internal names (patterns, clients) never reach the body.
 *
 * @example
 * app.useGlobalFilters(new MessagingHttpExceptionFilter(app.get(HttpAdapterHost)));
 */
export declare class MessagingHttpExceptionFilter implements ExceptionFilter<MessagingError> {
    private readonly adapterHost;
    constructor(adapterHost: HttpAdapterHost);
    catch(error: MessagingError, host: ArgumentsHost): void;
}
