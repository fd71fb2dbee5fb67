import { type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Observable } from 'rxjs';
/** Route metadata key of {@link RequestTimeout}. @internal */
export declare const REQUEST_TIMEOUT_METADATA = "nestjs-messaging:request-timeout";
/**
 * Runs an HTTP route (or every route of a controller) under a time budget:
 * every call made while serving it gets at most what is left of `ms`. It
 * opens a nested message context with the same correlation id and
 * application keys, so a shorter budget from the request (the
 * `requestTimeout` header of {@link MessagingHttpModule}) still wins: the
 * earliest deadline applies. A budget on the method overrides the
 * controller's. Only HTTP routes are affected; on message handlers the
 * sender's deadline already applies.
 *
 * A call that runs out of budget fails with `DEADLINE_EXCEEDED`
 * (`MessagingHttpExceptionFilter` answers 504).
 *
 * @param ms budget in milliseconds, a positive number.
 * @throws MessagingConfigurationError when `ms` is not a positive number (when the class is decorated).
 * @example
 * @Get(':id')
 * @RequestTimeout(2000)
 * get(@Param('id') id: string) { return this.users.request(GetUser, { id }); }
 */
export declare function RequestTimeout(ms: number): MethodDecorator & ClassDecorator;
/**
 * The interceptor behind {@link RequestTimeout}: runs the route in a nested
 * message context whose deadline is the route's budget (or the request's,
 * if earlier). Attached by the decorator; there is no need to register it.
 */
export declare class RequestTimeoutInterceptor implements NestInterceptor {
    private readonly reflector;
    /** Opens the nested context when the route has a budget. */
    intercept(context: ExecutionContext, next: CallHandler): Observable<unknown>;
}
