import {
  applyDecorators,
  Injectable,
  SetMetadata,
  UseInterceptors,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Observable } from 'rxjs';
import { MessagingConfigurationError } from '../errors/messaging.errors';
import { getMessageContext, runWithMessageContext } from '../context/message-context';

/** Route metadata key of {@link RequestTimeout}. @internal */
export const REQUEST_TIMEOUT_METADATA = 'nestjs-messaging:request-timeout';

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
export function RequestTimeout(ms: number): MethodDecorator & ClassDecorator {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) {
    throw new MessagingConfigurationError(
      `@RequestTimeout(${String(ms).slice(0, 40)}): give a positive number of milliseconds`,
    );
  }
  return applyDecorators(SetMetadata(REQUEST_TIMEOUT_METADATA, ms), UseInterceptors(RequestTimeoutInterceptor));
}

/**
 * The interceptor behind {@link RequestTimeout}: runs the route in a nested
 * message context whose deadline is the route's budget (or the request's,
 * if earlier). Attached by the decorator; there is no need to register it.
 */
@Injectable()
export class RequestTimeoutInterceptor implements NestInterceptor {
  private readonly reflector = new Reflector();

  /** Opens the nested context when the route has a budget. */
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const ms = this.reflector.getAllAndOverride<number | undefined>(REQUEST_TIMEOUT_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (ms === undefined) return next.handle();
    return new Observable((subscriber) => {
      const current = getMessageContext();
      // next.handle() binds the handler to the async context it is called in: call it inside.
      return runWithMessageContext({ correlationId: current?.correlationId, app: current?.app, timeout: ms }, () =>
        next.handle().subscribe(subscriber),
      );
    });
  }
}
