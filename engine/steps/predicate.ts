/**
 * The simple predicates that `scan`, `delete` and `aggregate` accept, either as
 * objects or as SQL text (`"cust = 5 AND amount > 10"`, parsed by sql-parser).
 */

/** A literal value in a predicate; DATE '…' and TIMESTAMP '…' literals become Date. */
export type Literal = number | bigint | string | boolean | null | Date;

export type CompareOperator = "=" | "<>" | "<" | "<=" | ">" | ">=";

export type Predicate =
  | { readonly kind: "compare"; readonly column: string; readonly op: CompareOperator; readonly value: Literal }
  | { readonly kind: "is null"; readonly column: string; readonly negated: boolean }
  | { readonly kind: "in"; readonly column: string; readonly values: readonly Literal[]; readonly negated: boolean }
  | { readonly kind: "between"; readonly column: string; readonly low: Literal; readonly high: Literal; readonly negated: boolean }
  | { readonly kind: "and"; readonly operands: readonly Predicate[] }
  | { readonly kind: "or"; readonly operands: readonly Predicate[] }
  | { readonly kind: "not"; readonly operand: Predicate };
