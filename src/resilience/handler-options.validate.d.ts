import type { MessagingHandlerOptions } from '../handler/handler.options';
/**
 * Checks the resilience fields of handler options (module `handlers` or a
 * decorator's); returns a list of problems, each saying what to do.
 * @internal
 */
export declare function checkHandlerResilience(where: string, options: MessagingHandlerOptions | undefined): string[];
