/*
 * The Standard Schema interface (standardschema.dev, version 1), declared here
 * because it is a types-only specification: zod 4, valibot 1, arktype 2 and
 * others implement it, and the library depends on none of them. The shapes
 * below are the specification's, flattened out of its namespace.
 */

/** A path segment of a {@link StandardSchemaIssue}: a key wrapped in an object. */
export interface StandardSchemaPathSegment {
  /** The key of this segment. */
  readonly key: PropertyKey;
}

/** One problem a Standard Schema found in a value. */
export interface StandardSchemaIssue {
  /** The error message. */
  readonly message: string;
  /** Where in the value, from the root; absent for the value itself. */
  readonly path?: ReadonlyArray<PropertyKey | StandardSchemaPathSegment> | undefined;
}

/** What a Standard Schema's `validate` returns when the value is valid. */
export interface StandardSchemaSuccess<Output> {
  /** The parsed (and possibly transformed) value. */
  readonly value: Output;
  /** Absent on success. */
  readonly issues?: undefined;
}

/** What a Standard Schema's `validate` returns when the value is invalid. */
export interface StandardSchemaFailure {
  /** The problems found. */
  readonly issues: ReadonlyArray<StandardSchemaIssue>;
}

/** The result of a Standard Schema's `validate`. */
export type StandardSchemaResult<Output> = StandardSchemaSuccess<Output> | StandardSchemaFailure;

/** The `~standard` property of a Standard Schema. */
export interface StandardSchemaProps<Input = unknown, Output = Input> {
  /** The version of the specification: 1. */
  readonly version: 1;
  /** The schema library, e.g. `'zod'` or `'valibot'`. */
  readonly vendor: string;
  /** Validates a value: synchronously or not, as the library does. */
  readonly validate: (
    value: unknown,
    options?: { readonly libraryOptions?: Record<string, unknown> | undefined } | undefined,
  ) => StandardSchemaResult<Output> | Promise<StandardSchemaResult<Output>>;
  /** Type-only: the schema's input and output types. */
  readonly types?: { readonly input: Input; readonly output: Output } | undefined;
}

/**
 * A schema that implements the Standard Schema interface (a zod 4, valibot 1 or
 * arktype 2 schema, among others): usable as a contract version or response.
 *
 * @example
 * const GetUserV2 = z.object({ id: z.number().int().min(1) }); // a StandardSchemaV1
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  /** The Standard Schema properties. */
  readonly '~standard': StandardSchemaProps<Input, Output>;
}

/** The type a Standard Schema accepts (what a client sends). */
export type InferSchemaInput<S extends StandardSchemaV1> = NonNullable<S['~standard']['types']>['input'];

/** The type a Standard Schema produces (what a handler receives). */
export type InferSchemaOutput<S extends StandardSchemaV1> = NonNullable<S['~standard']['types']>['output'];

/**
 * Whether `value` implements the Standard Schema interface (version 1). Schemas
 * may be objects (zod, valibot) or functions (arktype).
 */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const props = (value as { '~standard'?: Partial<StandardSchemaProps> })['~standard'];
  return typeof props === 'object' && props !== null && props.version === 1 && typeof props.validate === 'function';
}
