/**
 * The columnar data generator and the ready-made scenarios: row values that do
 * not depend on batch boundaries, distributions that match their theory, type
 * bounds, key strings, and scenarios that load into a real Engine.
 *
 * Values are read back from the Arrow buffers by plain code here, not by the
 * generator's own helpers. Seeded: AMPSIM_SEED=<n> replays a failure (the seed
 * is printed when a test fails); tolerances are about 5 standard deviations.
 */
import * as arrow from "apache-arrow";
import { beforeEach, describe, expect, it } from "vitest";
import { AmpsimError, Engine, types } from "../../engine/index.js";
import type { ColumnType } from "../../engine/index.js";
import { DataGenerator, SCENARIO_NAMES, keyString, loadScenario, replayHint, scenario, seedFromEnv } from "../../sim/index.js";
import type { ColumnSpec } from "../../sim/index.js";

const SEED = seedFromEnv("AMPSIM_SEED", 20_240_611);
const REPLAY = replayHint(SEED, "npx vitest run test/sim/data-generator.test.ts");

beforeEach((context) => {
  context.onTestFailed(() => console.error(REPLAY));
});

type Plain = number | string | boolean | null;
const ascii = new TextDecoder("ascii");

/** A column's values read straight from its Arrow buffers (int64/decimal as numbers: tests stay in the safe range). */
function plainValues(data: arrow.Data, type: ColumnType): Plain[] {
  const out: Plain[] = [];
  const bitmap = data.nullBitmap;
  for (let i = 0; i < data.length; i++) {
    const row = data.offset + i;
    const valid = data.nullCount === 0 || !bitmap || bitmap.length === 0 || ((bitmap[row >> 3] >> (row & 7)) & 1) === 1;
    out.push(valid ? plainValue(data, type, row) : null);
  }
  return out;
}

function plainValue(data: arrow.Data, type: ColumnType, row: number): Plain {
  switch (type.kind) {
    case "int64": case "timestamp": return Number((data.values as BigInt64Array)[row]);
    case "decimal": {
      const words = data.values as Uint32Array;
      return words[row * 4] + (words[row * 4 + 1] | 0) * 2 ** 32; // |value| < 2^53 in these tests
    }
    case "bool": return (((data.values as Uint8Array)[row >> 3] >> (row & 7)) & 1) === 1;
    case "utf8": case "varchar": case "char": {
      const offsets = data.valueOffsets as Int32Array;
      return ascii.decode((data.values as Uint8Array).subarray(offsets[row], offsets[row + 1]));
    }
    default: return (data.values as ArrayLike<number>)[row];
  }
}

/** Every column's values over a list of batches, by column name. */
function tableValues(generator: DataGenerator, batches: readonly arrow.RecordBatch[]): Record<string, Plain[]> {
  const result: Record<string, Plain[]> = {};
  generator.columns.forEach((column, c) => {
    result[column.name] = batches.flatMap((batch) => plainValues(batch.data.children[c], column.type));
  });
  return result;
}

function generate(columns: readonly ColumnSpec[], rows: number, seed: number | string = SEED, batchRows = 65_536): Record<string, Plain[]> {
  const generator = new DataGenerator(columns, seed);
  return tableValues(generator, [...generator.batches(rows, batchRows)]);
}

function share<T>(values: readonly T[], predicate: (value: T) => boolean): number {
  let count = 0;
  for (const value of values) if (predicate(value)) count++;
  return count / values.length;
}

function expectAmpsimError(action: () => unknown, code: string, ...fragments: string[]): void {
  let caught: unknown;
  try { action(); } catch (error) { caught = error; }
  expect(caught, REPLAY).toBeInstanceOf(AmpsimError);
  expect((caught as AmpsimError).code).toBe(code);
  for (const fragment of fragments) expect((caught as AmpsimError).message).toContain(fragment);
}

const ratio = (numerator: number, denominator: number) => ({ numerator, denominator });

