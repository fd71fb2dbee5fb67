import type { MessagingModuleOptions } from './messaging.options';
/**
 * Checks the module's options and throws one error listing every problem, each
 * with what to do.
 * @throws MessagingConfigurationError
 * @internal
 */
export declare function validateOptions(options: MessagingModuleOptions, requiredNames?: readonly string[]): void;
