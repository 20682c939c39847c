/**
 * The pool executor gives the same migration as the inline one: the same rows
 * on the same AMPs in the same order, the same checksums and stream reports —
 * on every medium, both staging layouts, NoPI and skewed NUPI tables with NULLs
 * — and it survives a crash and resume; a bad batch is refused the same way.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import * as arrow from "apache-arrow";
import { createExecutor, Engine, INLINE, isAmpsimError, placeColumns, rowHashColumns, rowsOf, sharedBuckets, types, type Executor, type ExecutorSpec, type PackedData, type PlacedRows } from "../../engine/index.js";
import { ArchiveModule, InjectedCrash, migrate, readChecksums, type FrameSink, type MediumSpec, type MigrationReport, type StagingLayout } from "../../migrator/index.js";
import { checkInvariant, FaultPlan, HARDWARE, loadScenario, scenario, simulateReport } from "../../sim/index.js";
import { expectError } from "../helpers/errors.js";
import { fingerprintOf, tableChecksum } from "../../migrator/checksum.js";
import { encodeBatchMessage, encodeSchemaMessage } from "../../migrator/archive-format.js";
import { KERNELS, type PlaceInput } from "../../migrator/kernels.js";

const pool: Executor = createExecutor({ kind: "pool", threads: 2 });
const dirs: string[] = [];
afterAll(async () => {
  await pool.close();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ampsim-pool-"));
  dirs.push(dir);
  return dir;
}

function systems(executor: ExecutorSpec, storage: { source?: boolean; target?: boolean } = {}) {
  const source = new Engine({ name: "source", amps: 4, executor, sharedStorage: storage.source });
  const data = scenario("demo", { rows: 4_000, seed: 9 });
  loadScenario(source, data);
  source.sql("CREATE MULTISET TABLE shop.loose (k INTEGER, note VARCHAR(20)) NO PRIMARY INDEX;");
  source.insert("shop.loose", Array.from({ length: 700 }, (_v, i) => ({ k: i % 13, note: i % 7 === 0 ? null : `n${i}` })));
  const target = new Engine({ name: "target", amps: 6, hashBits: 20, executor, sharedStorage: storage.target });
  return { source, target, tables: source.tables() };
}

/** Every AMP's rows of every table, in stored order, with their row IDs. */
function contents(engine: Engine): unknown {
  return engine.tables().map((table) => Array.from({ length: engine.amps }, (_v, amp) => rowsOf(engine.scan(table, { amp, rowIds: true }))));
}

function summary(report: MigrationReport): unknown {
  return {
    tables: report.tables.map((t) => [t.table, t.rows, t.sourceChecksum, t.targetChecksum, t.verified, t.targetAmpRows]),
    streams: report.streamReports.map((s) => [s.table, s.stream, s.rows, s.batches, s.bytes]),
  };
}

/** Every target step's per-AMP work (rows and bytes read and written) and transfers; sorted, as concurrent streams' steps interleave as they happen to. */
function tracedWork(report: MigrationReport): string[] {
  return report.trace.target.map((step) => JSON.stringify([step.step, step.table, step.labels, step.amps, step.transfers])).sort();
}

/** A pool migration that crashes at the `visit`-th visit of `point`, then resumes: verified, nothing lost or duplicated. */
async function crashThenResume(point: "restore.batch" | "archive.batch", visit: number, shape: { streams: number; batchRows: number }): Promise<void> {
  const { source, target, tables } = systems(pool);
  const before = tables.map((t) => readChecksums(source, t, 16, "test"));
  const options = { source, target, tables, ...shape, checkpointDir: tempDir() };
  const crash = new FaultPlan(visit, { at: [{ point, visit, kind: "crash" }], rate: { numerator: 0, denominator: 1 } });
  await expect(migrate({ ...options, faults: crash })).rejects.toBeInstanceOf(InjectedCrash);
  const report = await migrate({ ...options, resume: true });
  expect(report.tables.every((t) => t.verified)).toBe(true);
  expect(checkInvariant(source, target, tables, before)).toBeNull();
}

