import type { CallInfo, CallObserver, HandlerInfo, HandlerObserver, MessagingInstrumentation } from './messaging-instrumentation';
/** Starts every instrumentation's observer for a call and combines them. @internal */
export declare function startCall(instruments: readonly MessagingInstrumentation[], info: CallInfo): CallObserver | undefined;
/** Starts every instrumentation's handler observer and combines them (outermost first). @internal */
export declare function startHandler(instruments: readonly MessagingInstrumentation[], info: HandlerInfo): HandlerObserver | undefined;
