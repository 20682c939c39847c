/**
 * Shared storage (EngineOptions.sharedStorage): an engine with a pool stores the rows it
 * writes in SharedArrayBuffers, so pool workers read them in place; inline engines keep plain
 * ArrayBuffers; the option overrides either way and is checked. withArena carves a kernel's
 * stored arrays out of a few buffers: zeroed, aligned, and read through their byte offsets.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as arrow from "apache-arrow";
import { afterAll, describe, expect, it } from "vitest";
import { countGroups, createExecutor, Engine, scatterData, withArena, type Executor } from "../../engine/index.js";
import { expectError } from "../helpers/errors.js";

const pool: Executor = createExecutor({ kind: "pool", threads: 1 });
const dirs: string[] = [];
afterAll(async () => {
  await pool.close();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

const DDL = "CREATE DATABASE d; CREATE MULTISET TABLE d.t (k INTEGER, v VARCHAR(20), big BIGINT) PRIMARY INDEX (k); CREATE MULTISET TABLE d.u (k INTEGER, v VARCHAR(20), big BIGINT) PRIMARY INDEX (v);";
const rows = Array.from({ length: 500 }, (_v, i) => ({ k: i % 37, v: i % 5 === 0 ? null : `value ${i}`, big: BigInt(i) * 1_000_000_007n }));

/** The kinds of buffer behind every stored run of `table` (values, offsets, validity, row hashes). */
function bufferKinds(engine: Engine, table: string): Set<string> {
  const kinds = new Set<string>();
  const note = (view: ArrayBufferView | null | undefined) => { if (view && view.byteLength > 0) kinds.add(view.buffer instanceof SharedArrayBuffer ? "shared" : "plain"); };
  for (let amp = 0; amp < engine.amps; amp++) {
    for (const part of engine.readAmp(table, amp).parts) {
      note(part.rowHash);
      for (const data of part.batch.data.children) {
        note(data.values as ArrayBufferView);
        note(data.valueOffsets);
        if (data.nullCount > 0) note(data.nullBitmap);
      }
    }
  }
  return kinds;
}

function filled(options: ConstructorParameters<typeof Engine>[0]): Engine {
  const engine = new Engine({ amps: 3, ...options });
  engine.sql(DDL);
  for (let first = 0; first < rows.length; first += 100) engine.insert("d.t", rows.slice(first, first + 100));
  engine.insertSelect("d.u", "d.t"); // redistributed: scattered
  engine.sql("DELETE FROM d.t WHERE k = 3;"); // runs gathered without the deleted rows
  return engine;
}