describe("pool and inline executors migrate identically", () => {
  // Storage: both shared (the pool's default: workers read runs in place), or private on either side (copies, or this thread).
  const cases: [string, () => MediumSpec, StagingLayout, number, { source?: boolean; target?: boolean }][] = [
    ["memory", () => "memory", "hashed", 3, {}],
    ["memory", () => "memory", "hashed", 2, { source: false }],
    ["memory", () => "memory", "nopi", 3, { target: false }],
    ["pipe", () => "pipe", "nopi", 2, {}],
    ["storage", () => ({ kind: "storage", dir: tempDir() }), "hashed", 4, {}],
    ["network", () => "network", "hashed", 1, { source: false, target: false }],
  ];
  for (const [label, medium, staging, streams, storage] of cases) {
    const kinds = `${storage.source === false ? "private" : "shared"} source, ${storage.target === false ? "private" : "shared"} target`;
    it(`over ${label}, ${staging} staging, ${streams} stream(s), ${kinds}`, async () => {
      const inline = systems("inline");
      const pooled = systems(pool, storage);
      const options = { streams, staging, batchRows: 600 };
      const a = await migrate({ ...options, source: inline.source, target: inline.target, tables: inline.tables, medium: medium() });
      const b = await migrate({ ...options, source: pooled.source, target: pooled.target, tables: pooled.tables, medium: medium() });
      expect(b.tables.every((t) => t.verified)).toBe(true);
      expect(summary(b)).toEqual(summary(a));
      expect(contents(pooled.target)).toEqual(contents(inline.target));
      // What the system stores and the trace records, and so the simulated time, however the pool split rows into runs.
      expect(pooled.target.tables().map((t) => pooled.target.ampBytes(t))).toEqual(inline.target.tables().map((t) => inline.target.ampBytes(t)));
      expect(tracedWork(b)).toEqual(tracedWork(a));
      expect(simulateReport(b, HARDWARE.early2000s).totalMs).toBe(simulateReport(a, HARDWARE.early2000s).totalMs);
    });
  }

  it("after the pool is closed, still migrates (on the calling thread) exactly as inline", async () => {
    const inline = systems("inline");
    const own = createExecutor({ kind: "pool", threads: 1 });
    const closed = systems(own);
    await closed.source.close();
    expect(own.closed).toBe(true);
    const options = { streams: 2, batchRows: 600 };
    const a = await migrate({ ...options, source: inline.source, target: inline.target, tables: inline.tables });
    const b = await migrate({ ...options, source: closed.source, target: closed.target, tables: closed.tables });
    expect(b.tables.every((t) => t.verified)).toBe(true);
    expect(summary(b)).toEqual(summary(a));
    expect(contents(closed.target)).toEqual(contents(inline.target));
  });

  it("resumes after a crash in the middle of the transfer", async () => {
    await crashThenResume("restore.batch", 4, { streams: 3, batchRows: 500 });
  });

  it("a NULL in a NOT NULL target column is refused the same way, the target untouched", async () => {
    const messages: string[] = [];
    for (const executor of ["inline", pool] as ExecutorSpec[]) {
      const source = new Engine({ name: "source", amps: 2, executor });
      source.sql("CREATE DATABASE d; CREATE TABLE d.t (k INTEGER NOT NULL, v VARCHAR(5)) UNIQUE PRIMARY INDEX (k);");
      source.insert("d.t", Array.from({ length: 50 }, (_v, k) => ({ k, v: k === 17 ? null : "x" })));
      const target = new Engine({ name: "target", amps: 3, executor });
      target.sql("CREATE DATABASE d; CREATE TABLE d.t (k INTEGER NOT NULL, v VARCHAR(5) NOT NULL) UNIQUE PRIMARY INDEX (k);");
      const error = await migrate({ source, target, tables: ["d.t"], ifExists: "append", staging: "hashed" }).catch((e: unknown) => e);
      expect(isAmpsimError(error), String(error)).toBe(true);
      messages.push(String(error));
      expect(target.rowCount("d.t")).toBe(0);
      expect(target.allTables().filter((t) => t.includes("$staging"))).toEqual([]);
    }
    expect(messages[0]).toContain("NULL_VIOLATION: INSERT INTO d.t SELECT * FROM");
    expect(messages[1]).toBe(messages[0]);
  });
});

