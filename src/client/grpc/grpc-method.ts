import { Observable, type Subscribable } from 'rxjs';
import type { MessagingInstrumentation } from '../../instrumentation/messaging-instrumentation';
import type { ClientResilience } from '../../resilience/client-resilience';
import type { WireMetadata } from '../../wire/message-metadata';
import { CallExecution, type Call, type ExecutionHost } from '../call-execution';
import type { ResolvedPolicy } from '../call-policy';
import type { CallOptions } from '../messaging-client';
import { prepareCall } from '../prepare-call';
import { classifyGrpcError } from './classify-grpc-error';
import { GrpcAttempt, type GrpcStubMethod } from './grpc-attempt';

/** What the methods of one MessagingGrpcClient share. @internal */
export interface GrpcClientShared {
  readonly name: string;
  readonly policy: ResolvedPolicy;
  readonly instruments: readonly MessagingInstrumentation[] | undefined;
  readonly pending: Set<CallExecution>;
  readonly resilience: ClientResilience | undefined;
  isClosed(): boolean;
}

/**
 * One method of a gRPC service, as the execution host of its calls: the
 * same CallExecution as MessagingClient's (budget, retries, breaker,
 * bulkhead, retry budget, instrumentation), whose attempts are gRPC calls of
 * the stub's method. The call's pattern is the method's full name,
 * `package.Service/Method`.
 * @internal
 */
export class GrpcMethodClient implements ExecutionHost {
  readonly name: string;
  readonly system = 'grpc';
  readonly instruments: readonly MessagingInstrumentation[] | undefined;
  readonly pending: Set<CallExecution>;
  readonly resilience: ClientResilience | undefined;
  readonly watchdog = undefined;
  readonly classify = classifyGrpcError;
  private readonly pattern: string;
  private readonly policy: ResolvedPolicy;

  constructor(
    private readonly shared: GrpcClientShared,
    private readonly stub: object,
    private readonly method: GrpcStubMethod,
  ) {
    this.name = shared.name;
    this.instruments = shared.instruments;
    this.pending = shared.pending;
    this.resilience = shared.resilience;
    this.pattern = method.path.replace(/^\//, '');
    // A request stream is not measured as JSON.
    this.policy = method.requestStream ? { ...shared.policy, maxPayloadSize: false } : shared.policy;
  }

  /** A cold Observable of the method's responses: each subscription is one call. */
  call(request: unknown, options: CallOptions | undefined): Observable<unknown> {
    const own = this.method.requestStream && options?.maxPayloadSize !== undefined ? { ...options, maxPayloadSize: false as const } : options;
    const call = prepareCall(this.pattern, request, this.policy, own, false, undefined, options?.payloadVersion);
    return new Observable<unknown>((subscriber) => new CallExecution(this, call, subscriber).start());
  }

  isClosed(): boolean {
    return this.shared.isClosed();
  }

  dispatch(call: Call, metadata: WireMetadata, timeoutMs: number | undefined): Subscribable<unknown> {
    return new GrpcAttempt(this.stub, this.method, call.data, metadata, timeoutMs);
  }
}
