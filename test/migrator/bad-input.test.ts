/**
 * Bad input to migrate(), archive() and restore(): every bad option, every
 * kind of damaged archive, a target AMP that runs out of space. Each fails
 * with its stable error code and a message naming what is wrong, and leaves
 * the source untouched and the target as it was (same tables, no staging
 * tables left, same rows).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as path from "node:path";
import { Engine } from "../../engine/index.js";
import type { ErrorCode } from "../../engine/index.js";
import { archive, migrate, readChecksums, restore, verifyCopy } from "../../migrator/index.js";
import type { ArchiveManifest, MigrateOptions, StagingLayout } from "../../migrator/index.js";
import { allTypesDdl, allTypesRows, engineWith, expectAmpsimError, removeTempDirs, tempDir, within } from "../helpers/fixtures.js";
import { expectError } from "../helpers/errors.js";
import {
  expectMigrated, expectSystemUnchanged, rowMultiset, snapshotSystem, stagingTables, type SystemSnapshot,
} from "../helpers/invariant.js";

afterAll(() => removeTempDirs());

const TIMEOUT_MS = 20_000;

/** A source with two tables and a target that already holds a table of its own (so "unchanged" means something). */
function systems(): { source: Engine; target: Engine } {
  const source = engineWith({ amps: 4, name: "src" }, allTypesDdl("d.t"), allTypesRows("bad-input", 60));
  source.sql("CREATE MULTISET TABLE d.u (x INTEGER, y VARCHAR(4)) NO PRIMARY INDEX;");
  source.insert("d.u", [{ x: 1, y: "a" }, { x: null, y: null }]);
  const target = engineWith({ amps: 3, name: "tgt" }, "CREATE MULTISET TABLE keep.mine (k INTEGER, v VARCHAR(5)) PRIMARY INDEX (k) UNIQUE INDEX (v);", [{ k: 1, v: "one" }, { k: 2, v: "two" }]);
  return { source, target };
}

/** The call fails with `code` naming each of `mentions`; neither system changed. */
/**
 * The call fails with `code` naming each of `mentions`; neither system changed (tables, reserved
 * tables, rows). Databases are compared by the dedicated tests below, so that a database left
 * behind shows up once rather than in every test.
 */
async function expectRefused(source: Engine, target: Engine, call: () => Promise<unknown>, code: ErrorCode, ...mentions: (string | RegExp)[]): Promise<void> {
  const sourceBefore = snapshotSystem(source); const targetBefore = snapshotSystem(target);
  await expectAmpsimError(() => within(TIMEOUT_MS, call()), code, ...mentions);
  expectSystemUnchanged(source, sourceBefore, "source");
  expectSystemUnchanged(target, targetBefore, "target", { databases: false });
  expect(stagingTables(target)).toEqual([]);
}

// ---------------------------------------------------------------------------

