/**
 * The engine through its public API: configuration, catalog, every insert input
 * form, NULLs in every type, empty tables, placement of rows by row hash, lookup,
 * scan with predicates, insert-select (AMP-local and redistributing), delete,
 * aggregate, the trace, skew, sql() and the showTable round trip.
 */
import { describe, it, expect } from "vitest";
import * as arrow from "apache-arrow";
import {
  AmpsimError, Engine, HashMap, arrowTypeOf, parseColumnType, parsePredicate, rowHash, rowsOf, showValue, types,
} from "../../engine/index.js";
import type { ColumnType, ErrorCode, Literal, Predicate, TraceStep } from "../../engine/index.js";
import { expectError, formatDecimal, hashInput, wordsToBigInt, bigIntToWords } from "../helpers/errors.js";

// ---------------------------------------------------------------------------
// Helpers

type Row = Record<string, unknown>;

/** A plain value: decimals as their unscaled bigint, dates and timestamps as ms numbers. */
function plainValue(value: unknown, type: arrow.DataType): unknown {
  if (value === null || value === undefined) return null;
  if (arrow.DataType.isDecimal(type)) return wordsToBigInt(value as Uint32Array);
  if (value instanceof Date) return value.getTime();
  return value;
}

/** Rows of an Arrow table as objects of plain values. */
function plainRows(table: arrow.Table): Row[] {
  const fields = table.schema.fields;
  const columns = fields.map((_f, i) => table.getChildAt(i)!);
  const rows: Row[] = [];
  for (let r = 0; r < table.numRows; r++) {
    const row: Row = {};
    fields.forEach((field, i) => { row[field.name] = plainValue(columns[i].get(r), field.type); });
    rows.push(row);
  }
  return rows;
}

function canon(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? `${v}n` : v));
}

/** Rows in a canonical order (for comparing multisets). */
function sorted(rows: Row[]): Row[] {
  return [...rows].sort((a, b) => (canon(a) < canon(b) ? -1 : canon(a) > canon(b) ? 1 : 0));
}

function withoutIds(rows: Row[]): Row[] {
  return rows.map((row) => Object.fromEntries(Object.entries(row).filter(([k]) => !k.startsWith("$"))));
}

function vector(type: arrow.DataType, values: unknown[]): arrow.Vector {
  return arrow.vectorFromArray(values as never[], type as never) as arrow.Vector;
}

function decimalVector(precision: number, scale: number, unscaled: (bigint | null)[]): arrow.Vector {
  return vector(new arrow.Decimal(scale, precision, 128), unscaled.map((v) => (v === null ? null : bigIntToWords(v))));
}

function lastStep(engine: Engine): TraceStep {
  return engine.trace.steps[engine.trace.steps.length - 1];
}

/** Checks every row of `table` sits on the AMP its row hash assigns, AMP by AMP, with unique row IDs. */
function checkPlacement(engine: Engine, table: string): Row[] {
  const definition = engine.describe(table);
  const rows = plainRows(engine.scan(table, { rowIds: true }));
  const pi = definition.primaryIndex;
  const piTypes = pi ? pi.columns.map((name) => definition.columns.find((c) => c.name === name)!.type) : [];
  for (const row of rows) {
    const hash = row.$rowhash as number;
    expect(row.$amp).toBe(engine.hashMap.ampOfHash(hash));
    if (pi) {
      const values = pi.columns.map((name, k) => hashInput(row[name], piTypes[k]));
      expect(hash).toBe(rowHash(values, piTypes));
      expect(engine.ampOf(table, values)).toBe(row.$amp);
    }
  }
  // Rows come AMP by AMP (the order within an AMP is not specified since commit dc4d643);
  // the row ID (row hash, uniqueness) is unique on its AMP.
  for (let i = 1; i < rows.length; i++) {
    expect(rows[i - 1].$amp as number, `rows ${i - 1} and ${i} of ${table} not AMP by AMP`).toBeLessThanOrEqual(rows[i].$amp as number);
  }
  const rowIds = new Set(rows.map((r) => `${r.$amp}:${r.$rowhash}:${r.$uniqueness}`));
  expect(rowIds.size, `row IDs of ${table} are not unique per AMP`).toBe(rows.length);
  const perAmp = new Array<number>(engine.amps).fill(0);
  for (const row of rows) perAmp[row.$amp as number]++;
  expect(engine.ampRowCounts(table)).toEqual(perAmp);
  return rows;
}

// ---------------------------------------------------------------------------

describe("configuration", () => {
  it("defaults to 4 AMPs, 16 hash bits and a uniform hash map", () => {
    const engine = new Engine();
    expect(engine.amps).toBe(4);
    expect(engine.hashBits).toBe(16);
    expect(engine.hashMap.amps).toBe(4);
    expect(engine.hashMap.hashBits).toBe(16);
    expect(engine.hashMap.buckets.length).toBe(65536);
    expect(engine.hashMap.equals(HashMap.uniform(4, 16))).toBe(true);
    expect(engine.name).toBe("system");
    expect(engine.permBytesPerAmp).toBe(Number.POSITIVE_INFINITY);
  });

  it("error messages show a missing value as undefined and SQL NULL as NULL", () => {
    expect([showValue(undefined), showValue(null), showValue("x"), showValue(2n)]).toEqual(["undefined", "NULL", '"x"', "2"]);
    expectError(() => new Engine({ hashMap: {} as never }), "BAD_CONFIG", "hashMap must be a HashMap");
    expectError(() => HashMap.fromJSON({ kind: "hash-map", hashBits: 2, amps: 2 }), "BAD_CONFIG", "found undefined");
  });

  it("keeps its own copy of the hash map: changing the map given does not move stored rows", () => {
    const map = HashMap.uniform(2, 16);
    const engine = new Engine({ amps: 2, hashMap: map });
    expect(engine.hashMap.equals(map)).toBe(true);
    engine.sql("CREATE TABLE t (a INTEGER) UNIQUE PRIMARY INDEX (a)");
    engine.insert("t", Array.from({ length: 100 }, (_, a) => ({ a })));
    map.buckets.forEach((amp, bucket, buckets) => { buckets[bucket] = 1 - amp; });
    for (const a of [0, 17, 99]) expect(engine.lookup("t", a).numRows).toBe(1);
    expectError(() => engine.insert("t", [{ a: 5 }]), "DUPLICATE_KEY", "main.t");
    expect(engine.hashMap.equals(HashMap.uniform(2, 16))).toBe(true);
  });

  it("takes AMPs and hash bits from the options or from the hash map", () => {
    const a = new Engine({ amps: 7, hashBits: 20, name: "target" });
    expect([a.amps, a.hashBits, a.name]).toEqual([7, 20, "target"]);
    expect(a.hashMap.equals(HashMap.uniform(7, 20))).toBe(true);
    const map = HashMap.rebalance(HashMap.uniform(4, 12), 6);
    const b = new Engine({ hashMap: map });
    expect([b.amps, b.hashBits]).toEqual([6, 12]);
    expect(b.hashMap.equals(map)).toBe(true);
    const c = new Engine({ amps: 1 });
    expect(c.amps).toBe(1);
  });

  it.each([
    ["amps 0", { amps: 0 }, /amps/],
    ["amps 1.5", { amps: 1.5 }, /amps/],
    ["amps 70000", { amps: 70000 }, /amps/],
    ["amps -1", { amps: -1 }, /amps/],
    ["amps NaN", { amps: Number.NaN }, /amps/],
    ["amps as a string", { amps: "4" as unknown as number }, /amps/],
    ["hashBits 0", { hashBits: 0 }, /hashBits/],
    ["hashBits 25", { hashBits: 25 }, /hashBits/],
    ["hashBits 16.5", { hashBits: 16.5 }, /hashBits/],
    ["more AMPs than buckets", { amps: 20, hashBits: 4 }, /amps/i],
    ["permBytesPerAmp 0", { permBytesPerAmp: 0 }, /permBytesPerAmp/],
    ["permBytesPerAmp -1", { permBytesPerAmp: -1 }, /permBytesPerAmp/],
    ["permBytesPerAmp NaN", { permBytesPerAmp: Number.NaN }, /permBytesPerAmp/],
    ["permBytesPerAmp as a string", { permBytesPerAmp: "100" as unknown as number }, /permBytesPerAmp/],
    ["hashMap not a HashMap", { hashMap: { amps: 4 } as unknown as HashMap }, /hashMap/],
    ["empty name", { name: "" }, /name/],
    ["a misspelled option (amp)", { amp: 6 } as never, /no option amp \(did you mean amps\?\)/],
    ["an unknown option", { verify: true } as never, /no option verify; its options: amps, hashBits/],
  ])("refuses %s with BAD_CONFIG naming the option", (_label, options, mention) => {
    expectError(() => new Engine(options), "BAD_CONFIG", mention);
  });

  it("Engine.open refuses a misspelled option, and HashMap.rebalance a previous map that is not one", () => {
    expectError(() => Engine.open("/nonexistent-ampsim-dir", { executr: "pool" } as never), "BAD_CONFIG", "no option executr", "executor");
    expectError(() => HashMap.rebalance(null as never, 4), "BAD_CONFIG", "previous must be a HashMap", "NULL");
  });

  it("refuses a hash map whose AMP count or hash bits disagree with the options", () => {
    expectError(() => new Engine({ amps: 4, hashMap: HashMap.uniform(3) }), "BAD_CONFIG", /amps/, /hash map/i, /3/, /4/);
    expectError(() => new Engine({ hashBits: 16, hashMap: HashMap.uniform(4, 20) }), "BAD_CONFIG", /hashBits/, /20/, /16/);
  });
});

// ---------------------------------------------------------------------------

describe("catalog", () => {
  it("lists user tables and databases, never the $index subtables", () => {
    const engine = new Engine();
    expect(engine.tables()).toEqual([]);
    expect(engine.databases()).toEqual(["main"]);
    engine.sql(`CREATE DATABASE sales;
      CREATE MULTISET TABLE sales.orders (id INTEGER NOT NULL, cust INTEGER, note VARCHAR(20)) UNIQUE PRIMARY INDEX (id) UNIQUE INDEX (note) INDEX (cust);
      CREATE TABLE main.t (a INTEGER)`);
    expect(engine.tables()).toEqual(["main.t", "sales.orders"]);
    expect(engine.databases()).toEqual(["main", "sales"]);
    const all = engine.allTables();
    expect(all.filter((n) => n.startsWith('"$index"'))).toHaveLength(2);
    expect(all).toEqual(expect.arrayContaining(["main.t", "sales.orders"]));
    expect(engine.hasTable("sales.orders")).toBe(true);
    expect(engine.hasTable("sales.nope")).toBe(false);
    expect(engine.hasTable("t")).toBe(true);
  });

  it("reports NO_SUCH_DATABASE and NO_SUCH_TABLE naming what is missing", () => {
    const engine = new Engine();
    engine.sql("CREATE TABLE t (a INTEGER)");
    expectError(() => engine.sql("CREATE TABLE nodb.t (a INTEGER)"), "NO_SUCH_DATABASE", "nodb");
    expectError(() => engine.scan("nodb.t"), "NO_SUCH_DATABASE", "nodb");
    expectError(() => engine.sql("DATABASE nodb"), "NO_SUCH_DATABASE", "nodb");
    expectError(() => engine.sql("DROP DATABASE nodb"), "NO_SUCH_DATABASE", "nodb");
    expectError(() => engine.scan("main.nope"), "NO_SUCH_TABLE", "main.nope");
    expectError(() => engine.insert("nope", [{ a: 1 }]), "NO_SUCH_TABLE", "nope");
    expectError(() => engine.lookup("nope", 1), "NO_SUCH_TABLE", "nope");
    expectError(() => engine.rowCount("nope"), "NO_SUCH_TABLE", "nope");
    expectError(() => engine.sql("DROP TABLE nope"), "NO_SUCH_TABLE", "nope");
    expectError(() => engine.sql("INSERT INTO t SELECT * FROM nope"), "NO_SUCH_TABLE", "nope");
    expectError(() => engine.insertSelect("nope", "t"), "NO_SUCH_TABLE", "nope");
    expectError(() => engine.showTable("nope"), "NO_SUCH_TABLE", "nope");
  });

  it("reports TABLE_EXISTS and DATABASE_EXISTS", () => {
    const engine = new Engine();
    engine.sql("CREATE DATABASE sales; CREATE TABLE sales.t (a INTEGER)");
    expectError(() => engine.sql("CREATE TABLE sales.t (b INTEGER)"), "TABLE_EXISTS", "sales.t");
    expectError(() => engine.sql("CREATE DATABASE sales"), "DATABASE_EXISTS", "sales");
    expectError(() => engine.sql("CREATE DATABASE main"), "DATABASE_EXISTS", "main");
    expect(engine.describe("sales.t").columns.map((c) => c.name)).toEqual(["a"]);
  });

  it("DROP TABLE removes the table and its rows; a new table of the same name starts empty", () => {
    const engine = new Engine();
    engine.sql("CREATE MULTISET TABLE t (a INTEGER, b VARCHAR(5)) PRIMARY INDEX (a)");
    engine.insert("t", [{ a: 1, b: "x" }, { a: 2, b: "y" }]);
    engine.sql("DROP TABLE t");
    expect(engine.tables()).toEqual([]);
    expectError(() => engine.scan("t"), "NO_SUCH_TABLE");
    engine.sql("CREATE MULTISET TABLE t (a INTEGER, b VARCHAR(5)) PRIMARY INDEX (a)");
    expect(engine.rowCount("t")).toBe(0);
    expect(engine.ampBytes()).toEqual([0, 0, 0, 0]);
    engine.dropTable("t");
    expect(engine.hasTable("t")).toBe(false);
  });

  it("DROP DATABASE refuses a database that still holds tables", () => {
    const engine = new Engine();
    engine.sql("CREATE DATABASE d; CREATE TABLE d.t (a INTEGER)");
    expectError(() => engine.sql("DROP DATABASE d"), "BAD_DDL", "d.t");
    engine.sql("DROP TABLE d.t; DROP DATABASE d");
    expect(engine.databases()).toEqual(["main"]);
  });

  describe("refuses the reserved $ namespace from user SQL with BAD_DDL", () => {
    function indexed(): { engine: Engine; sub: string } {
      const engine = new Engine();
      engine.sql("CREATE MULTISET TABLE t (a INTEGER, b INTEGER) PRIMARY INDEX (a) INDEX (b)");
      engine.insert("t", [{ a: 1, b: 2 }]);
      const sub = engine.allTables().find((n) => n.startsWith('"$index"'))!;
      expect(sub).toBeDefined();
      return { engine, sub };
    }

    it.each([
      ["CREATE DATABASE", () => 'CREATE DATABASE "$mine"'],
      ["CREATE TABLE in $index", () => 'CREATE TABLE "$index".x (a INTEGER)'],
      ["CREATE TABLE in a new $ database", () => 'CREATE TABLE "$staging".x (a INTEGER)'],
      ["DROP DATABASE", () => 'DROP DATABASE "$index"'],
    ])("%s", (_label, text) => {
      const { engine } = indexed();
      const before = engine.allTables();
      expectError(() => engine.sql(text()), "BAD_DDL", "$");
      expect(engine.allTables()).toEqual(before);
    });

    it.each([
      ["DROP TABLE", (sub: string) => `DROP TABLE ${sub}`],
      ["INSERT … SELECT from a subtable", (sub: string) => `INSERT INTO t SELECT * FROM ${sub}`],
      ["DELETE from a subtable", (sub: string) => `DELETE FROM ${sub}`],
      ["CREATE INDEX on a subtable", (sub: string) => `CREATE INDEX (b) ON ${sub}`],
    ])("%s", (_label, text) => {
      const { engine, sub } = indexed();
      const before = engine.allTables();
      const rows = engine.rowCount(sub);
      expectError(() => engine.sql(text(sub)), "BAD_DDL", "$index");
      expect(engine.allTables()).toEqual(before);
      expect(engine.rowCount(sub)).toBe(rows);
    });

    it("DATABASE \"$index\" (making the reserved namespace the default)", () => {
      const { engine } = indexed();
      expectError(() => engine.sql('DATABASE "$index"'), "BAD_DDL", "$index");
      // the default database is still main
      engine.sql("CREATE TABLE after_refusal (a INTEGER)");
      expect(engine.tables()).toContain("main.after_refusal");
    });
  });
});

