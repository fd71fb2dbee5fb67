import type { ClientProxy } from '@nestjs/microservices';
import type { Observer, Unsubscribable } from 'rxjs';
import type { AnyContract } from '../contract/message-contract';
import { type MessagePattern } from '../errors/messaging.errors';
import type { MessagingInstrumentation } from '../instrumentation/messaging-instrumentation';
import { type AppMetadata } from '../metadata/message-metadata';
import type { Carrier } from '../transports/carriers';
import { type ResolvedPolicy } from './call-policy';
import type { ClientResilience } from '../resilience/client-resilience';
/** One call as `send()`/`emit()` captured it (ids and context read at call time). @internal */
export interface Call {
    readonly pattern: MessagePattern;
    readonly data: unknown;
    readonly policy: ResolvedPolicy;
    readonly correlationId: string;
    readonly causationId: string | undefined;
    readonly app: AppMetadata;
    readonly payloadVersion: number | undefined;
    readonly event: boolean;
    readonly contract: AnyContract | undefined;
    /** Deadline of the context the call was made in (performance.now() clock). */
    readonly deadline: number | undefined;
}
/** What an execution needs from its MessagingClient. @internal */
export interface ExecutionHost {
    readonly name: string;
    readonly proxy: ClientProxy;
    readonly carrier: Carrier;
    readonly system: string;
    readonly instruments: readonly MessagingInstrumentation[] | undefined;
    readonly pending: Set<CallExecution>;
    /** Circuit breaker, bulkhead and retry budget, when configured. */
    readonly resilience: ClientResilience | undefined;
    isClosed(): boolean;
}
/**
 * One message on its way: its attempts, retries, time budget, and the typed
 * error that ends it when it fails. A class rather than closures: the hot path
 * (a call that succeeds at once) allocates this object, the metadata map, the
 * envelope and one attempt observer, and nothing else.
 * @internal
 */
export declare class CallExecution implements Unsubscribable {
    private readonly host;
    private readonly call;
    private readonly observer;
    private readonly messageId;
    private readonly started;
    private budget;
    private inherited;
    private attempt;
    private emitted;
    private done;
    private inner;
    private attemptTimer;
    private retryTimer;
    private budgetTimer;
    private attemptErrors;
    /** Only failing calls pay for a timeline: it starts with the first failure. */
    private timeline;
    private instrumented;
    private errorFields;
    private ticket;
    private record;
    constructor(host: ExecutionHost, call: Call, observer: Observer<unknown>);
    /** The fields of every error of this call. */
    private get fields();
    /** Starts the call; the returned object stops it (the Observable's teardown). */
    start(): Unsubscribable;
    /** The subscriber went away, or the call ended: release everything. */
    unsubscribe(): void;
    /** The client closed while the call was pending. */
    cancel(): void;
    private refuse;
    private elapsed;
    private note;
    private fail;
    /** @internal called by the budget timer */
    budgetSpent(): void;
    /** @internal called by the attempt timer */
    attemptTimedOut(number: number): void;
    /** @internal */
    startAttempt(): void;
    /** @internal a value of attempt `number` */
    value(number: number, value: unknown): void;
    /** @internal attempt `number` completed */
    completed(number: number): void;
    /** @internal attempt `number` failed */
    errored(number: number, err: unknown): void;
    private attemptFailed;
}
