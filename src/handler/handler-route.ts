import type { AnyContract } from '../contract/message-contract';
import { prepareContract, type UnknownPropertiesMode } from '../contract/contract-codec';
import type { DedupeStore } from './dedupe-store';
import type { HandlerConfig } from './handler-config';
import type { MessagingHandlerOptions } from './handler.options';

/** Default dedupe window: 10 minutes. @internal */
export const DEFAULT_DEDUPE_WINDOW = 600_000;

/** A handler's dedupe settings, defaults filled in. @internal */
export interface ResolvedDedupe {
  readonly window: number;
  readonly lease: number;
  readonly claimTimeout: number;
  readonly store: DedupeStore;
}

/**
 * One handler as a server runs it: the decorator's configuration laid over the
 * server's handler defaults, resolved once when the server registers the
 * handler. Plain `@MessagePattern` / `@EventPattern` handlers get one too
 * (`library: false`): they run in the message context and nothing more.
 * @internal
 */
export class HandlerRoute {
  /** Whether the library's decorator made the handler. */
  readonly library: boolean;
  readonly kind: 'request' | 'event';
  readonly contract?: AnyContract;
  readonly unknownProperties: UnknownPropertiesMode;
  readonly exposeErrors: boolean;
  readonly maxPayloadSize: number | false;
  readonly dedupe?: ResolvedDedupe;
  readonly invalidEvents: 'dead-letter' | 'drop';
  /** `Class.method` of a library handler; the route otherwise. */
  readonly name: string;

  constructor(
    /** The route (pattern, normalised as Nest routes it). */
    readonly destination: string,
    isEvent: boolean,
    config: HandlerConfig | undefined,
    defaults: MessagingHandlerOptions | undefined,
    defaultStore: () => DedupeStore,
  ) {
    this.library = config !== undefined;
    this.kind = isEvent ? 'event' : 'request';
    this.name = config?.name ?? destination;
    const own = config?.options;
    this.contract = config?.contract;
    // Decide now how its DTO classes are decoded (by plan or by class-validator: logged at debug level).
    if (this.contract) prepareContract(this.contract);
    this.unknownProperties = own?.unknownProperties ?? defaults?.unknownProperties ?? 'reject';
    this.exposeErrors = own?.exposeErrors ?? defaults?.exposeErrors ?? false;
    this.invalidEvents = own?.invalidEvents ?? defaults?.invalidEvents ?? 'dead-letter';
    // Limits and dedupe are the library handlers' (plain handlers are left as Nest runs them).
    this.maxPayloadSize = config && !config.requestStream ? (own?.maxPayloadSize ?? defaults?.maxPayloadSize ?? false) : false;
    const chosen = own?.dedupe ?? defaults?.dedupe;
    if (config && isEvent && chosen) {
      const ownObj = typeof own?.dedupe === 'object' ? own.dedupe : undefined;
      const sharedObj = typeof defaults?.dedupe === 'object' ? defaults.dedupe : undefined;
      this.dedupe = {
        window: ownObj?.window ?? sharedObj?.window ?? DEFAULT_DEDUPE_WINDOW,
        lease: ownObj?.lease ?? sharedObj?.lease ?? 30_000,
        claimTimeout: ownObj?.claimTimeout ?? sharedObj?.claimTimeout ?? 1000,
        store: ownObj?.store ?? sharedObj?.store ?? defaultStore(),
      };
    }
  }

  /** Whether a message of this route needs more than the message context (the fast path skips all of it). */
  get guarded(): boolean {
    return this.contract !== undefined || this.dedupe !== undefined || this.maxPayloadSize !== false;
  }
}