describe("migrate(): bad options (BAD_CONFIG and friends), nothing touched", () => {
  const cases: { name: string; options: (s: Engine, t: Engine) => Partial<MigrateOptions> & Record<string, unknown>; code: ErrorCode; mentions: (string | RegExp)[] }[] = [
    { name: "clusters that overlap", options: () => ({ streams: 2, clusters: [[0, 1], [1, 2, 3]] }), code: "BAD_CONFIG", mentions: ["AMP 1", "cluster"] },
    { name: "clusters that miss an AMP", options: () => ({ streams: 2, clusters: [[0], [1, 2]] }), code: "BAD_CONFIG", mentions: [/AMP\(s\) 3|AMP 3/, "cluster"] },
    { name: "clusters that name a non-existent AMP", options: () => ({ streams: 2, clusters: [[0, 1], [2, 3, 4]] }), code: "BAD_CONFIG", mentions: ["AMP 4"] },
    { name: "clusters naming a negative or fractional AMP", options: () => ({ clusters: [[0, 1, 2, 3], [-1]] }), code: "BAD_CONFIG", mentions: ["-1"] },
    { name: "an empty clusters list", options: () => ({ clusters: [] }), code: "BAD_CONFIG", mentions: ["clusters"] },
    { name: "an empty cluster", options: () => ({ streams: 2, clusters: [[0, 1, 2, 3], []] }), code: "BAD_CONFIG", mentions: ["cluster 1"] },
    { name: "clusters that don't match streams", options: () => ({ streams: 3, clusters: [[0, 1], [2, 3]] }), code: "BAD_CONFIG", mentions: ["streams", "3", "2"] },
    { name: "clusters not an array", options: () => ({ clusters: "0,1" as unknown as number[][] }), code: "BAD_CONFIG", mentions: ["clusters"] },
    { name: "clusters null", options: () => ({ clusters: null as never }), code: "BAD_CONFIG", mentions: ["clusters must be a list", "NULL"] },
    { name: "streams null", options: () => ({ streams: null as never }), code: "BAD_CONFIG", mentions: ["streams", "NULL"] },
    { name: "streams 0", options: () => ({ streams: 0 }), code: "BAD_CONFIG", mentions: ["streams", "0"] },
    { name: "streams > source AMPs", options: () => ({ streams: 5 }), code: "BAD_CONFIG", mentions: ["streams", "5", "4 AMP"] },
    { name: "streams not an integer", options: () => ({ streams: 1.5 }), code: "BAD_CONFIG", mentions: ["streams", "1.5"] },
    { name: "streams a string", options: () => ({ streams: "2" as unknown as number }), code: "BAD_CONFIG", mentions: ["streams"] },
    { name: "streams NaN", options: () => ({ streams: Number.NaN }), code: "BAD_CONFIG", mentions: ["streams", "NaN"] },
    { name: "an unknown medium", options: () => ({ medium: "carrier-pigeon" as never }), code: "BAD_CONFIG", mentions: ["medium", "carrier-pigeon"] },
    { name: "an unknown medium kind", options: () => ({ medium: { kind: "tape" } as never }), code: "BAD_CONFIG", mentions: ["medium"] },
    { name: "storage without dir (string)", options: () => ({ medium: "storage" as never }), code: "BAD_CONFIG", mentions: ["storage", "dir"] },
    { name: "storage without dir (object)", options: () => ({ medium: { kind: "storage" } as never }), code: "BAD_CONFIG", mentions: ["storage", "dir"] },
    { name: "storage with an empty dir", options: () => ({ medium: { kind: "storage", dir: "" } }), code: "BAD_CONFIG", mentions: ["dir"] },
    { name: "a bad staging layout", options: () => ({ staging: "sorted" as StagingLayout }), code: "BAD_CONFIG", mentions: ["staging", "sorted"] },
    { name: "a bad ifExists", options: () => ({ ifExists: "merge" as never }), code: "BAD_CONFIG", mentions: ["ifExists", "merge"] },
    { name: "batchRows 0", options: () => ({ batchRows: 0 }), code: "BAD_CONFIG", mentions: ["batchRows"] },
    { name: "batchRows fractional", options: () => ({ batchRows: 2.5 }), code: "BAD_CONFIG", mentions: ["batchRows", "2.5"] },
    { name: "batchBytes negative", options: () => ({ batchBytes: -1 }), code: "BAD_CONFIG", mentions: ["batchBytes"] },
    { name: "a misspelled option", options: () => ({ stream: 3 } as never), code: "BAD_CONFIG", mentions: ["no option stream", "did you mean streams?"] },
    { name: "an unknown option", options: () => ({ verify: false } as never), code: "BAD_CONFIG", mentions: ["no option verify", "batchRows"] },
    { name: "keepStaging not a boolean", options: () => ({ keepStaging: "yes" as never }), code: "BAD_CONFIG", mentions: ["keepStaging must be true or false", '"yes"'] },
    { name: "parallelTables not a boolean", options: () => ({ parallelTables: 1 as never }), code: "BAD_CONFIG", mentions: ["parallelTables"] },
    { name: "batchRows and batchBytes both", options: () => ({ batchRows: 10, batchBytes: 100_000 }), code: "BAD_CONFIG", mentions: ["batchRows (10)", "batchBytes (100000)", "not both"] },
    { name: "onProgress not a function", options: () => ({ onProgress: "yes" as never }), code: "BAD_CONFIG", mentions: ["onProgress"] },
    { name: "tables not an array", options: () => ({ tables: "d.t" as never }), code: "BAD_CONFIG", mentions: ["tables"] },
    { name: "an unknown table", options: () => ({ tables: ["d.t", "d.nope"] }), code: "NO_SUCH_TABLE", mentions: ["d.nope"] },
    { name: "an unknown database", options: () => ({ tables: ["nodb.t"] }), code: "NO_SUCH_DATABASE", mentions: ["nodb"] },
    { name: "a table listed twice", options: () => ({ tables: ["d.t", "d.u", "d.t"] }), code: "BAD_CONFIG", mentions: ["d.t", "twice"] },
    { name: "a table listed twice, spelled differently", options: () => ({ tables: ["d.t", "D.T"] }), code: "BAD_CONFIG", mentions: ["d.t", "twice"] },
    { name: "source === target", options: (s) => ({ target: s }), code: "BAD_CONFIG", mentions: ["same"] },
    { name: "target not an Engine", options: () => ({ target: {} as Engine }), code: "BAD_CONFIG", mentions: ["target"] },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const { source, target } = systems();
      const options = { source, target, ...c.options(source, target) } as MigrateOptions;
      await expectRefused(source, target, () => migrate(options), c.code, ...c.mentions);
    });
  }

  it("an existing table: TABLE_EXISTS naming it, before anything is created (even the tables listed before it)", async () => {
    const { source, target } = systems();
    target.sql("CREATE DATABASE d; CREATE MULTISET TABLE d.u (z INTEGER) PRIMARY INDEX (z);");
    target.insert("d.u", [{ z: 5 }]);
    await expectRefused(source, target, () => migrate({ source, target, tables: ["d.t", "d.u"], streams: 2, medium: "pipe" }), "TABLE_EXISTS", "d.u");
    expect(target.hasTable("d.t")).toBe(false);
  });

  it("append of a row whose UPI value the target holds already: DUPLICATE_KEY, target unchanged", async () => {
    const ddl = "CREATE MULTISET TABLE d.k (k INTEGER NOT NULL, v INTEGER) UNIQUE PRIMARY INDEX (k) UNIQUE INDEX (v);";
    const source = engineWith({ amps: 4, name: "src" }, ddl, Array.from({ length: 40 }, (_, k) => ({ k, v: k })));
    for (const [existing, what] of [[{ k: 17, v: 1000 }, "UPI"], [{ k: 1000, v: 17 }, "USI"]] as const) {
      for (const staging of ["hashed", "nopi"] as const) {
        const target = engineWith({ amps: 3, name: "tgt" }, ddl, [existing, { k: 2000, v: 2000 }]);
        await expectRefused(source, target, () => migrate({ source, target, ifExists: "append", streams: 2, staging }), "DUPLICATE_KEY", "d.k", "17");
        expect(target.rowCount("d.k"), what).toBe(2);
      }
    }
  });

  it("append of a row a SET target table holds already: DUPLICATE_ROW, target unchanged", async () => {
    const ddl = "CREATE SET TABLE d.s (k INTEGER, v VARCHAR(3)) PRIMARY INDEX (k);";
    const source = engineWith({ amps: 4, name: "src" }, ddl, Array.from({ length: 40 }, (_, k) => ({ k: k % 5, v: `v${k}` })));
    const target = engineWith({ amps: 3, name: "tgt" }, ddl, [{ k: 3, v: "v8" }, { k: 3, v: "new" }]);
    await expectRefused(source, target, () => migrate({ source, target, ifExists: "append", streams: 2 }), "DUPLICATE_ROW", "d.s");
  });

  it("a storage directory that already holds an archive: refused (BAD_ARGUMENT) unless overwrite", async () => {
    const { source, target } = systems();
    const dir = tempDir("ampsim-bad-storage");
    await archive({ source, dir, tables: ["d.u"] });
    const manifestBefore = fs.readFileSync(path.join(dir, "manifest.json"), "utf8");
    await expectRefused(source, target, () => migrate({ source, target, medium: { kind: "storage", dir } }), "BAD_ARGUMENT", dir, "overwrite");
    expect(fs.readFileSync(path.join(dir, "manifest.json"), "utf8")).toBe(manifestBefore);
    const before = snapshotSystem(source);
    const report = await within(TIMEOUT_MS, migrate({ source, target, tables: ["d.t"], streams: 2, medium: { kind: "storage", dir, overwrite: true } }));
    expect(report.tables[0].verified).toBe(true);
    expectMigrated({ source, target, table: "d.t", sourceBefore: before });
  });

  it("a storage dir that is a regular file: an AmpsimError naming it, nothing touched", async () => {
    const { source, target } = systems();
    const file = path.join(tempDir("ampsim-bad-storage-file"), "not-a-dir");
    fs.writeFileSync(file, "x");
    const sourceBefore = snapshotSystem(source); const targetBefore = snapshotSystem(target);
    let caught: unknown = null;
    try { await within(TIMEOUT_MS, migrate({ source, target, medium: { kind: "storage", dir: file } })); } catch (error) { caught = error; }
    expect(caught, "migrate() must fail").not.toBeNull();
    expect((caught as { name?: string }).name, `expected an AmpsimError, got ${String(caught)}`).toBe("AmpsimError");
    expect(["BAD_ARGUMENT", "BAD_CONFIG", "MEDIUM_FAILED"]).toContain((caught as { code: string }).code);
    expect((caught as Error).message).toContain(file);
    expectSystemUnchanged(source, sourceBefore, "source");
    expectSystemUnchanged(target, targetBefore, "target");
  });
});

