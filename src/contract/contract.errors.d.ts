import { MessagingError, type MessagingErrorFields } from '../errors/messaging.errors';
/** One failed check of a payload or response field. */
export interface ValidationIssue {
    /** Dotted path of the field, e.g. `address.zip` or `items.0.sku`; empty for the payload itself. */
    readonly path: string;
    /** The failed constraints and their messages, e.g. `{ isInt: 'id must be an integer number' }`. */
    readonly constraints: Readonly<Record<string, string>>;
}
/**
 * A payload (or a response) does not satisfy its contract's DTO (code
 * INVALID_ARGUMENT, not retryable). `details.issues` lists each failed field.
 */
export declare class ContractViolationError extends MessagingError {
    name: string;
    /** `{ version, issues }`: the version checked and each failed field. */
    readonly details: {
        readonly version: number;
        readonly issues: readonly ValidationIssue[];
    };
    constructor(message: string, version: number, issues: readonly ValidationIssue[], fields?: MessagingErrorFields);
}
/**
 * The message's payload version is not one the contract supports (code
 * UNSUPPORTED_VERSION, not retryable). `details` says which are.
 */
export declare class UnsupportedVersionError extends MessagingError {
    name: string;
    /** `{ received, supported }`. */
    readonly details: {
        readonly received: string;
        readonly supported: readonly number[];
    };
    constructor(received: string, supported: readonly number[], fields?: MessagingErrorFields);
}
