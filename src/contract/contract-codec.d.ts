import type { MessagingErrorFields } from '../errors/messaging.errors';
import type { AnyContract, DtoClass } from './message-contract';
/** What to do with payload properties that the DTO does not declare. */
export type UnknownPropertiesMode = 'reject' | 'strip';
/** Options of payload decoding. */
export interface DecodeOptions {
    /**
     * `'reject'`: a payload with a property the DTO does not declare is invalid;
     * `'strip'`: such properties are removed.
     * @default 'reject'
     */
    unknownProperties?: UnknownPropertiesMode;
}
/**
 * Turns an incoming payload into an instance of the contract's current DTO:
 * picks the class of `version` (the contract's assumed version when none),
 * transforms with class-transformer, validates with class-validator, and
 * upcasts step by step to the current version (validating the result).
 *
 * @throws UnsupportedVersionError for a version the contract does not know.
 * @throws ContractViolationError when the payload or an upcast result is invalid.
 */
export declare function decodePayload(contract: AnyContract, data: unknown, version: number | undefined, options?: DecodeOptions, fields?: MessagingErrorFields): Promise<object>;
/**
 * Transforms `data` into an instance of `cls` and validates it.
 * @throws ContractViolationError
 */
export declare function toDto<T extends object>(cls: DtoClass<T>, data: unknown, version: number, options?: DecodeOptions, fields?: MessagingErrorFields): Promise<T>;
