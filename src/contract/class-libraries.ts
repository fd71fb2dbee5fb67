import type * as ClassTransformer from 'class-transformer';
import type { ExposeMetadata, TransformMetadata, TypeMetadata } from 'class-transformer';
import type * as ClassValidator from 'class-validator';

/*
 * class-validator and class-transformer are loaded when a DTO class contract is
 * first used, not when the library is: an application with Standard Schema
 * contracts only (or none) never loads them.
 */

/** A class, as the libraries' metadata is keyed (any constructor). @internal */
export type AnyClass = abstract new (...args: never[]) => unknown;

/** The class-validator module. @internal */
export type ClassValidatorModule = typeof ClassValidator;
/** The class-transformer module. @internal */
export type ClassTransformerModule = typeof ClassTransformer;
/** class-validator's metadata of one decorator on one property (its index does not export the class). @internal */
export type ValidationMetadata = ReturnType<ClassValidator.MetadataStorage['getTargetValidationMetadatas']>[number];
/** class-validator's metadata of one constraint class. @internal */
export type ConstraintMetadata = ReturnType<ClassValidator.MetadataStorage['getTargetValidatorConstraints']>[number];

/**
 * The parts of class-transformer's metadata storage that the transformation
 * plan reads. Its public lookups, plus the per-class maps (private fields in
 * its typings) that list which properties have `@Type` and `@Transform`.
 * @internal
 */
export interface TransformerStorage {
  getStrategy(target: AnyClass): 'excludeAll' | 'exposeAll' | 'none';
  getExposedMetadatas(target: AnyClass): ExposeMetadata[];
  getExposedProperties(target: AnyClass, transformationType: number): string[];
  getExcludedProperties(target: AnyClass, transformationType: number): string[];
  findExposeMetadata(target: AnyClass, propertyName: string): ExposeMetadata | undefined;
  findTypeMetadata(target: AnyClass, propertyName: string): TypeMetadata | undefined;
  findTransformMetadatas(target: AnyClass, propertyName: string, transformationType: number): TransformMetadata[];
  readonly _typeMetadatas?: unknown;
  readonly _transformMetadatas?: unknown;
}

let validatorModule: ClassValidatorModule | undefined;
let transformerModule: ClassTransformerModule | undefined;
let transformerStorage: TransformerStorage | undefined;

/** class-validator, loaded on first use. @internal */
export function classValidator(): ClassValidatorModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- peer dependency, loaded when a DTO contract is first used
  return (validatorModule ??= require('class-validator') as ClassValidatorModule);
}

/** class-transformer, loaded on first use. @internal */
export function classTransformer(): ClassTransformerModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- peer dependency, loaded when a DTO contract is first used
  return (transformerModule ??= require('class-transformer') as ClassTransformerModule);
}

/**
 * class-transformer's metadata storage. Its package entry does not export it;
 * 0.5.x keeps it in `cjs/storage` (which Node loads for `import` too, the
 * package having no `exports` map), the same instance its decorators write to.
 * @internal
 */
export function classTransformerStorage(): TransformerStorage {
  if (!transformerStorage) {
    classTransformer();
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
    const storage = require('class-transformer/cjs/storage') as { defaultMetadataStorage: TransformerStorage };
    transformerStorage = storage.defaultMetadataStorage;
  }
  return transformerStorage;
}