// ---------------------------------------------------------------------------
// Archives

interface ArchiveFixture { source: Engine; sourceBefore: SystemSnapshot; dir: string; other: string }

/** An archive of two tables in 2 streams with several batches per stream, and a second, different archive. */
async function archives(): Promise<ArchiveFixture> {
  const source = engineWith({ amps: 4, name: "src" }, allTypesDdl("d.t"), allTypesRows("archive", 160));
  source.sql("CREATE MULTISET TABLE d.u (x INTEGER, y VARCHAR(4)) NO PRIMARY INDEX;");
  source.insert("d.u", Array.from({ length: 30 }, (_, x) => ({ x, y: x % 3 === 0 ? null : `y${x}` })));
  const dir = tempDir("ampsim-archive");
  const report = await archive({ source, dir, streams: 2, batchRows: 20 });
  expect(report.tables.map((t) => t.table)).toEqual(["d.t", "d.u"]);
  expect(report.tables[0].streams.every((s) => s.batches >= 2)).toBe(true);
  // Another archive: same table names and definitions, other rows.
  const otherSource = engineWith({ amps: 4, name: "other" }, allTypesDdl("d.t"), allTypesRows("other-archive", 170));
  otherSource.sql("CREATE MULTISET TABLE d.u (x INTEGER, y VARCHAR(4)) NO PRIMARY INDEX;");
  otherSource.insert("d.u", Array.from({ length: 31 }, (_, x) => ({ x: x + 100, y: null })));
  const other = tempDir("ampsim-archive-other");
  await archive({ source: otherSource, dir: other, streams: 2, batchRows: 20 });
  return { source, sourceBefore: snapshotSystem(source), dir, other };
}

function copyArchive(dir: string): string {
  const copy = tempDir("ampsim-archive-copy");
  fs.cpSync(dir, copy, { recursive: true });
  return copy;
}

function readManifest(dir: string): ArchiveManifest & { tables: { streams: { file: string; bytes: number; batches: { offset: number; length: number; crc: number; seq: number; rows: number }[]; schema: { offset: number; length: number } }[] }[] } {
  return JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
}

function writeManifest(dir: string, manifest: unknown): void {
  fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(manifest, null, 2));
}

/** A target holding a table of its own. */
function restoreTarget(amps = 3): Engine {
  return engineWith({ amps, name: "restore-target" }, "CREATE MULTISET TABLE keep.mine (k INTEGER, v VARCHAR(5)) PRIMARY INDEX (k);", [{ k: 1, v: "one" }]);
}

async function expectRestoreRefused(fixture: ArchiveFixture, dir: string, code: ErrorCode, mentions: (string | RegExp)[], options: { target?: Engine; tables?: string[]; ifExists?: "fail" | "replace" | "append" } = {}): Promise<Engine> {
  const target = options.target ?? restoreTarget();
  const targetBefore = snapshotSystem(target);
  await expectAmpsimError(() => within(TIMEOUT_MS, restore({ target, dir, tables: options.tables, ifExists: options.ifExists })), code, ...mentions);
  expectSystemUnchanged(target, targetBefore, "target", { databases: false });
  expect(stagingTables(target)).toEqual([]);
  expectSystemUnchanged(fixture.source, fixture.sourceBefore, "source");
  return target;
}

describe("readChecksums and verifyCopy: bad arguments", () => {
  it("bits outside 0..16, or not a whole number: BAD_ARGUMENT naming the table (not silently wrong sums)", () => {
    const { source } = systems();
    for (const bits of [Number.NaN, 40, -1, 2.5]) expectError(() => readChecksums(source, "d.t", bits), "BAD_ARGUMENT", "readChecksums of d.t", "bits must be an integer in 0..16");
    expect(readChecksums(source, "d.t", 0).rows).toBe(60);
  });

  it("tables not a list, or a system that is not an Engine: BAD_ARGUMENT", () => {
    const { source, target } = systems();
    expectError(() => verifyCopy(source, target, "d.t" as never), "BAD_ARGUMENT", "tables must be a list of table names", '"d.t"');
    expectError(() => verifyCopy(source, {} as never, ["d.t"]), "BAD_ARGUMENT", "must be Engines");
  });
});

