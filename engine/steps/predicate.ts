/**
 * The simple predicates that `scan`, `delete` and `aggregate` accept, either as
 * objects or as SQL text (`"cust = 5 AND amount > 10"`, parsed by sql-parser).
 */

/**
 * A literal value in SQL text; DATE '…' and TIMESTAMP '…' literals become Date. A numeric
 * literal with more significant digits than a double holds keeps its text (NumberText), so
 * DECIMAL(38) values stay exact.
 */
export type Literal = number | bigint | string | boolean | null | Date | NumberText;

export interface NumberText {
  readonly kind: "number-text";
  readonly text: string;
}

export function isNumberText(value: unknown): value is NumberText {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "number-text";
}

/** The JS value a literal stands for in a column of this type kind: exact text for decimals, else a number. */
export function literalValue(literal: Literal, kind: string): unknown {
  if (!isNumberText(literal)) return literal;
  return kind === "decimal" ? literal.text : Number(literal.text);
}

export type CompareOperator = "=" | "<>" | "<" | "<=" | ">" | ">=";

export type Predicate =
  | { readonly kind: "compare"; readonly column: string; readonly op: CompareOperator; readonly value: Literal }
  | { readonly kind: "is null"; readonly column: string; readonly negated: boolean }
  | { readonly kind: "in"; readonly column: string; readonly values: readonly Literal[]; readonly negated: boolean }
  | { readonly kind: "between"; readonly column: string; readonly low: Literal; readonly high: Literal; readonly negated: boolean }
  | { readonly kind: "and"; readonly operands: readonly Predicate[] }
  | { readonly kind: "or"; readonly operands: readonly Predicate[] }
  | { readonly kind: "not"; readonly operand: Predicate };
