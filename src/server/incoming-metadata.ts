import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The raw metadata of the packet being handled, set by the library's server
 * strategies (Nest 11's TcpContext has no getMetadata()).
 * @internal
 */
export const incomingPacketMetadata = new AsyncLocalStorage<unknown>();

/**
 * The raw wire metadata of the message being handled, from the RPC context
 * (`TcpContext.getMetadata()` on Nest 12) or from the library's server strategy.
 * `undefined` when the sender sent none.
 * @internal
 */
export function readIncomingMetadata(rpcContext: unknown): unknown {
  const fromContext = (rpcContext as { getMetadata?: () => unknown } | undefined)?.getMetadata?.();
  return fromContext ?? incomingPacketMetadata.getStore();
}