describe("archive() and restore(): intact archives", () => {
  let fixture: ArchiveFixture;
  beforeAll(async () => { fixture = await archives(); });

  it("the archive directory holds plain Arrow IPC stream files and a manifest", () => {
    const names = fs.readdirSync(fixture.dir).sort();
    expect(names).toEqual(["manifest.json", "t0-s0.arrows", "t0-s1.arrows", "t1-s0.arrows", "t1-s1.arrows"]);
  });

  for (const config of [{ amps: 6, hashBits: 20 }, { amps: 1, hashBits: 16 }, { amps: 5, hashBits: 12 }]) {
    for (const staging of ["hashed", "nopi"] as const) {
      it(`restores later, into a ${config.amps}-AMP ${config.hashBits}-bit target (${staging} staging): the invariant vs the original source`, async () => {
        const target = new Engine({ ...config, name: "later" });
        const report = await within(TIMEOUT_MS, restore({ target, dir: fixture.dir, staging }));
        expect(report.ok).toBe(true);
        expect(report.tables.map((t) => [t.table, t.verified, t.placementVerified])).toEqual([["d.t", true, true], ["d.u", true, true]]);
        expect(report.source).toMatchObject({ name: "src", amps: 4 });
        expect(report.trace.source).toEqual([]);
        for (const table of ["d.t", "d.u"]) expectMigrated({ source: fixture.source, target, table, sourceBefore: fixture.sourceBefore });
      });
    }
  }

  it("restores one table of the archive, and the same archive twice into two targets", async () => {
    const a = new Engine({ amps: 2, name: "a" }); const b = new Engine({ amps: 7, name: "b" });
    await within(TIMEOUT_MS, restore({ target: a, dir: fixture.dir, tables: ["d.u"] }));
    await within(TIMEOUT_MS, restore({ target: b, dir: fixture.dir, tables: ["d.u"] }));
    expect(a.tables()).toEqual(["d.u"]);
    for (const target of [a, b]) expectMigrated({ source: fixture.source, target, table: "d.u", sourceBefore: fixture.sourceBefore });
  });

  it("restore ifExists append / replace onto an existing table", async () => {
    const target = new Engine({ amps: 3, name: "t" });
    await within(TIMEOUT_MS, restore({ target, dir: fixture.dir, tables: ["d.u"] }));
    const rowsBefore = rowMultiset(target, "d.u");
    const report = await within(TIMEOUT_MS, restore({ target, dir: fixture.dir, tables: ["d.u"], ifExists: "append" }));
    expect(report.tables[0]).toMatchObject({ verified: true, rowsBefore: 30 });
    expectMigrated({ source: fixture.source, target, table: "d.u", sourceBefore: fixture.sourceBefore, targetRowsBefore: rowsBefore });
    await within(TIMEOUT_MS, restore({ target, dir: fixture.dir, tables: ["d.u"], ifExists: "replace" }));
    expectMigrated({ source: fixture.source, target, table: "d.u", sourceBefore: fixture.sourceBefore });
  });

  it("archive() refuses a directory that already holds an archive unless overwrite: true", async () => {
    const dir = copyArchive(fixture.dir);
    const manifestBefore = fs.readFileSync(path.join(dir, "manifest.json"), "utf8");
    const small = engineWith({ amps: 2, name: "small" }, "CREATE MULTISET TABLE z.z (a INTEGER) PRIMARY INDEX (a);", [{ a: 1 }, { a: 2 }]);
    await expectAmpsimError(() => archive({ source: small, dir }), "BAD_ARGUMENT", dir, "overwrite");
    expect(fs.readFileSync(path.join(dir, "manifest.json"), "utf8")).toBe(manifestBefore);
    const target = new Engine({ amps: 3 });
    await within(TIMEOUT_MS, restore({ target, dir }));
    expect(target.tables()).toEqual(["d.t", "d.u"]);

    await archive({ source: small, dir, overwrite: true });
    expect(fs.readdirSync(dir).sort()).toEqual(["manifest.json", "t0-s0.arrows"]);
    const again = new Engine({ amps: 3 });
    const before = snapshotSystem(small);
    await within(TIMEOUT_MS, restore({ target: again, dir }));
    expect(again.tables()).toEqual(["z.z"]);
    expectMigrated({ source: small, target: again, table: "z.z", sourceBefore: before });
  });

  it("archive() bad options: BAD_CONFIG naming the option", async () => {
    const dir = tempDir("ampsim-archive-bad");
    await expectAmpsimError(() => archive({ source: fixture.source, dir, streams: 9 }), "BAD_CONFIG", "streams");
    await expectAmpsimError(() => archive({ source: fixture.source, dir, clusters: [[0, 1], [1, 2, 3]] }), "BAD_CONFIG", "AMP 1");
    await expectAmpsimError(() => archive({ source: fixture.source, dir, tables: ["d.t", "d.t"] }), "BAD_CONFIG", "twice");
    await expectAmpsimError(() => archive({ source: fixture.source, dir, tables: ["d.zz"] }), "NO_SUCH_TABLE", "d.zz");
    await expectAmpsimError(() => archive({ source: fixture.source, dir, stream: 2 } as never), "BAD_CONFIG", "archive() has no option stream", "streams?");
    await expectAmpsimError(() => archive({ source: fixture.source, dir, batchRows: 10, batchBytes: 100 }), "BAD_CONFIG", "not both");
    await expectAmpsimError(() => restore({ target: new Engine({ amps: 2 }), dir, medium: "pipe" } as never), "BAD_CONFIG", "restore() has no option medium");
    expect(fs.existsSync(path.join(dir, "manifest.json"))).toBe(false);
    expectSystemUnchanged(fixture.source, fixture.sourceBefore, "source");
  });

  it("an archive() that fails partway leaves no manifest (not a partial archive that restores), even with overwrite over a good one", async () => {
    for (const overwrite of [false, true]) {
      const dir = overwrite ? copyArchive(fixture.dir) : tempDir("ampsim-archive-failed");
      const failing = archive({ source: fixture.source, dir, overwrite, streams: 2, batchRows: 10, onProgress: (event) => { if (event.table === "d.u") throw new Error("stop at d.u"); } });
      await expect(within(TIMEOUT_MS, failing)).rejects.toThrow("stop at d.u");
      expect(fs.existsSync(path.join(dir, "manifest.json")), `overwrite ${overwrite}`).toBe(false);
      const target = new Engine({ amps: 3 });
      await expectAmpsimError(() => within(TIMEOUT_MS, restore({ target, dir })), "ARCHIVE_CORRUPT", "manifest.json does not exist", "never finished");
      expect(target.tables()).toEqual([]);
    }
  });

  it("a migration over intermediate storage that fails leaves no manifest in its directory; one that succeeds leaves a finished archive", async () => {
    const dir = tempDir("ampsim-storage-failed");
    const source = engineWith({ amps: 4, name: "src" }, allTypesDdl("d.t"), allTypesRows("storage-fail", 200));
    await expectAmpsimError(() => within(TIMEOUT_MS, migrate({ source, target: new Engine({ amps: 3, permBytesPerAmp: 12_000 }), streams: 2, medium: { kind: "storage", dir } })), "NO_SPACE");
    expect(fs.existsSync(path.join(dir, "manifest.json"))).toBe(false);
    await within(TIMEOUT_MS, migrate({ source, target: new Engine({ amps: 3 }), streams: 2, medium: { kind: "storage", dir, overwrite: true } }));
    expect(fs.existsSync(path.join(dir, "manifest.json"))).toBe(true);
  });

  it("tables that are not a list of names: BAD_CONFIG / BAD_ARGUMENT from archive(), restore() and migrate(), not a TypeError", async () => {
    const dir = tempDir("ampsim-archive-bad-tables");
    const target = new Engine({ amps: 3 });
    await expectAmpsimError(() => archive({ source: fixture.source, dir, tables: "d.t" as never }), "BAD_CONFIG", "tables must be an array", '"d.t"');
    await expectAmpsimError(() => archive({ source: fixture.source, dir, tables: [5] as never }), "BAD_ARGUMENT", "a table name must be a string", "5 (number)");
    await expectAmpsimError(() => restore({ target, dir: fixture.dir, tables: "d.t" as never }), "BAD_CONFIG", "tables must be an array");
    await expectAmpsimError(() => restore({ target, dir: fixture.dir, tables: [5] as never }), "BAD_ARGUMENT", "a table name must be a string");
    await expectAmpsimError(() => migrate({ source: fixture.source, target, tables: [5] as never }), "BAD_ARGUMENT", "a table name must be a string");
    expect(target.tables()).toEqual([]);
    expect(fs.existsSync(path.join(dir, "manifest.json"))).toBe(false);
  });

  it("archive() with clusters that don't match streams: BAD_CONFIG", async () => {
    const dir = tempDir("ampsim-archive-bad-clusters");
    await expectAmpsimError(() => archive({ source: fixture.source, dir, streams: 3, clusters: [[0, 1], [2, 3]] }), "BAD_CONFIG", "streams");
    expect(fs.existsSync(path.join(dir, "manifest.json"))).toBe(false);
  });
});

