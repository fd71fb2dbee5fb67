import { Injectable } from '@nestjs/common';
import type { MessageMetadata } from '../wire/message-metadata';
import { getMessageContext, runWithMessageContext, type MessageContextInit, type MessageContextState } from './message-context';

/**
 * Injectable access to the current message context, anywhere in the call
 * chain of a handled message or an HTTP request (no need to pass ids around).
 *
 * @example
 * constructor(private readonly messaging: MessagingContext) {}
 * audit() { return { correlationId: this.messaging.correlationId, tenant: this.messaging.app.tenant }; }
 */
@Injectable()
export class MessagingContext {
  /** The whole context, or `undefined` outside any. */
  get current(): MessageContextState | undefined {
    return getMessageContext();
  }

  /** The correlation id of the current conversation, or `undefined` outside any context. */
  get correlationId(): string | undefined {
    return getMessageContext()?.correlationId;
  }

  /** The metadata of the message being handled, or `undefined` when not handling one. */
  get message(): MessageMetadata | undefined {
    return getMessageContext()?.message;
  }

  /** The application keys of the current context (empty outside any). */
  get app(): Readonly<Record<string, string>> {
    return getMessageContext()?.app ?? {};
  }

  /** Runs `fn` in a new context; see {@link runWithMessageContext}. */
  run<T>(init: MessageContextInit, fn: () => T): T {
    return runWithMessageContext(init, fn);
  }
}
