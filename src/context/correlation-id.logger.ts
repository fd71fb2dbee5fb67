import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import { getMessageContext } from './message-context';

/** What Nest's ConsoleLogger passes to `getJsonLogObject` (the fields common to Nest 11 and 12). */
interface JsonLogOptions {
  context: string;
  logLevel: LogLevel;
  writeStreamType?: 'stdout' | 'stderr';
  errorStack?: unknown;
}

/**
 * Nest's ConsoleLogger with the correlation id of the current message
 * context (an HTTP request through {@link MessagingHttpModule}, a handled
 * message, or `runWithMessageContext`) on every line: after the context in
 * text mode (`[UsersService] [correlationId=...] message`), and as a
 * `correlationId` field in JSON mode (`json: true`). Lines written outside
 * any message context are unchanged.
 *
 * @example
 * const app = await NestFactory.create(AppModule, { logger: new CorrelationIdLogger() });
 * // or, JSON lines: new CorrelationIdLogger({ json: true })
 * // then, anywhere: new Logger(UsersService.name).log('user created')
 */
export class CorrelationIdLogger extends ConsoleLogger {
  /** Adds `[correlationId=...]` after the context of a text line. */
  protected override formatContext(context: string): string {
    const correlationId = getMessageContext()?.correlationId;
    const base = super.formatContext(context);
    return correlationId === undefined ? base : `${base}[correlationId=${correlationId}] `;
  }

  /** Adds a `correlationId` field to a JSON line. */
  protected override getJsonLogObject(message: unknown, options: JsonLogOptions) {
    const logObject = super.getJsonLogObject(message, options);
    const correlationId = getMessageContext()?.correlationId;
    return correlationId === undefined ? logObject : Object.assign(logObject, { correlationId });
  }
}
