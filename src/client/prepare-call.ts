import type { AnyContract } from '../contract/message-contract';
import { getMessageContext } from '../context/message-context';
import type { MessagePattern } from '../errors/messaging.errors';
import { assertValidAppMetadata, type AppMetadata } from '../wire/message-metadata';
import type { Call } from './call-execution';
import { mergePolicy, type CallPolicy, type ResolvedPolicy } from './call-policy';

/** What a call adds to its policy: metadata. Shared by MessagingClient and MessagingGrpcClient. @internal */
export interface CallMetadataOptions extends CallPolicy {
  metadata?: Record<string, string>;
}

const EMPTY: AppMetadata = Object.freeze({});

/**
 * One call as it is captured when it is made: its policy (the client's with
 * the call's options laid over it), and the ids, application keys and
 * deadline of the message context it is made in.
 * @throws InvalidMetadataError when the call's application metadata is invalid.
 * @internal
 */
export function prepareCall(
  pattern: MessagePattern,
  data: unknown,
  base: ResolvedPolicy,
  options: CallMetadataOptions | undefined,
  event: boolean,
  contract?: AnyContract,
  payloadVersion?: number,
): Call {
  const ctx = getMessageContext();
  let app: AppMetadata = ctx?.app ?? EMPTY;
  if (options?.metadata) {
    assertValidAppMetadata(options.metadata);
    app = { ...app, ...options.metadata };
  }
  return {
    pattern,
    data,
    policy: options ? mergePolicy(base, options) : base,
    correlationId: ctx?.correlationId,
    causationId: ctx?.message?.messageId,
    app,
    payloadVersion,
    event,
    contract,
    deadline: event ? undefined : ctx?.deadline,
  };
}