/** The pool, noting the name of every kernel it runs. */
function recording(): { executor: Executor; kernels: string[] } {
  const kernels: string[] = [];
  const executor: Executor = {
    kind: "pool", threads: pool.threads,
    run: (kernel, input, transfer) => { kernels.push(kernel.name); return pool.run(kernel, input, transfer); },
    close: async () => {},
  };
  return { executor, kernels };
}

describe("checksums of stored runs on a pool", () => {
  it("are computed by the workers in place from shared runs, by this thread from private ones, and equal inline", async () => {
    const inline = systems("inline");
    const expected = inline.tables.map((t) => readChecksums(inline.source, t, 16, "test"));
    for (const sharedStorage of [true, false]) {
      const { executor, kernels } = recording();
      const { source, tables } = systems(executor, { source: sharedStorage });
      const target = new Engine({ name: "target", amps: 6, hashBits: 20, executor, sharedStorage });
      kernels.length = 0;
      const report = await migrate({ source, target, tables, streams: 2, batchRows: 700 });
      expect(report.tables.every((t) => t.verified)).toBe(true);
      expect(report.tables.map((t) => t.sourceChecksum)).toEqual(expected.map((e) => tableChecksum(e.checksums).digest));
      // Shared: the archive modules and the verification send no rows for checksums; private: the archive moves its encoded batches there.
      expect(kernels.includes("checksumColumns"), `shared ${sharedStorage}: ${[...new Set(kernels)].join(", ")}`).toBe(sharedStorage);
      expect(kernels.includes("checksumBatch")).toBe(!sharedStorage);
    }
  });

  it("an archive module keeping only the fingerprint sums what one keeping bucket checksums does, inline and on the pool, shared or private", async () => {
    const sink: FrameSink = { write: async () => {}, close: async () => {}, abort: () => {} };
    const inline = systems("inline");
    for (const table of inline.tables) {
      const id = { stream: 0, table: 0, tableName: table };
      const options = { batchRows: 300, batchBytes: null, verifyBits: 16 };
      const buckets = await new ArchiveModule(inline.source, id, [0, 1, 2, 3], options).run(sink);
      expect(buckets.checksums).not.toBeNull();
      expect(Array.from(buckets.fingerprint), table).toEqual(Array.from(fingerprintOf(buckets.checksums!)));
      for (const [executor, sharedStorage] of [["inline", false], [pool, true], [pool, false]] as const) {
        const { source } = systems(executor, { source: sharedStorage });
        const only = await new ArchiveModule(source, id, [0, 1, 2, 3], { ...options, sums: "fingerprint" }).run(sink);
        expect(only.checksums).toBeNull();
        expect(only.rows).toBe(buckets.rows);
        expect(Array.from(only.fingerprint), `${table} on ${executor === pool ? "the pool" : "inline"}, shared ${sharedStorage}`).toEqual(Array.from(buckets.fingerprint));
      }
    }
    expectError(() => new ArchiveModule(inline.source, { stream: 1, table: 0, tableName: inline.tables[0] }, [0], { batchRows: 300, batchBytes: null, verifyBits: 16, sums: "bucket" as never }),
      "BAD_ARGUMENT", `stream 1 of ${inline.tables[0]}: sums must be "buckets" or "fingerprint", but found "bucket"`);
  });

  it("stop the archive at a checksum that fails on a worker: the error surfaces, the remaining batches are not sent", async () => {
    const { source: warmSource, target: warmTarget, tables: warmTables } = systems(pool);
    await migrate({ source: warmSource, target: warmTarget, tables: [warmTables[0]], streams: 1 }); // workers up and compiled
    for (const failing of [1, 4]) {
      let calls = 0;
      let sends = 0;
      let sendsAtFailure = -1;
      const executor: Executor = {
        kind: "pool", threads: pool.threads,
        // The failure comes back as a real one would: after the worker ran, in its reply.
        run: (kernel, input, transfer) => {
          if (kernel.name !== "checksumColumns" || ++calls !== failing) return pool.run(kernel, input, transfer);
          sendsAtFailure = sends;
          return pool.run(kernel, input, transfer).then(() => { throw new Error("worker lost"); });
        },
        close: async () => {},
      };
      const { source, target, tables } = systems(executor);
      const table = tables[0];
      const faults = { at: async (site: { point: string }) => { if (site.point === "medium.send") sends++; } };
      // Batches of 10 rows (about 270): the worker's reply takes a few of them even on a loaded machine.
      const batches = Math.ceil(source.rowCount(table) / 10);
      const error = await migrate({ source, target, tables: [table], streams: 1, batchRows: 10, faults }).catch((e: unknown) => e);
      const context = `failing call ${failing}: ${sends} of ${batches} batches sent, ${sendsAtFailure} before it`;
      expect(calls, context).toBeGreaterThanOrEqual(failing);
      expect(String(error), context).toContain("worker lost");
      // The batch of the failed checksum and those sent while the reply came, not every batch up to the end frame
      // (before a fix, the archive read no worker's reply until its end and sent them all).
      expect(sendsAtFailure, context).toBeGreaterThanOrEqual(0);
      expect(sends - sendsAtFailure, context).toBeLessThan(batches / 3);
      expect(target.hasTable(table) ? target.rowCount(table) : 0).toBe(0);
    }
  });

  it("stop with the archive module that failed: a crash while checksums run, then a resume that verifies", async () => {
    await crashThenResume("archive.batch", 6, { streams: 2, batchRows: 300 });
  });
});