// ---------------------------------------------------------------------------

describe("timestamp input", () => {
  it("milliseconds must be whole and within what a Date holds (not wrapped into 1970)", () => {
    const engine = new Engine({ amps: 2 });
    engine.sql("CREATE MULTISET TABLE ts (k INTEGER, t TIMESTAMP) PRIMARY INDEX (t)");
    expectError(() => engine.insert("ts", [{ k: 1, t: 1e300 }]), "VALUE_OUT_OF_RANGE", "column t of main.ts (row 0)", "outside the times a Date holds");
    expectError(() => engine.insert("ts", [{ k: 1, t: 8.64e15 + 1 }]), "VALUE_OUT_OF_RANGE", "8640000000000001");
    expectError(() => engine.insert("ts", [{ k: 1, t: 1.5 }]), "TYPE_MISMATCH", "expected whole milliseconds but found 1.5");
    expectError(() => engine.lookup("ts", 1.5), "TYPE_MISMATCH", "whole milliseconds");
    expectError(() => engine.ampOf("ts", 1.5), "TYPE_MISMATCH", "whole milliseconds");
    expect(engine.rowCount("ts")).toBe(0);
    engine.insert("ts", [{ k: 1, t: -8.64e15 }, { k: 2, t: 1_700_000_000_000 }]);
    expect(rowsOf(engine.lookup("ts", 1_700_000_000_000))[0].t).toEqual(new Date(1_700_000_000_000));
    expect(rowsOf(engine.lookup("ts", -8.64e15))[0].t).toEqual(new Date(-8.64e15));
  });
});

describe("decimal input", () => {
  it("rounds a number half away from zero on the digits it is written with; a string must fit the scale exactly", () => {
    const engine = new Engine({ amps: 2 });
    engine.sql("CREATE TABLE d2 (k INTEGER, x DECIMAL(8,2)) UNIQUE PRIMARY INDEX (k)");
    const cases: [number, string][] = [[1.005, "1.01"], [2.675, "2.68"], [0.125, "0.13"], [-1.005, "-1.01"], [0.1 + 0.2, "0.30"], [9.995, "10.00"], [-0.001, "0.00"], [1.5e-7, "0.00"], [12.5, "12.50"], [-7, "-7.00"]];
    engine.insert("d2", cases.map(([x], k) => ({ k, x })));
    const stored = rowsOf(engine.scan("d2")).sort((a, b) => Number(a.k) - Number(b.k)).map((r) => r.x);
    expect(stored).toEqual(cases.map(([, text]) => text));
    expectError(() => engine.insert("d2", [{ k: 100, x: "1.005" }]), "VALUE_OUT_OF_RANGE", "more than 2 decimal places");
    expectError(() => engine.insert("d2", [{ k: 100, x: 999999.995 }]), "VALUE_OUT_OF_RANGE", "more than 8 digits");
    engine.insert("d2", [{ k: 100, x: "1.000" }]);
    expect(rowsOf(engine.lookup("d2", 100))[0].x).toBe("1.00");
  });
});

describe("insert input forms give equal results", () => {
  const DDL = "CREATE MULTISET TABLE main.f (id INTEGER NOT NULL, name VARCHAR(20), amount DECIMAL(10,2), flag BOOLEAN, d DATE, big BIGINT) PRIMARY INDEX (id)";
  const N = 23;
  const rowAt = (i: number): Row => ({
    id: i % 17,
    name: i % 5 === 0 ? null : `n${i}`,
    amount: i % 7 === 0 ? null : formatDecimal(BigInt(i * 1234 - 5000), 2),
    flag: i % 3 === 0 ? null : i % 2 === 0,
    d: i % 4 === 0 ? null : new Date(Date.UTC(2020, 0, 1 + i)),
    big: i % 6 === 0 ? null : (1n << 60n) + BigInt(i),
  });
  const objects = Array.from({ length: N }, (_, i) => rowAt(i));

  /** The Arrow table of rows `from..to` of rowAt (may extend beyond 0..N for padding). */
  function arrowRows(from: number, to: number): arrow.Table {
    const rows = Array.from({ length: to - from }, (_, k) => rowAt(from + k));
    return new arrow.Table({
      id: vector(new arrow.Int32(), rows.map((r) => r.id)),
      name: vector(new arrow.Utf8(), rows.map((r) => r.name)),
      amount: decimalVector(10, 2, rows.map((r) => (r.amount === null ? null : BigInt((r.amount as string).replace(".", ""))))),
      flag: vector(new arrow.Bool(), rows.map((r) => r.flag)),
      d: vector(new arrow.DateDay(), rows.map((r) => (r.d === null ? null : (r.d as Date).getTime()))),
      big: vector(new arrow.Int64(), rows.map((r) => r.big)),
    });
  }

  function loaded(input: Parameters<Engine["insert"]>[1]): { rows: Row[]; counts: number[] } {
    const engine = new Engine();
    engine.sql(DDL);
    expect(engine.insert("f", input)).toBe(N);
    return { rows: plainRows(engine.scan("f", { rowIds: true })), counts: engine.ampRowCounts("f") };
  }

  const expected = sorted(objects.map((r) => ({
    ...r,
    amount: r.amount === null ? null : BigInt((r.amount as string).replace(".", "")),
    d: r.d === null ? null : (r.d as Date).getTime(),
  })));

  const reference = loaded(objects);

  it("row objects store exactly the given values", () => {
    expect(sorted(withoutIds(reference.rows))).toEqual(expected);
    expect(reference.counts.reduce((a, b) => a + b, 0)).toBe(N);
  });

  it.each([
    ["an Arrow Table", () => arrowRows(0, N)],
    ["a RecordBatch", () => arrowRows(0, N).batches[0]],
    ["a multi-batch Table", () => new arrow.Table([...arrowRows(0, 9).batches, ...arrowRows(9, 20).batches, ...arrowRows(20, N).batches])],
    ["a sliced Table (offset ≠ 0)", () => arrowRows(-5, N + 6).slice(5, 5 + N)],
    ["a sliced Table with an odd offset", () => arrowRows(-3, N + 1).slice(3, 3 + N)],
    ["concatenated Tables", () => arrowRows(0, 10).concat(arrowRows(10, 15), arrowRows(15, N))],
    ["a slice across batch boundaries", () => arrowRows(-4, 8).concat(arrowRows(8, N + 2)).slice(4, 4 + N)],
    ["row objects with upper-case keys in another order", () => objects.map((r) => ({ BIG: r.big, D: r.d, Flag: r.flag, amount: r.amount, name: r.name, ID: r.id }))],
  ])("%s", (_label, input) => {
    const result = loaded(input() as Parameters<Engine["insert"]>[1]);
    expect(result.rows).toEqual(reference.rows);
    expect(result.counts).toEqual(reference.counts);
  });

  it("an Arrow input without a nullable column fills it with NULL", () => {
    const engine = new Engine();
    engine.sql(DDL);
    const table = new arrow.Table({ big: vector(new arrow.Int64(), [5n]), id: vector(new arrow.Int32(), [1]) });
    engine.insert("f", table);
    expect(plainRows(engine.scan("f"))).toEqual([{ id: 1, name: null, amount: null, flag: null, d: null, big: 5n }]);
  });

  it("converts Arrow columns of other numeric types when the values fit", () => {
    const engine = new Engine();
    engine.sql(DDL);
    const table = new arrow.Table({
      id: vector(new arrow.Int64(), [1n, 2n]),
      amount: vector(new arrow.Float64(), [12.5, -3]),
      big: vector(new arrow.Int32(), [7, null]),
    });
    engine.insert("f", table);
    expect(sorted(plainRows(engine.scan("f", { columns: ["id", "amount", "big"] })))).toEqual([
      { id: 1, amount: 1250n, big: 7n }, { id: 2, amount: -300n, big: null },
    ]);
  });
});

// ---------------------------------------------------------------------------

interface TypeCase { readonly name: string; readonly sql: string; readonly value: unknown; readonly stored: unknown; readonly arrowValue: unknown }

const TYPE_CASES: readonly TypeCase[] = [
  { name: "c_byteint", sql: "BYTEINT", value: -128, stored: -128, arrowValue: -128 },
  { name: "c_smallint", sql: "SMALLINT", value: 32767, stored: 32767, arrowValue: 32767 },
  { name: "c_integer", sql: "INTEGER", value: -2147483648, stored: -2147483648, arrowValue: -2147483648 },
  { name: "c_bigint", sql: "BIGINT", value: 9007199254740993n, stored: 9007199254740993n, arrowValue: 9007199254740993n },
  { name: "c_real", sql: "REAL", value: 0.1, stored: Math.fround(0.1), arrowValue: 0.1 },
  { name: "c_float", sql: "FLOAT", value: 0.1, stored: 0.1, arrowValue: 0.1 },
  { name: "c_decimal", sql: "DECIMAL(9,2)", value: "-1234567.89", stored: -123456789n, arrowValue: bigIntToWords(-123456789n) },
  { name: "c_decimal38", sql: "DECIMAL(38,4)", value: "9999999999999999999999999999999999.9999", stored: 10n ** 38n - 1n, arrowValue: bigIntToWords(10n ** 38n - 1n) },
  { name: "c_decimal38n", sql: "DECIMAL(38,0)", value: -(10n ** 37n) - 7n, stored: -(10n ** 37n) - 7n, arrowValue: bigIntToWords(-(10n ** 37n) - 7n) },
  { name: "c_boolean", sql: "BOOLEAN", value: false, stored: false, arrowValue: false },
  { name: "c_long", sql: "LONG VARCHAR", value: "héllo wörld 🎉", stored: "héllo wörld 🎉", arrowValue: "héllo wörld 🎉" },
  { name: "c_varchar", sql: "VARCHAR(10)", value: "", stored: "", arrowValue: "" },
  { name: "c_char", sql: "CHAR(5)", value: "ab   ", stored: "ab", arrowValue: "ab   " },
  { name: "c_date", sql: "DATE", value: new Date(Date.UTC(1969, 11, 31)), stored: -86400000, arrowValue: -86400000 },
  { name: "c_timestamp", sql: "TIMESTAMP", value: new Date(Date.UTC(1960, 4, 6, 7, 8, 9, 10)), stored: Date.UTC(1960, 4, 6, 7, 8, 9, 10), arrowValue: Date.UTC(1960, 4, 6, 7, 8, 9, 10) },
];

describe("NULLs in every type", () => {
  const DDL = `CREATE MULTISET TABLE main.n (id INTEGER NOT NULL, ${TYPE_CASES.map((c) => `${c.name} ${c.sql}`).join(", ")}) UNIQUE PRIMARY INDEX (id)`;
  const full = (id: number): Row => ({ id, ...Object.fromEntries(TYPE_CASES.map((c) => [c.name, c.value])) });
  const empty = (id: number): Row => ({ id, ...Object.fromEntries(TYPE_CASES.map((c) => [c.name, null])) });
  const mixed = (id: number): Row => ({ id, ...Object.fromEntries(TYPE_CASES.map((c, k) => [c.name, k % 2 === 0 ? null : c.value])) });
  const storedFull = (id: number): Row => ({ id, ...Object.fromEntries(TYPE_CASES.map((c) => [c.name, c.stored])) });
  const storedMixed = (id: number): Row => ({ id, ...Object.fromEntries(TYPE_CASES.map((c, k) => [c.name, k % 2 === 0 ? null : c.stored])) });

  function arrowInput(): arrow.Table {
    const columns: Record<string, arrow.Vector> = { id: vector(new arrow.Int32(), [1, 2, 3]) };
    TYPE_CASES.forEach((c, k) => {
      columns[c.name] = vector(arrowTypeOf(parseColumnType(c.sql)), [c.arrowValue, null, k % 2 === 0 ? null : c.arrowValue]);
    });
    return new arrow.Table(columns);
  }

  it.each([
    ["row objects", () => [full(1), empty(2), mixed(3)]],
    ["row objects with missing keys", () => [full(1), { id: 2 }, Object.fromEntries(Object.entries(mixed(3)).filter(([, v]) => v !== null))]],
    ["Arrow", arrowInput],
  ])("round-trip through insert → scan and lookup (%s)", (_label, input) => {
    const engine = new Engine();
    engine.sql(DDL);
    expect(engine.insert("n", input() as Parameters<Engine["insert"]>[1])).toBe(3);
    const expected = [storedFull(1), { ...empty(2) }, storedMixed(3)];
    expect(sorted(plainRows(engine.scan("n")))).toEqual(sorted(expected));
    expect(plainRows(engine.lookup("n", 1))).toEqual([expected[0]]);
    expect(plainRows(engine.lookup("n", 2))).toEqual([expected[1]]);
    expect(plainRows(engine.lookup("n", { id: 3 }))).toEqual([expected[2]]);
    const schema = engine.scan("n").schema;
    expect(schema.fields.map((f) => f.name)).toEqual(["id", ...TYPE_CASES.map((c) => c.name)]);
    expect(schema.fields.slice(1).every((f) => f.nullable)).toBe(true);
    expect(schema.fields[0].nullable).toBe(false);
  });

  it.each(TYPE_CASES.map((c) => [c.sql, c] as const))("a NULL primary index value of type %s is placed, found by lookup and deleted by key", (_label, c) => {
    const engine = new Engine({ amps: 5 });
    engine.sql(`CREATE MULTISET TABLE k (pk ${c.sql}, v INTEGER) PRIMARY INDEX (pk)`);
    engine.insert("k", [{ pk: null, v: 1 }, { pk: c.value, v: 2 }, { pk: null, v: 3 }, { pk: c.value, v: 4 }]);
    const type = parseColumnType(c.sql);
    const rows = checkPlacement(engine, "k");
    expect(rows.filter((r) => r.pk === null).every((r) => r.$rowhash === rowHash([null], [type]))).toBe(true);
    expect(sorted(plainRows(engine.lookup("k", null)))).toEqual([{ pk: null, v: 1 }, { pk: null, v: 3 }]);
    expect(sorted(plainRows(engine.lookup("k", [c.value])))).toEqual([{ pk: c.stored, v: 2 }, { pk: c.stored, v: 4 }]);
    expect(engine.ampOf("k", [null])).toBe(engine.hashMap.ampOfHash(rowHash([null], [type])));
    expect(engine.delete("k", { key: [null] })).toBe(2);
    expect(plainRows(engine.scan("k", { columns: ["v"] })).map((r) => r.v).sort()).toEqual([2, 4]);
  });
});

