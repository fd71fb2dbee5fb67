import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Observable } from 'rxjs';
import { decodeMetadata, type MessageMetadata } from '../metadata/message-metadata';
import { runAsHandlerOf } from '../metadata/message-context';
import { readIncomingMetadata } from '../server/incoming-metadata';

/**
 * Reads the metadata of the message being handled and runs the handler in its
 * message context: calls and events made while handling carry the same
 * correlation id and this message's id as their causation id. A message from
 * a plain Nest client (no metadata) gets a fresh correlation id.
 *
 * Attach it per handler (`@UseInterceptors(MessagingInterceptor)`): in a
 * hybrid app, global interceptors do not run on microservice handlers unless
 * `inheritAppConfig` is true.
 */
@Injectable()
export class MessagingInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const metadata = incomingMessageMetadata(context);
    return new Observable((subscriber) => runAsHandlerOf(metadata, () => next.handle().subscribe(subscriber)));
  }
}

/** The decoded metadata of the message an RPC execution context handles. @internal */
export function incomingMessageMetadata(context: ExecutionContext): MessageMetadata {
  return decodeMetadata(readIncomingMetadata(context.switchToRpc().getContext()));
}
