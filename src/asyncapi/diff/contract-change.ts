/** What changed between two documents, as the contract diff names it. */
export type ContractChangeKind =
  // breaking
  | 'pattern-removed'
  | 'pattern-renamed'
  | 'kind-changed'
  | 'version-removed'
  | 'required-field-added'
  | 'field-now-required'
  | 'field-removed'
  | 'type-narrowed'
  | 'enum-value-removed'
  | 'response-removed'
  | 'response-field-removed'
  | 'response-field-now-optional'
  | 'response-type-widened'
  | 'response-enum-value-added'
  | 'schema-changed'
  // not breaking
  | 'pattern-added'
  | 'version-added'
  | 'version-removed-unsent'
  | 'optional-field-added'
  | 'field-now-optional'
  | 'type-widened'
  | 'enum-value-added'
  | 'response-added'
  | 'response-field-added'
  | 'response-type-narrowed'
  | 'response-enum-value-removed';

/** One change found by {@link diffContracts}. */
export interface ContractChange {
  /** What kind of change. */
  readonly kind: ContractChangeKind;
  /** Whether it breaks a sender or a caller that works today. */
  readonly breaking: boolean;
  /** The pattern's route, e.g. `{"cmd":"get_user"}`. */
  readonly pattern: string;
  /** The payload version, or `'response'`. */
  readonly version?: number | 'response';
  /** The field's path in the payload (`address.zip`, `items[].sku`), when the change is in a field. */
  readonly path?: string;
  /** What changed, and what to do about a breaking change, in a sentence. */
  readonly message: string;
}

/** The result of {@link diffContracts}. */
export interface ContractDiff {
  /** Whether any change is breaking (the CLI then exits 1). */
  readonly breaking: boolean;
  /** Every change, breaking ones first, then by pattern. */
  readonly changes: readonly ContractChange[];
}