describe("shared storage", () => {
  it("is the default with a pool, not inline; the option overrides either way", () => {
    const cases: [string, ConstructorParameters<typeof Engine>[0], boolean][] = [
      ["pool", { executor: pool }, true],
      ["inline", {}, false],
      ["inline, shared", { sharedStorage: true }, true],
      ["pool, private", { executor: pool, sharedStorage: false }, false],
    ];
    for (const [label, options, shared] of cases) {
      const engine = filled(options);
      expect(engine.sharedStorage, label).toBe(shared);
      for (const table of ["d.t", "d.u"]) expect([...bufferKinds(engine, table)], `${label}: ${table}`).toEqual([shared ? "shared" : "plain"]);
      expect(engine.rowCount("d.t") + engine.rowCount("d.u")).toBe(2 * rows.length - rows.filter((r) => r.k === 3).length);
    }
  });

  it("stays with its engine: a shared engine's statement leaves the next engine's rows plain", () => {
    const shared = filled({ sharedStorage: true });
    const plain = filled({});
    shared.insert("d.t", rows.slice(0, 10));
    plain.insert("d.t", rows.slice(0, 10));
    expect([...bufferKinds(plain, "d.t")]).toEqual(["plain"]);
    expect([...bufferKinds(shared, "d.t")]).toEqual(["shared"]);
  });

  it("keeps load tables (a migration's staging tables) in shared tails, which the insert-select that empties them takes as they are", () => {
    const engine = new Engine({ amps: 3, sharedStorage: true });
    engine.sql(DDL);
    engine.sqlInternal('CREATE DATABASE "$staging";');
    engine.sqlInternal('CREATE MULTISET TABLE "$staging".s (k INTEGER, v VARCHAR(20), big BIGINT) PRIMARY INDEX (k);');
    for (let first = 0; first < rows.length; first += 100) engine.insert('"$staging".s', rows.slice(first, first + 100));
    expect([...bufferKinds(engine, '"$staging".s')]).toEqual(["shared"]);
    engine.sqlInternal('INSERT INTO d.t SELECT * FROM "$staging".s;'); // the table it fills is shared
    expect([...bufferKinds(engine, "d.t")]).toEqual(["shared"]);
    engine.insert("d.t", rows.slice(0, 10));
    expect([...bufferKinds(engine, "d.t")]).toEqual(["shared"]);
  });

  it("holds the same rows either way", () => {
    const text = (engine: Engine) => JSON.stringify(["d.t", "d.u"].map((t) => engine.scan(t, { rowIds: true }).toArray().map((r) => r.toJSON())), (_k, v) => (typeof v === "bigint" ? `${v}n` : v));
    expect(text(filled({ sharedStorage: true }))).toBe(text(filled({})));
  });

  it("refuses a sharedStorage that is not true or false, in the constructor and in Engine.open, before touching the directory", () => {
    for (const bad of ["yes", 1, null]) {
      expectError(() => new Engine({ sharedStorage: bad as never }), "BAD_CONFIG", "sharedStorage must be true or false");
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ampsim-shared-"));
    dirs.push(dir);
    const durable = new Engine({ amps: 2, dir: path.join(dir, "sys") });
    durable.sql(DDL);
    durable.insert("d.t", rows.slice(0, 50));
    const before = fs.readdirSync(path.join(dir, "sys")).sort();
    expectError(() => Engine.open(path.join(dir, "sys"), { sharedStorage: "no" as never }), "BAD_CONFIG", "sharedStorage must be true or false");
    expect(fs.readdirSync(path.join(dir, "sys")).sort()).toEqual(before);
    const reopened = Engine.open(path.join(dir, "sys"), { sharedStorage: true });
    expect(reopened.sharedStorage).toBe(true);
    reopened.insert("d.t", rows.slice(50, 60));
    expect(reopened.rowCount("d.t")).toBe(60);
  });
});

describe("withArena", () => {
  const utf8 = arrow.vectorFromArray(Array.from({ length: 301 }, (_v, i) => (i % 7 === 0 ? null : "s".repeat(i % 23) + String(i))), new arrow.Utf8()).data[0];
  const int64 = arrow.vectorFromArray(Array.from({ length: 301 }, (_v, i) => BigInt(i * 977)), new arrow.Int64()).data[0];
  const bools = arrow.vectorFromArray(Array.from({ length: 301 }, (_v, i) => (i % 3 === 0 ? null : i % 2 === 0)), new arrow.Bool()).data[0];
  const groupOf = Uint8Array.from({ length: 301 }, (_v, i) => (i * 7919) % 5);
  const counts = countGroups(groupOf, 5);
  const values = (list: (arrow.Data | null)[]) => list.map((d) => (d ? [...new arrow.Vector([d])].map(String) : null));

  it("scatters into arrays carved from a few buffers exactly what it scatters into buffers of their own", () => {
    for (const data of [utf8, int64, bools]) {
      const expected = values(scatterData(data, groupOf, counts));
      const { result, buffers } = withArena(64 * 1024, () => scatterData(data, groupOf, counts));
      expect(values(result)).toEqual(expected);
      expect(buffers.length).toBe(1); // not one buffer per group and array
      const small = withArena(32, () => scatterData(data, groupOf, counts)); // several chunks, arrays at their ends
      expect(values(small.result)).toEqual(expected);
      expect(small.buffers.length).toBeGreaterThan(1);
      for (const d of result) {
        if (!d) continue;
        for (const view of [d.values as ArrayBufferView, d.valueOffsets, d.nullBitmap]) {
          if (!view || view.byteLength === 0) continue;
          expect(buffers).toContain(view.buffer);
          expect(view.byteOffset % 8).toBe(0);
        }
      }
    }
  });

  it("gives zeroed arrays, a larger one its own buffer, and nothing outside its body", () => {
    const { result, buffers } = withArena(64, () => {
      const a = scatterData(bools, groupOf, counts); // bitmaps are built by setting bits into zeroed bytes
      return a;
    });
    expect(values(result)).toEqual(values(scatterData(bools, groupOf, counts)));
    const halves = Uint8Array.from({ length: 301 }, (_v, i) => i & 1);
    const big = withArena(64, () => scatterData(utf8, halves, countGroups(halves, 2)));
    expect(values(big.result)).toEqual(values(scatterData(utf8, halves, countGroups(halves, 2))));
    expect(big.buffers.some((b) => b.byteLength > 64)).toBe(true);
    expect(buffers.every((b) => b instanceof ArrayBuffer)).toBe(true);
    const outside = scatterData(int64, groupOf, counts);
    expect(outside.every((d) => d === null || !buffers.includes((d.values as ArrayBufferView).buffer as ArrayBuffer))).toBe(true);
  });
});
