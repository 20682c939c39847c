/**
 * The AMP-local insert-select (rows stay on their AMP) concatenates each source's runs on an AMP
 * into target runs of about 16 MiB, not one run of any size: a buffer of 32 MiB or more is fresh
 * memory with a page fault on every page. The rows, their order and their row IDs are those of
 * one concatenation; a run large enough alone is kept as it is (no copy).
 */
import * as arrow from "apache-arrow";
import { describe, expect, it } from "vitest";
import { Engine } from "../../engine/index.js";
import { LOAD_RUNS_MAX, RUNS_MAX } from "../../engine/storage/fragment.js";

const MIB = 1024 * 1024;

/** A one-AMP system whose table `db.s` holds `runs` runs of `rowsPerRun` rows of about 40 bytes, and an empty copy `db.t`. */
function system(runs: number, rowsPerRun: number): Engine {
  const engine = new Engine({ amps: 1 });
  engine.sql("CREATE DATABASE db; CREATE MULTISET TABLE db.s (id BIGINT, note VARCHAR(40)) PRIMARY INDEX (id); CREATE MULTISET TABLE db.t (id BIGINT, note VARCHAR(40)) PRIMARY INDEX (id);");
  for (let r = 0; r < runs; r++) {
    const ids = BigInt64Array.from({ length: rowsPerRun }, (_v, i) => BigInt(r * rowsPerRun + i));
    const notes = arrow.vectorFromArray(Array.from({ length: rowsPerRun }, (_v, i) => `note ${r}-${i} ${"x".repeat(i % 17)}`), new arrow.Utf8());
    engine.insert("db.s", new arrow.Table({ id: arrow.makeVector(ids), note: notes }));
  }
  return engine;
}

const runBytes = (engine: Engine, table: string) => engine.readAmp(table, 0).parts.map((p) => p.bytes);

describe("AMP-local insert-select", () => {
  it("concatenates a source's runs into target runs of about 16 MiB, rows and row IDs as one concatenation would give", () => {
    const engine = system(5, 200_000); // 5 runs of about 7.5 MiB
    const source = runBytes(engine, "db.s");
    expect(source).toHaveLength(5);
    expect(Math.min(...source)).toBeGreaterThan(5 * MIB);
    expect(engine.insertSelect("db.t", "db.s")).toBe(1_000_000);
    const target = runBytes(engine, "db.t");
    expect(target.length).toBeGreaterThan(1);
    expect(target.length).toBeLessThan(5);
    for (const bytes of target) expect(bytes).toBeLessThanOrEqual(16 * MIB + Math.max(...source));
    expect(Math.abs(target.reduce((a, b) => a + b, 0) - source.reduce((a, b) => a + b, 0))).toBeLessThan(64); // but for the per-run offsets
    // Rows in source order, numbered 0, 1, … (the first row that is not, if any, is what a failure shows).
    const scanned = engine.scan("db.t", { rowIds: true });
    const id = scanned.getChild("id")!; const uniqueness = scanned.getChild("$uniqueness")!;
    const firstWrong = Array.from({ length: scanned.numRows }, (_v, i) => i).find((i) => Number(id.get(i)) !== i || Number(uniqueness.get(i)) !== i);
    expect(scanned.numRows).toBe(1_000_000);
    expect(firstWrong === undefined ? "all in order" : `row ${firstWrong}: id ${id.get(firstWrong)}, uniqueness ${uniqueness.get(firstWrong)}`).toBe("all in order");
  });

  it("keeps small runs' concatenation as one run, and a run large enough alone as it is", () => {
    const small = system(3, 1_000);
    small.insertSelect("db.t", "db.s");
    expect(runBytes(small, "db.t")).toHaveLength(1);
    const large = system(1, 500_000); // one run of about 19 MiB
    large.insertSelect("db.t", "db.s");
    expect(large.readAmp("db.t", 0).parts[0].batch.data.children[1].values).toBe(large.readAmp("db.s", 0).parts[0].batch.data.children[1].values);
  });
});

describe("load tables (reserved, like a migration's staging tables)", () => {
  it("keep their runs unmerged up to LOAD_RUNS_MAX, while user tables and index subtables merge past RUNS_MAX", () => {
    const engine = new Engine({ amps: 1 });
    engine.sql("CREATE DATABASE db; CREATE MULTISET TABLE db.u (id INTEGER, v VARCHAR(8)) PRIMARY INDEX (id) INDEX (v);");
    engine.sqlInternal('CREATE MULTISET TABLE "$staging".s (id INTEGER, v VARCHAR(8)) PRIMARY INDEX (id);');
    const statements = RUNS_MAX + 16;
    for (let k = 0; k < statements; k++) {
      const rows = Array.from({ length: 50 }, (_v, i) => ({ id: k * 50 + i, v: `v${k}` }));
      engine.insert("db.u", rows);
      engine.sqlInternal(`INSERT INTO "$staging".s VALUES ${rows.map((r) => `(${r.id}, '${r.v}')`).join(", ")};`);
    }
    expect(engine.readAmp('"$staging".s', 0).parts).toHaveLength(statements);
    expect(engine.readAmp("db.u", 0).parts.length).toBeLessThanOrEqual(RUNS_MAX);
    const subtable = engine.allTables().find((t) => t.startsWith('"$index"'))!;
    expect(engine.readAmp(subtable, 0).parts.length).toBeLessThanOrEqual(RUNS_MAX);
    expect(engine.rowCount('"$staging".s')).toBe(statements * 50);
    expect(LOAD_RUNS_MAX).toBeGreaterThan(statements);
  });
});
