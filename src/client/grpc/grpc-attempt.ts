import { isObservable, type Observer, type Subscribable, type Unsubscribable } from 'rxjs';
import { GrpcStatus } from '../../errors/grpc-status';
import type { WireMetadata } from '../../wire/message-metadata';
import { toGrpcMetadata, type GrpcMetadataLike } from '../../wire/transports/grpc';
import { ATTEMPT_DEADLINE_PASSED } from '../call-execution';
import { isGrpcServiceError } from './classify-grpc-error';

/** A call that a `@grpc/grpc-js` stub method returns (unary, streaming, duplex). @internal */
export interface GrpcClientCall {
  cancel(): void;
  on(event: string, listener: (...args: never[]) => void): unknown;
  write?(value: unknown): boolean;
  end?(): void;
}

/** A method of a `@grpc/grpc-js` service stub, as `makeClientConstructor` makes it. @internal */
export interface GrpcStubMethod {
  (this: object, ...args: unknown[]): GrpcClientCall;
  readonly path: string;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
}

/**
 * One attempt of a gRPC call: the stub's method called with the attempt's
 * metadata as gRPC metadata and, when the call has a budget, gRPC's native
 * deadline. A request stream (an Observable of requests, for client and
 * bidirectional streaming) is subscribed once per attempt. Unsubscribing
 * cancels the call (the server sees CANCELLED). The deadline passing is
 * reported as ATTEMPT_DEADLINE_PASSED (the execution ends the attempt as its
 * own timer does); other failures as they are (see classifyGrpcError).
 * @internal
 */
export class GrpcAttempt implements Subscribable<unknown>, Unsubscribable {
  private observer: Observer<unknown> | undefined;
  private call: GrpcClientCall | undefined;
  private upstream: Unsubscribable | undefined;
  private readonly deadline: number | undefined;
  private finished = false;

  constructor(
    private readonly stub: object,
    private readonly method: GrpcStubMethod,
    private readonly request: unknown,
    private readonly metadata: WireMetadata,
    timeoutMs: number | undefined,
  ) {
    this.deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
  }

  subscribe(observer: Partial<Observer<unknown>>): Unsubscribable {
    this.observer = observer as Observer<unknown>;
    const { method, stub } = this;
    const metadata: GrpcMetadataLike = toGrpcMetadata(this.metadata);
    const options = this.deadline === undefined ? {} : { deadline: this.deadline };
    const streamed = method.requestStream && isObservable(this.request);
    if (method.responseStream) {
      const call = streamed ? method.call(stub, metadata, options) : method.call(stub, this.request, metadata, options);
      this.call = call;
      call.on('data', (value: never) => this.observer?.next(value));
      call.on('error', (err: never) => this.fail(err));
      call.on('end', () => this.complete());
    } else {
      const respond = (err: unknown, value: unknown) => (err ? this.fail(err) : this.reply(value));
      this.call = streamed ? method.call(stub, metadata, options, respond) : method.call(stub, this.request, metadata, options, respond);
    }
    if (streamed) this.pipeRequests();
    return this;
  }

  unsubscribe(): void {
    this.observer = undefined;
    this.upstream?.unsubscribe();
    if (!this.finished) {
      this.finished = true;
      this.call?.cancel();
    }
  }

  /** Client and bidirectional streaming: the caller's request stream, written to the call. */
  private pipeRequests(): void {
    const call = this.call!;
    this.upstream = (this.request as Subscribable<unknown>).subscribe({
      next: (value) => call.write?.(value),
      error: (err: unknown) => {
        this.fail(err);
        call.cancel();
      },
      complete: () => call.end?.(),
    });
  }

  private reply(value: unknown): void {
    const observer = this.observer;
    this.finished = true;
    observer?.next(value);
    observer?.complete();
  }

  private complete(): void {
    if (this.finished) return;
    this.finished = true;
    this.observer?.complete();
  }

  private fail(err: unknown): void {
    const observer = this.observer;
    if (observer === undefined) return;
    this.finished = true;
    this.observer = undefined;
    this.upstream?.unsubscribe();
    observer.error(this.passedDeadline(err) ? ATTEMPT_DEADLINE_PASSED : err);
  }

  /**
   * Whether `err` is this attempt's own deadline passing: DEADLINE_EXCEEDED
   * once the deadline is reached (from grpc-js, or from the server, whose
   * deadline is the same one carried over), not one a handler answered
   * earlier for a deadline of its own (a shorter downstream call's).
   */
  private passedDeadline(err: unknown): boolean {
    if (this.deadline === undefined || !isGrpcServiceError(err) || err.code !== GrpcStatus.DEADLINE_EXCEEDED) return false;
    return Date.now() >= this.deadline - 2;
  }
}
