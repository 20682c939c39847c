/**
 * Shared test helpers: asserting AmpsimErrors, Arrow's decimal words, rowHash inputs.
 */
import { expect } from "vitest";
import { AmpsimError, type ColumnType, type ErrorCode } from "../../engine/index.js";

/** Runs `fn`, which must throw an AmpsimError with `code` whose message mentions each of `mentions`. */
export function expectError(fn: () => unknown, code: ErrorCode, ...mentions: (string | RegExp)[]): AmpsimError {
  let caught: unknown = undefined;
  try { fn(); } catch (error) { caught = error; }
  expect(caught, `expected an AmpsimError ${code}, but nothing or something else was thrown`).toBeInstanceOf(AmpsimError);
  const error = caught as AmpsimError;
  expect(error.code, error.message).toBe(code);
  for (const mention of mentions) {
    if (typeof mention === "string") expect(error.message).toContain(mention);
    else expect(error.message).toMatch(mention);
  }
  return error;
}

/** Arrow's 4 little-endian words of a 128-bit decimal → the unscaled integer. */
export function wordsToBigInt(words: ArrayLike<number>): bigint {
  const value = (BigInt(words[3] >>> 0) << 96n) | (BigInt(words[2] >>> 0) << 64n) | (BigInt(words[1] >>> 0) << 32n) | BigInt(words[0] >>> 0);
  return BigInt.asIntN(128, value);
}

export function bigIntToWords(value: bigint): Uint32Array {
  const v = BigInt.asUintN(128, value);
  return Uint32Array.from([0n, 32n, 64n, 96n], (shift) => Number((v >> shift) & 0xffffffffn));
}

export function formatDecimal(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, "0");
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

/** A stored plain value (decimals as unscaled bigint, dates and timestamps as ms) → the JS value `rowHash` takes for `type`. */
export function hashInput(value: unknown, type: ColumnType): unknown {
  if (value === null) return null;
  switch (type.kind) {
    case "decimal": return formatDecimal(value as bigint, type.scale);
    case "date": case "timestamp": return new Date(value as number);
    default: return value;
  }
}
