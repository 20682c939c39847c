/**
 * Engine.insertSelectAsync: the redistribution's per-row work on the worker pool must store
 * exactly what the inline insertSelect stores — the same rows on the same AMPs in the same
 * order with the same row IDs, the same trace step, the same errors with nothing stored —
 * for every column type, every kind of target, WHERE, UNION ALL and a target that is also a
 * source; and a statement committed while the pool works must not be lost.
 */
import { afterAll, describe, expect, it } from "vitest";
import { createExecutor, Engine, isAmpsimError, rowsOf, type Executor, type TraceStep } from "../../engine/index.js";
import { allTypesDdl, allTypesRows } from "../helpers/fixtures.js";

const pool = createExecutor({ kind: "pool", threads: 2 });
afterAll(() => pool.close());

const TARGETS = {
  "MULTISET, non-unique PI": allTypesDdl("db.t", { pi: "PRIMARY INDEX (i)" }),
  "UPI, with a USI and a NUSI": allTypesDdl("db.t", { pi: "UNIQUE PRIMARY INDEX (big, id)", indexes: "UNIQUE INDEX (id) INDEX (vc)" }),
  "SET table": allTypesDdl("db.t", { pi: "PRIMARY INDEX (dt)", setness: "SET" }),
};

/** Two sources of every column type (ids 1..300 and 301..500) on 5 AMPs, inserted in several statements so they hold several runs. */
function system(executor: Executor | "inline", target: string, sharedStorage?: boolean): Engine {
  const engine = new Engine({ amps: 5, executor, sharedStorage });
  engine.sql(`CREATE DATABASE db; ${allTypesDdl("db.a")} ${allTypesDdl("db.b", { pi: "PRIMARY INDEX (f)" })} ${target}`);
  const rows = allTypesRows("insert-select-pool", 500);
  for (let first = 0; first < 300; first += 60) engine.insert("db.a", rows.slice(first, first + 60));
  engine.insert("db.b", rows.slice(300).map((r) => ({ ...r, id: (r.id as number) })));
  return engine;
}

const text = (value: unknown) => JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? `${v}n` : v));
/** Every row with its AMP, row hash and uniqueness, in scan order. */
const stored = (engine: Engine, table: string) => text(rowsOf(engine.scan(table, { rowIds: true })));
const lastStep = (engine: Engine): TraceStep => engine.trace.steps[engine.trace.steps.length - 1];
const stepFigures = (step: TraceStep) => text({ step: step.step, table: step.table, source: step.source, rows: step.rows, amps: step.amps, transfers: step.transfers });