describe("the placeBatch kernel", () => {
  it("returns a batch's placed columns and row hashes carved from one buffer (one transfer back), equal to placing them inline", async () => {
    const ddl = "CREATE DATABASE d; CREATE MULTISET TABLE d.t (k BIGINT, v VARCHAR(30), f FLOAT, n INTEGER) PRIMARY INDEX (k);";
    const engine = new Engine({ amps: 6 });
    engine.sql(ddl);
    const rows = Array.from({ length: 5_000 }, (_v, i) => ({ k: BigInt(i) * 7919n, v: i % 9 === 0 ? null : `value ${i * 31}`, f: i / 3, n: i % 11 === 0 ? null : i }));
    engine.insert("d.t", rows);
    const one = new Engine({ amps: 1 }); // every row in one run of one AMP: one batch to place on 6
    one.sql(ddl);
    one.insert("d.t", rows);
    const whole = one.readAmp("d.t", 0).parts[0].batch;
    expect(whole.numRows).toBe(rows.length);
    const schema = encodeSchemaMessage(whole.schema);
    const payload = encodeBatchMessage(whole);
    const placer = { table: "d.t", columns: engine.describe("d.t").columns, pi: [0], hashBits: engine.hashMap.hashBits, buckets: sharedBuckets(engine.hashMap), amps: engine.amps };
    const placed = await INLINE.run<PlaceInput, PlacedRows>({ module: KERNELS, name: "placeBatch" }, { ...placer, schema, payload });
    const buffers = new Set<ArrayBufferLike>();
    for (const part of placed.parts) {
      buffers.add(part.rowHash.buffer);
      for (const c of part.columns) for (const view of [c.values, c.valueOffsets, c.nullBitmap]) if (view && view.byteLength > 0) buffers.add(view.buffer);
    }
    expect(buffers.size).toBe(1);
    expect([...buffers][0].byteLength).toBeLessThanOrEqual(payload.byteLength + 8 * whole.numRows + 64 * 1024);
    const copy = new Engine({ amps: 6 });
    copy.sql(ddl);
    expect(copy.insertPlaced("d.t", placed)).toBe(rows.length);
    expect(contents(copy)).toEqual(contents(engine));
  });
});