// ---------------------------------------------------------------------------

describe("empty tables", () => {
  function emptyEngine(): Engine {
    const engine = new Engine();
    engine.sql(`CREATE MULTISET TABLE e (id INTEGER NOT NULL, amount DECIMAL(12,2), name VARCHAR(10), d DATE) PRIMARY INDEX (id);
      CREATE MULTISET TABLE e2 (id INTEGER NOT NULL, amount DECIMAL(12,2), name VARCHAR(10), d DATE) PRIMARY INDEX (name)`);
    return engine;
  }

  it("scan gives 0 rows with the table's schema", () => {
    const engine = emptyEngine();
    const result = engine.scan("e");
    expect(result.numRows).toBe(0);
    expect(result.schema.fields.map((f) => [f.name, String(f.type), f.nullable])).toEqual([
      ["id", "Int32", false], ["amount", String(new arrow.Decimal(2, 12, 128)), true], ["name", "Utf8", true], ["d", String(new arrow.DateDay()), true],
    ]);
    const withIds = engine.scan("e", { rowIds: true, columns: ["name"] });
    expect(withIds.numRows).toBe(0);
    expect(withIds.schema.fields.map((f) => f.name)).toEqual(["name", "$amp", "$rowhash", "$uniqueness"]);
    expect(engine.scan("e", { where: "id > 1" }).numRows).toBe(0);
    expect(engine.lookup("e", 1).numRows).toBe(0);
    expect(engine.lookup("e", 1).schema.fields.map((f) => f.name)).toEqual(["id", "amount", "name", "d"]);
    expect(engine.rowCount("e")).toBe(0);
    expect(engine.ampRowCounts("e")).toEqual([0, 0, 0, 0]);
  });

  it("aggregates: COUNT is 0, the others NULL; grouped gives no rows", () => {
    const engine = emptyEngine();
    const whole = plainRows(engine.aggregate("e", { aggregates: [{ fn: "count" }, { fn: "sum", column: "amount" }, { fn: "min", column: "name" }, { fn: "avg", column: "id" }] }));
    expect(whole).toEqual([{ count: 0n, sum_amount: null, min_name: null, avg_id: null }]);
    expect(plainRows(engine.aggregate("e"))).toEqual([{ count: 0n }]);
    expect(engine.aggregate("e", { groupBy: ["name"] }).numRows).toBe(0);
  });

  it("inserts of 0 rows and insert-select from an empty table change nothing", () => {
    const engine = emptyEngine();
    expect(engine.insert("e", [])).toBe(0);
    const emptyArrow = new arrow.Table({ id: vector(new arrow.Int32(), []), name: vector(new arrow.Utf8(), []) });
    expect(emptyArrow.numRows).toBe(0);
    expect(engine.insert("e", emptyArrow)).toBe(0);
    expect(engine.insertSelect("e2", "e")).toBe(0);
    expect(engine.sql("INSERT INTO e2 SELECT * FROM e").rows).toBe(0);
    expect(engine.insertSelect("e", "e")).toBe(0);
    expect(engine.delete("e")).toBe(0);
    expect(engine.delete("e", { key: 3 })).toBe(0);
    expect(engine.rowCount("e") + engine.rowCount("e2")).toBe(0);
    expect(engine.ampBytes()).toEqual([0, 0, 0, 0]);
    const skew = engine.skew("e");
    expect(skew).toEqual({ rows: [0, 0, 0, 0], min: 0, max: 0, mean: 0, skewFactor: 0, maxOverMean: 1 });
  });

  it("an insert of NOT NULL rows where an empty input lacks the NOT NULL column is fine", () => {
    const engine = emptyEngine();
    expect(engine.insert("e", new arrow.Table({ name: vector(new arrow.Utf8(), []) }))).toBe(0);
  });
});

// ---------------------------------------------------------------------------

describe("placement: every row sits on the AMP its row hash assigns", () => {
  const KEY_TYPES: readonly [string, (i: number) => unknown][] = [
    ["BYTEINT", (i) => (i % 256) - 128],
    ["SMALLINT", (i) => i * 97 - 20000],
    ["INTEGER", (i) => i * 7919 - 1000000],
    ["BIGINT", (i) => (1n << 62n) - BigInt(i) * 1234567891n],
    ["REAL", (i) => i / 4 - 30],
    ["FLOAT", (i) => i * 0.37 - 11],
    ["DECIMAL(12,2)", (i) => formatDecimal(BigInt(i * 3331 - 400000), 2)],
    ["DECIMAL(38,0)", (i) => (10n ** 37n) + BigInt(i)],
    ["VARCHAR(12)", (i) => `key-${i}-${"é".repeat(i % 3)}`],
    ["CHAR(6)", (i) => `c${i}`],
    ["LONG VARCHAR", (i) => "x".repeat(i % 40)],
    ["DATE", (i) => new Date(Date.UTC(1999, 0, 1 + i * 3))],
    ["TIMESTAMP", (i) => new Date(Date.UTC(2001, 0, 1) + i * 3_600_001)],
    ["BOOLEAN", (i) => i % 2 === 0],
  ];

  it.each(KEY_TYPES)("single-column PI of type %s (NUPI, 6 AMPs, 20 hash bits)", (sql, keyAt) => {
    const engine = new Engine({ amps: 6, hashBits: 20 });
    engine.sql(`CREATE MULTISET TABLE p (k ${sql}, v INTEGER) PRIMARY INDEX (k)`);
    engine.insert("p", Array.from({ length: 150 }, (_, i) => ({ k: i % 10 === 9 ? null : keyAt(i), v: i })));
    const rows = checkPlacement(engine, "p");
    expect(rows).toHaveLength(150);
  });

  it.each([
    ["uniform, 4 AMPs", () => new Engine()],
    ["uniform, 7 AMPs, 20 bits", () => new Engine({ amps: 7, hashBits: 20 })],
    ["rebalanced 4 → 6 AMPs", () => new Engine({ hashMap: HashMap.rebalance(HashMap.uniform(4, 16), 6) })],
    ["rebalanced 9 → 5 AMPs, 8 bits", () => new Engine({ hashMap: HashMap.rebalance(HashMap.uniform(9, 8), 5) })],
    ["one AMP", () => new Engine({ amps: 1 })],
  ])("multi-column PIs, inserted in many statements (%s)", (_label, make) => {
    const engine = make();
    engine.sql(`CREATE SET TABLE m2 (a INTEGER, b VARCHAR(8), c INTEGER) UNIQUE PRIMARY INDEX (a, b);
      CREATE MULTISET TABLE m3 (d DATE, amount DECIMAL(10,3), big BIGINT, note CHAR(3)) PRIMARY INDEX (d, amount, big)`);
    // 30 statements: more runs than a fragment keeps, so runs are merged along the way
    for (let s = 0; s < 30; s++) {
      engine.insert("m2", Array.from({ length: 11 }, (_, k) => ({ a: s, b: k === 10 ? null : `b${k}`, c: s * k })));
      engine.insert("m3", Array.from({ length: 9 }, (_, k) => ({
        d: new Date(Date.UTC(2020, 0, 1 + (k % 4))), amount: formatDecimal(BigInt((s * 13 + k) % 20), 3), big: BigInt(k) * 3n, note: "ab",
      })));
    }
    expect(checkPlacement(engine, "m2")).toHaveLength(330);
    expect(checkPlacement(engine, "m3")).toHaveLength(270);
    expect(engine.rowCount("m2")).toBe(330);
    // every key is found again by lookup, on the AMP ampOf names
    for (let s = 0; s < 30; s += 7) {
      const found = plainRows(engine.lookup("m2", [s, "b3"]));
      expect(found).toEqual([{ a: s, b: "b3", c: s * 3 }]);
      expect(plainRows(engine.lookup("m2", { a: s, b: null }))).toEqual([{ a: s, b: null, c: s * 10 }]);
      expect(lastStep(engine).amps.every((work) => work.amp === engine.ampOf("m2", [s, null]))).toBe(true);
    }
    const m3 = plainRows(engine.scan("m3"));
    const key = { d: new Date(Date.UTC(2020, 0, 2)), amount: "0.001", big: 3n };
    const expected = m3.filter((r) => r.d === Date.UTC(2020, 0, 2) && r.amount === 1n && r.big === 3n);
    expect(expected.length).toBeGreaterThan(0);
    expect(sorted(plainRows(engine.lookup("m3", key)))).toEqual(sorted(expected));
  });

  it("ampOf agrees with the hash map for keys not stored", () => {
    const engine = new Engine({ amps: 5 });
    engine.sql("CREATE TABLE u (a INTEGER, b VARCHAR(4)) UNIQUE PRIMARY INDEX (a, b)");
    for (let i = 0; i < 50; i++) {
      expect(engine.ampOf("u", [i, "x"])).toBe(engine.hashMap.ampOfHash(rowHash([i, "x"], [types.int32, types.varchar(4)])));
      expect(engine.ampOf("u", { b: "x", a: i })).toBe(engine.ampOf("u", [i, "x"]));
    }
  });

  it("NoPI tables spread rows evenly over the AMPs, and rows still map to their AMP", () => {
    const engine = new Engine({ amps: 4 });
    engine.sql("CREATE MULTISET TABLE np (a INTEGER, b VARCHAR(5)) NO PRIMARY INDEX");
    engine.insert("np", Array.from({ length: 1000 }, (_, i) => ({ a: 7, b: `v${i % 3}` })));
    expect(engine.ampRowCounts("np")).toEqual([250, 250, 250, 250]);
    for (let s = 0; s < 40; s++) engine.insert("np", [{ a: s, b: "one" }]);
    for (let s = 0; s < 10; s++) engine.insert("np", Array.from({ length: 7 }, (_, i) => ({ a: i, b: "seven" })));
    const counts = engine.ampRowCounts("np");
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1110);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(4);
    checkPlacement(engine, "np");
    expect(engine.skewFactor("np")).toBeLessThan(1);
  });

  it("NoPI rows keep the placement invariant when an AMP owns no hash bucket", () => {
    // AMP 2 owns no bucket, so no row hash maps to it.
    const engine = new Engine({ hashMap: HashMap.fromBuckets(2, 3, [0, 1, 0, 1]) });
    engine.sql("CREATE MULTISET TABLE np (a INTEGER) NO PRIMARY INDEX");
    engine.insert("np", Array.from({ length: 9 }, (_, i) => ({ a: i })));
    checkPlacement(engine, "np");
    expect(engine.rowCount("np")).toBe(9);
  });
});

// ---------------------------------------------------------------------------

describe("lookup keys", () => {
  it("an object key must name every PI column (null for NULL); no key at all is BAD_ARGUMENT", () => {
    const engine = new Engine({ amps: 3 });
    engine.sql("CREATE MULTISET TABLE m (a INTEGER, b INTEGER, v INTEGER) PRIMARY INDEX (a, b)");
    engine.insert("m", [{ a: null, b: null, v: 1 }, { a: 1, b: null, v: 2 }]);
    expectError(() => engine.lookup("m", {}), "BAD_ARGUMENT", "no value for primary index column(s) a, b");
    expectError(() => engine.lookup("m", { a: 1 }), "BAD_ARGUMENT", "column(s) b");
    expectError(() => engine.delete("m", { key: {} }), "BAD_ARGUMENT", "main.m");
    expectError(() => engine.lookup("m", undefined), "BAD_ARGUMENT", "no key given");
    expect(engine.lookup("m", { a: null, b: null }).numRows).toBe(1);
    expect(engine.lookup("m", { a: 1, b: null }).numRows).toBe(1);
    expect(engine.rowCount("m")).toBe(2);
  });

  it("a DECIMAL key is matched, not rounded: more places than the scale is VALUE_OUT_OF_RANGE, never another row", () => {
    const engine = new Engine({ amps: 2 });
    engine.sql("CREATE TABLE k (k DECIMAL(6,2), v INTEGER) UNIQUE PRIMARY INDEX (k)");
    engine.insert("k", [{ k: 5, v: 1 }, { k: "1.5", v: 2 }, { k: 500, v: 3 }]);
    expectError(() => engine.lookup("k", 5.004), "VALUE_OUT_OF_RANGE", `"5.004" has more than 2 decimal places`);
    expectError(() => engine.delete("k", { key: 5.004 }), "VALUE_OUT_OF_RANGE", "main.k");
    expect(engine.rowCount("k")).toBe(3);
    expect([5, 1.5, "1.50", 500].map((key) => engine.lookup("k", key).numRows)).toEqual([1, 1, 1, 1]);
    expect(engine.scan("k", { where: "k = 5.004" }).numRows).toBe(0);
  });
});

