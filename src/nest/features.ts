import { ClientProxy, RedisContext, TcpContext } from '@nestjs/microservices';

/*
 * Every difference between Nest 11 and Nest 12 that the library acts on, in one
 * place. Features are detected, not versions: @nestjs/microservices 12 does not
 * export its package.json, and a feature may be backported.
 */

/** Nest 12: `ClientProxy.setOnDispatchHook` exists (and the Nest 12 packages are ESM only). */
export const HAS_DISPATCH_HOOK =
  typeof (ClientProxy.prototype as { setOnDispatchHook?: unknown }).setOnDispatchHook === 'function';

/** Nest 12: TcpContext and RedisContext show the packet's `metadata` field through `getMetadata()`. */
export const CONTEXT_HAS_METADATA =
  typeof (TcpContext.prototype as { getMetadata?: unknown }).getMetadata === 'function' &&
  typeof (RedisContext.prototype as { getMetadata?: unknown }).getMetadata === 'function';

/**
 * The NATS client packages in the order to try: Nest 12 uses
 * `@nats-io/transport-node`, Nest 11 `nats`.
 */
export const NATS_PACKAGES: readonly string[] = HAS_DISPATCH_HOOK
  ? ['@nats-io/transport-node', 'nats']
  : ['nats', '@nats-io/transport-node'];
