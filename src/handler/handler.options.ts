import type { UnknownPropertiesMode } from '../contract/contract-codec';

/** How the library's handlers treat payloads and errors. Set it in `MessagingModule.forRoot({ handlers })` or per handler. */
export interface MessagingHandlerOptions {
  /**
   * Payload properties that the DTO does not declare: `'reject'` makes the
   * payload invalid (INVALID_ARGUMENT), `'strip'` removes them.
   * @default 'reject'
   */
  unknownProperties?: UnknownPropertiesMode;
  /**
   * Send the message and stack of unexpected errors to the caller in
   * `details`. For development only: they may hold secrets.
   * @default false
   */
  exposeErrors?: boolean;
}

/** Metadata keys the handler decorators set. @internal */
export const CONTRACT_METADATA = 'nestjs-messaging:contract';
/** @internal */
export const HANDLER_OPTIONS_METADATA = 'nestjs-messaging:handler-options';
/** @internal */
export const HANDLER_KIND_METADATA = 'nestjs-messaging:handler-kind';