describe("insertSelectAsync on a pool", () => {
  // Shared storage (the pool's default): the workers read the sources' runs in place; private: they get copies.
  describe.each(Object.entries(TARGETS).flatMap(([kind, ddl]) => [[`${kind}, shared storage`, ddl, true], [`${kind}, private storage`, ddl, false]] as const))("into a %s", (_kind, ddl, sharedStorage) => {
    it.each([
      ["one source", ["db.a"], undefined],
      ["UNION ALL of two sources, with a WHERE", ["db.a", "db.b"], "i > 0 OR vc IS NULL"],
    ] as const)("%s: the same rows, row IDs and trace step as inline", async (_what, sources, where) => {
      const inline = system("inline", ddl); const onPool = system(pool, ddl, sharedStorage);
      const shared = onPool.readAmp("db.a", 0).parts[0].batch.data.children[0].values.buffer instanceof SharedArrayBuffer;
      expect(shared).toBe(sharedStorage);
      const expected = inline.insertSelect("db.t", [...sources], { where });
      const inlineStep = lastStep(inline);
      expect(await onPool.insertSelectAsync("db.t", [...sources], { where })).toBe(expected);
      const poolStep = lastStep(onPool);
      expect(expected).toBeGreaterThan(0);
      expect(poolStep.step).toBe("insert-select");
      expect(poolStep.transfers.length).toBeGreaterThan(0);
      expect(stepFigures(poolStep)).toBe(stepFigures(inlineStep));
      expect(stored(onPool, "db.t")).toBe(stored(inline, "db.t"));
    });
  });

  it("into a table of other, convertible column types (a widened PI, converted columns): the same as inline", async () => {
    const ddl = `CREATE MULTISET TABLE db.t (id BIGINT NOT NULL, b INTEGER, s BIGINT, i FLOAT, big DECIMAL(38,0), r FLOAT, f DECIMAL(38,10),
      dec DECIMAL(14,4), huge DECIMAL(38,10), ok BOOLEAN, lv LONG VARCHAR, vc VARCHAR(100), c CHAR(6), dt TIMESTAMP, ts TIMESTAMP) PRIMARY INDEX (i);`;
    for (const sharedStorage of [true, false]) {
      const inline = system("inline", ddl); const onPool = system(pool, ddl, sharedStorage);
      const expected = inline.insertSelect("db.t", ["db.a", "db.b"]);
      expect(await onPool.insertSelectAsync("db.t", ["db.a", "db.b"])).toBe(expected);
      expect(expected).toBe(500);
      expect(stepFigures(lastStep(onPool))).toBe(stepFigures(lastStep(inline)));
      expect(stored(onPool, "db.t")).toBe(stored(inline, "db.t"));
    }
  });

  it("into a table that is also a source: each row read once, as inline", async () => {
    const ddl = TARGETS["MULTISET, non-unique PI"];
    const inline = system("inline", ddl); const onPool = system(pool, ddl);
    inline.insertSelect("db.t", "db.b"); onPool.insertSelect("db.t", "db.b");
    expect(await onPool.insertSelectAsync("db.t", ["db.t", "db.a"])).toBe(inline.insertSelect("db.t", ["db.t", "db.a"]));
    expect(onPool.rowCount("db.t")).toBe(200 + 200 + 300);
    expect(stored(onPool, "db.t")).toBe(stored(inline, "db.t"));
  });

  it("fails as inline does, storing nothing: a duplicate UPI value, a NULL into NOT NULL", async () => {
    const onPool = system(pool, TARGETS["UPI, with a USI and a NUSI"]);
    onPool.insert("db.t", [{ id: 7, big: allTypesRows("insert-select-pool", 7)[6].big }]);
    const steps = onPool.trace.steps.length;
    const duplicate = await onPool.insertSelectAsync("db.t", "db.a").catch((e: unknown) => e);
    expect(isAmpsimError(duplicate, "DUPLICATE_KEY"), String(duplicate)).toBe(true);
    expect(String(duplicate)).toContain("db.t");
    expect(onPool.rowCount("db.t")).toBe(1);
    expect(onPool.trace.steps.length).toBe(steps);
    onPool.sql("CREATE MULTISET TABLE db.strict (id INTEGER NOT NULL, b BYTEINT, s SMALLINT, i INTEGER NOT NULL, big BIGINT, r REAL, f FLOAT, dec DECIMAL(12,2), huge DECIMAL(38,10), ok BOOLEAN, lv LONG VARCHAR, vc VARCHAR(12), c CHAR(6), dt DATE, ts TIMESTAMP) PRIMARY INDEX (f)");
    const nulls = await onPool.insertSelectAsync("db.strict", "db.a").catch((e: unknown) => e);
    expect(isAmpsimError(nulls, "NULL_VIOLATION"), String(nulls)).toBe(true);
    expect(String(nulls)).toContain("column i");
    expect(onPool.rowCount("db.strict")).toBe(0);
    await expect(onPool.insertSelectAsync("db.t", [])).rejects.toThrow("non-empty list");
    await expect(onPool.insertSelectAsync("db.t", "db.nope")).rejects.toThrow("db.nope");
  });

  it("reports the error inline reports: the same input row numbers, the same first failure", async () => {
    const failure = async (run: () => unknown) => { try { await run(); return "no error"; } catch (e) { return `${String(e)} ${text((e as { details?: unknown }).details)}`; } };
    const ddl = "CREATE DATABASE db; CREATE MULTISET TABLE db.src (g INTEGER, k INTEGER, u INTEGER) PRIMARY INDEX (g); CREATE TABLE db.t (g INTEGER, k INTEGER, u INTEGER) UNIQUE PRIMARY INDEX (k) UNIQUE INDEX (u);";
    const pair = () => (["inline", pool] as const).map((executor) => { const e = new Engine({ amps: 4, executor }); e.sql(ddl); return e; });
    // One source AMP whose rows spread over every target AMP, with a repeated key late in them: stored
    // as one run, or as three (inline scatters the runs as one input, the pool their concatenation).
    const rows = [...Array.from({ length: 20 }, (_v, i) => ({ g: 1, k: i, u: i })), { g: 1, k: 13, u: 100 }];
    for (const statements of [1, 3]) {
      const [a, b] = pair();
      for (const e of [a, b]) for (let s = 0; s < statements; s++) e.insert("db.src", rows.slice(Math.floor((s * rows.length) / statements), Math.floor(((s + 1) * rows.length) / statements)));
      const inline = await failure(() => a.insertSelect("db.t", "db.src"));
      expect(inline).toContain("DUPLICATE_KEY");
      expect(inline).toContain("input row 20 repeats input row 13");
      expect(await failure(() => b.insertSelectAsync("db.t", "db.src"))).toBe(inline);
    }
    // A USI duplicate on a low AMP and a UPI value already stored on a higher one: inline checks the UPI on every AMP first.
    const [c, d] = pair();
    const keys = Array.from({ length: 200 }, (_v, k) => k);
    const low = Math.min(...keys.map((k) => c.ampOf("db.t", [k])));
    const [k1, k2] = keys.filter((k) => c.ampOf("db.t", [k]) === low);
    const high = keys.find((k) => c.ampOf("db.t", [k]) > low)!;
    for (const e of [c, d]) {
      e.insert("db.t", [{ g: 9, k: high, u: 999 }]);
      e.insert("db.src", [{ g: 1, k: k1, u: 5 }, { g: 1, k: k2, u: 5 }, { g: 1, k: high, u: 7 }]);
    }
    const first = await failure(() => c.insertSelect("db.t", "db.src"));
    expect(first).toContain("unique primary index");
    expect(await failure(() => d.insertSelectAsync("db.t", "db.src"))).toBe(first);
    expect(d.rowCount("db.t")).toBe(1);
  });

  it("numbers input rows across the statement: a UPI value on two source AMPs names both rows, inline and on the pool", async () => {
    const failure = async (run: () => unknown) => { try { await run(); return "no error"; } catch (e) { return `${String(e)} ${text((e as { details?: unknown }).details)}`; } };
    const ddl = "CREATE DATABASE db; CREATE MULTISET TABLE db.src (g INTEGER, k INTEGER) PRIMARY INDEX (g); CREATE TABLE db.t (g INTEGER, k INTEGER) UNIQUE PRIMARY INDEX (k);";
    const engines = (["inline", pool] as const).map((executor) => { const e = new Engine({ amps: 6, executor }); e.sql(ddl); return e; });
    // Every source AMP holds rows (an input each); key 500 once on the first AMP with rows and once on the last.
    const rows = Array.from({ length: 120 }, (_v, i) => ({ g: i % 40, k: i }));
    for (const e of engines) e.insert("db.src", rows);
    const [inline] = engines;
    const sourceAmps = Array.from({ length: 6 }, (_v, amp) => amp).filter((amp) => inline.ampRowCounts("db.src")[amp] > 0);
    expect(sourceAmps.length).toBeGreaterThan(2);
    const gOn = (amp: number) => rows.find((r) => inline.ampOf("db.src", [r.g]) === amp)!.g;
    for (const e of engines) e.insert("db.src", [{ g: gOn(sourceAmps[0]), k: 500 }, { g: gOn(sourceAmps.at(-1)!), k: 500 }]);
    // The statement reads the source AMP by AMP, each AMP's rows in stored order: where the two rows are in that order.
    const order = sourceAmps.flatMap((amp) => inline.readAmp("db.src", amp).parts.flatMap((part) => rowsOf(part.batch).map((r) => r.k)));
    const [first, second] = [order.indexOf(500), order.lastIndexOf(500)];
    expect(second).toBeGreaterThan(first);
    const message = await failure(() => inline.insertSelect("db.t", "db.src"));
    expect(message).toContain("DUPLICATE_KEY");
    expect(message).toContain(`value (500) of input row ${second} repeats input row ${first}`);
    expect(await failure(() => engines[1].insertSelectAsync("db.t", "db.src"))).toBe(message);
    for (const e of engines) expect(e.rowCount("db.t")).toBe(0);
    // Without the repeat, both store every row, the same rows with the same row IDs.
    for (const e of engines) e.sql("DELETE FROM db.src WHERE k = 500");
    expect(inline.insertSelect("db.t", "db.src")).toBe(120);
    expect(await engines[1].insertSelectAsync("db.t", "db.src")).toBe(120);
    expect(stored(engines[1], "db.t")).toBe(stored(inline, "db.t"));
  });

  it("still works after close(), inline (statements never need the workers)", async () => {
    const own = createExecutor({ kind: "pool", threads: 1 });
    const onPool = system(own, TARGETS["MULTISET, non-unique PI"]);
    const inline = system("inline", TARGETS["MULTISET, non-unique PI"]);
    await onPool.close();
    expect(own.closed).toBe(true);
    expect(await onPool.insertSelectAsync("db.t", "db.a")).toBe(inline.insertSelect("db.t", "db.a"));
    expect(stored(onPool, "db.t")).toBe(stored(inline, "db.t"));
  });

  it("close() while the workers place rows: the statement runs inline instead, storing what inline stores", async () => {
    const own = createExecutor({ kind: "pool", threads: 1 });
    const onPool = system(own, TARGETS["MULTISET, non-unique PI"]);
    const inline = system("inline", TARGETS["MULTISET, non-unique PI"]);
    const pending = onPool.insertSelectAsync("db.t", ["db.a", "db.b"]);
    await onPool.close();
    expect(await pending).toBe(inline.insertSelect("db.t", ["db.a", "db.b"]));
    expect(stored(onPool, "db.t")).toBe(stored(inline, "db.t"));
  });

  it("keeps a statement committed while the pool works: the sources are read again", async () => {
    const onPool = system(pool, TARGETS["MULTISET, non-unique PI"]);
    const pending = onPool.insertSelectAsync("db.t", "db.a");
    onPool.insert("db.a", allTypesRows("later", 40).map((r) => ({ ...r, id: 1000 + (r.id as number) })));
    expect(await pending).toBe(340);
    expect(onPool.rowCount("db.t")).toBe(340);
  });

  it("is insertSelect when the rows stay on their AMPs, or inline", async () => {
    const onPool = system(pool, allTypesDdl("db.t", { pi: "PRIMARY INDEX (id)" }));
    expect(await onPool.insertSelectAsync("db.t", "db.a")).toBe(300);
    expect(lastStep(onPool).step).toBe("insert-select");
    expect(lastStep(onPool).transfers).toEqual([]);
    const inline = system("inline", TARGETS["SET table"]);
    expect(await inline.insertSelectAsync("db.t", "db.a")).toBe(300);
    expect(lastStep(inline).step).toBe("insert-select");
  });
});