/** One column of every type and every distribution kind, some with NULLs. */
const EVERY_KIND: readonly ColumnSpec[] = [
  { name: "id", type: types.int64, distribution: { kind: "sequential" } },
  { name: "i8", type: types.int8, nullFraction: ratio(1, 5) },
  { name: "i16", type: types.int16, distribution: { kind: "hot-keys", keys: [-5, 7], hotFraction: ratio(1, 3), min: -1000, max: 1000 } },
  { name: "i32", type: types.int32, distribution: { kind: "zipf", n: 1000, s: 1.1 } },
  { name: "i64", type: types.int64, distribution: { kind: "uniform", min: -(2 ** 50), max: 2 ** 50 }, nullFraction: ratio(1, 10) },
  { name: "f32", type: types.float32, distribution: { kind: "uniform", min: -2.5, max: 2.5 } },
  { name: "f64", type: types.float64, nullFraction: ratio(3, 10) },
  { name: "dec", type: types.decimal(12, 2), distribution: { kind: "uniform", min: -99_999_999, max: 99_999_999 } },
  { name: "flag", type: types.bool, nullFraction: ratio(1, 7) },
  { name: "text", type: types.utf8, stringLength: { min: 0, max: 20 } },
  { name: "name", type: types.varchar(16), distribution: { kind: "zipf", n: 50, s: 0.9 }, stringLength: { min: 4, max: 16 }, nullFraction: ratio(1, 4) },
  { name: "code", type: types.char(3), distribution: { kind: "constant", value: 42 } },
  { name: "day", type: types.date },
  { name: "ts", type: types.timestamp, nullFraction: ratio(1, 3) },
];

describe("DataGenerator: determinism", () => {
  it("gives the same rows in one batch, in batches of 1000 and in batches of 7", () => {
    const rows = 3_000;
    const whole = generate(EVERY_KIND, rows, SEED, rows);
    expect(generate(EVERY_KIND, rows, SEED, 1_000), REPLAY).toEqual(whole);
    expect(generate(EVERY_KIND, rows, SEED, 7), REPLAY).toEqual(whole);
    const generator = new DataGenerator(EVERY_KIND, SEED);
    const middle = tableValues(generator, [generator.batch(1_234, 100)]);
    for (const column of EVERY_KIND) expect(middle[column.name]).toEqual(whole[column.name].slice(1_234, 1_334));
  });

  it("gives the same rows across the 2^32 row boundary in any split", () => {
    const generator = new DataGenerator(EVERY_KIND, SEED);
    const start = 2 ** 32 - 3;
    const whole = tableValues(generator, [generator.batch(start, 6)]);
    const split = tableValues(generator, [generator.batch(start, 3), generator.batch(2 ** 32, 2), generator.batch(2 ** 32 + 2, 1)]);
    expect(split).toEqual(whole);
    expect(whole.id).toEqual([2 ** 32 - 2, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 32 + 2, 2 ** 32 + 3]);
    // Rows past 2^32 are not a copy of the rows at 2^32 below them.
    const low = tableValues(generator, [generator.batch(0, 3)]);
    expect(whole.i64.slice(3)).not.toEqual(low.i64);
  });

  it("same seed, same data; another seed, other data; a string seed works too", () => {
    expect(generate(EVERY_KIND, 200, SEED)).toEqual(generate(EVERY_KIND, 200, SEED));
    const other = generate(EVERY_KIND, 200, SEED + 1);
    const base = generate(EVERY_KIND, 200, SEED);
    for (const name of ["i8", "i32", "i64", "f64", "text", "day", "ts"]) expect(other[name], name).not.toEqual(base[name]);
    expect(other.id).toEqual(base.id); // sequential does not depend on the seed
    expect(generate(EVERY_KIND, 50, `run-${SEED}`)).toEqual(generate(EVERY_KIND, 50, `run-${SEED}`));
  });

  it("a column's values depend on its name, not on its position or the other columns", () => {
    const a: ColumnSpec = { name: "a", type: types.int32, nullFraction: ratio(1, 3) };
    const b: ColumnSpec = { name: "b", type: types.varchar(10) };
    const c: ColumnSpec = { name: "c", type: types.int32, nullFraction: ratio(1, 3) };
    const first = generate([a, b], 500);
    const second = generate([c, b, a], 500);
    expect(second.a).toEqual(first.a);
    expect(second.b).toEqual(first.b);
    expect(second.c).not.toEqual(first.a);
  });

  it("makes empty batches and no batches for zero rows", () => {
    const generator = new DataGenerator(EVERY_KIND, SEED);
    const empty = generator.batch(10, 0);
    expect(empty.numRows).toBe(0);
    expect(empty.schema.fields.map((f) => f.name)).toEqual(EVERY_KIND.map((c) => c.name));
    expect([...generator.batches(0, 10)]).toEqual([]);
    expect([...generator.batches(25, 10)].map((batch) => batch.numRows)).toEqual([10, 10, 5]);
  });
});

