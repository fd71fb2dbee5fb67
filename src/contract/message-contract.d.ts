import type { Type } from '@nestjs/common';
import type { MessagePattern } from '../errors/messaging.errors';
/** A DTO class: what class-transformer instantiates and class-validator checks. */
export type DtoClass<T extends object = object> = Type<T>;
/** The payload classes of a contract, by version number: `{ 1: GetUserV1, 2: GetUserV2 }`. */
export type VersionMap = {
    readonly [version: number]: DtoClass;
};
/** The highest version number of `V` (computed at the type level). */
export type CurrentVersionOf<V extends VersionMap> = number extends keyof V ? number : MaxOf<keyof V & number>;
type MaxOf<K extends number, Seen extends unknown[] = [unknown]> = [Exclude<K, Seen['length']>] extends [never] ? Seen['length'] extends K ? Seen['length'] : never : MaxOf<Exclude<K, Seen['length']>, [...Seen, unknown]>;
/** The payload type of version `N` of `V`: the DTO's shape (a plain object literal is fine). */
export type PayloadOfVersion<V extends VersionMap, N extends keyof V> = V[N] extends DtoClass<infer T> ? T : never;
/**
 * Upcasters: for each version but the current one, a function from a payload
 * of that version (a validated DTO instance) to the plain payload of the next
 * higher version. `defineMessage`/`defineEvent` check that none is missing.
 */
export type Upcasters<V extends VersionMap> = {
    readonly [N in keyof V]?: (payload: PayloadOfVersion<V, N>) => object;
};
declare const CONTRACT: unique symbol;
/** What both kinds of contract have. */
export interface ContractBase<P extends MessagePattern, V extends VersionMap> {
    /** Brand that tells contracts from patterns. @internal */
    readonly [CONTRACT]: true;
    /** The Nest pattern of the message. */
    readonly pattern: P;
    /** Payload classes by version. */
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
export interface MessageContract<P extends MessagePattern = MessagePattern, V extends VersionMap = VersionMap, R = unknown> extends ContractBase<P, V> {
    /** `'message'` */
    readonly kind: 'message';
    /** The response DTO class, if the contract names one. */
    readonly response?: DtoClass;
    /** Type-only: the response type. */
    readonly __response?: R;
}
/** An event contract, made by {@link defineEvent}. */
export interface EventContract<P extends MessagePattern = MessagePattern, V extends VersionMap = VersionMap> extends ContractBase<P, V> {
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
/** The payload type of version `N` of a contract (the current one by default). */
export type PayloadOf<C, N = CurrentOf<C>> = C extends ContractBase<MessagePattern, infer V> ? (N extends keyof V ? PayloadOfVersion<V, N> : never) : never;
/** What {@link defineMessage} and {@link defineEvent} take. */
export interface ContractDefinition<P extends MessagePattern, V extends VersionMap> {
    /** The Nest pattern, e.g. `{ cmd: 'get_user' }`. Object patterns are cheaper for Nest to route than strings. */
    pattern: P;
    /** Payload classes by version number (whole numbers from 1). The highest is the current version. */
    versions: V;
    /** Upcasters from each version but the current one to the next higher version. */
    upcast?: Upcasters<V>;
    /**
     * Version assumed for messages that carry none (a plain Nest client).
     * @default the current version
     */
    assumeVersion?: keyof V & number;
}
/** What {@link defineMessage} takes. */
export interface MessageContractDefinition<P extends MessagePattern, V extends VersionMap, R extends object> extends ContractDefinition<P, V> {
    /** The response DTO class. */
    response?: DtoClass<R>;
}
/**
 * Defines a request-response contract: its pattern, a payload class per
 * version, upcasters from older versions, and the response class.
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
export declare function defineMessage<P extends MessagePattern, V extends VersionMap, R extends object = never>(definition: MessageContractDefinition<P, V, R>): MessageContract<P, V, [R] extends [never] ? unknown : R>;
/**
 * Defines an event contract: its pattern, a payload class per version and
 * upcasters from older versions.
 *
 * @throws MessagingConfigurationError when versions are not whole numbers >= 1 or an upcaster is missing.
 * @example
 * export const UserCreated = defineEvent({ pattern: 'user_created', versions: { 1: UserCreatedV1 } });
 */
export declare function defineEvent<P extends MessagePattern, V extends VersionMap>(definition: EventContractDefinition<P, V>): EventContract<P, V>;
/** Whether `value` is a contract made by defineMessage/defineEvent. */
export declare function isContract(value: unknown): value is AnyContract;
export {};