describe("lookup", () => {
  function engineWithKeys(): Engine {
    const engine = new Engine({ amps: 6 });
    engine.sql(`CREATE TABLE u (id INTEGER NOT NULL, note VARCHAR(20)) UNIQUE PRIMARY INDEX (id);
      CREATE MULTISET TABLE n (cust INTEGER, region CHAR(2), amount INTEGER) PRIMARY INDEX (cust, region);
      CREATE MULTISET TABLE np (a INTEGER) NO PRIMARY INDEX`);
    engine.insert("u", Array.from({ length: 40 }, (_, i) => ({ id: i, note: `note ${i}` })));
    for (let s = 0; s < 3; s++) engine.insert("n", [{ cust: 7, region: "NE", amount: s }, { cust: 7, region: "SW", amount: 10 + s }, { cust: 8, region: "NE", amount: 20 + s }]);
    engine.insert("np", [{ a: 1 }]);
    return engine;
  }

  it("finds a UPI row by array, object, scalar and bigint", () => {
    const engine = engineWithKeys();
    const expected = [{ id: 5, note: "note 5" }];
    expect(plainRows(engine.lookup("u", 5))).toEqual(expected);
    expect(plainRows(engine.lookup("u", [5]))).toEqual(expected);
    expect(plainRows(engine.lookup("u", { id: 5 }))).toEqual(expected);
    expect(plainRows(engine.lookup("u", 5n))).toEqual(expected);
    expect(engine.lookup("u", 99).numRows).toBe(0);
  });

  it("finds every duplicate of a NUPI key, across statements; CHAR keys ignore trailing blanks", () => {
    const engine = engineWithKeys();
    expect(plainRows(engine.lookup("n", [7, "NE"])).map((r) => r.amount).sort()).toEqual([0, 1, 2]);
    expect(plainRows(engine.lookup("n", { region: "SW", cust: 7 })).map((r) => r.amount).sort()).toEqual([10, 11, 12]);
    expect(engine.lookup("n", [7, "NE "]).numRows).toBe(3);
    expect(engine.lookup("n", [8, "SW"]).numRows).toBe(0);
  });

  it("is a single-AMP step on the AMP that ampOf names", () => {
    const engine = engineWithKeys();
    const before = engine.trace.steps.length;
    engine.lookup("n", [7, "NE"]);
    expect(engine.trace.steps.length).toBe(before + 1);
    const step = lastStep(engine);
    expect(step.step).toBe("lookup");
    expect(step.scope).toBe("single-amp");
    expect(step.table).toBe("main.n");
    expect(step.rows).toBe(3);
    expect(step.amps.map((a) => a.amp)).toEqual([engine.ampOf("n", [7, "NE"])]);
    expect(step.amps[0].rowsRead).toBe(3);
  });

  it("reports key values of the wrong type as TYPE_MISMATCH", () => {
    const engine = engineWithKeys();
    expectError(() => engine.lookup("u", "5"), "TYPE_MISMATCH", "id");
    expectError(() => engine.lookup("u", 1.5), "TYPE_MISMATCH", "id");
    expectError(() => engine.lookup("u", true), "TYPE_MISMATCH", "id");
    expectError(() => engine.lookup("n", [7, 3]), "TYPE_MISMATCH", "region");
    expectError(() => engine.ampOf("n", ["7", "NE"]), "TYPE_MISMATCH", "cust");
  });

  it("reports the wrong number of key values as BAD_ARGUMENT, unknown key columns as NO_SUCH_COLUMN", () => {
    const engine = engineWithKeys();
    expectError(() => engine.lookup("n", [7]), "BAD_ARGUMENT", "main.n", /2/);
    expectError(() => engine.lookup("n", 7), "BAD_ARGUMENT", "main.n");
    expectError(() => engine.lookup("u", [1, 2]), "BAD_ARGUMENT", "main.u");
    expectError(() => engine.lookup("u", []), "BAD_ARGUMENT", "main.u");
    expectError(() => engine.lookup("n", { cust: 7, region: "NE", amount: 1 }), "NO_SUCH_COLUMN", "amount");
  });

  it("refuses a lookup on a NoPI table with BAD_ARGUMENT", () => {
    const engine = engineWithKeys();
    expectError(() => engine.lookup("np", 1), "BAD_ARGUMENT", "main.np");
    expectError(() => engine.ampOf("np", 1), "BAD_ARGUMENT", "main.np");
    expectError(() => engine.delete("np", { key: 1 }), "BAD_ARGUMENT", "main.np");
  });
});

// ---------------------------------------------------------------------------