describe("Engine.insertPlaced", () => {
  function engine(): Engine {
    const e = new Engine({ amps: 3 });
    e.sql("CREATE TABLE t (k INTEGER NOT NULL, s VARCHAR(5)) UNIQUE PRIMARY INDEX (k); CREATE MULTISET TABLE n (k INTEGER, s VARCHAR(5)) NO PRIMARY INDEX;");
    return e;
  }
  /** The rows of `t` as a kernel would place them: read back from an engine that inserted them. */
  function placed(rows: { k: number; s: string | null }[]) {
    const e = engine();
    e.insert("t", rows);
    const parts = Array.from({ length: 3 }, (_v, amp) => e.readAmp("t", amp)).flatMap((read, amp) => read.parts.map((p) => ({
      amp, rowHash: p.rowHash.slice(), columns: p.batch.data.children.map((d) => ({ length: d.length, offset: d.offset, nullCount: d.nullCount, values: d.values, valueOffsets: d.valueOffsets ?? null, nullBitmap: d.nullCount > 0 ? d.nullBitmap : null }) as PackedData),
    })));
    return { rows: rows.length, parts };
  }
  const rows = Array.from({ length: 40 }, (_v, k) => ({ k, s: k % 5 === 0 ? null : `s${k}` }));

  it("stores rows as insert would", () => {
    const a = engine(); const b = engine();
    a.insert("t", rows);
    expect(b.insertPlaced("t", placed(rows))).toBe(40);
    expect(rowsOf(b.scan("t", { rowIds: true }))).toEqual(rowsOf(a.scan("t", { rowIds: true })));
  });

  it("refuses misplaced, mistyped or miscounted parts, a NoPI table and duplicates, storing nothing", () => {
    const e = engine();
    const good = placed(rows);
    expectError(() => e.insertPlaced("n", good), "BAD_ARGUMENT", "no primary index");
    expectError(() => e.insertPlaced("t", { ...good, rows: 41 }), "BAD_ARGUMENT", "41");
    const moved = { ...good, parts: good.parts.map((p, i) => (i === 0 ? { ...p, amp: (p.amp + 1) % 3 } : p)) };
    expectError(() => e.insertPlaced("t", moved), "BAD_ARGUMENT", "belongs to AMP");
    const wrongType = { ...good, parts: good.parts.map((p, i) => (i === 0 ? { ...p, columns: [p.columns[1], p.columns[0]] } : p)) };
    expectError(() => e.insertPlaced("t", wrongType), "BAD_ARGUMENT", "column k");
    expectError(() => e.insertPlaced("t", { ...good, parts: [{ ...good.parts[0], amp: 7 }] }), "BAD_ARGUMENT", "AMP 7");
    e.insertPlaced("t", good);
    expectError(() => e.insertPlaced("t", good), "DUPLICATE_KEY", "main.t");
    expect(e.rowCount("t")).toBe(40);
  });

  it("checks what an insert checks and every buffer, storing nothing when a part is bad", () => {
    const e = engine();
    const good = placed(rows);
    const [first] = good.parts;
    const withColumn = (k: number, change: (c: PackedData) => PackedData) =>
      ({ ...good, parts: good.parts.map((p, i) => (i === 0 ? { ...p, columns: p.columns.map((c, j) => (j === k ? change(c) : c)) } : p)) });
    const s = first.columns[1];
    const text = (strings: string[]) => {
      const bytes = new TextEncoder().encode(strings.join(""));
      const offsets = new Int32Array(strings.length + 1);
      strings.forEach((v, i) => { offsets[i + 1] = offsets[i] + new TextEncoder().encode(v).length; });
      return { length: strings.length, offset: 0, nullCount: 0, values: bytes, valueOffsets: offsets, nullBitmap: null } as PackedData;
    };
    const cases: [string, PlacedRows, string, ...string[]][] = [
      ["a VARCHAR(5) value of 7 characters", withColumn(1, () => text(Array.from({ length: first.rowHash.length }, (_v, i) => (i === 2 ? "toolong" : "ok")))), "VALUE_OUT_OF_RANGE", "column s", "7 characters"],
      ["a NULL in the NOT NULL key", withColumn(0, (c) => ({ ...c, nullCount: 1, nullBitmap: Uint8Array.from({ length: 8 }, (_v, i) => (i === 0 ? 0xfe : 0xff)) })), "NULL_VIOLATION", "column k", "row 0"],
      ["too few values", withColumn(0, (c) => ({ ...c, values: (c.values as Int32Array).subarray(0, 2) })), "BAD_ARGUMENT", "column k", "values hold 2 elements"],
      ["values of another type", withColumn(0, (c) => ({ ...c, values: Float64Array.from(c.values as Int32Array) })), "BAD_ARGUMENT", "column k", "Int32Array"],
      ["no value offsets", withColumn(1, (c) => ({ ...c, valueOffsets: null })), "BAD_ARGUMENT", "column s", "value offsets"],
      ["offsets past the value bytes", withColumn(1, (c) => ({ ...c, valueOffsets: (c.valueOffsets as Int32Array).map((o) => o * 10) })), "BAD_ARGUMENT", "column s", "value bytes"],
      ["decreasing offsets", withColumn(1, (c) => ({ ...c, valueOffsets: (c.valueOffsets as Int32Array).map((o, i) => (i === 2 ? 0 : o)) })), "BAD_ARGUMENT", "column s", "decrease at row 1"],
      ["a null count the bitmap does not match", withColumn(1, (c) => ({ ...c, nullCount: c.nullCount + 1 })), "BAD_ARGUMENT", "column s", "validity bitmap"],
      ["a row hash its key does not give", { ...good, parts: good.parts.map((p, i) => (i === 0 ? { ...p, rowHash: p.rowHash.map((h, r) => (r === 0 ? p.rowHash[1] : h)) } : p)) }, "BAD_ARGUMENT", "row 0 of part 0", "hash to"],
    ];
    expect(s.nullCount).toBeGreaterThan(0); // the string column of the first part holds NULLs, so its bitmap is checked
    for (const [what, bad, code, ...words] of cases) {
      const error = (() => { try { e.insertPlaced("t", bad); return null; } catch (caught) { return caught; } })();
      expect(isAmpsimError(error, code as never), `${what}: ${String(error)}`).toBe(true);
      for (const word of words) expect(String(error), what).toContain(word);
      expect(e.rowCount("t"), what).toBe(0);
    }
    expect(e.insertPlaced("t", good)).toBe(40);
  });

  it("reads sliced columns as arrow-js does: bitmaps from the offset, values and value offsets already sliced", () => {
    const strings = arrow.vectorFromArray(Array.from({ length: 12 }, (_v, i) => (i % 4 === 0 ? null : `v${i}`)), new arrow.Utf8());
    const source = new arrow.Table({ k: arrow.makeVector(Int32Array.from({ length: 12 }, (_v, i) => i)), s: strings }).slice(3, 11);
    const columns = source.batches[0].data.children;
    expect(columns.map((c) => c.offset)).toEqual([3, 3]);
    const e = engine(); const expected = engine();
    expected.insert("t", source);
    expect(e.insertPlaced("t", placeColumns({ table: "t", columns: e.describe("t").columns, pi: [0], hashBits: e.hashMap.hashBits, buckets: sharedBuckets(e.hashMap), amps: e.amps }, columns, 8, []))).toBe(8);
    expect(rowsOf(e.scan("t", { rowIds: true }))).toEqual(rowsOf(expected.scan("t", { rowIds: true })));
    // A one-part batch of that slice as it is (offset 3): sound; with offsets that decrease inside the slice: refused.
    const whole = (k: PackedData, s: PackedData) => ({ rows: 8, parts: [{ amp: 0, rowHash: hashOf(columns), columns: [k, s] }] });
    const one = new Engine({ amps: 1 });
    one.sql("CREATE TABLE t (k INTEGER NOT NULL, s VARCHAR(5)) UNIQUE PRIMARY INDEX (k);");
    const [k, s] = columns.map((d) => ({ length: d.length, offset: d.offset, nullCount: d.nullCount, values: d.values, valueOffsets: d.valueOffsets ?? null, nullBitmap: d.nullCount > 0 ? d.nullBitmap : null }) as PackedData);
    const backwards = { ...s, valueOffsets: (s.valueOffsets as Int32Array).map((o, i) => (i === 5 ? 0 : o)) };
    expectError(() => one.insertPlaced("t", whole(k, backwards)), "BAD_ARGUMENT", "column s", "decrease at row 4");
    expect(one.rowCount("t")).toBe(0);
    expect(one.insertPlaced("t", whole(k, s))).toBe(8);
    const byKey = (rows: Record<string, unknown>[]) => rows.sort((a, b) => (a.k as number) - (b.k as number));
    expect(byKey(rowsOf(one.scan("t")))).toEqual(byKey(rowsOf(source)));
  });
});

/** Row hashes of table t's primary index (k INTEGER). */
function hashOf(columns: readonly arrow.Data[]): Uint32Array {
  return rowHashColumns([{ type: types.int32, data: columns[0] }]);
}
