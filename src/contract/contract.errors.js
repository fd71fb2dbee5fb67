"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.UnsupportedVersionError = exports.ContractViolationError = void 0;
const error_codes_1 = require("../errors/error-codes");
const messaging_errors_1 = require("../errors/messaging.errors");
/**
 * A payload (or a response) does not satisfy its contract's DTO (code
 * INVALID_ARGUMENT, not retryable). `details.issues` lists each failed field.
 */
class ContractViolationError extends messaging_errors_1.MessagingError {
    name = 'ContractViolationError';
    /** `{ version, issues }`: the version checked and each failed field. */
    details;
    constructor(message, version, issues, fields = {}) {
        super(message, error_codes_1.MessagingErrorCode.INVALID_ARGUMENT, false, fields);
        this.details = { version, issues };
    }
}
exports.ContractViolationError = ContractViolationError;
/**
 * The message's payload version is not one the contract supports (code
 * UNSUPPORTED_VERSION, not retryable). `details` says which are.
 */
class UnsupportedVersionError extends messaging_errors_1.MessagingError {
    name = 'UnsupportedVersionError';
    /** `{ received, supported }`. */
    details;
    constructor(received, supported, fields = {}) {
        super(`payload version ${received} is not supported; supported versions: ${supported.join(', ')}`, error_codes_1.MessagingErrorCode.UNSUPPORTED_VERSION, false, fields);
        this.details = { received, supported };
    }
}
exports.UnsupportedVersionError = UnsupportedVersionError;
