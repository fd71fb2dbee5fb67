import type { Logger } from '@nestjs/common';
import { Observable } from 'rxjs';
import type { MessagingErrorFields } from '../errors/messaging.errors';
import type { MessagingHandlerOptions } from '../handler/handler.options';
import type { MessageMetadata } from '../metadata/message-metadata';
import { type DedupeStore } from './dedupe-store';
/** A handler's resilience settings, resolved from its options and the module's. @internal */
export interface HandlerGuardSettings {
    readonly maxPayloadSize: number | false;
    readonly dedupe?: {
        readonly window: number;
        readonly store: DedupeStore;
    };
}
/** Default dedupe window: 10 minutes. */
export declare const DEFAULT_DEDUPE_WINDOW = 600000;
/**
 * The handler side of resilience, run by MessagingInterceptor around each
 * handled message: holds the message's in-flight entry (graceful shutdown)
 * until the handler's result is sent, refuses payloads over `maxPayloadSize`,
 * and drops event redeliveries (`dedupe`).
 * @internal
 */
export declare class HandlerGuards {
    private defaultStore?;
    private readonly settings;
    /** Settings of a handler, resolved once. */
    resolve(handler: object, isEvent: boolean, handlerOptions: MessagingHandlerOptions | undefined, moduleOptions: MessagingHandlerOptions | undefined): HandlerGuardSettings;
    /** Wraps the handler's Observable. */
    guard(source: Observable<unknown>, settings: HandlerGuardSettings, data: unknown, metadata: MessageMetadata, handlerKey: string, fields: MessagingErrorFields, logger: Logger): Observable<unknown>;
}
