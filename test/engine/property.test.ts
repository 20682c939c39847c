/**
 * Property: for a random system (AMPs, hash bits, uniform or rebalanced hash map),
 * a random table (1..6 columns of random types, nullable or not, UPI / NUPI / NoPI
 * over 1..2 columns, SET or MULTISET) and random rows (NULLs, duplicates where
 * allowed) inserted in 1..4 statements (row objects, Arrow tables, sliced and
 * multi-batch Arrow tables):
 *
 * - a scan returns exactly the multiset of rows inserted;
 * - every row sits on the AMP its row hash assigns, and the row hash is `rowHash`
 *   of its PI values; ampRowCounts agree with the scan and sum to the row count;
 * - a PI lookup finds exactly the rows with that PI value;
 * - insert-select into a copy with a different PI keeps the multiset and placement.
 *
 * Seeded: set AMPSIM_SEED to replay a failure (the seed and the command are printed).
 */
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import * as arrow from "apache-arrow";
import { Engine, HashMap, arrowTypeOf, rowHash, typeToSql, types } from "../../engine/index.js";
import type { ColumnType } from "../../engine/index.js";

const SEED = process.env.AMPSIM_SEED !== undefined ? Number(process.env.AMPSIM_SEED) : 20_240_611;
const NUM_RUNS = process.env.AMPSIM_RUNS !== undefined ? Number(process.env.AMPSIM_RUNS) : 250;
const REPLAY = `AMPSIM_SEED=${SEED} npx vitest run test/engine/property.test.ts`;

// ---------------------------------------------------------------------------
// Values: every generated value carries its stored form (what a scan gives back,
// as plain JS), the row-object input, and the Arrow input.

type Stored = number | bigint | string | boolean | null;

interface Value {
  readonly stored: Stored;
  readonly input: unknown;
  readonly arrow: unknown;
}

const MS_PER_DAY = 86_400_000;

function bigIntToWords(value: bigint): Uint32Array {
  const v = BigInt.asUintN(128, value);
  return Uint32Array.from([0n, 32n, 64n, 96n], (shift) => Number((v >> shift) & 0xffffffffn));
}

function wordsToBigInt(words: ArrayLike<number>): bigint {
  const value = (BigInt(words[3] >>> 0) << 96n) | (BigInt(words[2] >>> 0) << 64n) | (BigInt(words[1] >>> 0) << 32n) | BigInt(words[0] >>> 0);
  return BigInt.asIntN(128, value);
}

function formatDecimal(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, "0");
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

const CHARACTERS = fc.constantFrom("a", "b", "Z", " ", "é", "中", "😀", "0");

function smallOrAny<T>(small: fc.Arbitrary<T>, any: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.oneof({ arbitrary: small, weight: 2 }, { arbitrary: any, weight: 1 });
}

function integerValue(low: number, high: number): fc.Arbitrary<Value> {
  return fc.tuple(smallOrAny(fc.integer({ min: -3, max: 3 }), fc.integer({ min: low, max: high })), fc.boolean())
    .map(([n, asBigInt]) => ({ stored: n, input: asBigInt ? BigInt(n) : n, arrow: n }));
}

/** REAL values are stored as the nearest float32 (Math.fround). */
function floatValue(arbitrary: fc.Arbitrary<number>, round: (n: number) => number): fc.Arbitrary<Value> {
  return smallOrAny(fc.constantFrom(0, 1.5, -2.25, 1e-3), arbitrary)
    .map((n) => (Object.is(n, -0) ? 0 : n))
    .map((n) => ({ stored: round(n), input: n, arrow: n }));
}

function stringValue(maxLength: number, trimBlanks: boolean): fc.Arbitrary<Value> {
  return smallOrAny(fc.constantFrom("", "a", "a "), fc.string({ unit: CHARACTERS, maxLength }))
    .filter((text) => [...text].length <= maxLength)
    .map((text) => ({ stored: trimBlanks ? text.replace(/ +$/, "") : text, input: text, arrow: text }));
}