describe("DataGenerator: distributions", () => {
  const rows = 100_000;

  it("sequential counts from its start (default 1), constant repeats its value", () => {
    const values = generate([
      { name: "s", type: types.int32, distribution: { kind: "sequential", start: -3 } },
      { name: "d", type: types.int64, distribution: { kind: "sequential" } },
      { name: "k", type: types.float64, distribution: { kind: "constant", value: 2.5 } },
    ], 5);
    expect(values).toEqual({ s: [-3, -2, -1, 0, 1], d: [1, 2, 3, 4, 5], k: [2.5, 2.5, 2.5, 2.5, 2.5] });
  });

  it("uniform covers [min, max] evenly (integers) and stays inside it (floats)", () => {
    const values = generate([
      { name: "i", type: types.int16, distribution: { kind: "uniform", min: -5, max: 4 } },
      { name: "f", type: types.float64, distribution: { kind: "uniform", min: 10, max: 20 } },
      { name: "w", type: types.int64, distribution: { kind: "uniform", min: 0, max: 2 ** 52 } },
    ], rows);
    const ints = values.i as number[];
    expect(new Set(ints).size).toBe(10);
    for (let v = -5; v <= 4; v++) expect(Math.abs(share(ints, (x) => x === v) - 0.1), `value ${v}`).toBeLessThan(0.005);
    const floats = values.f as number[];
    expect(share(floats, (x) => x < 10 || x > 20)).toBe(0);
    expect(Math.abs(floats.reduce((s, x) => s + x, 0) / rows - 15), REPLAY).toBeLessThan(0.05);
    const wide = values.w as number[];
    expect(share(wide, (x) => !Number.isSafeInteger(x) || x < 0 || x > 2 ** 52)).toBe(0);
    expect(Math.abs(share(wide, (x) => x < 2 ** 51) - 0.5), REPLAY).toBeLessThan(0.01);
  });

  it("zipf: value k has share about k^-s / H(n, s)", () => {
    const n = 50;
    const s = 1.1;
    const values = generate([{ name: "z", type: types.int32, distribution: { kind: "zipf", n, s } }], rows).z as number[];
    let harmonic = 0;
    for (let k = 1; k <= n; k++) harmonic += k ** -s;
    expect(share(values, (x) => !Number.isInteger(x) || x < 1 || x > n)).toBe(0);
    for (const k of [1, 2, 3, 10, 50]) {
      expect(Math.abs(share(values, (x) => x === k) - k ** -s / harmonic), `share of ${k}`).toBeLessThan(0.008);
    }
    const counts = new Map<number, number>();
    for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
    const mostFrequent = [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0];
    expect(mostFrequent).toBe(1);
  });

  it("zipf with s = 0 is uniform over 1..n", () => {
    const values = generate([{ name: "z", type: types.int32, distribution: { kind: "zipf", n: 4, s: 0 } }], rows).z as number[];
    for (let k = 1; k <= 4; k++) expect(Math.abs(share(values, (x) => x === k) - 0.25)).toBeLessThan(0.01);
  });

  it("hot-keys: the hot fraction of rows takes the hot keys, the rest is uniform", () => {
    const values = generate([{ name: "h", type: types.int32, distribution: { kind: "hot-keys", keys: [7, 9], hotFraction: ratio(1, 4), min: 1_000, max: 1_999 } }], rows).h as number[];
    expect(Math.abs(share(values, (x) => x === 7 || x === 9) - 0.25), REPLAY).toBeLessThan(0.01);
    expect(Math.abs(share(values, (x) => x === 7) - 0.125), REPLAY).toBeLessThan(0.01);
    expect(share(values, (x) => x !== 7 && x !== 9 && (x < 1_000 || x > 1_999))).toBe(0);
  });

  it("nullFraction: about that share of NULLs; NOT NULL columns get none", () => {
    const generator = new DataGenerator([
      { name: "tenth", type: types.int32, nullFraction: ratio(1, 10) },
      { name: "none", type: types.varchar(8), nullFraction: ratio(0, 3) },
      { name: "all", type: types.decimal(5, 1), nullFraction: ratio(3, 3) },
      { name: "strict", type: types.float64 },
    ], SEED);
    const values = tableValues(generator, [...generator.batches(rows, 30_000)]);
    expect(Math.abs(share(values.tenth, (x) => x === null) - 0.1), REPLAY).toBeLessThan(0.006);
    expect(share(values.none, (x) => x === null)).toBe(0);
    expect(share(values.all, (x) => x === null)).toBe(1);
    expect(share(values.strict, (x) => x === null)).toBe(0);
    expect(generator.schema.fields.map((f) => f.nullable)).toEqual([true, true, true, false]);
    expect(generator.batch(0, 1000).getChild("strict")!.nullCount).toBe(0);
  });
});

