/**
 * The AMP-local insert-select (rows stay on their AMP) concatenates each source's runs on an AMP
 * into target runs of about 16 MiB, not one run of any size: a buffer of 32 MiB or more is fresh
 * memory with a page fault on every page. The rows, their order and their row IDs are those of
 * one concatenation; a run large enough alone is kept as it is (no copy).
 */
import * as arrow from "apache-arrow";
import { describe, expect, it } from "vitest";
import { Engine } from "../../engine/index.js";

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