function valueOf(type: ColumnType): fc.Arbitrary<Value> {
  switch (type.kind) {
    case "int8": return integerValue(-128, 127);
    case "int16": return integerValue(-32768, 32767);
    case "int32": return integerValue(-2147483648, 2147483647);
    case "int64":
      return fc.tuple(smallOrAny(fc.bigInt({ min: -3n, max: 3n }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })), fc.boolean())
        .map(([n, asNumber]) => ({ stored: n, input: asNumber && Number.isSafeInteger(Number(n)) ? Number(n) : n, arrow: n }));
    case "float32": return floatValue(fc.float({ noNaN: true, noDefaultInfinity: true }), Math.fround);
    case "float64": return floatValue(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => n);
    case "decimal": {
      const limit = 10n ** BigInt(type.precision) - 1n;
      return smallOrAny(fc.bigInt({ min: -3n, max: 3n }), fc.bigInt({ min: -limit, max: limit }))
        .map((n) => ({ stored: n, input: formatDecimal(n, type.scale), arrow: bigIntToWords(n) }));
    }
    case "bool": return fc.boolean().map((b) => ({ stored: b, input: b, arrow: b }));
    case "utf8": return stringValue(6, false);
    case "varchar": return stringValue(type.length, false);
    case "char": return stringValue(type.length, true);
    case "date":
      return smallOrAny(fc.integer({ min: -2, max: 2 }), fc.integer({ min: -50_000, max: 50_000 }))
        .map((days) => ({ stored: days * MS_PER_DAY, input: new Date(days * MS_PER_DAY), arrow: days * MS_PER_DAY }));
    case "timestamp":
      return fc.tuple(smallOrAny(fc.integer({ min: -2, max: 2 }), fc.bigInt({ min: -(10n ** 13n), max: 10n ** 13n }).map(Number)), fc.boolean())
        .map(([ms, asNumber]) => ({ stored: ms, input: asNumber ? ms : new Date(ms), arrow: ms }));
  }
}

const NULL_VALUE: Value = { stored: null, input: null, arrow: null };

/** The JS value `rowHash` takes for a stored value of `type`. */
function hashInput(stored: Stored, type: ColumnType): unknown {
  if (stored === null) return null;
  switch (type.kind) {
    case "decimal": return formatDecimal(stored as bigint, type.scale);
    case "date": case "timestamp": return new Date(stored as number);
    default: return stored;
  }
}

function canonValue(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "string") return JSON.stringify(value);
  return `${typeof value}:${String(value)}`;
}

/** A scanned Arrow value as its stored plain form. */
function scannedValue(value: unknown, type: arrow.DataType): Stored {
  if (value === null || value === undefined) return null;
  if (arrow.DataType.isDecimal(type)) return wordsToBigInt(value as Uint32Array);
  if (value instanceof Date) return value.getTime();
  return value as Stored;
}

// ---------------------------------------------------------------------------
// Cases

interface ColumnSpec { readonly name: string; readonly type: ColumnType; readonly nullable: boolean }
type PiKind = "upi" | "nupi" | "nopi";
type InputMode = "objects" | "arrow" | "arrow-sliced" | "arrow-batches";

interface Case {
  readonly amps: number;
  readonly hashBits: number;
  readonly rebalancedFrom: number | null;
  readonly columns: readonly ColumnSpec[];
  readonly piKind: PiKind;
  readonly piColumns: readonly number[];
  readonly set: boolean;
  readonly rows: readonly (readonly Value[])[];
  readonly statements: readonly { readonly rows: readonly (readonly Value[])[]; readonly mode: InputMode }[];
  readonly copyPi: readonly number[] | null;
}

const COLUMN_TYPE: fc.Arbitrary<ColumnType> = fc.oneof(
  fc.constantFrom(types.int8, types.int16, types.int32, types.int64, types.float32, types.float64, types.bool, types.utf8, types.date, types.timestamp),
  fc.integer({ min: 1, max: 38 }).chain((precision) => fc.integer({ min: 0, max: precision }).map((scale) => types.decimal(precision, scale))),
  fc.integer({ min: 1, max: 8 }).map((length) => types.varchar(length)),
  fc.integer({ min: 1, max: 4 }).map((length) => types.char(length)),
);

function key(values: readonly Value[], positions: readonly number[]): string {
  return positions.map((p) => canonValue(values[p].stored)).join("|");
}