describe("DataGenerator: column types", () => {
  it("default distributions reach both ends of small integer types and stay inside every type", () => {
    const columns: ColumnSpec[] = [
      { name: "i8", type: types.int8 }, { name: "i16", type: types.int16 }, { name: "dec", type: types.decimal(3, 1) },
      { name: "day", type: types.date }, { name: "ts", type: types.timestamp }, { name: "f32", type: types.float32 },
      { name: "flag", type: types.bool },
    ];
    const values = generate(columns, 20_000);
    const i8 = values.i8 as number[];
    expect([Math.min(...i8), Math.max(...i8)]).toEqual([-128, 127]);
    expect(share(values.i16, (x) => (x as number) < -32768 || (x as number) > 32767)).toBe(0);
    expect(share(values.dec, (x) => Math.abs(x as number) > 999)).toBe(0);
    const day2000 = Date.UTC(2000, 0, 1) / 86_400_000;
    const day2031 = Date.UTC(2031, 0, 1) / 86_400_000;
    expect(share(values.day, (x) => (x as number) < day2000 || (x as number) >= day2031)).toBe(0);
    expect(share(values.ts, (x) => (x as number) < day2000 * 86_400_000 || (x as number) >= day2031 * 86_400_000)).toBe(0);
    expect(share(values.f32, (x) => (x as number) < 0 || (x as number) > 1)).toBe(0);
    expect(Math.abs(share(values.flag, (x) => x === true) - 0.5)).toBeLessThan(0.03);
  });

  it("writes every type so that a real Engine accepts it (types, NOT NULL, lengths, precision)", () => {
    const engine = new Engine({ amps: 3 });
    engine.sql(`CREATE MULTISET TABLE main.every_kind (
      id BIGINT NOT NULL, i8 BYTEINT, i16 SMALLINT NOT NULL, i32 INTEGER NOT NULL, i64 BIGINT, f32 REAL NOT NULL,
      f64 FLOAT, dec DECIMAL(12,2) NOT NULL, flag BOOLEAN, text LONG VARCHAR NOT NULL, name VARCHAR(16),
      code CHAR(3) NOT NULL, day DATE NOT NULL, ts TIMESTAMP) PRIMARY INDEX (i32)`);
    const generator = new DataGenerator(EVERY_KIND, SEED);
    let inserted = 0;
    for (const batch of generator.batches(5_000, 1_500)) inserted += engine.insert("main.every_kind", batch);
    expect(inserted).toBe(5_000);
    expect(engine.rowCount("main.every_kind")).toBe(5_000);
    const decimals = tableValues(generator, [generator.batch(0, 5_000)]).dec as number[];
    expect(share(decimals, (x) => Math.abs(x) > 99_999_999)).toBe(0);
    expect(share(decimals, (x) => x < 0)).toBeGreaterThan(0.4);
  });

  it("rejects distributions that do not fit the column type, with the column named", () => {
    const bad = (spec: ColumnSpec, ...fragments: string[]) => expectAmpsimError(() => new DataGenerator([spec], SEED), "BAD_ARGUMENT", spec.name, ...fragments);
    bad({ name: "tiny", type: types.int8, distribution: { kind: "uniform", min: 0, max: 1000 } }, "-128..127", "0..1000");
    bad({ name: "tiny", type: types.int8, distribution: { kind: "zipf", n: 300, s: 1 } }, "1..300");
    bad({ name: "tiny", type: types.int8, distribution: { kind: "hot-keys", keys: [500], hotFraction: ratio(1, 2), min: 0, max: 10 } }, "0..500");
    bad({ name: "money", type: types.decimal(3, 1), distribution: { kind: "uniform", min: -1000, max: 0 } }, "-999..999");
    bad({ name: "big", type: types.int64, distribution: { kind: "constant", value: 2 ** 60 } }, "safe integer");
    bad({ name: "day", type: types.date, distribution: { kind: "uniform", min: 0, max: 3_000_000 } }, "0..3000000");
    bad({ name: "frac", type: types.int32, distribution: { kind: "uniform", min: 0.5, max: 3 } }, "safe integer");
    bad({ name: "short", type: types.varchar(5), stringLength: { min: 1, max: 6 } }, "longer than");
    bad({ name: "notext", type: types.int32, stringLength: { min: 1, max: 6 } }, "string columns only");
    bad({ name: "nulls", type: types.int32, nullFraction: ratio(3, 2) }, "numerator <= denominator");
    bad({ name: "order", type: types.int32, distribution: { kind: "uniform", min: 5, max: 1 } }, "min <= max");
    bad({ name: "z", type: types.int32, distribution: { kind: "zipf", n: 0, s: 1 } }, "zipf n");
    bad({ name: "z", type: types.int32, distribution: { kind: "zipf", n: 10, s: -1 } }, "zipf s");
    bad({ name: "odd", type: types.int32, distribution: { kind: "normal" } as never }, "unknown distribution kind");
    expectAmpsimError(() => new DataGenerator([{ name: "a", type: types.int8 }, { name: "a", type: types.int16 }], SEED), "BAD_ARGUMENT", "twice");
    expect(() => new DataGenerator([{ name: "f", type: types.float32, distribution: { kind: "uniform", min: 0.5, max: 1.5 } }], SEED)).not.toThrow();
  });

  it("checks a sequential column's range when a batch would pass the type's limit", () => {
    const generator = new DataGenerator([{ name: "s", type: types.int8, distribution: { kind: "sequential", start: 120 } }], SEED);
    expect(tableValues(generator, [generator.batch(0, 8)]).s).toEqual([120, 121, 122, 123, 124, 125, 126, 127]);
    expectAmpsimError(() => generator.batch(0, 9), "BAD_ARGUMENT", "128", "row 8");
    expectAmpsimError(() => generator.batch(8, 1), "BAD_ARGUMENT", "128");
    expectAmpsimError(() => generator.batch(-1, 1), "BAD_ARGUMENT", "startRow");
  });
});

