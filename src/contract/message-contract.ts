import { describePattern, MessagingConfigurationError } from '../errors/messaging.errors';
import type { MessagePattern } from '../errors/messaging.errors';
import type {
  CurrentVersionOf,
  DecodedPayloadOfVersion,
  OutputOf,
  PayloadOfVersion,
  PayloadSchema,
  Upcasters,
  VersionMap,
} from './contract.types';
import { isStandardSchema } from './standard-schema';

const CONTRACT = Symbol.for('nestjs-messaging:contract');

/** What both kinds of contract have. */
export interface ContractBase<P extends MessagePattern, V extends VersionMap> {
  /** Brand that tells contracts from patterns. @internal */
  readonly [CONTRACT]: true;
  /** The Nest pattern of the message. */
  readonly pattern: P;
  /** Payload schemas (DTO classes or Standard Schemas) by version. */
  readonly versions: V;
  /** The highest version; handlers receive payloads of this version. */
  readonly current: number;
  /** Version assumed for a message that says none (a plain Nest client). */
  readonly assumedVersion: number;
  /** Upcasters from each older version to the next (typed precisely where the contract is defined). */
  readonly upcast: Readonly<Record<number, (payload: never) => object>>;
  /** Supported version numbers, ascending. */
  readonly supportedVersions: readonly number[];
}

/** A request-response contract, made by {@link defineMessage}. */
export interface MessageContract<P extends MessagePattern = MessagePattern, V extends VersionMap = VersionMap, R = unknown>
  extends ContractBase<P, V> {
  /** `'message'` */
  readonly kind: 'message';
  /** The response DTO class or Standard Schema, if the contract names one. */
  readonly response?: PayloadSchema;
  /** Type-only: the response type. */
  readonly __response?: R;
}

/** An event contract, made by {@link defineEvent}. */
export interface EventContract<P extends MessagePattern = MessagePattern, V extends VersionMap = VersionMap>
  extends ContractBase<P, V> {
  /** `'event'` */
  readonly kind: 'event';
  /** Time to live in ms: older events are dropped with a log line instead of handled. */
  readonly ttl?: number;
}

/** What {@link defineEvent} takes. */
export interface EventContractDefinition<P extends MessagePattern, V extends VersionMap> extends ContractDefinition<P, V> {
  /**
   * Time to live, in milliseconds: a handler drops (with a log line) an event
   * older than this, by the sender's `msg-sent-at` and the receiver's clock, so
   * clocks must agree to well within it. Without it, a late event is still
   * handled (a durable broker may deliver a backlog after downtime, and nothing
   * accepted is lost unless the contract says so).
   */
  ttl?: number;
}

/** Any contract. */
export type AnyContract = MessageContract<MessagePattern, VersionMap, unknown> | EventContract<MessagePattern, VersionMap>;

/** The response type of a message contract. */
export type ResponseOf<C> = C extends MessageContract<MessagePattern, VersionMap, infer R> ? R : never;

/** The version numbers of a contract. */
export type VersionsOf<C> = C extends ContractBase<MessagePattern, infer V> ? keyof V & number : never;

/** The current version of a contract. */
export type CurrentOf<C> = C extends ContractBase<MessagePattern, infer V> ? CurrentVersionOf<V> : never;

/**
 * The payload type of version `N` of a contract (the current one by default),
 * as a client sends it: a DTO's shape, or a Standard Schema's input type.
 */
export type PayloadOf<C, N = CurrentOf<C>> =
  C extends ContractBase<MessagePattern, infer V> ? (N extends keyof V ? PayloadOfVersion<V, N> : never) : never;

/**
 * What a handler of a contract receives: the current version's payload once
 * decoded (a DTO instance, or a Standard Schema's output type).
 * @example
 * async create(@Payload() user: DecodedPayloadOf<typeof CreateUser>) { ... }
 */
export type DecodedPayloadOf<C> =
  C extends ContractBase<MessagePattern, infer V> ? (CurrentOf<C> extends keyof V ? DecodedPayloadOfVersion<V, CurrentOf<C>> : never) : never;

/** What {@link defineMessage} and {@link defineEvent} take. */
export interface ContractDefinition<P extends MessagePattern, V extends VersionMap> {
  /** The Nest pattern, e.g. `{ cmd: 'get_user' }`. Object patterns are cheaper for Nest to route than strings. */
  pattern: P;
  /**
   * Payload schemas by version number (whole numbers from 1): DTO classes or
   * Standard Schemas (zod, valibot, arktype...). The highest is the current version.
   */
  versions: V;
  /** Upcasters from each version but the current one to the next higher version. */
  upcast?: Upcasters<V>;
  /**
   * Version assumed for messages that carry none (a plain Nest client).
   * @default the current version
   */
  assumeVersion?: keyof V & number;
}

