"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.HANDLER_KIND_METADATA = exports.HANDLER_OPTIONS_METADATA = exports.CONTRACT_METADATA = void 0;
/** Metadata keys the handler decorators set. @internal */
exports.CONTRACT_METADATA = 'nestjs-messaging:contract';
/** @internal */
exports.HANDLER_OPTIONS_METADATA = 'nestjs-messaging:handler-options';
/** `'event'` on handlers made by `@EventHandler`. @internal */
exports.HANDLER_KIND_METADATA = 'nestjs-messaging:handler-kind';