describe("DataGenerator: strings", () => {
  it("keeps lengths within stringLength and writes only printable ASCII", () => {
    const values = generate([
      { name: "v", type: types.varchar(12), stringLength: { min: 4, max: 12 } },
      { name: "c", type: types.char(5), distribution: { kind: "uniform", min: 0, max: 1000 } },
      { name: "e", type: types.utf8, distribution: { kind: "uniform", min: -50, max: 50 }, stringLength: { min: 0, max: 3 } },
    ], 20_000);
    const v = values.v as string[];
    expect(share(v, (x) => x.length < 4 || x.length > 12)).toBe(0);
    expect(new Set(v.map((x) => x.length)).size).toBeGreaterThan(5);
    expect(share(values.c, (x) => (x as string).length !== 5)).toBe(0);
    expect(share(values.e, (x) => (x as string).length > 3)).toBe(0);
    const all = [...v, ...(values.c as string[]), ...(values.e as string[])].join("");
    expect(/^[\x21-\x7e]*$/.test(all)).toBe(true);
  });

  it("gives equal strings for equal values: the string of value v is keyString(v)", () => {
    const shape = { min: 1, max: 12 };
    const values = generate([
      { name: "k", type: types.int32, distribution: { kind: "sequential", start: -50 } },
      { name: "s", type: types.varchar(12), distribution: { kind: "sequential", start: -50 }, stringLength: shape },
      { name: "z", type: types.varchar(12), distribution: { kind: "zipf", n: 20, s: 1 }, stringLength: shape },
    ], 2_000);
    expect(values.s).toEqual((values.k as number[]).map((k) => keyString(k, shape)));
    const expected = new Set(Array.from({ length: 20 }, (_, k) => keyString(k + 1, shape)));
    const seen = new Set(values.z as string[]);
    expect(seen.size).toBeGreaterThan(10);
    for (const text of seen) expect(expected.has(text), text).toBe(true);
  });

  it("gives different strings for different values while their digits fit", () => {
    const shape = { min: 0, max: 8 };
    const strings = new Set<string>();
    for (let v = -2_000; v <= 20_000; v++) strings.add(keyString(v, shape));
    expect(strings.size).toBe(22_001);
    expect(keyString(36 ** 5, { min: 1, max: 3 })).toBe("000"); // too long: low-order digits kept
    expect(keyString(1295, { min: 2, max: 2 })).toBe("zz");
    expect(keyString(1295, { min: 6, max: 6 })).toMatch(/^zz[A-Z]{4}$/);
    expect(keyString(-7, { min: 2, max: 2 })).toBe("-7");
  });
});

