/**
 * migrate() end to end through the public API: every transfer medium × both
 * staging layouts, several tables per run, differently configured systems
 * (AMP counts, hash maps, bucket bits, clusters), every column type with
 * NULLs, duplicates, empty tables, secondary indexes, table kinds, ifExists,
 * keepStaging, progress events, batching, and a seeded property test over
 * random configurations, schemas and data.
 *
 * After every successful migration the invariant of test/helpers/invariant.ts
 * holds: same row multiset, every row on the AMP its hash assigns, same
 * definition, no staging left, source unchanged.
 *
 * Seeded: the property test prints its seed; replay a failure with
 *   AMPSIM_SEED=<seed> npx vitest run test/migrator/migrate.test.ts
 */
import { afterAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as path from "node:path";
import { AmpsimError, createExecutor, Engine, HashMap, movedBuckets, rowHash, types } from "../../engine/index.js";
import type { ColumnType, TraceStep } from "../../engine/index.js";
import { migrate, restore, STAGING_DATABASE, verifyCopy } from "../../migrator/index.js";
import type { MediumSpec, MigrateOptions, MigrationReport, ProgressEvent, StagingLayout } from "../../migrator/index.js";
import { Prng, replayHint, seedFromEnv } from "../../sim/index.js";
import {
  allNullRow, allTypesDdl, allTypesRows, engineWith, expectAmpsimError, removeTempDirs, tempDir, within, type Row,
} from "../helpers/fixtures.js";
import {
  expectMigrated, expectSystemUnchanged, rowMultiset, snapshotSystem, stagingTables, type SystemSnapshot,
} from "../helpers/invariant.js";

const POOL = createExecutor({ kind: "pool", threads: 2 });
afterAll(async () => { removeTempDirs(); await POOL.close(); });

const PHASES = ["dictionary", "staging", "transfer", "insert-select", "verify", "cleanup"];
const TIMEOUT_MS = 20_000;

/** migrate() with a time limit, so a stuck pipe or socket fails the test rather than hanging. */
function run(options: MigrateOptions): Promise<MigrationReport> {
  return within(TIMEOUT_MS, migrate(options), "migrate()");
}

/** Migrates and checks the invariant for every table of `tables` (default: all source tables). */
async function migrateChecked(options: MigrateOptions): Promise<{ report: MigrationReport; before: SystemSnapshot }> {
  const before = snapshotSystem(options.source);
  const report = await run(options);
  const tables = options.tables ?? before.tables;
  for (const table of tables) {
    expectMigrated({ source: options.source, target: options.target, table, sourceBefore: before, keepStaging: options.keepStaging });
  }
  expect(report.ok).toBe(true);
  for (const t of report.tables) {
    expect(t.verified, `${t.table} verified`).toBe(true);
    expect(t.placementVerified, `${t.table} placementVerified`).toBe(true);
    expect(t.mismatchedBuckets).toEqual([]);
    expect(t.targetChecksum).toBe(t.sourceChecksum);
  }
  return { report, before };
}

function phaseNames(report: MigrationReport): string[] {
  return report.phases.map((p) => p.phase);
}

/** The report's fields agree with each other and with both systems. */
function expectSaneReport(report: MigrationReport, options: { source: Engine; target: Engine; streams: number; tables: string[]; medium: string; staging: StagingLayout }): void {
  const { source, target, streams, tables } = options;
  expect(report.kind).toBe("migration-report");
  expect(report.ok).toBe(true);
  expect(report.medium).toBe(options.medium);
  expect(report.staging).toBe(options.staging);
  expect(report.streams).toBe(streams);
  expect(report.source).toEqual({ name: source.name, amps: source.amps, hashBits: source.hashBits });
  expect(report.target).toEqual({ name: target.name, amps: target.amps, hashBits: target.hashBits });
  expect(report.elapsedMs).toBeGreaterThanOrEqual(0);

  // Phases: each once, in order, timed.
  expect(phaseNames(report).filter((p) => PHASES.includes(p))).toEqual(PHASES);
  let lastStart = -Infinity;
  for (const phase of report.phases) {
    expect(phase.elapsedMs).toBeGreaterThanOrEqual(0);
    expect(phase.startMs).toBeGreaterThanOrEqual(lastStart);
    lastStart = phase.startMs;
  }

  // Tables.
  expect(report.tables.map((t) => t.table).sort()).toEqual([...tables].sort());
  let totalRows = 0;
  for (const t of report.tables) {
    expect(t.rows).toBe(source.rowCount(t.table));
    expect(t.sourceAmpRows).toEqual(source.ampRowCounts(t.table));
    expect(t.targetAmpRows).toEqual(target.ampRowCounts(t.table));
    totalRows += t.rows;
  }
  expect(report.rows).toBe(totalRows);

  // Streams: one per stream per table, rows adding up per cluster and per table.
  expect(report.streamReports.length).toBe(streams * tables.length);
  for (const table of tables) {
    const perStream = report.streamReports.filter((s) => s.table === table);
    expect(perStream.map((s) => s.stream).sort((a, b) => a - b)).toEqual(Array.from({ length: streams }, (_, s) => s));
    const ampRows = source.ampRowCounts(table);
    const clusterAmps = perStream.flatMap((s) => s.cluster).sort((a, b) => a - b);
    expect(clusterAmps).toEqual(Array.from({ length: source.amps }, (_, a) => a));
    for (const s of perStream) {
      expect(s.rows, `${table} stream ${s.stream} rows = its cluster's rows`).toBe(s.cluster.reduce((sum, a) => sum + ampRows[a], 0));
      expect(s.staging.startsWith(`"${STAGING_DATABASE}".`), s.staging).toBe(true);
      expect(s.batches).toBeGreaterThanOrEqual(s.rows > 0 ? 1 : 0);
      expect(s.bytes).toBeGreaterThanOrEqual(0);
      expect(s.mediumBytes).toBeGreaterThanOrEqual(0);
      expect(s.elapsedMs).toBeGreaterThanOrEqual(0);
    }
    expect(perStream.reduce((sum, s) => sum + s.rows, 0)).toBe(source.rowCount(table));
    expect(new Set(perStream.map((s) => s.staging)).size).toBe(streams);
  }

  // AMPs.
  expect(report.targetAmps.length).toBe(target.amps);
  expect(report.targetAmps.map((a) => a.amp)).toEqual(Array.from({ length: target.amps }, (_, a) => a));
  expect(report.targetAmps.reduce((sum, a) => sum + a.rows, 0)).toBe(totalRows);
  report.targetAmps.forEach((a) => expect(a.rows).toBe(tables.reduce((sum, t) => sum + target.ampRowCounts(t)[a.amp], 0)));
  expect(report.sourceAmps.length).toBe(source.amps);
  expect(report.sourceAmps.reduce((sum, a) => sum + a.rows, 0)).toBe(totalRows);

  // Trace: non-empty on both sides, every step labelled with its phase (and table; stream for archive/restore).
  expect(report.trace.source.length).toBeGreaterThan(0);
  expect(report.trace.target.length).toBeGreaterThan(0);
  expect(unlabelled(report.trace.source), "source steps without a phase label").toEqual([]);
  expect(unlabelled(report.trace.target), "target steps without a phase label").toEqual([]);
  for (const step of report.trace.source) {
    expect(step.labels.phase).toBe("archive");
    expect(tables).toContain(step.labels.table);
    expect(typeof step.labels.stream).toBe("number");
  }
  for (const step of report.trace.target) {
    if (step.labels.phase === "restore") expect(typeof step.labels.stream).toBe("number");
    if (["restore", "insert-select", "verify"].includes(step.labels.phase as string)) expect(tables).toContain(step.labels.table);
  }
  const targetPhases = new Set(report.trace.target.map((s) => s.labels.phase));
  expect(targetPhases.has("insert-select")).toBe(true);
  expect(targetPhases.has("verify")).toBe(true);
  if (totalRows > 0) expect(targetPhases.has("restore")).toBe(true);
}

function unlabelled(steps: readonly TraceStep[]): string[] {
  return steps.filter((s) => typeof s.labels.phase !== "string").map((s) => `${s.step} ${s.table}`);
}

const MEDIA: { name: string; spec: () => MediumSpec }[] = [
  { name: "memory", spec: () => "memory" },
  { name: "pipe", spec: () => "pipe" },
  { name: "network", spec: () => "network" },
  { name: "storage", spec: () => ({ kind: "storage", dir: tempDir("ampsim-migrate-storage") }) },
];
const LAYOUTS: StagingLayout[] = ["hashed", "nopi"];

// ---------------------------------------------------------------------------

describe("end to end: every medium × both staging layouts, 4 → 6 AMPs, 3 streams", () => {
  for (const medium of MEDIA) {
    for (const staging of LAYOUTS) {
      it(`${medium.name}, ${staging} staging`, async () => {
        const source = engineWith({ amps: 4, name: "src" }, allTypesDdl("d.t", { pi: "PRIMARY INDEX (i)" }), allTypesRows(`e2e-${medium.name}-${staging}`, 240));
        const target = new Engine({ amps: 6, name: "tgt" });
        const spec = medium.spec();
        const { report } = await migrateChecked({ source, target, tables: ["d.t"], streams: 3, medium: spec, staging, batchRows: 50 });
        expectSaneReport(report, { source, target, streams: 3, tables: ["d.t"], medium: medium.name, staging });
        if (typeof spec === "object" && spec.kind === "storage") {
          // A storage migration leaves a restorable archive behind.
          expect(fs.existsSync(path.join(spec.dir, "manifest.json"))).toBe(true);
          const later = new Engine({ amps: 3, name: "later" });
          const restored = await within(TIMEOUT_MS, restore({ target: later, dir: spec.dir }), "restore()");
          expect(restored.tables[0].verified).toBe(true);
          expectMigrated({ source, target: later, table: "d.t", sourceBefore: snapshotSystem(source) });
        }
      });
    }
  }
});

describe("the trace", () => {
  it("every step the migration causes on either system carries its phase label (cleanup's staging drops too)", async () => {
    const source = engineWith({ amps: 4, name: "src" }, allTypesDdl("d.t", { indexes: "INDEX (s)" }), allTypesRows("trace", 60));
    const target = new Engine({ amps: 3, name: "tgt" });
    const { report } = await migrateChecked({ source, target, streams: 2 });
    expect(unlabelled(report.trace.source)).toEqual([]);
    expect(unlabelled(report.trace.target)).toEqual([]);
    const drops = report.trace.target.filter((s) => s.step === "drop-table");
    expect(drops.length).toBe(2);
    for (const step of drops) {
      expect(step.labels.phase).toBe("cleanup");
      expect(step.table.startsWith(`"${STAGING_DATABASE}".`), step.table).toBe(true);
    }
  });
});

describe("several tables in one run", () => {
  function threeTables(): Engine {
    const source = engineWith({ amps: 5, name: "src" }, allTypesDdl("d.a", { pi: "PRIMARY INDEX (s)" }), allTypesRows("several-a", 150));
    source.sql("CREATE DATABASE e; CREATE SET TABLE e.b (k BIGINT NOT NULL, v VARCHAR(20)) UNIQUE PRIMARY INDEX (k);");
    source.insert("e.b", Array.from({ length: 90 }, (_, k) => ({ k: BigInt(k) * 1_000_003n, v: k % 7 === 0 ? null : `v${k}` })));
    source.sql("CREATE MULTISET TABLE d.c (x INTEGER, y FLOAT) NO PRIMARY INDEX;");
    source.insert("d.c", Array.from({ length: 70 }, (_, k) => ({ x: k % 3 === 0 ? null : k % 5, y: k / 4 })));
    source.sql("CREATE MULTISET TABLE d.empty (x INTEGER) PRIMARY INDEX (x);");
    return source;
  }

  for (const parallelTables of [false, true]) {
    for (const medium of MEDIA) {
      it(`${parallelTables ? "parallelTables" : "sequential"}, ${medium.name}`, async () => {
        const source = threeTables();
        const target = new Engine({ amps: 3, name: "tgt" });
        const tables = source.tables();
        expect(tables).toEqual(["d.a", "d.c", "d.empty", "e.b"]);
        const { report } = await migrateChecked({ source, target, streams: 2, medium: medium.spec(), parallelTables, batchRows: 40 });
        expectSaneReport(report, { source, target, streams: 2, tables, medium: medium.name, staging: "hashed" });
        expect(target.tables()).toEqual(tables);
      });
    }
  }

  it("a subset of the tables, named in another order; the others are not copied", async () => {
    const source = threeTables();
    const target = new Engine({ amps: 2, name: "tgt" });
    const { report } = await migrateChecked({ source, target, tables: ["e.b", "d.c"], streams: 1 });
    expect(report.tables.map((t) => t.table)).toEqual(["e.b", "d.c"]);
    expect(target.tables()).toEqual(["d.c", "e.b"]);
  });
});

describe("system configurations", () => {
  const cases: { name: string; source: () => Engine; target: () => Engine; streams?: number; clusters?: number[][] }[] = [
    { name: "1 → 5 AMPs", source: () => new Engine({ amps: 1 }), target: () => new Engine({ amps: 5 }) },
    { name: "5 → 1 AMP, 3 streams", source: () => new Engine({ amps: 5 }), target: () => new Engine({ amps: 1 }), streams: 3 },
    { name: "4 → 4 AMPs, different hash maps (rebalanced 3 → 4 vs uniform)", source: () => new Engine({ amps: 4 }), target: () => new Engine({ hashMap: HashMap.rebalance(HashMap.uniform(3), 4) }), streams: 2 },
    { name: "4 → 4 AMPs, the reverse", source: () => new Engine({ hashMap: HashMap.rebalance(HashMap.uniform(3), 4) }), target: () => new Engine({ amps: 4 }), streams: 4 },
    { name: "16-bit → 20-bit buckets", source: () => new Engine({ amps: 3, hashBits: 16 }), target: () => new Engine({ amps: 3, hashBits: 20 }), streams: 3 },
    { name: "20-bit → 16-bit buckets, 6 → 2 AMPs", source: () => new Engine({ amps: 6, hashBits: 20 }), target: () => new Engine({ amps: 2, hashBits: 16 }), streams: 2 },
    { name: "2 → 1 AMP, 2 streams, explicit clusters [[1], [0]]", source: () => new Engine({ amps: 2 }), target: () => new Engine({ amps: 1 }), streams: 2, clusters: [[1], [0]] },
    { name: "7 → 3 AMPs, uneven clusters", source: () => new Engine({ amps: 7 }), target: () => new Engine({ amps: 3, hashBits: 12 }), streams: 3, clusters: [[6, 0], [3], [5, 1, 2, 4]] },
    { name: "3 → 8 AMPs, rebalanced 8-AMP map with empty-handed AMPs", source: () => new Engine({ amps: 3 }), target: () => new Engine({ hashMap: HashMap.fromBuckets(4, 8, [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 7]) }), streams: 1 },
  ];
  for (const c of cases) {
    for (const staging of LAYOUTS) {
      it(`${c.name}, ${staging} staging`, async () => {
        const base = c.source();
        const source = engineWith({ hashMap: base.hashMap, name: "src" }, allTypesDdl("d.t", { pi: "PRIMARY INDEX (id)" }), allTypesRows(`config-${c.name}`, 120));
        source.sql("CREATE MULTISET TABLE d.n (x INTEGER, y VARCHAR(5)) NO PRIMARY INDEX;");
        source.insert("d.n", Array.from({ length: 40 }, (_, k) => ({ x: k, y: k % 4 === 0 ? null : `y${k % 9}` })));
        const target = c.target();
        const streams = c.streams ?? 1;
        const { report } = await migrateChecked({ source, target, streams, clusters: c.clusters, staging });
        expectSaneReport(report, { source, target, streams, tables: ["d.n", "d.t"], medium: "memory", staging });
        if (c.clusters) {
          for (const s of report.streamReports) expect(s.cluster).toEqual(c.clusters[s.stream]);
        }
      });
    }
  }

  it("the two hash maps of the equal-AMP case really differ", () => {
    expect(movedBuckets(HashMap.uniform(4), HashMap.rebalance(HashMap.uniform(3), 4))).toBeGreaterThan(0);
  });
});

describe("table shapes", () => {
  it("NoPI tables (both layouts, several streams); the rows keep their multiset", async () => {
    for (const staging of LAYOUTS) {
      const source = engineWith({ amps: 4, name: "src" }, allTypesDdl("d.t", { pi: "NO PRIMARY INDEX" }), allTypesRows(`nopi-${staging}`, 130));
      const target = new Engine({ amps: 6, name: "tgt" });
      const { report } = await migrateChecked({ source, target, streams: 4, staging });
      expect(target.describe("d.t").primaryIndex).toBeNull();
      expectSaneReport(report, { source, target, streams: 4, tables: ["d.t"], medium: "memory", staging });
    }
  });

  it("NUPI with heavy duplicates in a MULTISET table: one key holds about half the rows, incl. identical rows", async () => {
    const rows: Row[] = [];
    for (let k = 0; k < 200; k++) rows.push({ k: k % 2 === 0 ? 7 : 1000 + k, v: k % 2 === 0 ? k % 3 : k, w: k % 2 === 0 ? "same" : `w${k}` });
    for (const staging of LAYOUTS) {
      const source = engineWith({ amps: 4, name: "src" }, "CREATE MULTISET TABLE d.t (k INTEGER, v INTEGER, w VARCHAR(10)) PRIMARY INDEX (k);", rows);
      const skew = source.ampRowCounts("d.t");
      expect(Math.max(...skew)).toBeGreaterThanOrEqual(100);
      const target = new Engine({ amps: 5, name: "tgt" });
      await migrateChecked({ source, target, streams: 2, staging });
      expect(target.lookup("d.t", [7]).numRows).toBe(100);
      expect(Math.max(...target.ampRowCounts("d.t"))).toBeGreaterThanOrEqual(100);
    }
  });

  it("NUPI with heavy duplicates in a SET table (rows distinct, keys not)", async () => {
    const rows: Row[] = [];
    for (let k = 0; k < 200; k++) rows.push({ k: k % 2 === 0 ? 7 : 1000 + k, v: k });
    for (const staging of LAYOUTS) {
      const source = engineWith({ amps: 3, name: "src" }, "CREATE SET TABLE d.t (k INTEGER, v INTEGER) PRIMARY INDEX (k);", rows);
      const target = new Engine({ amps: 7, name: "tgt" });
      await migrateChecked({ source, target, streams: 3, staging });
      expect(target.describe("d.t").setness).toBe("set");
      expect(target.lookup("d.t", [7]).numRows).toBe(100);
      // Still a SET table: a duplicate row is refused.
      await expectAmpsimError(() => target.insert("d.t", [{ k: 7, v: 0 }]), "DUPLICATE_ROW");
    }
  });

  it("NULLs in every column type, including the PI of a NUPI table", async () => {
    const rows = allTypesRows("nulls", 80).map((row, k) => (k % 4 === 0 ? { ...allNullRow(row.id as number) } : row));
    for (const pi of ["PRIMARY INDEX (i)", "PRIMARY INDEX (vc, dt)", "PRIMARY INDEX (huge)", "PRIMARY INDEX (ts, ok, b)"]) {
      for (const staging of LAYOUTS) {
        const source = engineWith({ amps: 4, name: "src" }, allTypesDdl("d.t", { pi }), rows);
        const target = new Engine({ amps: 3, hashBits: 20, name: "tgt" });
        await migrateChecked({ source, target, streams: 2, staging });
        const nullKey = target.describe("d.t").primaryIndex!.columns.map(() => null);
        expect(target.lookup("d.t", nullKey).numRows, `${pi}: rows with a NULL PI`).toBeGreaterThanOrEqual(20);
      }
    }
  });

  it("every type as the only column and as the PI, with NULLs (one table per type)", async () => {
    const typed: { sql: string; values: unknown[] }[] = [
      { sql: "BYTEINT", values: [-128, 127, 0, null, 5] },
      { sql: "SMALLINT", values: [-32768, 32767, null, 1] },
      { sql: "INTEGER", values: [-2147483648, 2147483647, null, 0] },
      { sql: "BIGINT", values: [-(2n ** 63n), 2n ** 63n - 1n, null, 0n, 42n] },
      { sql: "REAL", values: [Math.fround(1.5), -0, null, Math.fround(3.4e38), Math.fround(-1e-30)] },
      { sql: "FLOAT", values: [0.1, -0, null, 1.7976931348623157e308, -5e-324] },
      { sql: "DECIMAL(5,2)", values: ["999.99", "-999.99", null, "0.01", "0"] },
      { sql: "DECIMAL(38,10)", values: ["9999999999999999999999999999.9999999999", "-9999999999999999999999999999.9999999999", null, "0.0000000001"] },
      { sql: "DECIMAL(18,0)", values: ["999999999999999999", "-1", null] },
      { sql: "BOOLEAN", values: [true, false, null, true] },
      { sql: "LONG VARCHAR", values: ["", "x".repeat(3000), null, "é🙂"] },
      { sql: "VARCHAR(3)", values: ["", "abc", null, "日本語"] },
      { sql: "CHAR(4)", values: ["a", "abcd", null, " x"] },
      { sql: "DATE", values: [new Date(-62135596800000), new Date(Date.UTC(9999, 11, 31)), null, new Date(0)] },
      { sql: "TIMESTAMP", values: [new Date(-62135596800000), new Date(253402300799999), null, new Date(1)] },
    ];
    for (const { sql, values } of typed) {
      const source = engineWith({ amps: 3, name: "src" }, `CREATE MULTISET TABLE d.t (v ${sql}, n INTEGER) PRIMARY INDEX (v);`);
      source.insert("d.t", values.flatMap((v, k) => [{ v, n: k }, { v, n: null }]));
      const target = new Engine({ amps: 4, hashBits: 12, name: "tgt" });
      await migrateChecked({ source, target, streams: 2, staging: sql.length % 2 === 0 ? "hashed" : "nopi" });
    }
  });

  it("empty tables over every medium (0 rows: empty streams)", async () => {
    for (const medium of MEDIA) {
      const source = engineWith({ amps: 4, name: "src" }, allTypesDdl("d.t"));
      source.sql("CREATE MULTISET TABLE d.n (x INTEGER) NO PRIMARY INDEX;");
      const target = new Engine({ amps: 2, name: "tgt" });
      const { report } = await migrateChecked({ source, target, streams: 4, medium: medium.spec() });
      expect(target.rowCount("d.t")).toBe(0);
      expect(report.rows).toBe(0);
      expect(report.streamReports.every((s) => s.rows === 0)).toBe(true);
      expectSaneReport(report, { source, target, streams: 4, tables: ["d.n", "d.t"], medium: medium.name, staging: "hashed" });
    }
  });

  it("a table empty on some AMPs (all rows share one PI value)", async () => {
    for (const medium of MEDIA) {
      const source = engineWith({ amps: 4, name: "src" }, "CREATE MULTISET TABLE d.t (k INTEGER, v INTEGER) PRIMARY INDEX (k);", Array.from({ length: 60 }, (_, v) => ({ k: 3, v })));
      expect(source.ampRowCounts("d.t").filter((n) => n === 0).length).toBe(3);
      const target = new Engine({ amps: 6, name: "tgt" });
      const { report } = await migrateChecked({ source, target, streams: 4, medium: medium.spec(), staging: "nopi" });
      expect(report.streamReports.filter((s) => s.rows === 0).length).toBe(3);
      expect(target.ampRowCounts("d.t").filter((n) => n === 60).length).toBe(1);
    }
  });

  it("a table whose rows were inserted in many statements (several runs per AMP) and partly deleted", async () => {
    const source = engineWith({ amps: 3, name: "src" }, allTypesDdl("d.t", { pi: "UNIQUE PRIMARY INDEX (id)" }));
    const rows = allTypesRows("runs", 300);
    for (let start = 0; start < rows.length; start += 37) source.insert("d.t", rows.slice(start, start + 37));
    source.delete("d.t", { where: "id < 40" });
    const target = new Engine({ amps: 5, name: "tgt" });
    await migrateChecked({ source, target, streams: 3, batchRows: 16, medium: "pipe" });
    expect(target.rowCount("d.t")).toBe(261);
  });
});

describe("quoted identifiers", () => {
  it("database, table and column names that need quoting (spaces, mixed case, reserved words)", async () => {
    for (const medium of MEDIA) {
      const source = new Engine({ amps: 3, name: "src" });
      source.sql(`CREATE DATABASE "My Db"; CREATE MULTISET TABLE "My Db"."Order Lines" ("date" DATE, "Mixed Case" INTEGER, "select" VARCHAR(3), "a""b" SMALLINT) PRIMARY INDEX ("Mixed Case") INDEX ("select");`);
      const [table] = source.tables();
      source.insert(table, Array.from({ length: 30 }, (_, k) => ({ date: k % 4 === 0 ? null : new Date(k * 86_400_000), "Mixed Case": k % 5 === 0 ? null : k % 7, select: `s${k % 10}`, 'a"b': k })));
      const target = new Engine({ amps: 2, name: "tgt" });
      await migrateChecked({ source, target, streams: 2, medium: medium.spec(), staging: "nopi" });
      expect(target.tables()).toEqual(['"My Db"."Order Lines"']);
    }
  });
});

describe("secondary indexes", () => {
  const ddl = `CREATE MULTISET TABLE d.t (
  id INTEGER NOT NULL,
  sku VARCHAR(12),
  cust INTEGER,
  amount DECIMAL(10,2)
) UNIQUE PRIMARY INDEX (id)
UNIQUE INDEX by_sku (sku)
INDEX (cust);`;
  const rows = Array.from({ length: 120 }, (_, k) => ({ id: k * 11, sku: k === 10 ? null : `sku-${k}`, cust: k % 6 === 0 ? null : k % 9, amount: `${k}.${k % 100}` }));

  for (const staging of LAYOUTS) {
    it(`USI and NUSI are copied and correct on the target (${staging} staging)`, async () => {
      const source = engineWith({ amps: 4, name: "src" }, ddl, rows);
      const target = new Engine({ amps: 6, name: "tgt" });
      const { report } = await migrateChecked({ source, target, streams: 2, staging, medium: "network" });
      expectSaneReport(report, { source, target, streams: 2, tables: ["d.t"], medium: "network", staging });
      expect(target.describe("d.t").indexes).toEqual(source.describe("d.t").indexes);
      expect(target.describe("d.t").indexes.map((i) => i.unique)).toEqual([true, false]);
      // The index subtables exist on the target as on the source.
      const indexTables = (e: Engine) => e.allTables().filter((n) => !e.tables().includes(n) && !n.startsWith(`"${STAGING_DATABASE}"`));
      expect(indexTables(target).length).toBe(indexTables(source).length);

      // The USI holds the migrated values: a duplicate sku is refused, a new one is accepted.
      await expectAmpsimError(() => target.insert("d.t", [{ id: 100_001, sku: "sku-5", cust: 1, amount: "1.00" }]), "DUPLICATE_KEY");
      expect(target.rowCount("d.t")).toBe(120);
      expect(target.insert("d.t", [{ id: 100_002, sku: "sku-new", cust: 1, amount: "1.00" }])).toBe(1);
      // The UPI too.
      await expectAmpsimError(() => target.insert("d.t", [{ id: 11, sku: "other", cust: 1, amount: "1.00" }]), "DUPLICATE_KEY");
      // PI lookup and a NUSI-column scan.
      expect(target.lookup("d.t", [55]).numRows).toBe(1);
      expect(rowMultiset(target, "d.t").length).toBe(121);
      const byCust = (e: Engine) => e.scan("d.t", { where: "cust = 4", columns: ["id"] }).numRows;
      expect(byCust(target)).toBe(byCust(source) + 0);
      // SQL DROP INDEX works on the copied index (it exists by name).
      target.sql("DROP INDEX by_sku ON d.t;");
      expect(target.describe("d.t").indexes.length).toBe(1);
    });
  }
});

describe("table kinds and setness survive the DDL copy", () => {
  const kinds = [
    "CREATE GLOBAL TEMPORARY MULTISET TABLE d.g (k INTEGER, v VARCHAR(8)) PRIMARY INDEX (k) ON COMMIT PRESERVE ROWS;",
    "CREATE GLOBAL TEMPORARY SET TABLE d.g2 (k INTEGER NOT NULL, v VARCHAR(8)) UNIQUE PRIMARY INDEX (k) ON COMMIT DELETE ROWS;",
    "CREATE VOLATILE SET TABLE d.v (k INTEGER, v VARCHAR(8)) PRIMARY INDEX (k) ON COMMIT PRESERVE ROWS;",
    "CREATE VOLATILE MULTISET TABLE d.v2 (k INTEGER, v VARCHAR(8)) NO PRIMARY INDEX ON COMMIT DELETE ROWS;",
    "CREATE SET TABLE d.s (k INTEGER, v VARCHAR(8)) PRIMARY INDEX (k);",
    "CREATE MULTISET TABLE d.m (k INTEGER, v VARCHAR(8)) PRIMARY INDEX (k);",
  ];
  it("global temporary, volatile, SET and MULTISET tables", async () => {
    const source = new Engine({ amps: 3, name: "src" });
    source.sql("CREATE DATABASE d;");
    for (const ddl of kinds) source.sql(ddl);
    for (const table of source.tables()) {
      source.insert(table, Array.from({ length: 25 }, (_, k) => ({ k, v: k % 5 === 0 ? null : `v${k}` })));
    }
    const target = new Engine({ amps: 4, name: "tgt" });
    await migrateChecked({ source, target, streams: 3 });
    const describe = (e: Engine) => Object.fromEntries(e.tables().map((t) => [t, { kind: e.describe(t).tableKind, setness: e.describe(t).setness, onCommit: e.describe(t).onCommit }]));
    expect(describe(target)).toEqual(describe(source));
    expect(describe(target)["d.g"]).toEqual({ kind: "global temporary", setness: "multiset", onCommit: "preserve rows" });
    expect(describe(target)["d.v"]).toEqual({ kind: "volatile", setness: "set", onCommit: "preserve rows" });
    expect(describe(target)["d.v2"]).toEqual({ kind: "volatile", setness: "multiset", onCommit: "delete rows" });
  });
});

describe("ifExists", () => {
  const ddl = "CREATE MULTISET TABLE d.t (k INTEGER, v VARCHAR(10)) PRIMARY INDEX (k);";
  const sourceRows = Array.from({ length: 50 }, (_, k) => ({ k, v: `new${k}` }));
  const oldRows = Array.from({ length: 30 }, (_, k) => ({ k: k * 2, v: `old${k}` }));

  it('"fail" (the default): TABLE_EXISTS before anything happens; nothing created, no staging', async () => {
    const source = engineWith({ amps: 4, name: "src" }, ddl, sourceRows);
    source.sql("CREATE MULTISET TABLE d.a (x INTEGER) PRIMARY INDEX (x);");
    source.insert("d.a", [{ x: 1 }]);
    const target = engineWith({ amps: 3, name: "tgt" }, ddl, oldRows);
    const sourceBefore = snapshotSystem(source); const targetBefore = snapshotSystem(target);
    const events: ProgressEvent[] = [];
    await expectAmpsimError(() => migrate({ source, target, onProgress: (e) => events.push(e) }), "TABLE_EXISTS", "d.t", "tgt");
    await expectAmpsimError(() => migrate({ source, target, tables: ["d.a", "d.t"], ifExists: "fail" }), "TABLE_EXISTS", "d.t");
    expectSystemUnchanged(target, targetBefore, "target");
    expectSystemUnchanged(source, sourceBefore, "source");
    expect(target.hasTable("d.a")).toBe(false);
    expect(stagingTables(target)).toEqual([]);
    expect(events).toEqual([]);
  });

  for (const medium of ["memory", "pipe"] as const) {
    it(`"replace": the target holds exactly the source rows, old rows gone (${medium})`, async () => {
      const source = engineWith({ amps: 4, name: "src" }, ddl, sourceRows);
      const target = engineWith({ amps: 3, name: "tgt" }, ddl, oldRows);
      const { report } = await migrateChecked({ source, target, ifExists: "replace", streams: 2, medium });
      expect(report.tables[0].rows).toBe(50);
      expect(target.rowCount("d.t")).toBe(50);
      expect(target.scan("d.t", { where: "v = 'old1'" }).numRows).toBe(0);
    });
  }

  it('"replace" of a target table with another definition takes the source definition', async () => {
    const source = engineWith({ amps: 2, name: "src" }, ddl, sourceRows);
    const target = engineWith({ amps: 3, name: "tgt" }, "CREATE SET TABLE d.t (other BIGINT NOT NULL) UNIQUE PRIMARY INDEX (other) INDEX (other);", [{ other: 1n }, { other: 2n }]);
    await migrateChecked({ source, target, ifExists: "replace", streams: 2, staging: "nopi" });
  });

  for (const staging of LAYOUTS) {
    it(`"append": the target holds its old rows and the new ones (${staging} staging)`, async () => {
      const source = engineWith({ amps: 4, name: "src" }, ddl, sourceRows);
      const target = engineWith({ amps: 3, name: "tgt" }, ddl, oldRows);
      const targetRowsBefore = rowMultiset(target, "d.t");
      const sourceBefore = snapshotSystem(source);
      const report = await run({ source, target, ifExists: "append", streams: 2, staging });
      expectMigrated({ source, target, table: "d.t", sourceBefore, targetRowsBefore });
      expect(report.tables[0].verified).toBe(true);
      expect(report.tables[0].rowsBefore).toBe(30);
      expect(report.tables[0].rows).toBe(50);
      expect(target.rowCount("d.t")).toBe(80);
    });
  }

  it('"append" of identical rows into a MULTISET table doubles them', async () => {
    const source = engineWith({ amps: 4, name: "src" }, ddl, sourceRows);
    const target = engineWith({ amps: 4, name: "tgt" }, ddl, sourceRows);
    const targetRowsBefore = rowMultiset(target, "d.t");
    const sourceBefore = snapshotSystem(source);
    const report = await run({ source, target, ifExists: "append", streams: 4 });
    expectMigrated({ source, target, table: "d.t", sourceBefore, targetRowsBefore });
    expect(report.tables[0].verified).toBe(true);
    expect(target.lookup("d.t", [3]).numRows).toBe(2);
  });

  it('"append" into a table with other columns: TYPE_MISMATCH, target unchanged', async () => {
    const source = engineWith({ amps: 4, name: "src" }, ddl, sourceRows);
    const target = engineWith({ amps: 3, name: "tgt" }, "CREATE MULTISET TABLE d.t (k INTEGER, v VARCHAR(11)) PRIMARY INDEX (k);", oldRows);
    const targetBefore = snapshotSystem(target); const sourceBefore = snapshotSystem(source);
    await expectAmpsimError(() => migrate({ source, target, ifExists: "append" }), "TYPE_MISMATCH", "d.t");
    expectSystemUnchanged(target, targetBefore, "target");
    expectSystemUnchanged(source, sourceBefore, "source");
  });

  it("several tables: each commits on its own, and a failure names the tables already committed, which stay", async () => {
    const source = engineWith({ amps: 4, name: "src" }, "CREATE TABLE d.a (id INTEGER) UNIQUE PRIMARY INDEX (id); CREATE TABLE d.b (id INTEGER) UNIQUE PRIMARY INDEX (id);", []);
    source.insert("d.a", Array.from({ length: 100 }, (_, id) => ({ id })));
    source.insert("d.b", Array.from({ length: 100 }, (_, id) => ({ id })));
    const target = engineWith({ amps: 3, name: "tgt" }, "CREATE TABLE d.a (id INTEGER) UNIQUE PRIMARY INDEX (id); CREATE TABLE d.b (id INTEGER) UNIQUE PRIMARY INDEX (id);", []);
    target.insert("d.b", [{ id: 7 }]);
    const error = await expectAmpsimError(() => migrate({ source, target, ifExists: "append" }), "DUPLICATE_KEY", "d.b", "table(s) d.a had already been migrated and committed");
    expect(error.details.committedTables).toEqual(["d.a"]);
    expect(error.cause).toBeInstanceOf(AmpsimError);
    expect([target.rowCount("d.a"), target.rowCount("d.b")]).toEqual([100, 1]);
    expect(target.allTables().filter((t) => t.includes(STAGING_DATABASE))).toEqual([]);
  });
});

describe("verification", () => {
  it("verifyCopy names exactly the bucket of the one changed row", async () => {
    const source = new Engine({ amps: 4 }); const target = new Engine({ amps: 6, hashBits: 20 });
    source.sql("CREATE DATABASE d; CREATE MULTISET TABLE d.t (id INTEGER NOT NULL, v VARCHAR(20)) UNIQUE PRIMARY INDEX (id);");
    source.insert("d.t", Array.from({ length: 300 }, (_, k) => ({ id: k, v: `v${k}` })));
    await migrateChecked({ source, target, streams: 2 });
    expect(verifyCopy(source, target, ["d.t"])[0]).toMatchObject({ verified: true, placementVerified: true, mismatchedBuckets: [], bucketBits: 16 });
    target.sql("DELETE FROM d.t WHERE id = 17;");
    target.insert("d.t", [{ id: 17, v: "changed" }]);
    const [report] = verifyCopy(source, target, ["d.t"]);
    expect(report).toMatchObject({ verified: false, placementVerified: true, bucketBits: 16, rows: 300 });
    expect(report.mismatchedBuckets).toEqual([rowHash([17], [types.int32]) >>> 16]);
    expect(report.targetChecksum).not.toBe(report.sourceChecksum);
  });
});

describe("verification binds rows to their buckets", () => {
  // Two equal rows (one row hash, one bucket b) that the target stores under buckets b − d and
  // b + d of the same AMP: counts and sums over the table stay the same, and so do sums weighted
  // by the bucket number; only bucket-by-bucket sums, or weights that are not linear in the
  // bucket, see it.
  for (const executor of ["inline", "pool"] as const) {
    it(`a migration fails verification when equal rows sit under other buckets of their AMP, naming those buckets (${executor})`, async () => {
      const target = new Engine({ amps: 4, name: "tgt", executor: executor === "pool" ? POOL : "inline" });
      const source = engineWith({ amps: 3, name: "src" }, "CREATE MULTISET TABLE d.t (k INTEGER, v VARCHAR(10)) PRIMARY INDEX (k);", []);
      source.insert("d.t", [...Array.from({ length: 200 }, (_, k) => ({ k, v: `v${k}` })), { k: 5, v: "twin" }, { k: 5, v: "twin" }]);
      const hash = rowHash([5], [types.int32]);
      const bucket = hash >>> 16; const amp = target.hashMap.buckets[bucket];
      const d = Array.from({ length: 64 }, (_, i) => i + 1).find((step) => target.hashMap.buckets[bucket - step] === amp && target.hashMap.buckets[bucket + step] === amp)!;
      expect(d).toBeDefined();
      const tamper = {
        at(site: { point: string }) {
          if (site.point !== "verify.table") return;
          let moved = 0;
          for (const part of target.readAmp("d.t", amp).parts) {
            const v = part.batch.getChild("v")!;
            for (let i = 0; i < part.batch.numRows && moved < 2; i++) {
              if (part.rowHash[i] !== hash || v.get(i) !== "twin") continue;
              part.rowHash[i] = (((bucket + (moved === 0 ? -d : d)) << 16) | (hash & 0xffff)) >>> 0;
              moved++;
            }
          }
          expect(moved).toBe(2);
        },
      };
      const error = await expectAmpsimError(() => migrate({ source, target, streams: 2, faults: tamper }), "VERIFY_FAILED", "d.t");
      const [report] = (error.details as { reports: MigrationReport["tables"] }).reports;
      expect(report.placementVerified).toBe(true);
      expect([...report.mismatchedBuckets].sort((a, b) => a - b)).toEqual([bucket - d, bucket, bucket + d]);
      expect(report.targetChecksum).toBe(report.sourceChecksum);
    });
  }
});

describe("keepStaging", () => {
  for (const staging of LAYOUTS) {
    it(`leaves one staging table per stream in "$staging", not listed by tables() (${staging})`, async () => {
      const source = engineWith({ amps: 4, name: "src" }, allTypesDdl("d.t"), allTypesRows("keep", 90));
      const target = new Engine({ amps: 3, name: "tgt" });
      const { report } = await migrateChecked({ source, target, streams: 3, keepStaging: true, staging });
      const left = stagingTables(target);
      expect(left.length).toBe(3);
      expect(left.sort()).toEqual(report.streamReports.map((s) => s.staging).sort());
      expect(target.tables()).toEqual(["d.t"]);
      // The staging tables hold what each stream carried.
      for (const s of report.streamReports) expect(target.rowCount(s.staging)).toBe(s.rows);
      expect(target.describe(left[0]).primaryIndex === null).toBe(staging === "nopi");
      expect(target.describe(left[0]).indexes).toEqual([]);
    });
  }

  it("a second migration next to kept staging tables does not clash with them, and leaves them alone", async () => {
    const source = engineWith({ amps: 4, name: "src" }, allTypesDdl("d.t"), allTypesRows("keep-twice", 40));
    source.sql("CREATE MULTISET TABLE d.u (x INTEGER) PRIMARY INDEX (x);");
    source.insert("d.u", [{ x: 1 }, { x: 2 }]);
    const target = new Engine({ amps: 3, name: "tgt" });
    await migrateChecked({ source, target, tables: ["d.t"], streams: 2, keepStaging: true });
    const left = stagingTables(target).sort();
    expect(left.length).toBe(2);
    const before = snapshotSystem(source);
    const second = await run({ source, target, tables: ["d.u"], streams: 2 });
    expect(second.tables[0].verified).toBe(true);
    expectMigrated({ source, target, table: "d.u", sourceBefore: before, keepStaging: true });
    expect(stagingTables(target).sort()).toEqual(left);
    // And a third run that keeps its staging too gets names of its own.
    source.sql("CREATE MULTISET TABLE d.w (x INTEGER) PRIMARY INDEX (x);");
    await run({ source, target, tables: ["d.w"], streams: 2, keepStaging: true });
    expect(stagingTables(target).length).toBe(4);
  });
});

describe("progress events", () => {
  it("per stream rowsDone goes from 0 up to rowsTotal; phases start and end in order", async () => {
    const source = engineWith({ amps: 4, name: "src" }, allTypesDdl("d.t"), allTypesRows("progress", 200));
    source.sql("CREATE MULTISET TABLE d.u (x INTEGER) PRIMARY INDEX (x);");
    const target = new Engine({ amps: 5, name: "tgt" });
    const events: ProgressEvent[] = [];
    const { report } = await migrateChecked({ source, target, streams: 3, batchRows: 10, medium: "pipe", onProgress: (e) => events.push({ ...e }) });

    const phaseEvents = events.filter((e) => e.kind === "phase");
    const expectedPhases = PHASES.flatMap((p) => [`${p}:start`, `${p}:end`]);
    expect(phaseEvents.map((e) => `${e.phase}:${e.state}`).filter((x) => PHASES.includes(x.split(":")[0]))).toEqual(expectedPhases);

    // Stream events come while the transfer phase runs.
    const transferStart = events.findIndex((e) => e.kind === "phase" && e.phase === "transfer" && e.state === "start");
    const transferEnd = events.findIndex((e) => e.kind === "phase" && e.phase === "transfer" && e.state === "end");
    events.forEach((e, i) => { if (e.kind === "stream") expect(i > transferStart && i < transferEnd).toBe(true); });

    for (const table of ["d.t", "d.u"]) {
      const ampRows = source.ampRowCounts(table);
      for (let stream = 0; stream < 3; stream++) {
        const mine = events.filter((e) => e.kind === "stream" && e.table === table && e.stream === stream);
        expect(mine.length, `${table} stream ${stream} has events`).toBeGreaterThan(0);
        const total = mine[0].rowsTotal!;
        expect(mine.every((e) => e.rowsTotal === total)).toBe(true);
        expect(mine[0].rowsDone).toBe(0);
        expect(mine.at(-1)!.rowsDone).toBe(total);
        for (let i = 1; i < mine.length; i++) {
          expect(mine[i].rowsDone!).toBeGreaterThanOrEqual(mine[i - 1].rowsDone!);
          expect(mine[i].bytesDone!).toBeGreaterThanOrEqual(mine[i - 1].bytesDone!);
        }
        expect(mine.every((e) => e.rowsDone! <= total)).toBe(true);
        const cluster = report.streamReports.find((s) => s.table === table && s.stream === stream)!.cluster;
        expect(total).toBe(cluster.reduce((s, a) => s + ampRows[a], 0));
        expect(mine.length).toBeGreaterThanOrEqual(1 + Math.ceil(total / 10));
      }
    }
  });
});

describe("progress events: bytes", () => {
  it("bytesDone never exceeds bytesTotal and ends at it (bytes in the same unit)", async () => {
    const source = engineWith({ amps: 4, name: "src" }, allTypesDdl("d.t"), allTypesRows("progress-bytes", 200));
    const events: ProgressEvent[] = [];
    await migrateChecked({ source, target: new Engine({ amps: 3 }), streams: 2, batchRows: 10, onProgress: (e) => events.push({ ...e }) });
    for (let stream = 0; stream < 2; stream++) {
      const mine = events.filter((e) => e.kind === "stream" && e.stream === stream);
      const last = mine.at(-1)!;
      expect(mine.filter((e) => e.bytesDone! > e.bytesTotal!).map((e) => `${e.bytesDone} > ${e.bytesTotal}`), `stream ${stream}: bytesDone over bytesTotal`).toEqual([]);
      expect(last.bytesDone, `stream ${stream}: the last event's bytesDone`).toBe(last.bytesTotal);
    }
  });
});

describe("batching", () => {
  it("batchRows and batchBytes change the number of batches", async () => {
    const make = () => engineWith({ amps: 4, name: "src" }, allTypesDdl("d.t"), allTypesRows("batches", 400));
    const batchesOf = async (options: Partial<MigrateOptions>) => {
      const source = make();
      const { report } = await migrateChecked({ source, target: new Engine({ amps: 3 }), streams: 2, ...options });
      return { source, report, batches: report.streamReports.map((s) => s.batches), rows: report.streamReports.map((s) => s.rows) };
    };
    const whole = await batchesOf({});
    const small = await batchesOf({ batchRows: 7 });
    const one = await batchesOf({ batchRows: 1, medium: "pipe" });
    const bytes = await batchesOf({ batchBytes: 600 });
    const hugeBytes = await batchesOf({ batchBytes: 1 << 30 });
    // Default: one batch per non-empty source AMP of the cluster.
    const ampRows = whole.source.ampRowCounts("d.t");
    const clusters = [[0, 1], [2, 3]];
    expect(whole.batches).toEqual(clusters.map((c) => c.filter((a) => ampRows[a] > 0).length));
    expect(small.batches).toEqual(clusters.map((c) => c.reduce((s, a) => s + Math.ceil(ampRows[a] / 7), 0)));
    expect(one.batches).toEqual(one.rows);
    expect(hugeBytes.batches).toEqual(whole.batches);
    for (let s = 0; s < 2; s++) expect(bytes.batches[s]).toBeGreaterThan(whole.batches[s]);
    // The report says which size was used.
    expect([whole.report.batchRows, whole.report.batchBytes]).toEqual([65_536, null]);
    expect([small.report.batchRows, small.report.batchBytes]).toEqual([7, null]);
    expect(bytes.report.batchBytes).toBe(600);
  });
});

// ---------------------------------------------------------------------------
// Property test

interface RandomColumn { readonly name: string; readonly sql: string; readonly type: ColumnType["kind"]; readonly nullable: boolean; readonly domain: number }

const TYPE_CHOICES: { sql: string; kind: ColumnType["kind"] }[] = [
  { sql: "BYTEINT", kind: "int8" }, { sql: "SMALLINT", kind: "int16" }, { sql: "INTEGER", kind: "int32" }, { sql: "BIGINT", kind: "int64" },
  { sql: "REAL", kind: "float32" }, { sql: "FLOAT", kind: "float64" }, { sql: "DECIMAL(9,3)", kind: "decimal" }, { sql: "DECIMAL(38,10)", kind: "decimal" },
  { sql: "BOOLEAN", kind: "bool" }, { sql: "LONG VARCHAR", kind: "utf8" }, { sql: "VARCHAR(6)", kind: "varchar" }, { sql: "CHAR(3)", kind: "char" },
  { sql: "DATE", kind: "date" }, { sql: "TIMESTAMP", kind: "timestamp" },
];

/** The value number n (0 <= n < domain) of a column: distinct n give distinct values, in canonical form. */
function valueOf(column: RandomColumn, n: number): unknown {
  switch (column.type) {
    case "int8": return (n % 256) - 128;
    case "int16": return n * 3 - 30000;
    case "int32": return n * 104729 - 2e9;
    case "int64": return BigInt(n) * 1_000_000_007_000n - 9_000_000_000_000_000_000n;
    case "float32": return Math.fround(n * 1.25 - 100);
    case "float64": return n / 8 - 1e6;
    case "decimal": return column.sql === "DECIMAL(9,3)" ? `${(n - 500) * 7}.${String(n % 1000).padStart(3, "0")}` : `-${n}123456789012345678.${String(n).padStart(10, "0")}`;
    case "bool": return n % 2 === 1;
    case "utf8": return `s${n}é`;
    case "varchar": return `v${n}`;
    case "char": return ["", "a", "b", "ab", "zz", "é"][n % 6] + (n >= 6 ? String(n % 10) : "");
    case "date": return new Date((n * 37 - 5000) * 86_400_000);
    case "timestamp": return new Date(n * 3_600_001 - 1e12);
    default: throw new Error(`no value for ${column.type}`);
  }
}

/** How many distinct values `valueOf` can give for a column type. */
function domainMax(kind: ColumnType["kind"]): number {
  return kind === "bool" ? 2 : kind === "int8" ? 256 : kind === "char" ? 16 : 10_000;
}

interface RandomCase {
  readonly sourceAmps: number; readonly sourceBits: number; readonly targetAmps: number; readonly targetBits: number;
  readonly streams: number; readonly clusters: number[][] | undefined; readonly medium: "memory" | "pipe"; readonly staging: StagingLayout;
  readonly ddl: string; readonly rows: Row[]; readonly chunks: number; readonly batchRows: number | undefined;
}

function randomCase(prng: Prng): RandomCase {
  const sourceAmps = prng.int(1, 8); const targetAmps = prng.int(1, 8);
  const bitsFor = (amps: number) => prng.int(Math.max(8, Math.ceil(Math.log2(amps))), 20);
  const sourceBits = bitsFor(sourceAmps); const targetBits = bitsFor(targetAmps);
  const streams = prng.int(1, Math.min(4, sourceAmps));
  let clusters: number[][] | undefined;
  if (prng.chance(2, 3)) {
    const amps = prng.shuffle(Array.from({ length: sourceAmps }, (_, a) => a));
    const cuts = prng.shuffle(Array.from({ length: sourceAmps - 1 }, (_, k) => k + 1)).slice(0, streams - 1).sort((a, b) => a - b);
    const bounds = [0, ...cuts, sourceAmps];
    clusters = Array.from({ length: streams }, (_, s) => amps.slice(bounds[s], bounds[s + 1]));
  }
  const columnCount = prng.int(1, 5);
  const columns: RandomColumn[] = Array.from({ length: columnCount }, (_, c) => {
    const choice = prng.pick(TYPE_CHOICES);
    const domain = prng.int(1, domainMax(choice.kind));
    return { name: `c${c}`, sql: choice.sql, type: choice.kind, nullable: prng.chance(2, 3), domain };
  });
  const piKind = prng.pick(["UPI", "NUPI", "NoPI"] as const);
  const setness = piKind === "NoPI" ? "MULTISET" : prng.pick(["SET", "MULTISET"] as const);
  let piColumns: number[] = [];
  if (piKind === "UPI") {
    // A UPI column: NOT NULL, with as many distinct values as rows may need.
    const c = prng.int(0, columnCount - 1);
    const choice = prng.pick(TYPE_CHOICES.filter((t) => domainMax(t.kind) >= 300));
    columns[c] = { name: `c${c}`, sql: choice.sql, type: choice.kind, nullable: false, domain: domainMax(choice.kind) };
    piColumns = [c];
  } else if (piKind === "NUPI") {
    piColumns = prng.shuffle(Array.from({ length: columnCount }, (_, c) => c)).slice(0, prng.int(1, Math.min(2, columnCount)));
  }
  const piClause = piKind === "NoPI" ? "NO PRIMARY INDEX" : `${piKind === "UPI" ? "UNIQUE " : ""}PRIMARY INDEX (${piColumns.map((c) => `c${c}`).join(", ")})`;
  const ddl = `CREATE ${setness} TABLE p.t (${columns.map((c) => `${c.name} ${c.sql}${c.nullable ? "" : " NOT NULL"}`).join(", ")}) ${piClause};`;

  const rowCount = prng.pick([0, 1, 2, prng.int(0, 40), prng.int(0, 300)]);
  const rows: Row[] = []; const seenRows = new Set<string>(); const seenKeys = new Set<number>();
  const upi = piKind === "UPI" ? columns[piColumns[0]] : null;
  const keyOrder = upi ? prng.shuffle(Array.from({ length: upi.domain }, (_, n) => n)) : [];
  for (let r = 0; r < rowCount; r++) {
    const picks = columns.map((c) => (c.nullable && prng.chance(1, 6) ? -1 : prng.int(0, c.domain - 1)));
    if (upi) {
      picks[piColumns[0]] = keyOrder[r % keyOrder.length];
      if (seenKeys.has(picks[piColumns[0]])) continue;
      seenKeys.add(picks[piColumns[0]]);
    }
    const key = picks.join(",");
    if (setness === "SET" && seenRows.has(key)) continue;
    seenRows.add(key);
    rows.push(Object.fromEntries(columns.map((c, k) => [c.name, picks[k] < 0 ? null : valueOf(c, picks[k])])));
    // MULTISET: sometimes the very same row again.
    if (setness === "MULTISET" && !upi && prng.chance(1, 8)) rows.push({ ...rows.at(-1)! });
  }
  return {
    sourceAmps, sourceBits, targetAmps, targetBits, streams, clusters, medium: prng.pick(["memory", "pipe"] as const),
    staging: prng.pick(LAYOUTS), ddl, rows, chunks: prng.int(1, 4), batchRows: prng.chance(1, 2) ? prng.int(1, 64) : undefined,
  };
}

function describeCase(c: RandomCase): string {
  const { rows, ...rest } = c;
  return JSON.stringify({ ...rest, rowCount: rows.length, firstRows: rows.slice(0, 3) }, (_k, v) => (typeof v === "bigint" ? `${v}n` : v));
}

describe("property: random configurations, schemas and data keep the invariant", () => {
  const seed = seedFromEnv("AMPSIM_SEED", 20_240_607);
  const cases = Number(process.env.AMPSIM_CASES ?? 200);
  const hint = replayHint(seed, "npx vitest run test/migrator/migrate.test.ts");
  console.log(`migrate.test property seed ${seed} (${cases} cases) — ${hint}`);

  it(`${cases} random migrations (seed ${seed})`, async () => {
    const root = new Prng(seed);
    const started = performance.now();
    for (let k = 0; k < cases; k++) {
      const c = randomCase(root.fork(`case ${k}`));
      try {
        const source = new Engine({ amps: c.sourceAmps, hashBits: c.sourceBits, name: "src" });
        source.sql("CREATE DATABASE p;");
        source.sql(c.ddl);
        const per = Math.ceil(c.rows.length / c.chunks) || 1;
        for (let start = 0; start < c.rows.length; start += per) source.insert("p.t", c.rows.slice(start, start + per));
        expect(source.rowCount("p.t")).toBe(c.rows.length);
        const target = new Engine({ amps: c.targetAmps, hashBits: c.targetBits, name: "tgt" });
        const { report } = await migrateChecked({
          source, target, streams: c.streams, clusters: c.clusters, medium: c.medium, staging: c.staging, batchRows: c.batchRows,
        });
        expect(report.streamReports.length).toBe(c.streams);
        expect(report.tables[0].rows).toBe(c.rows.length);
      } catch (error) {
        const message = `property case ${k} failed: ${(error as Error).message}\n  case: ${describeCase(c)}\n  ${hint}`;
        throw error instanceof AmpsimError ? new Error(`${message}\n  (${error.code})`, { cause: error }) : Object.assign(error as Error, { message });
      }
    }
    expect(performance.now() - started).toBeLessThan(45_000);
  });
});
