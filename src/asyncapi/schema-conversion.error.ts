import { MessagingConfigurationError } from '../errors/messaging.errors';

/** Where a schema that could not be converted is used. */
export interface SchemaConversionSite {
  /** The contract's pattern, as text. */
  readonly pattern?: string;
  /** The version, or `'response'`. */
  readonly version?: number | 'response';
}

/**
 * A contract's schema cannot be turned into JSON Schema: a Standard Schema
 * whose library has no converter (or whose converter refuses a part of it, a
 * zod `z.date()`, a valibot `v.custom()`), a DTO class the converter cannot
 * follow, or a converter package that is not installed. The message names the
 * contract, the version and the schema library, and says what to do.
 */
export class SchemaConversionError extends MessagingConfigurationError {
  override name = 'SchemaConversionError';
  /** The schema library (`'zod'`, `'valibot'`...) or `'class-validator'`. */
  readonly vendor: string;
  /** The contract's pattern, as text, when known. */
  readonly pattern?: string;
  /** The version, or `'response'`, when known. */
  readonly version?: number | 'response';

  constructor(message: string, vendor: string, site: SchemaConversionSite = {}, cause?: unknown) {
    super(`${describeSite(site)}${message}`, cause === undefined ? undefined : { cause });
    this.vendor = vendor;
    this.pattern = site.pattern;
    this.version = site.version;
  }

  /** The same error, told where the schema is used. @internal */
  at(site: SchemaConversionSite): SchemaConversionError {
    if (this.pattern !== undefined) return this;
    const bare = this.message;
    return new SchemaConversionError(bare, this.vendor, site, this.cause);
  }
}

function describeSite(site: SchemaConversionSite): string {
  if (site.pattern === undefined) return '';
  const which = site.version === undefined ? '' : site.version === 'response' ? ' response' : ` version ${site.version}`;
  return `contract ${site.pattern}${which}: `;
}
