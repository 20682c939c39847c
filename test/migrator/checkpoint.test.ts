/**
 * Checkpoint and resume: a migration interrupted at any fault point resumes where
 * it stopped — no row lost or duplicated, at most one batch per stream sent
 * again — and a changed plan or source is refused.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Engine, isAmpsimError } from "../../engine/index.js";
import { abandonMigration, CHECKPOINT_FILE, InjectedCrash, migrate, readChecksums, restore, type FaultHooks, type FaultSite, type MigrationReport } from "../../migrator/index.js";
import { StorageMedium } from "../../migrator/media/storage-medium.js";
import { tableChecksum } from "../../migrator/checksum.js";
import { expectError } from "../helpers/errors.js";
import { checkInvariant, FAULT_POINTS, FaultPlan, loadScenario, scenario } from "../../sim/index.js";

const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ampsim-checkpoint-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => { for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true }); });

function systems(rows = 3_000) {
  const source = new Engine({ name: "source", amps: 4 });
  const data = scenario("demo", { rows, seed: 5 });
  loadScenario(source, data);
  const target = new Engine({ name: "target", amps: 6, hashBits: 20 });
  const tables = data.tables.map((t) => t.name);
  const before = tables.map((t) => readChecksums(source, t, 16, "test"));
  return { source, target, tables, before };
}

/** Counts batches sent, across attempts, and passes everything on to `inner`. */
function counting(inner?: FaultHooks): FaultHooks & { sent: number } {
  const hooks = {
    sent: 0,
    at(site: FaultSite) {
      if (site.point === "medium.send") hooks.sent++;
      return inner?.at(site);
    },
  };
  return hooks;
}

const OPTIONS = { streams: 3, batchRows: 500, medium: "memory" as const };

describe("resume after an interruption", () => {
  for (const point of FAULT_POINTS.filter((p) => p !== "cleanup")) {
    it(`crash at ${point}: resume finishes, nothing lost or duplicated, at most one batch per stream sent again`, async () => {
      const { source, target, tables, before } = systems();
      const checkpointDir = tempDir();
      const visit = point === "archive.batch" || point === "medium.send" || point === "medium.receive" || point === "restore.batch" ? 3 : 1;
      const first = counting(new FaultPlan(1, { at: [{ point, visit, kind: "crash" }], rate: { numerator: 0, denominator: 1 } }));
      await expect(migrate({ source, target, tables, ...OPTIONS, checkpointDir, faults: first })).rejects.toBeInstanceOf(InjectedCrash);
      expect(fs.existsSync(path.join(checkpointDir, CHECKPOINT_FILE))).toBe(true);
      const second = counting();
      const report: MigrationReport = await migrate({ source, target, tables, ...OPTIONS, checkpointDir, resume: true, faults: second });
      expect(report.resumed).toBe(true);
      expect(report.tables.every((t) => t.verified)).toBe(true);
      expect(checkInvariant(source, target, tables, before)).toBeNull();
      expect(fs.existsSync(path.join(checkpointDir, CHECKPOINT_FILE))).toBe(false);
      const batches = report.streamReports.reduce((s, r) => s + r.batches, 0);
      const total = (await migrate({ source, target: new Engine({ amps: 6, hashBits: 20 }), tables, ...OPTIONS })).streamReports.reduce((s, r) => s + r.batches, 0);
      expect(first.sent + second.sent, `sent ${first.sent} + ${second.sent} batches for ${total}`).toBeLessThanOrEqual(total + OPTIONS.streams * tables.length);
      expect(second.sent).toBe(batches);
      expect(report.resentBatches).toBeLessThanOrEqual(OPTIONS.streams * tables.length);
      // Only batches the first attempt sent can be sent again (none when it stopped before the transfer).
      expect(report.resentBatches).toBeLessThanOrEqual(first.sent);
      // Each stream's rows of this run and of earlier attempts add up to the table's rows.
      for (const t of report.tables) {
        const streams = report.streamReports.filter((s) => s.table === t.table);
        expect(streams.reduce((sum, s) => sum + s.rows + (s.rowsBefore ?? Number.NaN), 0), t.table).toBe(t.rows);
      }
    });
  }

  it("over intermediate storage, a crash before the transfer: resentBatches is 0", async () => {
    const { source, target, tables } = systems(1_000);
    const checkpointDir = tempDir();
    const medium = { kind: "storage" as const, dir: path.join(checkpointDir, "archive") };
    const crash = new FaultPlan(3, { at: [{ point: "staging.create", visit: 1, kind: "crash" }], rate: { numerator: 0, denominator: 1 } });
    await expect(migrate({ source, target, tables, ...OPTIONS, medium, checkpointDir, faults: crash })).rejects.toBeInstanceOf(InjectedCrash);
    const report = await migrate({ source, target, tables, ...OPTIONS, medium, checkpointDir, resume: true });
    expect(report.tables.every((t) => t.verified)).toBe(true);
    expect(report.resentBatches).toBe(0);
  });

  it("a crash after the insert-select committed does not insert twice", async () => {
    const { source, target, tables, before } = systems();
    const checkpointDir = tempDir();
    const faults = new FaultPlan(2, { at: [{ point: "verify.table", visit: 1, kind: "crash" }], rate: { numerator: 0, denominator: 1 } });
    await expect(migrate({ source, target, tables, ...OPTIONS, checkpointDir, faults })).rejects.toBeInstanceOf(InjectedCrash);
    // Forget that the commit was recorded: only the target's own marker tells.
    const file = path.join(checkpointDir, CHECKPOINT_FILE);
    const state = JSON.parse(fs.readFileSync(file, "utf8"));
    state.tables = state.tables.map((t: { committed: boolean }) => ({ ...t, committed: false }));
    fs.writeFileSync(file, JSON.stringify(state));
    await migrate({ source, target, tables, ...OPTIONS, checkpointDir, resume: true });
    expect(checkInvariant(source, target, tables, before)).toBeNull();
  });

  it("a resumed run reports every stream's progress to the end, those the interrupted run finished included", async () => {
    const { source, target, tables } = systems();
    const checkpointDir = tempDir();
    const crash = new FaultPlan(7, { at: [{ point: "insert-select.table", visit: 1, kind: "crash" }] });
    await expect(migrate({ source, target, tables, ...OPTIONS, checkpointDir, faults: crash })).rejects.toBeInstanceOf(InjectedCrash);
    const last = new Map<string, { rowsDone: number; rowsTotal: number }>();
    const flagged = new Set<string>();
    const report = await migrate({ source, target, tables, ...OPTIONS, checkpointDir, resume: true, onProgress: (event) => {
      if (event.kind === "stream") last.set(`${event.table}#${event.stream}`, { rowsDone: event.rowsDone ?? -1, rowsTotal: event.rowsTotal ?? -2 });
      if (event.finishedBefore) flagged.add(`${event.table}#${event.stream}`);
    } });
    const finishedBefore = report.streamReports.filter((s) => s.resumedFromBatch === -1);
    expect(finishedBefore.length).toBeGreaterThan(0);
    expect([...flagged].sort()).toEqual(finishedBefore.map((s) => `${s.table}#${s.stream}`).sort());
    expect(last.size).toBe(report.streamReports.length);
    for (const s of report.streamReports) {
      const seen = last.get(`${s.table}#${s.stream}`);
      expect(seen, `${s.table} stream ${s.stream}`).toBeDefined();
      expect(seen!.rowsDone, `${s.table} stream ${s.stream}`).toBe(seen!.rowsTotal);
    }
  });

  it("a broken medium is resumable too, and several resumes in a row work", async () => {
    const { source, target, tables, before } = systems();
    const checkpointDir = tempDir();
    const plans = [
      new FaultPlan(3, { at: [{ point: "medium.receive", visit: 4, kind: "medium" }], rate: { numerator: 0, denominator: 1 } }),
      new FaultPlan(4, { at: [{ point: "medium.receive", visit: 2, kind: "corrupt" }], rate: { numerator: 0, denominator: 1 } }),
      new FaultPlan(5, { at: [{ point: "insert-select.table", visit: 2, kind: "crash" }], rate: { numerator: 0, denominator: 1 } }),
    ];
    for (const [attempt, faults] of plans.entries()) {
      await expect(migrate({ source, target, tables, ...OPTIONS, checkpointDir, resume: attempt > 0, faults })).rejects.toThrow();
    }
    const report = await migrate({ source, target, tables, ...OPTIONS, checkpointDir, resume: true });
    expect(report.tables.every((t) => t.verified)).toBe(true);
    expect(checkInvariant(source, target, tables, before)).toBeNull();
  });
});

