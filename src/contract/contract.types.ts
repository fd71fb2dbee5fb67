import type { Type } from '@nestjs/common';
import type { InferSchemaInput, InferSchemaOutput, StandardSchemaV1 } from './standard-schema';

/** A DTO class: what class-transformer instantiates and class-validator checks. */
export type DtoClass<T extends object = object> = Type<T>;

/**
 * What one version of a contract (or its response) is checked with: a
 * class-validator DTO class, or any schema implementing Standard Schema
 * (zod 4, valibot 1, arktype 2, ...).
 */
export type PayloadSchema = DtoClass | StandardSchemaV1;

/**
 * The payload schemas of a contract, by version number: DTO classes
 * `{ 1: GetUserV1, 2: GetUserV2 }`, Standard Schemas `{ 1: z.object({...}) }`, or both.
 */
export type VersionMap = { readonly [version: number]: PayloadSchema };

/**
 * The data fields of a DTO type: its methods (and getters' setters' functions)
 * left out, nested DTOs and arrays of them alike, so that a plain object
 * literal is a valid payload of a DTO class that has methods.
 */
export type DataOf<T> = T extends Date | RegExp | Uint8Array
  ? T
  : T extends ReadonlyArray<infer E>
    ? T extends Array<E>
      ? Array<DataOf<E>>
      : ReadonlyArray<DataOf<E>>
    : T extends object
      ? { [K in keyof T as T[K] extends (...args: never[]) => unknown ? never : K]: DataOf<T[K]> }
      : T;

/** The type a version schema accepts: a Standard Schema's input type, a DTO's data fields. */
export type InputOf<S> = S extends StandardSchemaV1 ? InferSchemaInput<S> : S extends DtoClass<infer T> ? DataOf<T> : never;

/** The type a version schema produces: a Standard Schema's output type, a DTO instance. */
export type OutputOf<S> = S extends StandardSchemaV1 ? InferSchemaOutput<S> : S extends DtoClass<infer T> ? T : never;

/** The highest version number of `V` (computed at the type level). */
export type CurrentVersionOf<V extends VersionMap> = number extends keyof V ? number : MaxOf<keyof V & number>;

type MaxOf<K extends number, Seen extends unknown[] = [unknown]> = [Exclude<K, Seen['length']>] extends [never]
  ? Seen['length'] extends K
    ? Seen['length']
    : never
  : MaxOf<Exclude<K, Seen['length']>, [...Seen, unknown]>;

/**
 * The payload type of version `N` of `V`, as a client sends it: the DTO's shape
 * (a plain object literal is fine), or the Standard Schema's input type.
 */
export type PayloadOfVersion<V extends VersionMap, N extends keyof V> = InputOf<V[N]>;

/**
 * The payload of version `N` of `V` once decoded: a DTO instance, or the
 * Standard Schema's output type.
 */
export type DecodedPayloadOfVersion<V extends VersionMap, N extends keyof V> = OutputOf<V[N]>;

/**
 * Upcasters: for each version but the current one, a function from a decoded
 * payload of that version (a validated DTO instance, a schema's output) to the
 * plain payload of the next higher version. `defineMessage`/`defineEvent` check
 * that none is missing.
 */
export type Upcasters<V extends VersionMap> = {
  readonly [N in keyof V]?: (payload: DecodedPayloadOfVersion<V, N>) => object;
};
