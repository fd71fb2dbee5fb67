/** Injection token of the resolved {@link MessagingModuleOptions}. */
export const MESSAGING_MODULE_OPTIONS = Symbol('nestjs-messaging:options');

/**
 * The injection token of the MessagingClient named `name`.
 *
 * @example
 * const users = app.get<MessagingClient>(getMessagingClientToken('users'));
 */
export function getMessagingClientToken(name: string): string {
  return `nestjs-messaging:client:${name}`;
}