describe("restore(): damaged archives → ARCHIVE_CORRUPT, target unchanged", () => {
  let fixture: ArchiveFixture;
  beforeAll(async () => { fixture = await archives(); });

  it("a flipped byte in a batch of t0-s1.arrows names the stream, the batch and the file", async () => {
    const dir = copyArchive(fixture.dir);
    const batch = readManifest(dir).tables[0].streams[1].batches[1];
    const file = path.join(dir, "t0-s1.arrows");
    const bytes = fs.readFileSync(file);
    bytes[batch.offset + Math.floor(batch.length / 2)] ^= 0x20;
    fs.writeFileSync(file, bytes);
    await expectRestoreRefused(fixture, dir, "ARCHIVE_CORRUPT", ["stream 1", "batch 1", "t0-s1.arrows"]);
  });

  it("a flipped byte in the last batch's last byte", async () => {
    const dir = copyArchive(fixture.dir);
    const stream = readManifest(dir).tables[0].streams[0];
    const last = stream.batches.at(-1)!;
    const file = path.join(dir, "t0-s0.arrows");
    const bytes = fs.readFileSync(file);
    bytes[last.offset + last.length - 1] ^= 0x01;
    fs.writeFileSync(file, bytes);
    await expectRestoreRefused(fixture, dir, "ARCHIVE_CORRUPT", ["stream 0", `batch ${last.seq}`, "t0-s0.arrows"]);
  });

  it("a flipped byte in the schema message", async () => {
    const dir = copyArchive(fixture.dir);
    const file = path.join(dir, "t1-s0.arrows");
    const bytes = fs.readFileSync(file);
    bytes[20] ^= 0xff;
    fs.writeFileSync(file, bytes);
    await expectRestoreRefused(fixture, dir, "ARCHIVE_CORRUPT", ["stream 0", "t1-s0.arrows", "schema"]);
  });

  it("a flipped byte in the end-of-stream marker", async () => {
    const dir = copyArchive(fixture.dir);
    const file = path.join(dir, "t0-s1.arrows");
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 1] ^= 0x01;
    fs.writeFileSync(file, bytes);
    await expectRestoreRefused(fixture, dir, "ARCHIVE_CORRUPT", ["stream 1", "t0-s1.arrows"]);
  });

  it("a truncated file (cut inside batch 1)", async () => {
    const dir = copyArchive(fixture.dir);
    const batch = readManifest(dir).tables[0].streams[0].batches[1];
    fs.truncateSync(path.join(dir, "t0-s0.arrows"), batch.offset + 10);
    await expectRestoreRefused(fixture, dir, "ARCHIVE_CORRUPT", ["stream 0", "batch 1", "t0-s0.arrows", "truncated"]);
  });

  it("a file truncated to 0 bytes, and one cut inside its end-of-stream marker", async () => {
    const dir = copyArchive(fixture.dir);
    fs.truncateSync(path.join(dir, "t1-s1.arrows"), 0);
    await expectRestoreRefused(fixture, dir, "ARCHIVE_CORRUPT", ["stream 1", "t1-s1.arrows"]);
    const dir2 = copyArchive(fixture.dir);
    const file = path.join(dir2, "t0-s0.arrows");
    fs.truncateSync(file, fs.statSync(file).size - 3);
    await expectRestoreRefused(fixture, dir2, "ARCHIVE_CORRUPT", ["stream 0", "t0-s0.arrows"]);
  });

  it("an extended file (bytes after the end-of-stream marker)", async () => {
    const dir = copyArchive(fixture.dir);
    fs.appendFileSync(path.join(dir, "t0-s1.arrows"), Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]));
    await expectRestoreRefused(fixture, dir, "ARCHIVE_CORRUPT", ["stream 1", "t0-s1.arrows"]);
  });

  it("two stream files swapped (reordered)", async () => {
    const dir = copyArchive(fixture.dir);
    const a = path.join(dir, "t0-s0.arrows"); const b = path.join(dir, "t0-s1.arrows"); const tmp = path.join(dir, "swap");
    fs.renameSync(a, tmp); fs.renameSync(b, a); fs.renameSync(tmp, b);
    await expectRestoreRefused(fixture, dir, "ARCHIVE_CORRUPT", [/stream [01]/, /t0-s[01]\.arrows/]);
  });

  it("files of two tables swapped", async () => {
    const dir = copyArchive(fixture.dir);
    const a = path.join(dir, "t0-s0.arrows"); const b = path.join(dir, "t1-s0.arrows"); const tmp = path.join(dir, "swap");
    fs.renameSync(a, tmp); fs.renameSync(b, a); fs.renameSync(tmp, b);
    await expectRestoreRefused(fixture, dir, "ARCHIVE_CORRUPT", [/t[01]-s0\.arrows/]);
  });

  it("two batches' regions swapped in the manifest (reordered)", async () => {
    const dir = copyArchive(fixture.dir);
    const manifest = readManifest(dir);
    const batches = manifest.tables[0].streams[1].batches;
    [batches[0], batches[1]] = [batches[1], batches[0]];
    writeManifest(dir, manifest);
    await expectRestoreRefused(fixture, dir, "ARCHIVE_CORRUPT", ["manifest", "batches"]);
  });

  it("two batches' regions swapped in the manifest with their seqs renumbered (offsets out of order)", async () => {
    const dir = copyArchive(fixture.dir);
    const manifest = readManifest(dir);
    const batches = manifest.tables[0].streams[0].batches;
    [batches[0], batches[1]] = [{ ...batches[1], seq: 0 }, { ...batches[0], seq: 1 }];
    writeManifest(dir, manifest);
    await expectRestoreRefused(fixture, dir, "ARCHIVE_CORRUPT", ["manifest"]);
  });

  it("two batches swapped inside the file (reordered; same size) → CRC mismatch naming the first batch", async () => {
    const dir = copyArchive(fixture.dir);
    const stream = readManifest(dir).tables[0].streams[0];
    const [x, y] = stream.batches;
    const file = path.join(dir, "t0-s0.arrows");
    const bytes = fs.readFileSync(file);
    const swapped = Buffer.concat([
      bytes.subarray(0, x.offset), bytes.subarray(y.offset, y.offset + y.length), bytes.subarray(x.offset, x.offset + x.length), bytes.subarray(y.offset + y.length),
    ]);
    expect(swapped.length).toBe(bytes.length);
    fs.writeFileSync(file, swapped);
    await expectRestoreRefused(fixture, dir, "ARCHIVE_CORRUPT", ["stream 0", "batch 0", "t0-s0.arrows"]);
  });

  it("a deleted stream file", async () => {
    const dir = copyArchive(fixture.dir);
    fs.rmSync(path.join(dir, "t0-s1.arrows"));
    await expectRestoreRefused(fixture, dir, "ARCHIVE_CORRUPT", ["stream 1", "t0-s1.arrows", "missing"]);
  });

  for (const [what, file] of [["../evil.arrows", "../evil.arrows"], ["an absolute path", "/tmp/t0-s0.arrows"], ["a NUL byte", "t0-s0.arrows\u0000"], ["a sub-directory", "sub/t0-s0.arrows"], ["another stream's file", "t0-s1.arrows"]] as const) {
    it(`a manifest whose file name is ${what}`, async () => {
      const dir = copyArchive(fixture.dir);
      if (file === "../evil.arrows") fs.copyFileSync(path.join(dir, "t0-s0.arrows"), path.join(dir, "..", `evil-${path.basename(dir)}.arrows`));
      const manifest = readManifest(dir);
      manifest.tables[0].streams[0].file = file === "../evil.arrows" ? `../evil-${path.basename(dir)}.arrows` : file;
      writeManifest(dir, manifest);
      await expectRestoreRefused(fixture, dir, "ARCHIVE_CORRUPT", ["manifest", "file"]);
      if (file === "../evil.arrows") fs.rmSync(path.join(dir, "..", `evil-${path.basename(dir)}.arrows`), { force: true });
    });
  }

  it("a manifest from another archive (foreign)", async () => {
    const dir = copyArchive(fixture.dir);
    fs.copyFileSync(path.join(fixture.other, "manifest.json"), path.join(dir, "manifest.json"));
    await expectRestoreRefused(fixture, dir, "ARCHIVE_CORRUPT", [/t\d-s\d\.arrows/]);
  });

  it("a stream file from another archive (foreign)", async () => {
    const dir = copyArchive(fixture.dir);
    fs.copyFileSync(path.join(fixture.other, "t0-s1.arrows"), path.join(dir, "t0-s1.arrows"));
    await expectRestoreRefused(fixture, dir, "ARCHIVE_CORRUPT", ["stream 1", "t0-s1.arrows"]);
  });

  it("a manifest whose batch row counts lie (totals kept consistent)", async () => {
    const dir = copyArchive(fixture.dir);
    const manifest = readManifest(dir);
    const stream = manifest.tables[0].streams[0];
    stream.batches[0].rows += 1; stream.batches[1].rows -= 1;
    writeManifest(dir, manifest);
    await expectRestoreRefused(fixture, dir, "ARCHIVE_CORRUPT", ["stream 0", "batch 0"]);
  });

  it("a manifest whose source checksums do not match the rows → VERIFY_FAILED naming the table and the bucket", async () => {
    const dir = copyArchive(fixture.dir);
    const manifest = readManifest(dir) as unknown as { tables: { checksums: { bits: number; buckets: number[][] } }[] };
    const row = manifest.tables[1].checksums.buckets[0]; // [bucket, count, sum1, sum2]
    row[2] = (row[2] + 1) >>> 0;
    writeManifest(dir, manifest);
    const target = restoreTarget();
    const error = await expectAmpsimError(() => within(TIMEOUT_MS, restore({ target, dir })), "VERIFY_FAILED", "d.u", `0x${row[0].toString(16)}`);
    expect(error.message).not.toContain("d.t (");
    expect(stagingTables(target)).toEqual([]);
    expect(target.tables()).toContain("keep.mine");
    // The rows were committed before verification ran (verify checks the committed table), so they stay.
  });

  for (const [what, edit] of [
    ["rows", (t: Record<string, unknown>) => { t.rows = 999; }],
    ["rows per AMP", (t: Record<string, unknown>) => { t.ampRows = (t.ampRows as number[]).map((n, i) => (i === 0 ? n + 1 : n)); }],
    ["a bucket's row count", (t: Record<string, unknown>) => { const buckets = (t.checksums as { buckets: number[][] }).buckets; buckets[0][1] += 1; }],
  ] as const) {
    it(`a manifest whose ${what} disagree with the rest → ARCHIVE_CORRUPT before anything is created (not a report with wrong counts)`, async () => {
      const dir = copyArchive(fixture.dir);
      const manifest = readManifest(dir) as unknown as { tables: Record<string, unknown>[] };
      edit(manifest.tables[0]);
      writeManifest(dir, manifest);
      await expectRestoreRefused(fixture, dir, "ARCHIVE_CORRUPT", ["manifest", "d.t", "its checksums count"]);
    });
  }

  it("a manifest whose DDL names another table → ARCHIVE_CORRUPT before anything is created", async () => {
    const dir = copyArchive(fixture.dir);
    const manifest = readManifest(dir) as unknown as { tables: { ddl: string }[] };
    manifest.tables[1].ddl = manifest.tables[1].ddl.replace("d.u", "d.x");
    writeManifest(dir, manifest);
    const target = await expectRestoreRefused(fixture, dir, "ARCHIVE_CORRUPT", ["d.u", "d.x"]);
    expect(target.hasTable("d.x")).toBe(false);
  });

  it("a manifest whose DDL is not a CREATE TABLE → ARCHIVE_CORRUPT (an operating error, not an assertion)", async () => {
    const dir = copyArchive(fixture.dir);
    const manifest = readManifest(dir) as unknown as { tables: { ddl: string }[] };
    manifest.tables[1].ddl = "DROP TABLE keep.mine;";
    writeManifest(dir, manifest);
    await expectRestoreRefused(fixture, dir, "ARCHIVE_CORRUPT", ["d.u"]);
  });

  it("a manifest whose DDL carries further statements → ARCHIVE_CORRUPT, and they never run on the target", async () => {
    const dir = copyArchive(fixture.dir);
    const manifest = readManifest(dir) as unknown as { tables: { ddl: string }[] };
    manifest.tables[1].ddl += "\nDROP TABLE keep.mine;";
    writeManifest(dir, manifest);
    const target = await expectRestoreRefused(fixture, dir, "ARCHIVE_CORRUPT", ["d.u"]);
    expect(target.hasTable("keep.mine")).toBe(true);
  });

  it("a manifest whose clusters do not match its streams → ARCHIVE_CORRUPT before anything is committed", async () => {
    const dir = copyArchive(fixture.dir);
    const manifest = readManifest(dir) as unknown as { tables: { clusters: number[][] }[] };
    for (const table of manifest.tables) table.clusters = [[0, 1, 2, 3]];
    writeManifest(dir, manifest);
    await expectRestoreRefused(fixture, dir, "ARCHIVE_CORRUPT", ["manifest"]);
  });

  it("a manifest with impossible checksum bits → ARCHIVE_CORRUPT before anything is committed", async () => {
    const dir = copyArchive(fixture.dir);
    const manifest = readManifest(dir) as unknown as { tables: { checksums: { bits: number } }[] };
    manifest.tables[0].checksums.bits = 40;
    writeManifest(dir, manifest);
    await expectRestoreRefused(fixture, dir, "ARCHIVE_CORRUPT", ["checksums", "d.t"]);
  });

  it("checksums made with another row checksum hash (another ampsim version) → ARCHIVE_CORRUPT naming the hash", async () => {
    const dir = copyArchive(fixture.dir);
    const manifest = readManifest(dir) as unknown as { tables: { checksums: { hash?: string } }[] };
    manifest.tables[0].checksums.hash = "ampsim-row-checksum-1";
    writeManifest(dir, manifest);
    await expectRestoreRefused(fixture, dir, "ARCHIVE_CORRUPT", ["checksums", "d.t", "ampsim-row-checksum-1", "another version"]);
  });

  it("a stream removed from the manifest → ARCHIVE_CORRUPT naming the stream", async () => {
    const dir = copyArchive(fixture.dir);
    const manifest = readManifest(dir);
    manifest.tables[0].streams.pop();
    writeManifest(dir, manifest);
    await expectRestoreRefused(fixture, dir, "ARCHIVE_CORRUPT", ["stream 1", "d.t"]);
  });

  it("an unparsable manifest", async () => {
    const dir = copyArchive(fixture.dir);
    fs.writeFileSync(path.join(dir, "manifest.json"), "{ \"format\": \"ampsim-archive\", ");
    await expectRestoreRefused(fixture, dir, "ARCHIVE_CORRUPT", ["manifest.json", "JSON"]);
  });

  it("a manifest of the wrong format or version, or with tables not an array", async () => {
    for (const edit of [(m: Record<string, unknown>) => { m.format = "zip"; }, (m: Record<string, unknown>) => { m.version = 99; }, (m: Record<string, unknown>) => { m.tables = {}; }]) {
      const dir = copyArchive(fixture.dir);
      const manifest = readManifest(dir) as unknown as Record<string, unknown>;
      edit(manifest);
      writeManifest(dir, manifest);
      await expectRestoreRefused(fixture, dir, "ARCHIVE_CORRUPT", ["manifest"]);
    }
  });

  it("a manifest without the table's checksums (not written by archive())", async () => {
    const dir = copyArchive(fixture.dir);
    const manifest = readManifest(dir) as unknown as { tables: Record<string, unknown>[] };
    delete manifest.tables[0].checksums;
    writeManifest(dir, manifest);
    await expectRestoreRefused(fixture, dir, "ARCHIVE_CORRUPT", ["checksums", "d.t"]);
  });

  it("a missing manifest, and a directory that does not exist", async () => {
    const dir = copyArchive(fixture.dir);
    fs.rmSync(path.join(dir, "manifest.json"));
    await expectRestoreRefused(fixture, dir, "ARCHIVE_CORRUPT", ["manifest.json"]);
    await expectRestoreRefused(fixture, path.join(dir, "nope"), "ARCHIVE_CORRUPT", ["nope"]);
  });

  it("restoring a table not in the archive → NO_SUCH_TABLE", async () => {
    await expectRestoreRefused(fixture, fixture.dir, "NO_SUCH_TABLE", ["d.zz", fixture.dir], { tables: ["d.t", "d.zz"] });
  });

  it("restoring onto an existing table → TABLE_EXISTS; append onto a different definition → TYPE_MISMATCH", async () => {
    const target = engineWith({ amps: 3, name: "t" }, "CREATE MULTISET TABLE d.u (x INTEGER, y VARCHAR(5)) NO PRIMARY INDEX;", [{ x: 1, y: "q" }]);
    await expectRestoreRefused(fixture, fixture.dir, "TABLE_EXISTS", ["d.u"], { target });
    await expectRestoreRefused(fixture, fixture.dir, "TYPE_MISMATCH", ["d.u"], { target, tables: ["d.u"], ifExists: "append" });
  });

  it("restore() bad options: BAD_CONFIG", async () => {
    await expectRestoreRefused(fixture, fixture.dir, "BAD_CONFIG", ["ifExists"], { ifExists: "merge" as never });
    await expectAmpsimError(() => restore({ target: restoreTarget(), dir: "" }), "BAD_CONFIG", "dir");
    await expectAmpsimError(() => restore({ target: restoreTarget(), dir: fixture.dir, staging: "x" as never }), "BAD_CONFIG", "staging");
  });

  it("the intact archive still restores after all that", async () => {
    const target = new Engine({ amps: 4, hashBits: 20 });
    const report = await within(TIMEOUT_MS, restore({ target, dir: fixture.dir }));
    expect(report.tables.every((t) => t.verified)).toBe(true);
    for (const table of ["d.t", "d.u"]) expectMigrated({ source: fixture.source, target, table, sourceBefore: fixture.sourceBefore });
  });
});

