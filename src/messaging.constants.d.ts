/** Injection token of the resolved {@link MessagingModuleOptions}. */
export declare const MESSAGING_MODULE_OPTIONS: unique symbol;
/**
 * The injection token of the MessagingClient named `name`.
 *
 * @example
 * const users = app.get<MessagingClient>(getMessagingClientToken('users'));
 */
export declare function getMessagingClientToken(name: string): string;