describe("a resume refuses what changed", () => {
  async function interrupted() {
    const setup = systems(1_500);
    const checkpointDir = tempDir();
    const faults = new FaultPlan(6, { at: [{ point: "restore.batch", visit: 2, kind: "crash" }], rate: { numerator: 0, denominator: 1 } });
    await expect(migrate({ source: setup.source, target: setup.target, tables: setup.tables, ...OPTIONS, checkpointDir, faults })).rejects.toBeInstanceOf(InjectedCrash);
    return { ...setup, checkpointDir };
  }

  it("a changed plan: CHECKPOINT_MISMATCH, and the checkpoint stays for the right resume", async () => {
    const { source, target, tables, checkpointDir } = await interrupted();
    await expect(migrate({ source, target, tables, ...OPTIONS, streams: 2, checkpointDir, resume: true })).rejects.toThrow(/CHECKPOINT_MISMATCH: .*streams, clusters differ/);
    await expect(migrate({ source, target, tables, ...OPTIONS, staging: "nopi", checkpointDir, resume: true })).rejects.toThrow(/CHECKPOINT_MISMATCH: .*staging differ/);
    const report = await migrate({ source, target, tables, ...OPTIONS, checkpointDir, resume: true });
    expect(report.tables.every((t) => t.verified)).toBe(true);
  });

  it("a changed source: CHECKPOINT_MISMATCH naming the table", async () => {
    const { source, target, tables, checkpointDir } = await interrupted();
    source.insert("shop.products", [{ product_id: 999_999, sku: "NEW-SKU", name: "new", price: "1.00", introduced: null }]);
    const error = await migrate({ source, target, tables, ...OPTIONS, checkpointDir, resume: true }).catch((e: unknown) => e);
    expect(isAmpsimError(error, "CHECKPOINT_MISMATCH")).toBe(true);
    expect(String(error)).toContain("table shop.products differs");
  });

  it("resume without a checkpoint, or a fresh run over one: clear errors", async () => {
    const { source, target, tables, checkpointDir } = await interrupted();
    await expect(migrate({ source, target, tables, ...OPTIONS, checkpointDir: tempDir(), resume: true })).rejects.toThrow(/CHECKPOINT_MISMATCH: cannot resume: there is no checkpoint .*checkpoint\.json \(a finished migration removes/);
    const garbled = tempDir();
    fs.writeFileSync(path.join(garbled, CHECKPOINT_FILE), "{ not json");
    await expect(migrate({ source, target, tables, ...OPTIONS, checkpointDir: garbled, resume: true })).rejects.toThrow(/CHECKPOINT_MISMATCH: cannot resume: no readable checkpoint in .*checkpoint\.json/);
    await expect(migrate({ source, target, tables, ...OPTIONS, checkpointDir })).rejects.toThrow(/BAD_CONFIG: .*holds the checkpoint of an unfinished migration/);
  });

  it("resume onto another target (a fresh one, or one missing a table the run created): CHECKPOINT_MISMATCH before anything is written", async () => {
    const { source, target, tables, checkpointDir } = await interrupted();
    const fresh = new Engine({ name: "target", amps: 6, hashBits: 20 });
    const error = await migrate({ source, target: fresh, tables, ...OPTIONS, checkpointDir, resume: true }).catch((e: unknown) => e);
    expect(isAmpsimError(error, "CHECKPOINT_MISMATCH"), String(error)).toBe(true);
    expect(String(error)).toContain("it has no table");
    expect(fresh.allTables()).toEqual([]);
    const created = tables.find((t) => target.hasTable(t))!;
    target.sql(`DROP TABLE ${created};`); // the same target, minus one table the run created
    const again = await migrate({ source, target, tables, ...OPTIONS, checkpointDir, resume: true }).catch((e: unknown) => e);
    expect(isAmpsimError(again, "CHECKPOINT_MISMATCH"), String(again)).toBe(true);
    expect(String(again)).toContain(created);
  });

  it("a checkpointDir that cannot be a directory: BAD_CONFIG naming it, before the target is touched", async () => {
    const { source, tables } = systems(200);
    const file = path.join(tempDir(), "a-file");
    fs.writeFileSync(file, "not a directory");
    for (const checkpointDir of [file, path.join(file, "under-a-file")]) {
      const target = new Engine({ name: "target", amps: 3 });
      const error = await migrate({ source, target, tables, checkpointDir }).catch((e: unknown) => e);
      expect(isAmpsimError(error, "BAD_CONFIG"), String(error)).toBe(true);
      expect(String(error)).toContain(`checkpointDir ${checkpointDir} cannot hold a checkpoint`);
      expect(target.allTables()).toEqual([]);
    }
  });
});

describe("what a finished stream records", () => {
  type Recorded = { tables: { name: string; streams: { done: boolean; checksums: unknown; fingerprint?: { hash: string; bits: number; words: number[] } | null }[] }[] };
  async function stoppedBeforeCommit(medium: typeof OPTIONS.medium | { kind: "storage"; dir: string } = "memory") {
    const setup = systems(1_500);
    const checkpointDir = tempDir();
    const faults = new FaultPlan(4, { at: [{ point: "insert-select.table", visit: 1, kind: "crash" }], rate: { numerator: 0, denominator: 1 } });
    await expect(migrate({ source: setup.source, target: setup.target, tables: setup.tables, ...OPTIONS, medium, checkpointDir, faults })).rejects.toBeInstanceOf(InjectedCrash);
    const file = path.join(checkpointDir, CHECKPOINT_FILE);
    const state = JSON.parse(fs.readFileSync(file, "utf8")) as Recorded;
    const rewrite = (change: (s: Recorded) => void) => { change(state); fs.writeFileSync(file, JSON.stringify(state)); };
    return { ...setup, checkpointDir, medium, state, rewrite };
  }

  it("over memory: the fingerprint of its source rows, not their bucket checksums; a resume verifies with it", async () => {
    const { source, target, tables, checkpointDir, state, before } = await stoppedBeforeCommit();
    for (const table of state.tables) {
      expect(table.streams.every((s) => s.done && s.checksums === null), table.name).toBe(true);
      for (const s of table.streams) expect(s.fingerprint).toMatchObject({ hash: "ampsim-row-checksum-3", bits: 16 });
      // Word 0 counts the rows.
      expect(table.streams.reduce((sum, s) => sum + s.fingerprint!.words[0], 0), table.name).toBe(source.rowCount(table.name));
    }
    const report = await migrate({ source, target, tables, ...OPTIONS, checkpointDir, resume: true });
    expect(report.tables.every((t) => t.verified)).toBe(true);
    expect(report.tables.map((t) => t.sourceChecksum)).toEqual(before.map((b) => tableChecksum(b.checksums).digest));
    expect(checkInvariant(source, target, tables, before)).toBeNull();
  });

  it("a recorded fingerprint that is not the source's fails verification, and the message says the source read again agrees with the target", async () => {
    const { source, target, tables, checkpointDir, rewrite } = await stoppedBeforeCommit();
    const damaged = tables[1];
    rewrite((s) => { const words = s.tables[1].streams[0].fingerprint!.words; words[1] = (words[1] + 1) >>> 0; });
    const error = await migrate({ source, target, tables, ...OPTIONS, checkpointDir, resume: true }).catch((e: unknown) => e);
    expect(isAmpsimError(error, "VERIFY_FAILED"), String(error)).toBe(true);
    expect(String(error)).toContain(damaged);
    expect(String(error)).toContain("no bucket differs from the source read again");
    const reports = (error as { details: { reports: MigrationReport["tables"] } }).details.reports;
    expect(reports.map((r) => r.table)).toEqual([damaged]);
    expect(reports[0].mismatchedBuckets).toEqual([]);
    expect(reports[0].sourceChecksum).not.toBe(reports[0].targetChecksum);
  });

  it("an unreadable recorded fingerprint: CHECKPOINT_MISMATCH naming the file, table and stream; nothing committed", async () => {
    for (const [what, damage] of [
      ["made at other bits", (f: { bits: number }) => { f.bits = 12; }],
      ["of another row hash", (f: { hash: string }) => { f.hash = "ampsim-row-checksum-2"; }],
      ["with a word missing", (f: { words: number[] }) => { f.words.pop(); }],
      ["with a negative word", (f: { words: number[] }) => { f.words[2] = -1; }],
    ] as const) {
      const { source, target, tables, checkpointDir, rewrite } = await stoppedBeforeCommit();
      rewrite((s) => (damage as (f: unknown) => void)(s.tables[0].streams[2].fingerprint));
      const error = await migrate({ source, target, tables, ...OPTIONS, checkpointDir, resume: true }).catch((e: unknown) => e);
      expect(isAmpsimError(error, "CHECKPOINT_MISMATCH"), `${what}: ${String(error)}`).toBe(true);
      expect(String(error)).toContain(`cannot resume from ${path.join(checkpointDir, CHECKPOINT_FILE)}: stream 2 of ${tables[0]} records unreadable source sums`);
      for (const table of tables) expect(target.rowCount(table), `${what}: ${table}`).toBe(0);
    }
  });

  it("writing an archive, a stream stopped part-way is written whole again on resume, its restore skipping what its staging table holds: the archive restores", async () => {
    const { source, target, tables, before } = systems(1_500);
    const root = tempDir();
    const options = { ...OPTIONS, batchRows: 200, medium: { kind: "storage" as const, dir: path.join(root, "archive") }, checkpointDir: path.join(root, "checkpoint") };
    const table = "shop.orders"; // its stream 2 has four batches
    expect(tables).toContain(table);
    const crash: FaultHooks = { at: (site) => { if (site.point === "restore.batch" && site.table === table && site.stream === 2 && site.batch === 2) throw new InjectedCrash(site); } };
    await expect(migrate({ source, target, tables, ...options, faults: crash })).rejects.toBeInstanceOf(InjectedCrash);
    const inserted: string[] = [];
    const report = await migrate({ source, target, tables, ...options, resume: true, faults: { at: (site) => { if (site.point === "restore.batch") inserted.push(`${site.table}#${site.stream}:${site.batch}`); } } });
    expect(report.tables.every((t) => t.verified)).toBe(true);
    expect(checkInvariant(source, target, tables, before)).toBeNull();
    const resumed = report.streamReports.find((s) => s.table === table && s.stream === 2)!;
    expect(resumed.resumedFromBatch).toBe(2);
    expect(resumed.rowsBefore).toBeGreaterThan(0);
    expect(resumed.rows + resumed.rowsBefore!).toBe(resumed.cluster.reduce((sum, amp) => sum + source.ampRowCounts(table)[amp], 0));
    // Batches 0 and 1 of that stream went into the archive again but not into its staging table.
    expect(inserted.filter((b) => b.startsWith(`${table}#2:`))).toEqual([`${table}#2:2`, `${table}#2:3`]);
    const again = new Engine({ name: "again", amps: 5 });
    expect((await restore({ target: again, dir: options.medium.dir })).tables.every((t) => t.verified)).toBe(true);
    expect(checkInvariant(source, again, tables, before)).toBeNull();
  });

  it("writing an archive, a resume whose source changed under a finished stream (same rows per AMP) is refused: the archive would not hold what the target does", async () => {
    const dir = path.join(tempDir(), "archive");
    const { source, target, tables, checkpointDir, medium } = await stoppedBeforeCommit({ kind: "storage", dir });
    // The same product id (so the same AMP, and the same rows per AMP), other values.
    source.sql("DELETE FROM shop.products WHERE product_id = 1;");
    source.insert("shop.products", [{ product_id: 1, sku: "CHANGED-1", name: "changed while stopped", price: "1.00", introduced: null }]);
    const error = await migrate({ source, target, tables, ...OPTIONS, medium, checkpointDir, resume: true }).catch((e: unknown) => e);
    expect(isAmpsimError(error, "CHECKPOINT_MISMATCH"), String(error)).toBe(true);
    expect(String(error)).toMatch(/cannot resume stream \d of shop\.products: the source's rows differ from those the stream carried before the interruption/);
    for (const table of tables) expect(target.rowCount(table), table).toBe(0);
    expect(fs.existsSync(path.join(dir, "manifest.json"))).toBe(false);
  });

  it("writing an archive: bucket checksums (for the manifest) and the fingerprint; a checkpoint with only checksums, as older ones, still resumes", async () => {
    const dir = path.join(tempDir(), "archive");
    const { source, target, tables, checkpointDir, medium, rewrite, before } = await stoppedBeforeCommit({ kind: "storage", dir });
    rewrite((s) => {
      for (const table of s.tables) {
        for (const stream of table.streams) {
          expect(stream.checksums, table.name).toMatchObject({ hash: "ampsim-row-checksum-3", bits: 16 });
          expect(stream.fingerprint?.words.length, table.name).toBe(6);
          delete stream.fingerprint;
        }
      }
    });
    const report = await migrate({ source, target, tables, ...OPTIONS, medium, checkpointDir, resume: true });
    expect(report.tables.every((t) => t.verified)).toBe(true);
    expect(report.tables.map((t) => t.sourceChecksum)).toEqual(before.map((b) => tableChecksum(b.checksums).digest));
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8")) as { tables: { name: string; checksums: { buckets: unknown[] }; streams: unknown[] }[] };
    expect(manifest.tables.every((t) => t.checksums.buckets.length > 0)).toBe(true);
    // Every stream finished before the crash is in the archive again (the resume rewrote it): it restores whole.
    expect(manifest.tables.map((t) => t.streams.length)).toEqual(tables.map(() => OPTIONS.streams));
    const again = new Engine({ name: "again", amps: 5 });
    const restored = await restore({ target: again, dir });
    expect(restored.tables.every((t) => t.verified)).toBe(true);
    expect(checkInvariant(source, again, tables, before)).toBeNull();
  });
});

describe("giving up", () => {
  it("NO_SPACE mid-migration: the target tables stay as they were, and the run can be abandoned", async () => {
    const { source, tables } = systems();
    const target = new Engine({ name: "small", amps: 6, permBytesPerAmp: 40_000 });
    const checkpointDir = tempDir();
    const error = await migrate({ source, target, tables, ...OPTIONS, checkpointDir }).catch((e: unknown) => e);
    expect(isAmpsimError(error, "NO_SPACE")).toBe(true);
    expect(String(error)).toMatch(/AMP \d+/);
    for (const table of tables) if (target.hasTable(table)) expect(target.rowCount(table)).toBe(0);
    expect(target.allTables().some((t) => t.startsWith('"$staging"'))).toBe(true);
    expectError(() => abandonMigration({ target, checkpointDir: 5 as never }), "BAD_CONFIG", "checkpointDir");
    expectError(() => abandonMigration({ checkpointDir } as never), "BAD_CONFIG", "target must be");
    const { dropped } = abandonMigration({ target, checkpointDir });
    expect(dropped.length).toBeGreaterThan(0);
    expect(target.allTables()).toEqual([]);
    expect(fs.existsSync(path.join(checkpointDir, CHECKPOINT_FILE))).toBe(false);
    expectError(() => abandonMigration({ target, checkpointDir }), "CHECKPOINT_MISMATCH", "cannot abandon: there is no checkpoint");
  });
});

describe("what the review found", () => {
  const crashAt = (point: FaultSite["point"], visit = 1) => new FaultPlan(9, { at: [{ point, visit, kind: "crash" }], rate: { numerator: 0, denominator: 1 } });

  it("two checkpointed runs into one target never share staging names", async () => {
    const { source, target, tables, before } = systems(2_000);
    const [a, b] = [tempDir(), tempDir()];
    const A = { source, target, tables: [tables[0]], streams: 2, batchRows: 300, checkpointDir: a };
    const B = { source, target, tables: [tables[1]], streams: 2, batchRows: 300, checkpointDir: b };
    await expect(migrate({ ...A, faults: crashAt("staging.create") })).rejects.toBeInstanceOf(InjectedCrash);
    await expect(migrate({ ...B, faults: crashAt("insert-select.table") })).rejects.toBeInstanceOf(InjectedCrash);
    const runIds = [a, b].map((dir) => JSON.parse(fs.readFileSync(path.join(dir, CHECKPOINT_FILE), "utf8")).runId);
    expect(runIds[0]).not.toBe(runIds[1]);
    await migrate({ ...A, resume: true });
    await migrate({ ...B, resume: true });
    expect(checkInvariant(source, target, tables.slice(0, 2), before.slice(0, 2))).toBeNull();
  });

  it("a finished stream whose staging table vanished is sent again, never committed short", async () => {
    const { source, target, tables, before } = systems(1_500);
    const checkpointDir = tempDir();
    const options = { source, target, tables: [tables[0]], streams: 2, batchRows: 300, checkpointDir };
    await expect(migrate({ ...options, faults: crashAt("insert-select.table") })).rejects.toBeInstanceOf(InjectedCrash);
    const staging = target.allTables().find((t) => /_s1$/.test(t))!;
    target.dropTable(staging, { internal: true });
    await migrate({ ...options, resume: true });
    expect(checkInvariant(source, target, [tables[0]], [before[0]])).toBeNull();
  });

  it("append onto a table with another primary index is refused before anything moves", async () => {
    const { source, target } = systems(500);
    target.sql("CREATE DATABASE shop;");
    target.sql(source.showTable("shop.orders").replace(/UNIQUE PRIMARY INDEX \(order_id\)\s*INDEX \(customer\)/, "PRIMARY INDEX (customer)"));
    await expect(migrate({ source, target, tables: ["shop.orders"], ifExists: "append" })).rejects.toThrow(/TYPE_MISMATCH: .*primary index \(customer\) differs from the source's \(order_id\)/);
    expect(target.rowCount("shop.orders")).toBe(0);
  });

  it("killed while writing its first checkpoint, a run has reserved nothing on a durable target: the next run starts clean", async () => {
    const dir = tempDir();
    const [sourceDir, targetDir, checkpointDir] = ["source", "target", "checkpoint"].map((d) => path.join(dir, d));
    const prepared = new Engine({ name: "source", amps: 4, dir: sourceDir });
    loadScenario(prepared, scenario("demo", { rows: 500, seed: 5 }));
    // A child process that SIGKILLs itself at the rename that would publish the first checkpoint.
    const script = path.join(dir, "killed.mts");
    const root = path.resolve(".");
    fs.writeFileSync(script, `import fs from "node:fs";
import { Engine } from ${JSON.stringify(path.join(root, "engine/index.ts"))};
import { migrate } from ${JSON.stringify(path.join(root, "migrator/index.ts"))};
const rename = fs.renameSync;
fs.renameSync = (from, to) => { if (String(to).endsWith(${JSON.stringify(CHECKPOINT_FILE)})) process.kill(process.pid, "SIGKILL"); return rename(from, to); };
await migrate({ source: Engine.open(${JSON.stringify(sourceDir)}), target: new Engine({ name: "target", amps: 6, dir: ${JSON.stringify(targetDir)} }), checkpointDir: ${JSON.stringify(checkpointDir)} });
`);
    const child = spawnSync(process.execPath, ["--import", "tsx", script], { encoding: "utf8" });
    expect(child.signal, child.stderr).toBe("SIGKILL");
    expect(fs.existsSync(path.join(checkpointDir, CHECKPOINT_FILE))).toBe(false);
    const target = Engine.open(targetDir);
    expect(target.allTables().filter((t) => t.startsWith('"$staging"'))).toEqual([]);
    // A fresh run (there is nothing to resume) finishes and leaves nothing behind, the killed write's temporary file included.
    const source = Engine.open(sourceDir);
    const report = await migrate({ source, target, checkpointDir });
    expect(report.tables.every((t) => t.verified)).toBe(true);
    expect(target.allTables().filter((t) => t.startsWith('"$staging"'))).toEqual([]);
    expect(fs.readdirSync(checkpointDir)).toEqual([]);
  });

  it("a checkpoint whose run never reserved its id on the target resumes, and the resume leaves no reservation or temporary file", async () => {
    const { source, target, tables, before } = systems(1_000);
    const checkpointDir = tempDir();
    const options = { source, target, tables, ...OPTIONS, checkpointDir };
    // At the first fault point, before the run did anything on the target but reserve its id.
    await expect(migrate({ ...options, faults: crashAt("dictionary.copy") })).rejects.toBeInstanceOf(InjectedCrash);
    // As if killed between writing the checkpoint and reserving the id, and during a later checkpoint write.
    const reservation = target.allTables().find((t) => /_sreserved$/.test(t))!;
    expect(reservation).toBeDefined();
    target.dropTable(reservation, { internal: true });
    fs.writeFileSync(path.join(checkpointDir, `${CHECKPOINT_FILE}.tmp`), "{");
    const report = await migrate({ ...options, resume: true });
    expect(report.tables.every((t) => t.verified)).toBe(true);
    expect(checkInvariant(source, target, tables, before)).toBeNull();
    expect(target.allTables().filter((t) => t.startsWith('"$staging"'))).toEqual([]);
    expect(fs.readdirSync(checkpointDir)).toEqual([]);
  });

  describe("a cleanup that fails after every table committed", () => {
    const failAtCleanup = () => new FaultPlan(9, { at: [{ point: "cleanup", visit: 1, kind: "medium" }] });
    const staging = (target: Engine) => target.allTables().filter((t) => t.startsWith('"$staging"'));

    it("without a checkpoint: the error names the committed tables and what is left, which can then be dropped", async () => {
      const { source, target, tables, before } = systems(1_000);
      const error = await migrate({ source, target, tables, ...OPTIONS, faults: failAtCleanup() }).catch((e: unknown) => e);
      expect(isAmpsimError(error, "MEDIUM_FAILED"), String(error)).toBe(true);
      const { details, message } = error as { details: { committedTables: string[]; leftBehind: string[] }; message: string };
      expect(message).toContain("committed and verified every table, but its cleanup failed");
      expect(details.committedTables).toEqual(tables);
      expect(details.leftBehind.length).toBeGreaterThan(0);
      expect(details.leftBehind).toEqual(staging(target));
      expect(message).toContain(details.leftBehind[0]);
      expect(message).toContain("target.dropTable(name, { internal: true })");
      for (const name of details.leftBehind) target.dropTable(name, { internal: true });
      expect(staging(target)).toEqual([]);
      expect(checkInvariant(source, target, tables, before)).toBeNull();
    });

    it("with a checkpoint: it stays, and resuming finishes the cleanup", async () => {
      const { source, target, tables, before } = systems(1_000);
      const checkpointDir = tempDir();
      const options = { source, target, tables, ...OPTIONS, checkpointDir };
      const error = await migrate({ ...options, faults: failAtCleanup() }).catch((e: unknown) => e);
      expect(String(error)).toContain(`resume the run (its checkpoint ${path.join(checkpointDir, CHECKPOINT_FILE)} stays)`);
      expect(fs.existsSync(path.join(checkpointDir, CHECKPOINT_FILE))).toBe(true);
      const report = await migrate({ ...options, resume: true });
      expect(report.tables.every((t) => t.verified)).toBe(true);
      expect(staging(target)).toEqual([]);
      expect(fs.readdirSync(checkpointDir)).toEqual([]);
      expect(checkInvariant(source, target, tables, before)).toBeNull();
    });

    it("on a durable target that fails one drop: every other staging table still goes, and the one left is named", async () => {
      const { source, tables, before } = systems(1_000);
      let cleaning = false; let failed = 0;
      const faults = { before(point: string) { if (cleaning && point === "commit" && failed++ === 0) throw new Error("ENOSPC: no space left on device"); } };
      const target = new Engine({ name: "target", amps: 6, dir: path.join(tempDir(), "target"), faults });
      const onProgress = (event: { kind: string; phase?: string }) => { if (event.kind === "phase" && event.phase === "cleanup") cleaning = true; };
      const error = await migrate({ source, target, tables, ...OPTIONS, onProgress }).catch((e: unknown) => e);
      expect(isAmpsimError(error), String(error)).toBe(true);
      const { leftBehind, committedTables } = (error as { details: { leftBehind: string[]; committedTables: string[] } }).details;
      expect(committedTables).toEqual(tables);
      expect(leftBehind).toHaveLength(1);
      expect(staging(target)).toEqual(leftBehind);
      expect(String(error)).toContain("ENOSPC");
      cleaning = false;
      target.dropTable(leftBehind[0], { internal: true });
      expect(checkInvariant(source, target, tables, before)).toBeNull();
    });
  });

  describe("more cleanup failures (a review)", () => {
    const staging = (target: Engine) => target.allTables().filter((t) => t.startsWith('"$staging"'));

    it("closing the medium fails after every table committed: the rest of the cleanup still runs, and the error says so", async () => {
      const { source, target, tables, before } = systems(1_000);
      const close = StorageMedium.prototype.close;
      StorageMedium.prototype.close = async function (this: StorageMedium, options?: { complete?: boolean }) {
        await close.call(this, { complete: false });
        if (options?.complete) throw new Error("ENOSPC: no space left on device, write 'manifest.json'");
      };
      try {
        const error = await migrate({ source, target, tables, ...OPTIONS, medium: { kind: "storage", dir: path.join(tempDir(), "archive") } }).catch((e: unknown) => e);
        expect(isAmpsimError(error), String(error)).toBe(true);
        expect(String(error)).toContain("committed and verified every table, but its cleanup failed: ENOSPC");
        expect((error as { details: { committedTables: string[]; leftBehind: string[] } }).details).toMatchObject({ committedTables: tables, leftBehind: [] });
      } finally {
        StorageMedium.prototype.close = close;
      }
      expect(staging(target)).toEqual([]);
      expect(checkInvariant(source, target, tables, before)).toBeNull();
    });

    it("a first failure that is no AmpsimError keeps its class and carries the cleanup's failure too", async () => {
      const { source, target, tables } = systems(1_000);
      const faults = {
        at(site: { point: string }) {
          if (site.point === "verify.table") throw new TypeError("boom in verify");
          if (site.point === "cleanup") throw new Error("disk on fire");
        },
      };
      const error = await migrate({ source, target, tables, ...OPTIONS, faults }).catch((e: unknown) => e) as TypeError & { leftBehind?: string[] };
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toContain("boom in verify [then its cleanup failed too: disk on fire");
      expect(error.leftBehind).toEqual(staging(target));
      expect(error.leftBehind!.length).toBeGreaterThan(0);
    });

    it("a run killed after writing its checkpoint but before reserving its id: another run may take the id; the resume refuses and abandoning leaves the other's tables", async () => {
      const dir = tempDir();
      const [sourceDir, targetDir, checkpointA, checkpointB] = ["source", "target", "a", "b"].map((d) => path.join(dir, d));
      const prepared = new Engine({ name: "source", amps: 4, dir: sourceDir });
      loadScenario(prepared, scenario("demo", { rows: 500, seed: 5 }));
      const tables = prepared.tables();
      const script = path.join(dir, "killed.mts");
      const root = path.resolve(".");
      // SIGKILL right after the rename that publishes the first checkpoint: before the id is reserved on the target.
      fs.writeFileSync(script, `import fs from "node:fs";
import { Engine } from ${JSON.stringify(path.join(root, "engine/index.ts"))};
import { migrate } from ${JSON.stringify(path.join(root, "migrator/index.ts"))};
const rename = fs.renameSync;
fs.renameSync = (from, to) => { rename(from, to); if (String(to).endsWith(${JSON.stringify(CHECKPOINT_FILE)})) process.kill(process.pid, "SIGKILL"); };
await migrate({ source: Engine.open(${JSON.stringify(sourceDir)}), target: new Engine({ name: "target", amps: 6, dir: ${JSON.stringify(targetDir)} }), tables: [${JSON.stringify(tables[0])}], checkpointDir: ${JSON.stringify(checkpointA)} });
`);
      expect(spawnSync(process.execPath, ["--import", "tsx", script], { encoding: "utf8" }).signal).toBe("SIGKILL");
      const runIdOf = (d: string) => JSON.parse(fs.readFileSync(path.join(d, CHECKPOINT_FILE), "utf8")).runId as number;
      const source = Engine.open(sourceDir); const target = Engine.open(targetDir);
      expect(target.allTables()).toEqual([]);
      const B = { source, target, tables: [tables[1]], ...OPTIONS, checkpointDir: checkpointB };
      await expect(migrate({ ...B, faults: crashAt("insert-select.table") })).rejects.toBeInstanceOf(InjectedCrash);
      expect(runIdOf(checkpointB)).toBe(runIdOf(checkpointA));
      const theirs = staging(target);
      expect(theirs.length).toBeGreaterThan(0);
      const A = { source, target, tables: [tables[0]], checkpointDir: checkpointA };
      const refused = await migrate({ ...A, resume: true }).catch((e: unknown) => String(e));
      expect(refused).toMatch(/CHECKPOINT_MISMATCH: .*reserved on the target .* by another migration/);
      expect(abandonMigration({ target, checkpointDir: checkpointA }).dropped).toEqual([]);
      expect(staging(target)).toEqual(theirs);
      const report = await migrate({ ...B, resume: true });
      expect(report.tables.every((t) => t.verified)).toBe(true);
      expect(staging(target)).toEqual([]);
    });
  });

  describe("resume and abandon touch only what their run wrote (an audit of the CLI)", () => {
    const staging = (target: Engine) => target.allTables().filter((t) => t.startsWith('"$staging"'));

    it("a resume on a system alike in name and size that is not the run's target is refused, writing nothing there", async () => {
      const { source, target, tables } = systems(1_000);
      const checkpointDir = tempDir();
      await expect(migrate({ source, target, tables, ...OPTIONS, checkpointDir, faults: crashAt("restore.batch") })).rejects.toBeInstanceOf(InjectedCrash);
      const twin = new Engine({ name: "target", amps: 6, hashBits: 20 });
      // The run's tables, defined and empty, as the target had them: only the missing reservation tells.
      twin.sql("CREATE DATABASE shop;");
      for (const t of tables) twin.sql(source.showTable(t));
      const held = twin.allTables();
      const refused = await migrate({ source, target: twin, tables, ...OPTIONS, checkpointDir, resume: true }).catch((e: unknown) => String(e));
      expect(refused).toMatch(/CHECKPOINT_MISMATCH: .*holds no reservation of the run .* not the target the run wrote to; nothing was written/);
      expect(twin.allTables()).toEqual(held);
      for (const t of tables) expect(twin.rowCount(t)).toBe(0);
      expect(fs.existsSync(path.join(checkpointDir, CHECKPOINT_FILE))).toBe(true);
      const report = await migrate({ source, target, tables, ...OPTIONS, checkpointDir, resume: true });
      expect(report.tables.every((t) => t.verified)).toBe(true);
    });

    it("abandoning on another system refuses, drops nothing there and keeps the checkpoint; on the right one it works", async () => {
      const { source, target, tables } = systems(1_000);
      const checkpointDir = tempDir();
      await expect(migrate({ source, target, tables, ...OPTIONS, checkpointDir, faults: crashAt("restore.batch") })).rejects.toBeInstanceOf(InjectedCrash);
      // Another system: by name, or by not holding the run's reservation though alike in every summary figure.
      const other = new Engine({ name: "elsewhere", amps: 6, hashBits: 20 });
      const twin = new Engine({ name: "target", amps: 6, hashBits: 20 });
      for (const e of [other, twin]) { loadScenario(e, scenario("demo", { rows: 200, seed: 1 })); }
      const held = [other, twin].map((e) => e.allTables());
      expectError(() => abandonMigration({ target: other, checkpointDir }), "CHECKPOINT_MISMATCH", 'written for system "target"', "nothing was dropped");
      expectError(() => abandonMigration({ target: twin, checkpointDir }), "CHECKPOINT_MISMATCH", "holds no reservation of its run");
      expect([other, twin].map((e) => e.allTables())).toEqual(held);
      expect(fs.existsSync(path.join(checkpointDir, CHECKPOINT_FILE))).toBe(true);
      expect(abandonMigration({ target, checkpointDir }).dropped.length).toBeGreaterThan(0);
      expect(staging(target)).toEqual([]);
    });

    it("a checkpoint directory moved elsewhere still resumes as its own run", async () => {
      const { source, target, tables, before } = systems(1_000);
      const first = tempDir();
      await expect(migrate({ source, target, tables, ...OPTIONS, checkpointDir: first, faults: crashAt("restore.batch") })).rejects.toBeInstanceOf(InjectedCrash);
      const moved = `${first}-moved`; dirs.push(moved);
      fs.renameSync(first, moved);
      const report = await migrate({ source, target, tables, ...OPTIONS, checkpointDir: moved, resume: true });
      expect(report.tables.every((t) => t.verified)).toBe(true);
      expect(checkInvariant(source, target, tables, before)).toBeNull();
      expect(staging(target)).toEqual([]);
    });

    it("a resume over intermediate storage refuses another archive directory before it rewrites anything there", async () => {
      const { source, target, tables } = systems(1_000);
      const checkpointDir = tempDir();
      const archive = path.join(tempDir(), "archive"); const unrelated = tempDir();
      fs.writeFileSync(path.join(unrelated, "manifest.json"), "{\"keep\": true}\n");
      await expect(migrate({ source, target, tables, ...OPTIONS, medium: { kind: "storage", dir: archive }, checkpointDir, faults: crashAt("restore.batch") })).rejects.toBeInstanceOf(InjectedCrash);
      const refused = await migrate({ source, target, tables, ...OPTIONS, medium: { kind: "storage", dir: unrelated }, checkpointDir, resume: true }).catch((e: unknown) => String(e));
      expect(refused).toMatch(/CHECKPOINT_MISMATCH: .*medium differ/);
      expect(fs.readdirSync(unrelated)).toEqual(["manifest.json"]);
      expect(fs.readFileSync(path.join(unrelated, "manifest.json"), "utf8")).toBe("{\"keep\": true}\n");
      const report = await migrate({ source, target, tables, ...OPTIONS, medium: { kind: "storage", dir: archive }, checkpointDir, resume: true });
      expect(report.tables.every((t) => t.verified)).toBe(true);
    });
  });

  it("abandonMigration drops the database the run created", async () => {
    const { source, target, tables } = systems(500);
    const checkpointDir = tempDir();
    await expect(migrate({ source, target, tables, ...OPTIONS, checkpointDir, faults: crashAt("restore.batch") })).rejects.toBeInstanceOf(InjectedCrash);
    expect(target.databases()).toContain("shop");
    abandonMigration({ target, checkpointDir });
    expect(target.databases()).not.toContain("shop");
    expect(target.allTables()).toEqual([]);
  });
});