const CASE: fc.Arbitrary<Case> = fc.record({
  amps: fc.integer({ min: 1, max: 12 }),
  hashBits: fc.integer({ min: 4, max: 20 }),
  rebalancedFrom: fc.option(fc.integer({ min: 1, max: 12 }), { freq: 2 }),
  columns: fc.array(fc.record({ type: COLUMN_TYPE, nullable: fc.boolean() }), { minLength: 1, maxLength: 6 })
    .map((list) => list.map((c, i) => ({ name: `c${i}`, ...c }))),
  piKind: fc.constantFrom<PiKind>("upi", "nupi", "nopi"),
  set: fc.boolean(),
}).chain((head) => {
  const n = head.columns.length;
  const rowArbitrary = fc.tuple(...head.columns.map((c) => (c.nullable ? fc.option(valueOf(c.type), { freq: 4, nil: NULL_VALUE }) : valueOf(c.type))));
  return fc.record({
    piColumns: fc.uniqueArray(fc.integer({ min: 0, max: n - 1 }), { minLength: 1, maxLength: Math.min(2, n) }),
    copyPi: fc.option(fc.uniqueArray(fc.integer({ min: 0, max: n - 1 }), { minLength: 1, maxLength: Math.min(2, n) }), { freq: 3 }),
    base: fc.array(rowArbitrary, { maxLength: 40 }),
    repeats: fc.array(fc.nat(), { maxLength: 12 }),
    cuts: fc.array(fc.nat(), { maxLength: 3 }),
    modes: fc.array(fc.constantFrom<InputMode>("objects", "arrow", "arrow-sliced", "arrow-batches"), { minLength: 4, maxLength: 4 }),
  }).map((body) => {
    const hasPi = head.piKind !== "nopi";
    const set = hasPi && head.set;
    // duplicates: repeat some rows (whole rows, so PI values repeat too)
    let rows: (readonly Value[])[] = [...body.base];
    if (rows.length > 0) for (const r of body.repeats) rows.splice((r * 7) % (rows.length + 1), 0, rows[r % body.base.length]);
    // what the table allows: one row per UPI value, one row per distinct row in a SET table
    const all = head.columns.map((_c, i) => i);
    const seen = new Set<string>();
    rows = rows.filter((row) => {
      const k = head.piKind === "upi" ? key(row, body.piColumns) : set ? key(row, all) : null;
      if (k === null) return true;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    const cuts = [...new Set(body.cuts.map((c) => c % (rows.length + 1)))].sort((a, b) => a - b);
    const bounds = [0, ...cuts, rows.length];
    const statements = bounds.slice(1).map((end, k) => ({ rows: rows.slice(bounds[k], end), mode: body.modes[k] }));
    const copyPi = body.copyPi !== null && (!hasPi || body.copyPi.join() !== body.piColumns.join()) ? body.copyPi : null;
    return {
      amps: head.amps, hashBits: head.hashBits, rebalancedFrom: head.rebalancedFrom,
      columns: head.columns, piKind: head.piKind, piColumns: hasPi ? body.piColumns : [], set, rows, statements, copyPi,
    };
  });
});

// ---------------------------------------------------------------------------
// Running a case

function ddl(name: string, columns: readonly ColumnSpec[], piKind: PiKind, piColumns: readonly number[], set: boolean): string {
  const body = columns.map((c) => `${c.name} ${typeToSql(c.type)}${c.nullable ? "" : " NOT NULL"}`).join(", ");
  const pi = piKind === "nopi" ? "NO PRIMARY INDEX"
    : `${piKind === "upi" ? "UNIQUE " : ""}PRIMARY INDEX (${piColumns.map((p) => columns[p].name).join(", ")})`;
  return `CREATE ${set ? "SET" : "MULTISET"} TABLE ${name} (${body}) ${pi}`;
}

function arrowTable(columns: readonly ColumnSpec[], rows: readonly (readonly Value[])[]): arrow.Table {
  const vectors: Record<string, arrow.Vector> = {};
  columns.forEach((c, i) => {
    vectors[c.name] = arrow.vectorFromArray(rows.map((r) => r[i].arrow) as never[], arrowTypeOf(c.type) as never) as arrow.Vector;
  });
  return new arrow.Table(vectors);
}

function insertInput(columns: readonly ColumnSpec[], rows: readonly (readonly Value[])[], mode: InputMode): Parameters<Engine["insert"]>[1] {
  switch (mode) {
    case "objects":
      return rows.map((row) => Object.fromEntries(columns.map((c, i) => [c.name, row[i].input])));
    case "arrow":
      return arrowTable(columns, rows);
    case "arrow-sliced": {
      if (rows.length === 0) return arrowTable(columns, rows);
      const padded = [rows[rows.length - 1], rows[0], rows[0], ...rows, rows[0]];
      return arrowTable(columns, padded).slice(3, 3 + rows.length);
    }
    case "arrow-batches": {
      const half = Math.floor(rows.length / 2);
      return arrowTable(columns, rows.slice(0, half)).concat(arrowTable(columns, rows.slice(half)));
    }
  }
}

function scannedRows(engine: Engine, table: string, rowIds: boolean): { values: Stored[]; amp: number; hash: number }[] {
  const result = engine.scan(table, { rowIds });
  const fields = result.schema.fields;
  const out: { values: Stored[]; amp: number; hash: number }[] = [];
  const children = fields.map((_f, i) => result.getChildAt(i)!);
  const userColumns = rowIds ? fields.length - 3 : fields.length;
  for (let r = 0; r < result.numRows; r++) {
    const values = children.slice(0, userColumns).map((child, i) => scannedValue(child.get(r), fields[i].type));
    out.push({ values, amp: rowIds ? (children[userColumns].get(r) as number) : -1, hash: rowIds ? (children[userColumns + 1].get(r) as number) : -1 });
  }
  return out;
}

function multiset(rows: readonly (readonly Stored[])[]): string[] {
  return rows.map((row) => row.map(canonValue).join("|")).sort();
}

function checkTable(engine: Engine, table: string, c: Case, piColumns: readonly number[], expected: string[]): void {
  const rows = scannedRows(engine, table, true);
  expect(multiset(rows.map((r) => r.values))).toEqual(expected);
  const piTypes = piColumns.map((p) => c.columns[p].type);
  const perAmp = new Array<number>(engine.amps).fill(0);
  for (const row of rows) {
    perAmp[row.amp]++;
    expect(row.amp).toBe(engine.hashMap.ampOfHash(row.hash));
    if (piColumns.length > 0) expect(row.hash).toBe(rowHash(piColumns.map((p, k) => hashInput(row.values[p], piTypes[k])), piTypes));
  }
  expect(engine.ampRowCounts(table)).toEqual(perAmp);
  expect(engine.rowCount(table)).toBe(expected.length);
}

function runCase(c: Case): void {
  const previous = c.rebalancedFrom === null ? null : HashMap.uniform(Math.min(c.rebalancedFrom, 2 ** c.hashBits), c.hashBits);
  const engine = previous === null ? new Engine({ amps: c.amps, hashBits: c.hashBits }) : new Engine({ hashMap: HashMap.rebalance(previous, c.amps) });
  engine.sql(ddl("main.t", c.columns, c.piKind, c.piColumns, c.set));
  for (const statement of c.statements) {
    expect(engine.insert("t", insertInput(c.columns, statement.rows, statement.mode))).toBe(statement.rows.length);
  }
  const expected = multiset(c.rows.map((row) => row.map((v) => v.stored)));
  checkTable(engine, "t", c, c.piColumns, expected);

  // PI lookups find exactly the rows with that PI value (NULL equals NULL here)
  if (c.piColumns.length > 0) {
    const piTypes = c.piColumns.map((p) => c.columns[p].type);
    for (const row of c.rows.slice(0, 3)) {
      const keyValues = c.piColumns.map((p, k) => hashInput(row[p].stored, piTypes[k]));
      const wanted = c.rows.filter((other) => key(other, c.piColumns) === key(row, c.piColumns)).map((r) => r.map((v) => v.stored));
      const found = engine.lookup("t", keyValues);
      const foundRows: Stored[][] = [];
      for (let r = 0; r < found.numRows; r++) foundRows.push(found.schema.fields.map((f, i) => scannedValue(found.getChildAt(i)!.get(r), f.type)));
      expect(multiset(foundRows)).toEqual(multiset(wanted));
      expect(engine.ampOf("t", keyValues)).toBe(engine.hashMap.ampOfHash(rowHash(keyValues, piTypes)));
    }
  }

  // insert-select into a copy with a different PI (MULTISET, so every row is kept)
  const copyKind: PiKind = c.copyPi === null ? "nopi" : "nupi";
  const copyPi = c.copyPi ?? [];
  engine.sql(ddl("main.copy", c.columns, copyKind, copyPi, false));
  expect(engine.insertSelect("copy", "t")).toBe(c.rows.length);
  checkTable(engine, "copy", c, copyPi, expected);
}

describe("property: inserted rows come back, placed by their row hash", () => {
  it(`holds for random systems, tables and rows (seed ${SEED}, ${NUM_RUNS} runs)`, () => {
    try {
      fc.assert(fc.property(CASE, (c) => { runCase(c); }), { seed: SEED, numRuns: NUM_RUNS });
    } catch (error) {
      console.error(`property.test.ts failed with seed ${SEED}; replay with:\n  ${REPLAY}`);
      throw error;
    }
  });
});