/** What {@link defineMessage} takes; `S` is the type of its response class or schema. */
export interface MessageContractDefinition<P extends MessagePattern, V extends VersionMap, S extends PayloadSchema = PayloadSchema>
  extends ContractDefinition<P, V> {
  /** The response: a DTO class or a Standard Schema (its output type is what `request` resolves to). */
  response?: S;
}

/**
 * Defines a request-response contract: its pattern, a payload schema per
 * version (a DTO class or a Standard Schema), upcasters from older versions,
 * and the response class or schema.
 *
 * @throws MessagingConfigurationError when versions are not whole numbers >= 1 or an upcaster is missing.
 * @example
 * export const GetUser = defineMessage({
 *   pattern: { cmd: 'get_user' },
 *   versions: { 1: GetUserV1, 2: GetUserV2 },
 *   upcast: { 1: (v1) => ({ id: v1.userId }) },
 *   response: UserDto,
 * });
 */
export function defineMessage<P extends MessagePattern, V extends VersionMap, S extends PayloadSchema = never>(
  definition: MessageContractDefinition<P, V, S>,
): MessageContract<P, V, [S] extends [never] ? unknown : OutputOf<S>> {
  const contract = base(definition);
  const response = definition.response;
  if (response !== undefined && !isSchema(response)) {
    throw new MessagingConfigurationError(`${describe(definition)}: response must be a DTO class or a Standard Schema`);
  }
  return Object.freeze({ ...contract, kind: 'message' as const, response });
}

/**
 * Defines an event contract: its pattern, a payload schema per version (a DTO
 * class or a Standard Schema) and upcasters from older versions.
 *
 * @throws MessagingConfigurationError when versions are not whole numbers >= 1 or an upcaster is missing.
 * @example
 * export const UserCreated = defineEvent({ pattern: 'user_created', versions: { 1: UserCreatedV1 } });
 */
export function defineEvent<P extends MessagePattern, V extends VersionMap>(
  definition: EventContractDefinition<P, V>,
): EventContract<P, V> {
  if (definition.ttl !== undefined && !(typeof definition.ttl === 'number' && definition.ttl > 0)) {
    throw new MessagingConfigurationError(`event contract ttl ${String(definition.ttl)}: give a positive number of milliseconds`);
  }
  return Object.freeze({ ...base(definition), kind: 'event' as const, ttl: definition.ttl });
}

/** Whether `value` is a contract made by defineMessage/defineEvent. */
export function isContract(value: unknown): value is AnyContract {
  return typeof value === 'object' && value !== null && (value as { [CONTRACT]?: unknown })[CONTRACT] === true;
}

function describe(def: { pattern?: unknown } | undefined): string {
  return `contract ${def?.pattern === undefined || def.pattern === null ? '(no pattern)' : describePattern(def.pattern as MessagePattern)}`;
}

function isSchema(value: unknown): value is PayloadSchema {
  return isStandardSchema(value) || typeof value === 'function';
}

function base<P extends MessagePattern, V extends VersionMap>(def: ContractDefinition<P, V>): ContractBase<P, V> {
  const where = describe(def);
  if (def?.pattern === undefined || def.pattern === null) {
    throw new MessagingConfigurationError(`${where}: give a pattern`);
  }
  const versions = Object.keys(def.versions ?? {}).map(Number);
  if (versions.length === 0 || versions.some((v) => !Number.isInteger(v) || v < 1)) {
    throw new MessagingConfigurationError(`${where}: versions must be whole numbers from 1, each with a DTO class or a Standard Schema`);
  }
  versions.sort((a, b) => a - b);
  for (const v of versions) {
    if (!isSchema(def.versions[v])) {
      throw new MessagingConfigurationError(`${where}: version ${v} must be a DTO class or a Standard Schema (zod, valibot, arktype...)`);
    }
  }
  const current = versions[versions.length - 1]!;
  const upcast = (def.upcast ?? {}) as Record<number, unknown>;
  for (const v of versions.slice(0, -1)) {
    if (typeof upcast[v] !== 'function') {
      throw new MessagingConfigurationError(
        `${where}: version ${v} needs an upcaster to version ${versions[versions.indexOf(v) + 1]} (upcast: { ${v}: (payload) => ({...}) })`,
      );
    }
  }
  const assumed = def.assumeVersion ?? current;
  if (!versions.includes(assumed)) {
    throw new MessagingConfigurationError(`${where}: assumeVersion ${String(assumed)} is not one of its versions`);
  }
  return {
    [CONTRACT]: true,
    pattern: def.pattern,
    versions: def.versions,
    current,
    assumedVersion: assumed,
    upcast: upcast as Record<number, (payload: never) => object>,
    supportedVersions: Object.freeze(versions),
  };
}