describe("scenarios", () => {
  it("load into a small Engine with the promised row counts, for every scenario", () => {
    for (const name of SCENARIO_NAMES) {
      const engine = new Engine({ amps: 4 });
      const chosen = scenario(name, { rows: 2_000, seed: SEED });
      expect(chosen.name).toBe(name);
      loadScenario(engine, chosen, { batchRows: 700 });
      expect(engine.tables().sort()).toEqual(chosen.tables.map((t) => t.name).sort());
      for (const table of chosen.tables) expect(engine.rowCount(table.name), `${name}: ${table.name}`).toBe(table.rows);
      expect(chosen.tables[0].rows).toBe(2_000);
    }
  });

  it("demo holds orders, events and products, about a million rows by default", () => {
    const demo = scenario("demo");
    expect(demo.tables.map((t) => [t.name, t.rows])).toEqual([["shop.orders", 600_000], ["shop.events", 400_000], ["shop.products", 1_000]]);
    expect(scenario("orders").tables[0].rows).toBe(10_000);
    expect(scenario("dimension").tables[0].rows).toBe(1_000);
  });

  it("the skewed table is more skewed across AMPs than the uniform one", () => {
    const engine = new Engine({ amps: 4 });
    loadScenario(engine, scenario("uniform", { rows: 4_000, seed: SEED }));
    loadScenario(engine, scenario("skewed", { rows: 4_000, seed: SEED }));
    const uniform = engine.skewFactor("lab.uniform");
    const skewed = engine.skewFactor("lab.skewed");
    expect(uniform, REPLAY).toBeLessThan(15);
    expect(skewed, REPLAY).toBeGreaterThan(uniform + 25);
  });

  it("builds the same data for the same seed, and a table's data is the same in any scenario", () => {
    const first = (name: "orders" | "demo", seed: number) => {
      const table = scenario(name, { rows: 500, seed }).tables[0];
      return tableValues(table.generator, [table.generator.batch(0, 200)]);
    };
    expect(first("orders", SEED)).toEqual(first("orders", SEED));
    expect(first("demo", SEED)).toEqual(first("orders", SEED));
    expect(first("orders", SEED + 1).amount).not.toEqual(first("orders", SEED).amount);
  });

  it("creates what it needs once and rejects bad names and options", () => {
    const engine = new Engine({ amps: 2 });
    loadScenario(engine, scenario("dimension", { rows: 50 }));
    expect(engine.databases()).toContain("shop");
    expectAmpsimError(() => loadScenario(engine, scenario("dimension", { rows: 50 })), "TABLE_EXISTS");
    loadScenario(engine, scenario("orders", { rows: 50 })); // database shop exists already
    expect(engine.rowCount("shop.orders")).toBe(50);
    expectAmpsimError(() => scenario("nope" as never), "BAD_ARGUMENT", "unknown scenario", "orders");
    expectAmpsimError(() => scenario("orders", { rows: -1 }), "BAD_ARGUMENT", "rows");
    expectAmpsimError(() => loadScenario(new Engine(), scenario("orders", { rows: 5 }), { batchRows: 0 }), "BAD_ARGUMENT", "batchRows");
  });
});

describe("bad arguments of the generators", () => {
  it("a column type that is not a column type, a scenario option misspelled, loadScenario of a non-engine: BAD_ARGUMENT naming them", () => {
    const fail = (make: () => unknown, ...mentions: string[]) => {
      let error: unknown;
      try { make(); } catch (e) { error = e; }
      expect(error).toBeInstanceOf(AmpsimError);
      expect((error as AmpsimError).code).toBe("BAD_ARGUMENT");
      for (const m of mentions) expect(String(error)).toContain(m);
    };
    fail(() => new DataGenerator([{ name: "x", type: "int" as never }], 1), "column x: type must be a column type", '"int"');
    fail(() => new DataGenerator([{ name: "x", type: { kind: "int128" } as never }], 1), "column x", "int128");
    fail(() => scenario("orders", { row: 5 } as never), "scenario orders has no option row (did you mean rows?)");
    fail(() => loadScenario({} as never, scenario("orders", { rows: 10 })), "loadScenario(engine, scenario): engine must be an Engine");
    fail(() => loadScenario(new Engine(), {} as never), "scenario must be what scenario(name, …) returns");
  });
});