describe("scan", () => {
  const ROWS: Row[] = [
    { id: 1, grp: "a", v: 1, f: 0.25, d: "1.50", b: true, dt: "2020-01-01" },
    { id: 2, grp: "b", v: 2, f: 0.5, d: "12.25", b: false, dt: "2020-01-02" },
    { id: 3, grp: "a", v: 3, f: 0.75, d: null, b: null, dt: "2020-01-03" },
    { id: 4, grp: null, v: null, f: 1.0, d: "-4.00", b: true, dt: null },
    { id: 5, grp: "c", v: 5, f: null, d: "9999.99", b: false, dt: "2020-01-05" },
    { id: 6, grp: "b", v: null, f: -1, d: "0.01", b: null, dt: "2020-01-06" },
    { id: 7, grp: "a", v: 4, f: 2.5, d: "1.49", b: true, dt: "2020-01-07" },
    { id: 8, grp: "ab", v: 3, f: 0, d: "-9999.99", b: false, dt: "2020-01-08" },
    { id: 9, grp: null, v: 3, f: 3, d: null, b: true, dt: "2020-01-09" },
    { id: 10, grp: "c", v: 0, f: -0.5, d: "5.00", b: false, dt: "2019-12-31" },
  ];
  const DDL = "CREATE TABLE s (id INTEGER NOT NULL, grp VARCHAR(5), v INTEGER, f FLOAT, d DECIMAL(6,2), b BOOLEAN, dt DATE) UNIQUE PRIMARY INDEX (id)";

  function scanEngine(): Engine {
    const engine = new Engine({ amps: 3 });
    engine.sql(DDL);
    engine.insert("s", ROWS);
    return engine;
  }

  /** A model of the predicate's SQL three-valued logic over plain row objects. */
  function comparable(column: string, value: unknown): number | string | null {
    if (value === null || value === undefined) return null;
    switch (column) {
      case "d": return Number(value);
      case "b": return value ? 1 : 0;
      case "dt": return value instanceof Date ? Math.floor(value.getTime() / 86_400_000) : Math.floor(Date.parse(`${value as string}T00:00:00Z`) / 86_400_000);
      default: return value as number | string;
    }
  }

  function compareModel(column: string, rowValue: unknown, literal: Literal): number | null {
    const a = comparable(column, rowValue); const b = comparable(column, literal);
    if (a === null || b === null) return null;
    return a < b ? -1 : a > b ? 1 : 0;
  }

  function model(p: Predicate, row: Row): boolean | null {
    const not = (t: boolean | null) => (t === null ? null : !t);
    const and = (ts: (boolean | null)[]) => (ts.some((t) => t === false) ? false : ts.every((t) => t === true) ? true : null);
    const or = (ts: (boolean | null)[]) => (ts.some((t) => t === true) ? true : ts.every((t) => t === false) ? false : null);
    switch (p.kind) {
      case "compare": {
        const c = compareModel(p.column, row[p.column], p.value);
        if (c === null) return null;
        return { "=": c === 0, "<>": c !== 0, "<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0 }[p.op];
      }
      case "is null": return (row[p.column] === null) !== p.negated;
      case "in": {
        const t = or(p.values.map((v) => { const c = compareModel(p.column, row[p.column], v); return c === null ? null : c === 0; }));
        return p.negated ? not(t) : t;
      }
      case "between": {
        const low = compareModel(p.column, row[p.column], p.low); const high = compareModel(p.column, row[p.column], p.high);
        const t = and([low === null ? null : low >= 0, high === null ? null : high <= 0]);
        return p.negated ? not(t) : t;
      }
      case "and": return and(p.operands.map((o) => model(o, row)));
      case "or": return or(p.operands.map((o) => model(o, row)));
      case "not": return not(model(p.operand, row));
    }
  }

  const PREDICATES = [
    "v = 3", "v <> 3", "v < 3", "v <= 3", "v > 3", "v >= 3", "3 < v",
    "v IN (1, 3, 5)", "v NOT IN (1, 3)", "v NOT IN (1, NULL)", "v IN (NULL)",
    "v BETWEEN 2 AND 4", "v NOT BETWEEN 2 AND 4",
    "v IS NULL", "v IS NOT NULL", "NOT (v IS NULL)",
    "v > 2 AND grp = 'a'", "v > 2 OR grp = 'a'", "NOT (v > 2)", "NOT (v > 2 OR grp = 'a')",
    "NOT (v = 3 AND b = TRUE)", "id = 3 OR v IS NULL", "v = NULL", "v <> NULL",
    "grp < 'b'", "grp >= 'ab'", "grp = 'a' OR grp IS NULL",
    "d >= 1.5", "d = 12.25", "d < 0", "d > 99999", "d < 99999", "d BETWEEN -5 AND 1.49",
    "f > 0.5", "f <= 0", "b = TRUE", "b <> TRUE", "NOT b = FALSE",
    "dt >= DATE '2020-01-05'", "dt < '2020-01-02'",
    "(v = 3 OR v = 4) AND NOT (b = FALSE)",
  ];

  it.each(PREDICATES)("where %s (text and object) keeps the rows the model says are TRUE", (text) => {
    const engine = scanEngine();
    const predicate = parsePredicate(text);
    const expected = ROWS.filter((row) => model(predicate, row) === true).map((r) => r.id).sort((a, b) => (a as number) - (b as number));
    const byText = plainRows(engine.scan("s", { where: text, columns: ["id"] })).map((r) => r.id).sort((a, b) => (a as number) - (b as number));
    const byObject = plainRows(engine.scan("s", { where: predicate, columns: ["id"] })).map((r) => r.id).sort((a, b) => (a as number) - (b as number));
    expect(byText).toEqual(expected);
    expect(byObject).toEqual(expected);
  });

  it("accepts hand-written predicate objects", () => {
    const engine = scanEngine();
    const ids = (where: Predicate) => plainRows(engine.scan("s", { where, columns: ["id"] })).map((r) => r.id).sort((a, b) => (a as number) - (b as number));
    expect(ids({ kind: "compare", column: "v", op: ">=", value: 4 })).toEqual([5, 7]);
    expect(ids({ kind: "in", column: "grp", values: ["a", "c"], negated: false })).toEqual([1, 3, 5, 7, 10]);
    expect(ids({ kind: "is null", column: "grp", negated: false })).toEqual([4, 9]);
    expect(ids({ kind: "between", column: "id", low: 3, high: 5, negated: true })).toEqual([1, 2, 6, 7, 8, 9, 10]);
    expect(ids({ kind: "not", operand: { kind: "or", operands: [{ kind: "compare", column: "v", op: "=", value: 3 }, { kind: "compare", column: "b", op: "=", value: true }] } })).toEqual([2, 5, 10]);
    expect(ids({ kind: "and", operands: [] })).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(ids({ kind: "compare", column: "d", op: "=", value: "12.25" })).toEqual([2]);
    expect(ids({ kind: "compare", column: "dt", op: "=", value: new Date(Date.UTC(2020, 0, 3)) })).toEqual([3]);
  });

  it("projects columns in the order asked", () => {
    const engine = scanEngine();
    const result = engine.scan("s", { columns: ["v", "ID"] });
    expect(result.schema.fields.map((f) => f.name)).toEqual(["v", "id"]);
    expect(sorted(plainRows(result))).toEqual(sorted(ROWS.map((r) => ({ v: r.v, id: r.id }))));
  });

  it("reads one AMP when asked; the AMPs together give every row", () => {
    const engine = scanEngine();
    const all: Row[] = [];
    for (let amp = 0; amp < 3; amp++) {
      const before = engine.trace.steps.length;
      const rows = plainRows(engine.scan("s", { amp, rowIds: true }));
      expect(engine.trace.steps.length).toBe(before + 1);
      expect(lastStep(engine).scope).toBe("single-amp");
      expect(rows.every((r) => r.$amp === amp)).toBe(true);
      expect(rows).toHaveLength(engine.ampRowCounts("s")[amp]);
      all.push(...rows);
    }
    expect(sorted(withoutIds(all)).map((r) => r.id)).toEqual(sorted(plainRows(engine.scan("s"))).map((r) => r.id));
    expect(plainRows(engine.scan("s", { amp: 1, where: "v IS NOT NULL", rowIds: true })).every((r) => r.$amp === 1 && r.v !== null)).toBe(true);
    expectError(() => engine.scan("s", { amp: 3 }), "BAD_ARGUMENT", "3");
    expectError(() => engine.scan("s", { amp: -1 }), "BAD_ARGUMENT");
    expectError(() => engine.scan("s", { amp: 0.5 }), "BAD_ARGUMENT");
  });

  it("reports unknown columns as NO_SUCH_COLUMN naming the table and column", () => {
    const engine = scanEngine();
    const before = engine.trace.steps.length;
    expectError(() => engine.scan("s", { columns: ["id", "nope"] }), "NO_SUCH_COLUMN", "main.s", "nope");
    expectError(() => engine.scan("s", { where: "nope = 1" }), "NO_SUCH_COLUMN", "main.s", "nope");
    expectError(() => engine.scan("s", { where: { kind: "is null", column: "nope", negated: false } }), "NO_SUCH_COLUMN", "main.s", "nope");
    expectError(() => engine.scan("s", { where: "v = 1 OR nope IN (1)" }), "NO_SUCH_COLUMN", "nope");
    expectError(() => engine.aggregate("s", { groupBy: ["nope"] }), "NO_SUCH_COLUMN", "nope");
    expectError(() => engine.delete("s", { where: "nope = 1" }), "NO_SUCH_COLUMN", "nope");
    expect(engine.trace.steps.length).toBe(before);
  });

  it("reports a literal that cannot be compared with the column as TYPE_MISMATCH", () => {
    const engine = scanEngine();
    expectError(() => engine.scan("s", { where: "v = 'abc'" }), "TYPE_MISMATCH", "v");
    expectError(() => engine.scan("s", { where: "grp = 3" }), "TYPE_MISMATCH", "grp");
    const error = expectError(() => engine.scan("s", { where: "v = 'abc'" }), "TYPE_MISMATCH");
    expect(error.message.match(/TYPE_MISMATCH/g), "the code appears once").toHaveLength(1);
  });

  it("compares an integer column with any number by value: fractions and numbers beyond its range", () => {
    const engine = scanEngine();
    const ids = (where: string | Predicate) => [...engine.scan("s", { where }).getChild("id")!.toArray()].map(Number).sort((a, b) => a - b);
    const model = (test: (v: number) => boolean) => ROWS.filter((r) => r.v !== null && test(r.v as number)).map((r) => r.id as number).sort((a, b) => a - b);
    expect(ids("v > 2.5")).toEqual(model((v) => v > 2.5));
    expect(ids("v <= 2.5")).toEqual(model((v) => v <= 2.5));
    expect(ids("v = 2.5")).toEqual([]);
    expect(ids("v <> 2.5")).toEqual(model(() => true));
    expect(ids("v < 10000000000")).toEqual(model(() => true));
    expect(ids("v > -99999999999999999999999")).toEqual(model(() => true));
    expect(ids("v >= 10000000000")).toEqual([]);
    expect(ids("v BETWEEN 1.5 AND 3.5")).toEqual(model((v) => v >= 1.5 && v <= 3.5));
    expect(ids({ kind: "in", column: "v", values: [1, 2.5, 3], negated: false })).toEqual(model((v) => v === 1 || v === 3));
    expect(ids({ kind: "compare", column: "v", op: "<", value: 3n ** 50n })).toEqual(model(() => true));
  });

  it("compares a BIGINT exactly with a fractional literal beyond 2^53, and a DECIMAL with any number", () => {
    const engine = new Engine({ amps: 2 });
    engine.sql("CREATE TABLE big (id BIGINT NOT NULL, d DECIMAL(10,3)) PRIMARY INDEX (id)");
    engine.insert("big", [{ id: 9007199254740993n, d: "0.000" }, { id: 9007199254740994n, d: "1.500" }, { id: 9007199254740995n, d: "2.000" }, { id: -3n, d: null }]);
    const ids = (where: string) => [...engine.scan("big", { where }).getChild("id")!.toArray()].map(String).sort();
    expect(ids("id = 9007199254740993.5")).toEqual([]);
    expect(ids("id > 9007199254740993.5")).toEqual(["9007199254740994", "9007199254740995"]);
    expect(ids("id <= 9007199254740994.5")).toEqual(["-3", "9007199254740993", "9007199254740994"]);
    expect(ids("id BETWEEN 9007199254740993.5 AND 9007199254740995.5")).toEqual(["9007199254740994", "9007199254740995"]);
    expect(ids("id IN (9007199254740993.5, 9007199254740994)")).toEqual(["9007199254740994"]);
    expect(ids("id < -2.5")).toEqual(["-3"]);
    expect(ids("id >= -3.5")).toHaveLength(4);
    expect(ids("d > 1e-7")).toEqual(["9007199254740994", "9007199254740995"]);
    expect(ids("d = 1.5")).toEqual(["9007199254740994"]);
    expect(engine.delete("big", { where: "id = 9007199254740994.5" })).toBe(0);
    // Literals with more digits than a double holds never go through the double they round to.
    engine.insert("big", [{ id: 1n, d: "0.500" }, { id: 4503599627370496n, d: null }, { id: 0n, d: "1234567.123" }]);
    expect(ids("id = 1.0000000000000001")).toEqual([]);
    expect(ids("id = 4503599627370496.5")).toEqual([]);
    expect(ids("id < 4503599627370496.5")).toContain("4503599627370496");
    expect(ids("id = 1.0000000000000001e-400")).toEqual([]);
    expect(ids("d > 0.4999999999999999999999")).toContain("1");
    expect(ids("d < 1234567.1230000000000000001")).toContain("0");
    expect(ids("d > 1234567.1230000000000000001")).not.toContain("0");
    const started = performance.now();
    expect(ids("id < 1.0000000000000001e100000000")).toHaveLength(engine.rowCount("big"));
    expect(ids("id > -1.0000000000000001e99999999999999999999")).toHaveLength(engine.rowCount("big"));
    expect(performance.now() - started, "a huge exponent builds no huge string").toBeLessThan(1_000);
  });

  it("an empty IN list or OR matches no row, an empty AND every row: deleting by an empty IN deletes nothing", () => {
    const engine = scanEngine();
    const where = (p: Predicate) => engine.scan("s", { where: p }).numRows;
    expect(where({ kind: "in", column: "v", values: [], negated: false })).toBe(0);
    expect(where({ kind: "in", column: "v", values: [], negated: true })).toBe(ROWS.length); // NOT FALSE, even for NULL

    expect(where({ kind: "or", operands: [] })).toBe(0);
    expect(where({ kind: "and", operands: [] })).toBe(ROWS.length);
    expect(engine.delete("s", { where: { kind: "in", column: "id", values: [], negated: false } })).toBe(0);
    expect(engine.rowCount("s")).toBe(ROWS.length);
  });

  it("refuses badly shaped scan and aggregate options with BAD_ARGUMENT (not a TypeError, not ignored)", () => {
    const engine = scanEngine();
    const bad = (run: () => unknown, ...mentions: string[]) => expectError(run, "BAD_ARGUMENT", ...mentions);
    bad(() => engine.scan("s", { columns: "id" as never }), "columns must be a list");
    bad(() => engine.scan("s", { columns: [1 as never] }), "columns must be a list");
    bad(() => engine.scan("s", { columns: ["id", "ID"] }), "names ID twice");
    bad(() => engine.scan("s", null as never), "options must be an object");
    bad(() => engine.scan("s", { colums: ["id"] } as never), "no option colums");
    bad(() => engine.scan("s", { rowIds: "yes" as never }), "rowIds must be true or false");
    bad(() => engine.scan("s", { amp: "1" as never }), "amp must be an AMP number");
    bad(() => engine.aggregate("s", null as never), "options must be an object");
    bad(() => engine.aggregate("s", { groupBy: "grp" as never }), "groupBy must be a list");
    bad(() => engine.aggregate("s", { aggregates: { fn: "count" } as never }), "aggregates must be a list");
    bad(() => engine.aggregate("s", { aggregates: [null as never] }), "aggregates[0]");
    bad(() => engine.aggregate("s", { aggregates: [{ fn: "count", column: null as never }] }), "aggregates[0] has column NULL");
    bad(() => engine.aggregate("s", { aggregates: [{ fn: "count", as: 5 as never }] }), "aggregates[0] has as 5");
    bad(() => engine.aggregate("s", { aggregates: [{ fn: "count", as: "" }] }), "aggregates[0] has as");
  });

  it("refuses a predicate object of the wrong shape with BAD_ARGUMENT, naming what is wrong", () => {
    const engine = scanEngine();
    const before = engine.trace.steps.length;
    const bad = (where: unknown, ...mentions: string[]) => expectError(() => engine.scan("s", { where: where as Predicate }), "BAD_ARGUMENT", "main.s", ...mentions);
    bad({ column: "v", op: "=", value: 3 }, "kind missing");
    bad({ kind: "compare", column: "v", op: "~", value: 3 }, `operator "~"`);
    bad({ kind: "compare", column: "v", op: "=" }, "value (value: missing)");
    bad({ kind: "compare", op: "=", value: 1 }, "no column name");
    bad({ kind: "compare", column: "v", op: "=", value: { x: 1 } }, "value");
    bad({ kind: "in", column: "v", values: 3, negated: false }, "values");
    bad({ kind: "in", column: "v", values: [1, undefined], negated: false }, "values[1]");
    bad({ kind: "between", column: "v", low: 1 }, "high");
    bad({ kind: "and", operands: [{ kind: "compare", column: "v", op: ">", value: 1 }, { kind: "nope" }] }, "where.operands[1]", `kind "nope"`);
    bad({ kind: "not", operand: 5 }, "where.operand is 5");
    bad(5, "where is 5");
    bad([], "where is");
    expectError(() => engine.delete("s", { where: { kind: "or" } as unknown as Predicate }), "BAD_ARGUMENT", "operands");
    expectError(() => engine.aggregate("s", { where: { kind: "x" } as unknown as Predicate }), "BAD_ARGUMENT", `kind "x"`);
    expect(engine.rowCount("s")).toBe(ROWS.length);
    expect(engine.trace.steps.length).toBe(before);
  });
});

// ---------------------------------------------------------------------------

describe("insertSelect", () => {
  function sourceEngine(): Engine {
    const engine = new Engine({ amps: 5 });
    engine.sql(`CREATE MULTISET TABLE src (k INTEGER, g INTEGER, s VARCHAR(10)) PRIMARY INDEX (k);
      CREATE MULTISET TABLE same_pi (k INTEGER, g INTEGER, s VARCHAR(10)) PRIMARY INDEX (k);
      CREATE MULTISET TABLE other_pi (k INTEGER, g INTEGER, s VARCHAR(10)) PRIMARY INDEX (g);
      CREATE MULTISET TABLE nopi (k INTEGER, g INTEGER, s VARCHAR(10)) NO PRIMARY INDEX`);
    engine.insert("src", Array.from({ length: 400 }, (_, i) => ({ k: i, g: i % 9, s: i % 11 === 0 ? null : `s${i}` })));
    return engine;
  }

  it("is AMP-local when the PI columns agree: no transfers, every row keeps its AMP and row hash", () => {
    const engine = sourceEngine();
    const before = engine.trace.steps.length;
    expect(engine.insertSelect("same_pi", "src")).toBe(400);
    expect(engine.trace.steps.length).toBe(before + 1);
    const step = lastStep(engine);
    expect(step.step).toBe("insert-select");
    expect(step.table).toBe("main.same_pi");
    expect(step.source).toBe("main.src");
    expect(step.rows).toBe(400);
    expect(step.transfers).toEqual([]);
    expect(step.amps.every((a) => a.rowsSent === 0 && a.bytesSent === 0 && a.messagesSent === 0)).toBe(true);
    expect(step.amps.map((a) => a.rowsRead)).toEqual(engine.ampRowCounts("src"));
    expect(step.amps.map((a) => a.rowsWritten)).toEqual(engine.ampRowCounts("same_pi"));
    expect(engine.ampRowCounts("same_pi")).toEqual(engine.ampRowCounts("src"));
    const strip = (rows: Row[]) => rows.map(({ $uniqueness: _u, ...rest }) => rest);
    expect(strip(plainRows(engine.scan("same_pi", { rowIds: true })))).toEqual(strip(plainRows(engine.scan("src", { rowIds: true }))));
    checkPlacement(engine, "same_pi");
  });

  it("redistributes when the PI differs: transfers match the rows that change AMP; rows are conserved", () => {
    const engine = sourceEngine();
    expect(engine.insertSelect("other_pi", "src")).toBe(400);
    const step = lastStep(engine);
    expect(step.transfers.length).toBeGreaterThan(0);
    const source = new Map(plainRows(engine.scan("src", { rowIds: true })).map((r) => [r.k, r.$amp as number]));
    const target = plainRows(engine.scan("other_pi", { rowIds: true }));
    const moved = new Map<string, number>();
    for (const row of target) {
      const from = source.get(row.k)!; const to = row.$amp as number;
      if (from !== to) moved.set(`${from}->${to}`, (moved.get(`${from}->${to}`) ?? 0) + 1);
    }
    expect(new Map(step.transfers.map((t) => [`${t.from}->${t.to}`, t.rows]))).toEqual(moved);
    for (const t of step.transfers) {
      expect(t.from).not.toBe(t.to);
      expect(t.bytes).toBeGreaterThan(0);
      expect(t.messages).toBeGreaterThanOrEqual(1);
    }
    for (const work of step.amps) {
      const sent = step.transfers.filter((t) => t.from === work.amp);
      expect(work.rowsSent).toBe(sent.reduce((s, t) => s + t.rows, 0));
      expect(work.bytesSent).toBe(sent.reduce((s, t) => s + t.bytes, 0));
    }
    expect(step.amps.map((a) => a.rowsWritten)).toEqual(engine.ampRowCounts("other_pi"));
    expect(engine.rowCount("other_pi")).toBe(400);
    expect(sorted(withoutIds(target))).toEqual(sorted(plainRows(engine.scan("src"))));
    checkPlacement(engine, "other_pi");
  });

  it("into a NoPI table (AMP-local, as Teradata does) and back", () => {
    const engine = sourceEngine();
    const mark = engine.trace.mark();
    expect(engine.insertSelect("nopi", "src")).toBe(400);
    expect(engine.ampRowCounts("nopi")).toEqual(engine.ampRowCounts("src"));
    expect(engine.trace.since(mark)[0].transfers).toEqual([]);
    expect(engine.sql("INSERT INTO other_pi SELECT * FROM nopi").rows).toBe(400);
    expect(sorted(plainRows(engine.scan("other_pi")))).toEqual(sorted(plainRows(engine.scan("src"))));
    checkPlacement(engine, "other_pi");
  });

  it("with where (object, text and SQL)", () => {
    const engine = sourceEngine();
    const expected = sorted(plainRows(engine.scan("src")).filter((r) => (r.g as number) < 3));
    expect(engine.insertSelect("other_pi", "src", { where: "g < 3" })).toBe(expected.length);
    expect(sorted(plainRows(engine.scan("other_pi")))).toEqual(expected);
    expect(engine.insertSelect("same_pi", "src", { where: { kind: "compare", column: "g", op: "<", value: 3 } })).toBe(expected.length);
    expect(sorted(plainRows(engine.scan("same_pi")))).toEqual(expected);
    expect(engine.sql("INSERT INTO nopi SELECT * FROM src WHERE g < 3 AND s IS NULL").rows).toBe(expected.filter((r) => r.s === null).length);
    checkPlacement(engine, "same_pi");
  });

  it("refuses tables whose columns do not match with TYPE_MISMATCH", () => {
    const engine = sourceEngine();
    engine.sql(`CREATE MULTISET TABLE wrong_type (k INTEGER, g VARCHAR(10), s VARCHAR(10)) PRIMARY INDEX (k);
      CREATE MULTISET TABLE wrong_count (k INTEGER, g INTEGER) PRIMARY INDEX (k)`);
    expectError(() => engine.insertSelect("wrong_type", "src"), "TYPE_MISMATCH", "main.wrong_type", "g");
    expectError(() => engine.insertSelect("wrong_count", "src"), "TYPE_MISMATCH", "main.wrong_count");
    expect(engine.rowCount("wrong_type") + engine.rowCount("wrong_count")).toBe(0);
  });

  it("converts columns of other types as insert converts Arrow input: widening, and narrowing that every value fits", () => {
    const engine = sourceEngine();
    const expected = sorted(plainRows(engine.scan("src")));
    engine.sql(`CREATE MULTISET TABLE wide (k BIGINT, g DECIMAL(12,2), s VARCHAR(1000)) PRIMARY INDEX (k);
      CREATE TABLE wide_upi (k BIGINT NOT NULL, g FLOAT, s VARCHAR(20)) UNIQUE PRIMARY INDEX (k);
      CREATE MULTISET TABLE narrow (k SMALLINT, g BYTEINT, s VARCHAR(3)) PRIMARY INDEX (g);
      CREATE MULTISET TABLE floats (k FLOAT, g INTEGER, s VARCHAR(10)) PRIMARY INDEX (k)`);
    expect(engine.insertSelect("wide", "src")).toBe(400);
    // (plainRows gives a decimal unscaled: 1.00 in DECIMAL(12,2) is 100)
    expect(sorted(plainRows(engine.scan("wide")).map((r) => ({ ...r, k: Number(r.k), g: Number(r.g) / 100 })))).toEqual(expected);
    checkPlacement(engine, "wide");
    // The PI's type changed (INTEGER → BIGINT): rows were placed by the target's row hash, on the same AMPs (the hash ignores integer width).
    expect(engine.ampRowCounts("wide")).toEqual(engine.ampRowCounts("src"));
    expect(engine.sql("INSERT INTO wide_upi SELECT * FROM src WHERE k < 100").rows).toBe(100);
    expect(rowsOf(engine.lookup("wide_upi", 42n))).toEqual([{ k: 42n, g: 42 % 9, s: "s42" }]);
    checkPlacement(engine, "wide_upi");
    expectError(() => engine.insertSelect("wide_upi", "src", { where: "k < 120" }), "DUPLICATE_KEY", "main.wide_upi");
    // Narrowing: every value must fit, else nothing is stored.
    expectError(() => engine.insertSelect("narrow", "src"), "VALUE_OUT_OF_RANGE", "main.narrow", "s");
    engine.sql("CREATE MULTISET TABLE tiny (k INTEGER, g INTEGER, s VARCHAR(10)) PRIMARY INDEX (k)");
    engine.insert("tiny", [{ k: 1, g: 300, s: "a" }]);
    expectError(() => engine.insertSelect("narrow", "tiny"), "VALUE_OUT_OF_RANGE", "main.narrow", "g");
    expect(engine.rowCount("narrow")).toBe(0);
    engine.sql("DELETE FROM tiny; INSERT INTO tiny SELECT * FROM src WHERE k < 10 AND s IS NOT NULL");
    expect(engine.insertSelect("narrow", "tiny")).toBe(engine.rowCount("tiny"));
    checkPlacement(engine, "narrow");
    // DECIMAL into INTEGER, BIGINT and FLOAT: whole values convert, a fraction does not fit an integer.
    engine.sql(`CREATE MULTISET TABLE decs (k INTEGER, g DECIMAL(10,3), s VARCHAR(10)) PRIMARY INDEX (k);
      CREATE MULTISET TABLE ints (k INTEGER, g INTEGER, s VARCHAR(10)) PRIMARY INDEX (k);
      CREATE MULTISET TABLE bigs (k INTEGER, g BIGINT, s VARCHAR(10)) PRIMARY INDEX (k);
      CREATE MULTISET TABLE dbls (k INTEGER, g FLOAT, s VARCHAR(10)) PRIMARY INDEX (k)`);
    engine.insert("decs", [{ k: 1, g: "2.000", s: "a" }, { k: 2, g: "-7", s: null }, { k: 3, g: null, s: "c" }]);
    expect(engine.insertSelect("ints", "decs")).toBe(3);
    expect(rowsOf(engine.scan("ints")).map((r) => r.g).sort()).toEqual([-7, 2, null].sort());
    expect(engine.insertSelect("bigs", "decs")).toBe(3);
    expect(rowsOf(engine.scan("bigs")).map((r) => String(r.g)).sort()).toEqual(["-7", "2", "null"]);
    engine.insert("decs", [{ k: 4, g: "0.25", s: "d" }]);
    expect(engine.insertSelect("dbls", "decs")).toBe(4);
    expect(rowsOf(engine.scan("dbls")).map((r) => r.g).filter((g) => g !== null).sort()).toEqual([-7, 0.25, 2].sort());
    expectError(() => engine.insertSelect("ints", "decs"), "VALUE_OUT_OF_RANGE", "main.ints", "0.250", "has a fraction");
    expect(engine.rowCount("ints")).toBe(3);
    // A FLOAT PI hashes otherwise than an INTEGER one: the rows move to the AMPs the FLOAT values hash to.
    expect(engine.insertSelect("floats", "src")).toBe(400);
    checkPlacement(engine, "floats");
    expect(sorted(plainRows(engine.scan("floats")))).toEqual(expected);
  });

  it("refuses NULLs into a NOT NULL target with NULL_VIOLATION", () => {
    const engine = sourceEngine();
    engine.sql("CREATE MULTISET TABLE strict (k INTEGER, g INTEGER, s VARCHAR(10) NOT NULL) PRIMARY INDEX (k)");
    const steps = engine.trace.steps.length;
    expectError(() => engine.insertSelect("strict", "src"), "NULL_VIOLATION", "main.strict", "s");
    expect(engine.trace.steps.length).toBe(steps);
    expect(engine.rowCount("strict")).toBe(0);
    expect(engine.insertSelect("strict", "src", { where: "s IS NOT NULL" })).toBe(400 - 37);
  });

  it("refuses duplicate UPI values from the source with DUPLICATE_KEY", () => {
    const engine = sourceEngine();
    engine.sql("CREATE TABLE upi (k INTEGER, g INTEGER, s VARCHAR(10)) UNIQUE PRIMARY INDEX (g)");
    expectError(() => engine.insertSelect("upi", "src"), "DUPLICATE_KEY", "main.upi", "g");
    expect(engine.rowCount("upi")).toBe(0);
    expect(engine.insertSelect("upi", "src", { where: "k < 9" })).toBe(9);
  });

  describe("from several sources at once (UNION ALL)", () => {
    function split(engine: Engine, pi: string): void {
      engine.sql(`CREATE MULTISET TABLE part_a (k INTEGER, g INTEGER, s VARCHAR(10)) ${pi};
        CREATE MULTISET TABLE part_b (k INTEGER, g INTEGER, s VARCHAR(10)) ${pi};
        INSERT INTO part_a SELECT * FROM src WHERE k < 150;
        INSERT INTO part_b SELECT * FROM src WHERE k >= 150`);
    }

    it("AMP-local: every AMP stores the rows of all sources as one run, in one step", () => {
      const engine = sourceEngine();
      split(engine, "PRIMARY INDEX (k)");
      engine.sql("CREATE TABLE upi (k INTEGER, g INTEGER, s VARCHAR(10)) UNIQUE PRIMARY INDEX (k)");
      const mark = engine.trace.mark();
      expect(engine.insertSelect("upi", ["part_a", "part_b"])).toBe(400);
      const [step] = engine.trace.since(mark);
      expect(step.source).toBe("main.part_a, main.part_b");
      expect(step.transfers).toEqual([]);
      expect(step.amps.map((a) => a.rowsWritten)).toEqual(engine.ampRowCounts("src"));
      expect(sorted(plainRows(engine.scan("upi")))).toEqual(sorted(plainRows(engine.scan("src"))));
      checkPlacement(engine, "upi");
    });

    it("redistributing, with a WHERE for each SELECT in SQL", () => {
      const engine = sourceEngine();
      split(engine, "NO PRIMARY INDEX");
      const expected = [...plainRows(engine.scan("part_a")).filter((r) => (r.g as number) < 3), ...plainRows(engine.scan("part_b")).filter((r) => (r.g as number) >= 3)];
      expect(engine.sql("INSERT INTO other_pi SELECT * FROM part_a WHERE g < 3 UNION ALL SELECT * FROM part_b WHERE g >= 3").rows).toBe(expected.length);
      expect(sorted(plainRows(engine.scan("other_pi")))).toEqual(sorted(expected));
      checkPlacement(engine, "other_pi");
    });

    it("into a table that is also a source and must scatter: each row is read once, as the table was", () => {
      const engine = sourceEngine();
      split(engine, "NO PRIMARY INDEX");
      engine.sql("INSERT INTO other_pi SELECT * FROM part_a");
      const before = plainRows(engine.scan("other_pi"));
      const added = plainRows(engine.scan("part_b"));
      const rows = engine.sql("INSERT INTO other_pi SELECT * FROM other_pi UNION ALL SELECT * FROM part_b").rows;
      expect(rows).toBe(before.length + added.length);
      expect(sorted(plainRows(engine.scan("other_pi")))).toEqual(sorted([...before, ...before, ...added]));
      checkPlacement(engine, "other_pi");
    });

    it("a UPI value in two sources is DUPLICATE_KEY and stores nothing; so is a bad source list", () => {
      const engine = sourceEngine();
      split(engine, "PRIMARY INDEX (k)");
      engine.sql("CREATE TABLE upi (k INTEGER, g INTEGER, s VARCHAR(10)) UNIQUE PRIMARY INDEX (k)");
      engine.sql("INSERT INTO part_b SELECT * FROM src WHERE k = 7");
      expectError(() => engine.insertSelect("upi", ["part_a", "part_b"]), "DUPLICATE_KEY", "main.upi", "(7)");
      expect(engine.rowCount("upi")).toBe(0);
      expectError(() => engine.insertSelect("upi", []), "BAD_ARGUMENT", "upi", "non-empty list");
      engine.sql("CREATE MULTISET TABLE wrong_type (k INTEGER, g VARCHAR(10), s VARCHAR(10)) PRIMARY INDEX (k)");
      expectError(() => engine.insertSelect("upi", ["part_a", "wrong_type"]), "TYPE_MISMATCH", "main.wrong_type");
      expectError(() => engine.insertSelect("upi", ["part_a", "nope"]), "NO_SUCH_TABLE", "nope");
      expect(engine.rowCount("upi")).toBe(0);
    });
  });
});

// ---------------------------------------------------------------------------

describe("delete", () => {
  function deleteEngine(): Engine {
    const engine = new Engine({ amps: 4 });
    engine.sql(`CREATE MULTISET TABLE d (k INTEGER, v INTEGER, s VARCHAR(5)) PRIMARY INDEX (k)`);
    for (let s = 0; s < 3; s++) engine.insert("d", Array.from({ length: 30 }, (_, i) => ({ k: i % 10, v: s * 100 + i, s: i % 4 === 0 ? null : `x${i % 3}` })));
    return engine;
  }

  it("needs exactly one of key and where when options are given; no options, or where: null, deletes every row", () => {
    const engine = deleteEngine();
    const all = engine.rowCount("d");
    expectError(() => engine.delete("d", {}), "BAD_ARGUMENT", "d", "pass { key } or { where }");
    expectError(() => engine.delete("d", { where: undefined }), "BAD_ARGUMENT", "d");
    expectError(() => engine.delete("d", { key: 1, where: "v = 2" }), "BAD_ARGUMENT", "not both");
    expectError(() => engine.delete("d", null as never), "BAD_ARGUMENT", "options must be an object");
    expect(engine.rowCount("d")).toBe(all);
    expect(engine.delete("d", { where: null })).toBe(all);
    const again = deleteEngine();
    expect(again.delete("d")).toBe(all);
    expect(again.rowCount("d")).toBe(0);
  });

  it("by key: every row with that PI value, on one AMP", () => {
    const engine = deleteEngine();
    const before = plainRows(engine.scan("d"));
    const counts = engine.ampRowCounts("d");
    const amp = engine.ampOf("d", 3);
    expect(engine.delete("d", { key: 3 })).toBe(9);
    const step = lastStep(engine);
    expect(step.step).toBe("delete");
    expect(step.scope).toBe("single-amp");
    expect(step.amps.map((a) => a.amp)).toEqual([amp]);
    expect(engine.lookup("d", 3).numRows).toBe(0);
    expect(sorted(plainRows(engine.scan("d")))).toEqual(sorted(before.filter((r) => r.k !== 3)));
    expect(engine.ampRowCounts("d")).toEqual(counts.map((c, a) => (a === amp ? c - 9 : c)));
    expect(engine.delete("d", { key: [3] })).toBe(0);
    expect(engine.delete("d", { key: { k: 42 } })).toBe(0);
    expectError(() => engine.delete("d", { key: "3" }), "TYPE_MISMATCH", "k");
    checkPlacement(engine, "d");
  });

  it("by where, text and object", () => {
    const engine = deleteEngine();
    const before = plainRows(engine.scan("d"));
    const expectedGone = before.filter((r) => (r.v as number) >= 200 || r.s === null);
    expect(engine.delete("d", { where: "v >= 200 OR s IS NULL" })).toBe(expectedGone.length);
    const left = before.filter((r) => !((r.v as number) >= 200 || r.s === null));
    expect(sorted(plainRows(engine.scan("d")))).toEqual(sorted(left));
    expect(engine.delete("d", { where: { kind: "compare", column: "s", op: "=", value: "x1" } })).toBe(left.filter((r) => r.s === "x1").length);
    expect(plainRows(engine.scan("d")).every((r) => r.s !== "x1")).toBe(true);
    expect(engine.delete("d", { where: "v = NULL" })).toBe(0);
    checkPlacement(engine, "d");
    // the table keeps working: new rows, new row IDs
    engine.insert("d", [{ k: 3, v: 1, s: "new" }]);
    checkPlacement(engine, "d");
  });

  it("all rows, then the table is empty and takes new rows", () => {
    const engine = deleteEngine();
    expect(engine.delete("d")).toBe(90);
    expect(engine.rowCount("d")).toBe(0);
    expect(engine.ampBytes("d")).toEqual([0, 0, 0, 0]);
    engine.insert("d", [{ k: 1, v: 1, s: "a" }]);
    expect(plainRows(engine.scan("d"))).toEqual([{ k: 1, v: 1, s: "a" }]);
  });

  it("through SQL: DELETE … WHERE and DELETE … ALL", () => {
    const engine = deleteEngine();
    const result = engine.sql("DELETE FROM d WHERE k IN (1, 2)");
    expect(result.rows).toBe(18);
    expect(result.statements).toEqual([{ kind: "delete", table: "main.d", rows: 18 }]);
    expect(engine.sql("DEL d ALL").rows).toBe(72);
    expect(engine.rowCount("d")).toBe(0);
  });
});

// ---------------------------------------------------------------------------

describe("aggregate", () => {
  it("MIN and MAX order as predicates do: strings by code point, NaN above every number, on any AMP layout", () => {
    const engine = new Engine({ amps: 4 });
    engine.sql("CREATE MULTISET TABLE f (k INTEGER, x FLOAT, s VARCHAR(5)) PRIMARY INDEX (k)");
    engine.insert("f", [0, -0, Number.NaN, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 5].map((x, k) => ({ k, x, s: ["\uFFFF", "😀", "a", "b", "z", "é", null][k] })));
    const [result] = rowsOf(engine.aggregate("f", { aggregates: [{ fn: "max", column: "x" }, { fn: "min", column: "x" }, { fn: "max", column: "s" }, { fn: "min", column: "s" }] }));
    expect(result.max_x).toBeNaN();
    expect(result.min_x).toBe(Number.NEGATIVE_INFINITY);
    expect([result.max_s, result.min_s]).toEqual(["😀", "a"]);
    expect(rowsOf(engine.scan("f", { where: "s > '\uFFFF'", columns: ["s"] }))).toEqual([{ s: "😀" }]);
  });

  it("sums an INTEGER column exactly when the AMPs' totals together pass 2^53, and averages it exactly", () => {
    const engine = new Engine({ amps: 4 });
    engine.sql("CREATE MULTISET TABLE a (id INTEGER NOT NULL, v INTEGER) PRIMARY INDEX (id)");
    const rows = 8_000_001;
    engine.insert("a", new arrow.Table({ id: arrow.makeVector(Int32Array.from({ length: rows }, (_, i) => i)), v: arrow.makeVector(new Int32Array(rows).fill(2147483647)) }));
    const [result] = rowsOf(engine.aggregate("a", { aggregates: [{ fn: "sum", column: "v" }, { fn: "avg", column: "v" }] }));
    expect(result.sum_v).toBe(BigInt(rows) * 2147483647n);
    expect(result.avg_v).toBe(2147483647);
  });

  const BIG = 1n << 56n; // 60 rows of about 2^56 sum beyond 2^53 but within BIGINT
  type AggRow = { id: number; g: string | null; i: number | null; big: bigint | null; dec: string | null; f: number | null; s: string | null; dt: Date | null };
  const ROWS: AggRow[] = Array.from({ length: 60 }, (_, k) => ({
    id: k,
    g: k % 7 === 6 ? null : ["x", "y", "z"][k % 3],
    i: k % 5 === 4 ? null : k * 3 - 50,
    big: k % 6 === 5 ? null : BIG + BigInt(k) * 3n,
    dec: k % 4 === 3 ? null : formatDecimal(BigInt(k * 12345 - 300000), 3),
    f: k % 8 === 7 ? null : k / 8,
    s: k % 9 === 8 ? null : `s${(k * 37) % 100}`,
    dt: k % 10 === 9 ? null : new Date(Date.UTC(2000, 0, 1 + ((k * 13) % 50))),
  }));

  function aggEngine(): Engine {
    const engine = new Engine({ amps: 4 });
    engine.sql("CREATE TABLE a (id INTEGER, g VARCHAR(3), i INTEGER, big BIGINT, dec DECIMAL(20,3), f FLOAT, s VARCHAR(10), dt DATE) UNIQUE PRIMARY INDEX (id)");
    engine.insert("a", ROWS.slice(0, 30));
    engine.insert("a", ROWS.slice(30));
    return engine;
  }

  function expectedFor(rows: AggRow[]): Row {
    const ints = rows.map((r) => r.i).filter((v): v is number => v !== null);
    const bigs = rows.map((r) => r.big).filter((v): v is bigint => v !== null);
    const decs = rows.map((r) => r.dec).filter((v): v is string => v !== null).map((v) => BigInt(v.replace(".", "")));
    const strings = rows.map((r) => r.s).filter((v): v is string => v !== null).sort();
    const dates = rows.map((r) => r.dt).filter((v): v is Date => v !== null).map((d) => d.getTime()).sort((a, b) => a - b);
    const sumBig = bigs.reduce((a, b) => a + b, 0n);
    const sumDec = decs.reduce((a, b) => a + b, 0n);
    return {
      count: BigInt(rows.length),
      count_i: BigInt(ints.length),
      sum_i: ints.length ? BigInt(ints.reduce((a, b) => a + b, 0)) : null,
      min_i: ints.length ? Math.min(...ints) : null,
      max_i: ints.length ? Math.max(...ints) : null,
      avg_i: ints.length ? ints.reduce((a, b) => a + b, 0) / ints.length : null,
      sum_big: bigs.length ? sumBig : null,
      min_big: bigs.length ? bigs.reduce((a, b) => (a < b ? a : b)) : null,
      max_big: bigs.length ? bigs.reduce((a, b) => (a > b ? a : b)) : null,
      sum_dec: decs.length ? sumDec : null,
      min_dec: decs.length ? decs.reduce((a, b) => (a < b ? a : b)) : null,
      max_dec: decs.length ? decs.reduce((a, b) => (a > b ? a : b)) : null,
      min_s: strings.length ? strings[0] : null,
      max_s: strings.length ? strings[strings.length - 1] : null,
      min_dt: dates.length ? dates[0] : null,
      max_dt: dates.length ? dates[dates.length - 1] : null,
      count_g: BigInt(rows.filter((r) => r.g !== null).length),
    };
  }

  const SPECS = [
    { fn: "count" }, { fn: "count", column: "i" }, { fn: "sum", column: "i" }, { fn: "min", column: "i" }, { fn: "max", column: "i" }, { fn: "avg", column: "i" },
    { fn: "sum", column: "big" }, { fn: "min", column: "big" }, { fn: "max", column: "big" },
    { fn: "sum", column: "dec" }, { fn: "min", column: "dec" }, { fn: "max", column: "dec" },
    { fn: "min", column: "s" }, { fn: "max", column: "s" }, { fn: "min", column: "dt" }, { fn: "max", column: "dt" }, { fn: "count", column: "g" },
  ] as const;

  it("COUNT/SUM/MIN/MAX/AVG over the whole table are exact and ignore NULLs", () => {
    const engine = aggEngine();
    const before = engine.trace.steps.length;
    const result = plainRows(engine.aggregate("a", { aggregates: SPECS }));
    expect(engine.trace.steps.length).toBe(before + 1);
    expect(lastStep(engine).step).toBe("aggregate");
    expect(result).toEqual([expectedFor(ROWS)]);
    // BIGINT sums beyond 2^53 are exact
    expect((result[0].sum_big as bigint) > 2n ** 53n).toBe(true);
  });

  it("floats: SUM and AVG close to the exact values", () => {
    const engine = aggEngine();
    const floats = ROWS.map((r) => r.f).filter((v): v is number => v !== null);
    const [row] = plainRows(engine.aggregate("a", { aggregates: [{ fn: "sum", column: "f" }, { fn: "avg", column: "f" }, { fn: "min", column: "f" }, { fn: "max", column: "f" }, { fn: "avg", column: "dec", as: "mean_dec" }] }));
    expect(row.sum_f as number).toBeCloseTo(floats.reduce((a, b) => a + b, 0), 9);
    expect(row.avg_f as number).toBeCloseTo(floats.reduce((a, b) => a + b, 0) / floats.length, 9);
    expect(row.min_f).toBe(Math.min(...floats));
    expect(row.max_f).toBe(Math.max(...floats));
    const decs = ROWS.map((r) => r.dec).filter((v): v is string => v !== null).map(Number);
    expect(row.mean_dec as number).toBeCloseTo(decs.reduce((a, b) => a + b, 0) / decs.length, 6);
  });

  it("grouped by one and by two columns (NULL is a group of its own)", () => {
    const engine = aggEngine();
    const result = plainRows(engine.aggregate("a", { groupBy: ["g"], aggregates: SPECS }));
    const groups = [...new Set(ROWS.map((r) => r.g))];
    expect(sorted(result)).toEqual(sorted(groups.map((g) => ({ g, ...expectedFor(ROWS.filter((r) => r.g === g)) }))));
    const two = plainRows(engine.aggregate("a", { groupBy: ["g", "dt"], aggregates: [{ fn: "count" }, { fn: "sum", column: "big", as: "total" }] }));
    const keys = new Map<string, AggRow[]>();
    for (const r of ROWS) { const key = canon([r.g, r.dt?.getTime() ?? null]); keys.set(key, [...(keys.get(key) ?? []), r]); }
    expect(sorted(two)).toEqual(sorted([...keys.values()].map((rows) => {
      const bigs = rows.map((r) => r.big).filter((v): v is bigint => v !== null);
      return { g: rows[0].g, dt: rows[0].dt?.getTime() ?? null, count: BigInt(rows.length), total: bigs.length ? bigs.reduce((a, b) => a + b, 0n) : null };
    })));
  });

  it("with where, as text and as an object", () => {
    const engine = aggEngine();
    const text = "i > 0 AND g <> 'x'";
    const expected = [expectedFor(ROWS.filter((r) => r.i !== null && r.i > 0 && r.g !== null && r.g !== "x"))];
    expect(plainRows(engine.aggregate("a", { where: parsePredicate(text), aggregates: SPECS }))).toEqual(expected);
    // aggregate() is documented to take `where` as text like scan() and delete(), but its declared
    // option type (AggregateOptions & { where?: WhereInput }) narrows `where` to Predicate | null.
    const textOptions = { where: text, aggregates: SPECS } as unknown as Parameters<Engine["aggregate"]>[1];
    expect(plainRows(engine.aggregate("a", textOptions))).toEqual(expected);
  });

  it("a BIGINT sum beyond the BIGINT range is exact or an error, never wrapped", () => {
    const engine = new Engine();
    engine.sql("CREATE MULTISET TABLE big (k INTEGER, v BIGINT) PRIMARY INDEX (k)");
    engine.insert("big", [{ k: 1, v: 1n << 62n }, { k: 2, v: 1n << 62n }]);
    let sum: unknown;
    try {
      sum = plainRows(engine.aggregate("big", { aggregates: [{ fn: "sum", column: "v" }] }))[0].sum_v;
    } catch (error) {
      expect(error).toBeInstanceOf(AmpsimError);
      expect((error as AmpsimError).code).toBe("VALUE_OUT_OF_RANGE");
      return;
    }
    expect(BigInt(sum as bigint | string)).toBe(1n << 63n);
  });

  it("a DECIMAL(38,0) sum beyond 38 digits is exact or an error, never wrapped", () => {
    const engine = new Engine();
    engine.sql("CREATE MULTISET TABLE wide (k INTEGER, v DECIMAL(38,0)) PRIMARY INDEX (k)");
    const max = 10n ** 38n - 1n;
    engine.insert("wide", [{ k: 1, v: max }, { k: 2, v: max }]);
    let sum: unknown;
    try {
      sum = plainRows(engine.aggregate("wide", { aggregates: [{ fn: "sum", column: "v" }] }))[0].sum_v;
    } catch (error) {
      expect(error).toBeInstanceOf(AmpsimError);
      expect((error as AmpsimError).code).toBe("VALUE_OUT_OF_RANGE");
      return;
    }
    expect(sum).toBe(2n * max);
  });

  it("reports bad aggregates", () => {
    const engine = aggEngine();
    expectError(() => engine.aggregate("a", { aggregates: [{ fn: "sum", column: "s" }] }), "TYPE_MISMATCH", "s");
    expectError(() => engine.aggregate("a", { aggregates: [{ fn: "avg", column: "dt" }] }), "TYPE_MISMATCH", "dt");
    expectError(() => engine.aggregate("a", { aggregates: [{ fn: "sum", column: "nope" }] }), "NO_SUCH_COLUMN", "nope");
    expectError(() => engine.aggregate("a", { aggregates: [{ fn: "median" as "sum", column: "i" }] }), "BAD_ARGUMENT", "median");
    expectError(() => engine.aggregate("a", { aggregates: [{ fn: "sum" }] }), "BAD_ARGUMENT", "sum");
  });
});

// ---------------------------------------------------------------------------

describe("trace", () => {
  it("every step appends one TraceStep with per-AMP rows read and written", () => {
    const engine = new Engine({ amps: 3, name: "sys-a" });
    engine.sql("CREATE MULTISET TABLE t (k INTEGER, v INTEGER) PRIMARY INDEX (k); CREATE MULTISET TABLE t2 (k INTEGER, v INTEGER) PRIMARY INDEX (v)");
    const mark = engine.trace.mark();
    engine.insert("t", Array.from({ length: 50 }, (_, i) => ({ k: i, v: i % 4 })));
    const counts = engine.ampRowCounts("t");
    engine.scan("t");
    engine.lookup("t", 3);
    engine.insertSelect("t2", "t");
    engine.aggregate("t", { groupBy: ["v"] });
    engine.delete("t", { where: "v = 1" });
    engine.sql("INSERT INTO t VALUES (100, 1), (101, 2); DELETE FROM t2 WHERE k < 10");
    const steps = engine.trace.since(mark);
    expect(steps.map((s) => s.step)).toEqual(["insert", "scan", "lookup", "insert-select", "aggregate", "delete", "insert", "delete"]);
    for (let i = 1; i < steps.length; i++) expect(steps[i].seq).toBeGreaterThan(steps[i - 1].seq);
    expect(steps.every((s) => s.system === "sys-a" && s.kind === "step")).toBe(true);
    const [insert, scan] = steps;
    expect(insert.table).toBe("main.t");
    expect(insert.scope).toBe("all-amp");
    expect(insert.rows).toBe(50);
    expect(insert.amps.map((a) => a.amp)).toEqual([0, 1, 2]);
    expect(insert.amps.map((a) => a.rowsWritten)).toEqual(counts);
    expect(insert.amps.every((a) => a.bytesWritten > 0 || a.rowsWritten === 0)).toBe(true);
    expect(scan.amps.map((a) => a.rowsRead)).toEqual(counts);
    expect(scan.rows).toBe(50);
    const deleted = steps[5];
    expect(deleted.rows).toBe(13); // k in 0..49 with k % 4 === 1
    expect(deleted.amps.map((a) => a.rowsWritten).reduce((a, b) => a + b, 0)).toBe(13);
    expect(deleted.amps.map((a) => a.rowsRead)).toEqual(counts);
  });

  it("failed statements and failed reads add no step", () => {
    const engine = new Engine();
    engine.sql("CREATE TABLE t (k INTEGER NOT NULL, v VARCHAR(3)) UNIQUE PRIMARY INDEX (k)");
    engine.insert("t", [{ k: 1, v: "a" }]);
    const before = engine.trace.steps.length;
    expectError(() => engine.insert("t", [{ k: 2, v: "a" }, { k: 1, v: "b" }]), "DUPLICATE_KEY");
    expectError(() => engine.insert("t", [{ k: 3, v: "toolong" }]), "VALUE_OUT_OF_RANGE");
    expectError(() => engine.sql("INSERT INTO t VALUES (5, 'x'); INSERT INTO t VALUES (1, 'y')"), "DUPLICATE_KEY");
    expectError(() => engine.lookup("t", "x"), "TYPE_MISMATCH");
    expectError(() => engine.scan("t", { where: "nope = 1" }), "NO_SUCH_COLUMN");
    expectError(() => engine.delete("t", { key: "x" }), "TYPE_MISMATCH");
    expectError(() => engine.aggregate("t", { aggregates: [{ fn: "sum", column: "v" }] }), "TYPE_MISMATCH");
    expect(engine.trace.steps.length).toBe(before);
  });
});

// ---------------------------------------------------------------------------

describe("skew and row counts", () => {
  it("all rows on one AMP: skew factor 75% on 4 AMPs", () => {
    const engine = new Engine();
    engine.sql("CREATE MULTISET TABLE hot (k INTEGER, v INTEGER) PRIMARY INDEX (k)");
    engine.insert("hot", Array.from({ length: 100 }, (_, i) => ({ k: 42, v: i })));
    const amp = engine.ampOf("hot", 42);
    const expectedRows = [0, 0, 0, 0].map((_, a) => (a === amp ? 100 : 0));
    expect(engine.ampRowCounts("hot")).toEqual(expectedRows);
    expect(engine.rowCount("hot")).toBe(100);
    expect(engine.skew("hot")).toEqual({ rows: expectedRows, min: 0, max: 100, mean: 25, skewFactor: 75, maxOverMean: 4 });
    expect(engine.skewFactor("hot")).toBe(75);
  });

  it("an even table has skew factor 0", () => {
    const engine = new Engine({ amps: 5 });
    engine.sql("CREATE MULTISET TABLE even (k INTEGER) NO PRIMARY INDEX");
    engine.insert("even", Array.from({ length: 500 }, (_, i) => ({ k: i })));
    expect(engine.skew("even")).toEqual({ rows: [100, 100, 100, 100, 100], min: 100, max: 100, mean: 100, skewFactor: 0, maxOverMean: 1 });
  });

  it("row counts and bytes add up", () => {
    const engine = new Engine({ amps: 3 });
    engine.sql("CREATE MULTISET TABLE a (k INTEGER, s VARCHAR(20)) PRIMARY INDEX (k); CREATE MULTISET TABLE b (k INTEGER) PRIMARY INDEX (k)");
    engine.insert("a", Array.from({ length: 90 }, (_, i) => ({ k: i, s: "x".repeat(i % 20) })));
    engine.insert("b", Array.from({ length: 30 }, (_, i) => ({ k: i })));
    expect(engine.rowCount("a")).toBe(90);
    const total = engine.ampBytes();
    const perTable = [engine.ampBytes("a"), engine.ampBytes("b")];
    expect(total).toEqual(total.map((_, amp) => perTable[0][amp] + perTable[1][amp]));
    expect(perTable[0].every((bytes, amp) => bytes > 0 === engine.ampRowCounts("a")[amp] > 0)).toBe(true);
  });

  it("bytes count rows, not runs: the same rows stored in one statement or in seven count the same, and as the row sizes say", () => {
    const ddl = "CREATE MULTISET TABLE t (k INTEGER NOT NULL, s VARCHAR(20), b BOOLEAN, d DECIMAL(20,2), f FLOAT) PRIMARY INDEX (k)";
    const rows = Array.from({ length: 200 }, (_, i) => ({ k: i, s: i % 7 === 0 ? null : "x".repeat(i % 13), b: i % 5 === 0 ? null : i % 2 === 0, d: i % 3 === 0 ? null : `${i}.25`, f: i / 4 }));
    const once = new Engine({ amps: 3 }); once.sql(ddl); once.insert("t", rows);
    const inPieces = new Engine({ amps: 3 }); inPieces.sql(ddl);
    for (let first = 0; first < rows.length; first += 29) inPieces.insert("t", rows.slice(first, first + 29));
    expect(inPieces.ampBytes("t")).toEqual(once.ampBytes("t"));
    // 8 hidden bytes, INTEGER 4, a string's offset 4 and its bytes, BOOLEAN 1, DECIMAL(20,2) 16, FLOAT 8; NULLs take their width.
    const expected = [0, 0, 0];
    for (const row of rows) expected[once.ampOf("t", [row.k])] += 8 + 4 + 4 + (row.s?.length ?? 0) + 1 + 16 + 8;
    expect(once.ampBytes("t")).toEqual(expected);
  });
});

// ---------------------------------------------------------------------------

describe("sql()", () => {
  it("INSERT … VALUES with and without a column list, literals of every kind", () => {
    const engine = new Engine();
    engine.sql("CREATE MULTISET TABLE v (id INTEGER NOT NULL, name VARCHAR(10), amount DECIMAL(7,2), big BIGINT, ok BOOLEAN, d DATE, ts TIMESTAMP) PRIMARY INDEX (id)");
    const result = engine.sql(`INSERT INTO v VALUES (1, 'it''s', 12.34, 9007199254740993, TRUE, DATE '2020-02-29', TIMESTAMP '2020-02-29 23:59:58.5'), (2, NULL, -0.5, -1, FALSE, NULL, NULL);
      INSERT INTO v (big, id) VALUES (5, 3)`);
    expect(result.rows).toBe(3);
    expect(result.statements).toEqual([{ kind: "insert values", table: "main.v", rows: 2 }, { kind: "insert values", table: "main.v", rows: 1 }]);
    expect(sorted(plainRows(engine.scan("v")))).toEqual(sorted([
      { id: 1, name: "it's", amount: 1234n, big: 9007199254740993n, ok: true, d: Date.UTC(2020, 1, 29), ts: Date.UTC(2020, 1, 29, 23, 59, 58, 500) },
      { id: 2, name: null, amount: -50n, big: -1n, ok: false, d: null, ts: null },
      { id: 3, name: null, amount: null, big: 5n, ok: null, d: null, ts: null },
    ]));
    expectError(() => engine.sql("INSERT INTO v (name) VALUES ('x')"), "NULL_VIOLATION", "id");
    expectError(() => engine.sql("INSERT INTO v VALUES ('x', 'y', 1, 1, TRUE, NULL, NULL)"), "TYPE_MISMATCH", "id");
  });

  it("INSERT … VALUES keeps DECIMAL literals exact beyond double precision", () => {
    const engine = new Engine();
    engine.sql("CREATE MULTISET TABLE dx (k INTEGER, amount DECIMAL(21,2)) PRIMARY INDEX (k)");
    engine.sql("INSERT INTO dx VALUES (1, 1234567890123456789.12)");
    expect(plainRows(engine.scan("dx"))).toEqual([{ k: 1, amount: 123456789012345678912n }]);
  });

  it("DELETE, CREATE INDEX and DROP INDEX", () => {
    const engine = new Engine();
    engine.sql("CREATE MULTISET TABLE t (a INTEGER, b INTEGER, c VARCHAR(5)) PRIMARY INDEX (a)");
    engine.sql("INSERT INTO t VALUES (1, 10, 'x'), (2, 20, 'y'), (3, 30, 'z')");
    const subtables = () => engine.allTables().filter((n) => n.startsWith('"$index"'));
    const created = engine.sql("CREATE INDEX by_b (b) ON t; CREATE UNIQUE INDEX (c) ON t");
    expect(created.statements.map((s) => [s.kind, s.table])).toEqual([["create index", "main.t"], ["create index", "main.t"]]);
    expect(engine.describe("t").indexes.map((i) => [i.name, i.unique, [...i.columns]])).toEqual([["by_b", false, ["b"]], [null, true, ["c"]]]);
    expect(subtables()).toHaveLength(2);
    expect(engine.showTable("t")).toContain("INDEX by_b (b)");
    expect(engine.showTable("t")).toContain("UNIQUE INDEX (c)");
    engine.sql("DROP INDEX by_b ON t");
    expect(engine.describe("t").indexes).toHaveLength(1);
    expect(subtables()).toHaveLength(1);
    engine.sql("DROP INDEX (c) ON t");
    expect(engine.describe("t").indexes).toHaveLength(0);
    expect(subtables()).toHaveLength(0);
    expectError(() => engine.sql("DROP INDEX by_b ON t"), "NO_SUCH_INDEX", "by_b", "main.t");
    expect(engine.sql("DELETE FROM t WHERE b >= 20").rows).toBe(2);
    expect(plainRows(engine.scan("t"))).toEqual([{ a: 1, b: 10, c: "x" }]);
  });

  it("CREATE INDEX of an index that exists is INDEX_EXISTS", () => {
    const engine = new Engine();
    engine.sql("CREATE MULTISET TABLE t (a INTEGER, b INTEGER) PRIMARY INDEX (a) INDEX ix (b)");
    expectError(() => engine.sql("CREATE INDEX (b) ON t"), "INDEX_EXISTS", "main.t");
    expectError(() => engine.sql("CREATE INDEX ix (a, b) ON t"), "INDEX_EXISTS", "ix");
  });

  it("DATABASE x makes x the default for SQL and for API names", () => {
    const engine = new Engine();
    const result = engine.sql("CREATE DATABASE x; DATABASE x; CREATE MULTISET TABLE t (a INTEGER) PRIMARY INDEX (a); INSERT INTO t VALUES (1)");
    expect(result.statements.map((s) => s.kind)).toEqual(["create database", "database", "create table", "insert values"]);
    expect(result.statements[2].table).toBe("x.t");
    expect(engine.tables()).toEqual(["x.t"]);
    expect(engine.rowCount("t")).toBe(1);
    expect(plainRows(engine.scan("t"))).toEqual([{ a: 1 }]);
    engine.sql("DATABASE main; CREATE TABLE t (b INTEGER)");
    expect(engine.tables()).toEqual(["main.t", "x.t"]);
    expect(engine.describe("t").columns[0].name).toBe("b");
  });

  it("reports syntax errors as SQL_SYNTAX and runs nothing", () => {
    const engine = new Engine();
    expectError(() => engine.sql("CREATE TABLE ok (a INTEGER); CREATE TABLE (b INTEGER)"), "SQL_SYNTAX");
    expect(engine.tables()).toEqual([]);
    expectError(() => engine.sql(42 as unknown as string), "BAD_ARGUMENT");
  });
});

// ---------------------------------------------------------------------------

describe("showTable round trip onto another Engine", () => {
  const DEFINITIONS: readonly [string, string, string][] = [
    ["every type, UPI, USI and NUSIs", "main.everything", `CREATE SET TABLE main.everything (
      id INTEGER NOT NULL, c_byteint BYTEINT, c_smallint SMALLINT NOT NULL, c_bigint BIGINT, c_real REAL, c_float FLOAT,
      c_double DOUBLE PRECISION, c_dec DECIMAL(9,2), c_dec38 DECIMAL(38,38), c_dec1 DECIMAL(1,0), c_bool BOOLEAN NOT NULL,
      c_long LONG VARCHAR, c_varchar VARCHAR(64000), c_char CHAR(1), c_date DATE, c_ts TIMESTAMP)
      UNIQUE PRIMARY INDEX pk (id) UNIQUE INDEX by_long (c_varchar) INDEX (c_date, c_ts) INDEX named_nusi (c_char)`],
    ["MULTISET NoPI with a NUSI and a USI", "sales.events", `CREATE MULTISET TABLE sales.events (ts TIMESTAMP NOT NULL, kind VARCHAR(10), payload LONG VARCHAR)
      NO PRIMARY INDEX INDEX (kind) UNIQUE INDEX (ts)`],
    ["NUPI over several columns, quoted and reserved names", '"Odd DB"."Mixed Case"', `CREATE MULTISET TABLE "Odd DB"."Mixed Case" ("Select" INTEGER, "two words" VARCHAR(5) NOT NULL, "date" DATE, plain_one DECIMAL(18,4))
      PRIMARY INDEX ("Select", "two words") INDEX ("date")`],
    ["default setness and PI", "main.defaults", "CREATE TABLE main.defaults (a INTEGER, b CHAR(3))"],
    ["VOLATILE with ON COMMIT PRESERVE ROWS", "main.vol", "CREATE VOLATILE MULTISET TABLE main.vol (a INTEGER, b BIGINT) PRIMARY INDEX (b) ON COMMIT PRESERVE ROWS"],
    ["GLOBAL TEMPORARY", "main.gt", "CREATE GLOBAL TEMPORARY SET TABLE main.gt (a INTEGER NOT NULL, b REAL) UNIQUE PRIMARY INDEX (a) ON COMMIT DELETE ROWS"],
  ];

  it.each(DEFINITIONS)("%s", (_label, name, ddl) => {
    const source = new Engine({ amps: 4 });
    const target = new Engine({ amps: 7, hashBits: 20 });
    const database = name.slice(0, name.lastIndexOf("."));
    for (const engine of [source, target]) if (database !== "main") engine.sql(`CREATE DATABASE ${database}`);
    source.sql(ddl);
    const text = source.showTable(name);
    const result = target.sql(text);
    expect(result.statements[0].kind).toBe("create table");
    expect(target.showTable(name)).toBe(text);
    expect(target.describe(name)).toEqual(source.describe(name));
    expect(target.allTables().length).toBe(source.allTables().length);
    expectError(() => target.sql(text), "TABLE_EXISTS");
  });

  it("indexes added by CREATE INDEX and a dropped one", () => {
    const source = new Engine();
    source.sql("CREATE MULTISET TABLE t (a INTEGER, b VARCHAR(8), c DATE, d DECIMAL(5,1)) PRIMARY INDEX (a)");
    source.insert("t", [{ a: 1, b: "x", c: "2020-01-01", d: 1.5 }]);
    source.sql("CREATE UNIQUE INDEX ub (b) ON t; CREATE INDEX (c, d) ON t; CREATE INDEX gone (d) ON t; DROP INDEX gone ON t");
    const text = source.showTable("t");
    const target = new Engine({ amps: 2 });
    target.sql(text);
    expect(target.showTable("t")).toBe(text);
    target.sql(`DROP TABLE t; ${text}`);
    expect(target.showTable("t")).toBe(text);
  });
});

describe("scan with rowIds on a table whose columns use the hidden names", () => {
  it("says which column clashes, and works once it is left out", () => {
    const engine = new Engine({ amps: 2 });
    engine.sql('CREATE MULTISET TABLE t (id INTEGER, "$amp" INTEGER) PRIMARY INDEX (id);');
    engine.insert("t", [{ id: 1, $amp: 7 }]);
    expectError(() => engine.scan("t", { rowIds: true }), "BAD_ARGUMENT", "main.t", "$amp");
    expect(engine.scan("t", { rowIds: true, columns: ["id"] }).numRows).toBe(1);
  });
});