// ---------------------------------------------------------------------------
// Out of space

describe("a target AMP runs out of space mid-migration → NO_SPACE naming the AMP, target as it was", () => {
  const ddl = allTypesDdl("d.t");
  const rows = allTypesRows("space", 200);
  const oldRows = allTypesRows("space-old", 12).map((r) => ({ ...r, id: (r.id as number) + 10_000 }));

  async function expectNoSpace(permBytesPerAmp: number, staging: StagingLayout, ifExists: "fail" | "replace" | "append", medium: "memory" | "pipe" = "memory", ...mentions: (string | RegExp)[]): Promise<void> {
    const source = engineWith({ amps: 4, name: "src" }, ddl, rows);
    const target = new Engine({ amps: 3, name: "tgt", permBytesPerAmp });
    if (ifExists !== "fail") {
      target.sql("CREATE DATABASE d;"); target.sql(ddl); target.insert("d.t", oldRows);
    }
    target.sql("CREATE DATABASE keep; CREATE MULTISET TABLE keep.mine (k INTEGER) PRIMARY INDEX (k);");
    target.insert("keep.mine", [{ k: 1 }]);
    await expectRefused(source, target, () => migrate({ source, target, streams: 2, staging, ifExists, medium, batchRows: 25 }), "NO_SPACE", /AMP \d/, String(permBytesPerAmp), ...mentions);
    if (ifExists === "fail") expect(target.hasTable("d.t")).toBe(false);
    else expect(rowMultiset(target, "d.t").length).toBe(12);
  }

  // Unlimited, this migration puts about 8 KB on each target AMP, and as much again in staging.
  for (const staging of ["hashed", "nopi"] as const) {
    it(`while restoring into staging (${staging}; new table → absent afterwards; the error names the table and stream, not only the staging table)`, async () => {
      await expectNoSpace(4_000, staging, "fail", "memory", /stream \d of d\.t, batch \d+, into its staging table: AMP \d/);
    });
    it(`in the final insert-select (${staging}; new table → absent afterwards)`, async () => {
      await expectNoSpace(12_000, staging, "fail", "pipe");
    });
    it(`in the final insert-select with ifExists replace (${staging}; the old rows stay)`, async () => {
      await expectNoSpace(12_500, staging, "replace");
    });
    it(`in the final insert-select with ifExists append (${staging}; the old rows stay)`, async () => {
      await expectNoSpace(12_500, staging, "append");
    });
  }

  it("the same migration fits with enough space (the limits above are not simply too small for the data)", async () => {
    const source = engineWith({ amps: 4, name: "src" }, ddl, rows);
    const target = new Engine({ amps: 3, name: "tgt", permBytesPerAmp: 20_000 });
    const before = snapshotSystem(source);
    const report = await within(TIMEOUT_MS, migrate({ source, target, streams: 2, batchRows: 25 }));
    expect(report.tables[0].verified).toBe(true);
    expectMigrated({ source, target, table: "d.t", sourceBefore: before });
    expect(Math.max(...target.ampBytes())).toBeGreaterThan(6_000);
    expect(Math.max(...target.ampBytes())).toBeLessThan(12_000);
  });
});

// ---------------------------------------------------------------------------

describe("a failed migration or restore leaves no database behind that it created", () => {
  it("migrate() failing with NO_SPACE after creating the table's database", async () => {
    const source = engineWith({ amps: 4, name: "src" }, allTypesDdl("d.t"), allTypesRows("space-db", 200));
    const target = new Engine({ amps: 3, name: "tgt", permBytesPerAmp: 4_000 });
    const before = target.databases();
    await expectAmpsimError(() => within(TIMEOUT_MS, migrate({ source, target, streams: 2 })), "NO_SPACE");
    expect(target.tables()).toEqual([]);
    expect(target.databases()).toEqual(before);
  });

  it("restore() of a damaged archive", async () => {
    const fixture = await archives();
    const dir = copyArchive(fixture.dir);
    fs.rmSync(path.join(dir, "t0-s1.arrows"));
    const target = restoreTarget();
    const before = target.databases();
    await expectAmpsimError(() => within(TIMEOUT_MS, restore({ target, dir })), "ARCHIVE_CORRUPT");
    expect(target.tables()).toEqual(["keep.mine"]);
    expect(target.databases()).toEqual(before);
  });
});
