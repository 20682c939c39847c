/**
 * The analytic mode against the replayed timeline of real migrations, its
 * speed at 1,000 → 1,500 AMPs and 10^10 rows, its input checks, and
 * calibrate() on this machine.
 *
 * Tolerances: insert-select and verify are closed forms of the same per-AMP
 * sums the timeline replays (5%: bytes per row are averaged per table); the
 * DDL phases are exact; the transfer is a pipeline whose contention the
 * closed form approximates (25%: the largest gap seen while building it was
 * 21%, for a skewed table whose streams fill the same target AMPs in turns).
 *
 * Seeded: AMPSIM_SEED=<n> replays a failure (the seed is printed when a test fails).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { Engine } from "../../engine/index.js";
import { migrate, type MediumSpec, type StagingLayout } from "../../migrator/index.js";
import { analyticInputFromReport, calibrate, HARDWARE, loadScenario, predict, replayHint, scenario, seedFromEnv, simulateReport } from "../../sim/index.js";
import type { AnalyticInput, ScenarioName, Timeline } from "../../sim/index.js";
import { expectError } from "../helpers/errors.js";

const SEED = seedFromEnv("AMPSIM_SEED", 20_240_611);
const REPLAY = replayHint(SEED, "npx vitest run test/sim/analytic.test.ts");

beforeEach((context) => {
  context.onTestFailed(() => console.error(REPLAY));
});

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ampsim-analytic-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function phaseMs(timeline: Timeline, phase: string): number {
  const span = timeline.phases.find((p) => p.phase === phase)!;
  return span.endMs - span.startMs;
}

interface Case {
  readonly scenario: ScenarioName;
  readonly targetAmps: number;
  readonly hashBits: number;
  readonly streams: number;
  readonly medium: MediumSpec;
  readonly staging: StagingLayout;
  /** Default 2,048 (many batches per stream); 65,536 leaves one unequal batch per source AMP, where the pipeline's fill counts most. */
  readonly batchRows?: number;
}

const CASES: readonly Case[] = [
  { scenario: "uniform", targetAmps: 6, hashBits: 16, streams: 2, medium: "pipe", staging: "hashed" },
  { scenario: "skewed", targetAmps: 6, hashBits: 16, streams: 4, medium: "memory", staging: "hashed" },
  { scenario: "skewed", targetAmps: 6, hashBits: 16, streams: 2, medium: "pipe", staging: "nopi" },
  { scenario: "orders", targetAmps: 6, hashBits: 20, streams: 2, medium: { kind: "storage", dir, overwrite: true }, staging: "hashed" },
  { scenario: "skewed", targetAmps: 6, hashBits: 16, streams: 1, medium: "memory", staging: "hashed", batchRows: 65_536 },
];

describe("analytic vs replay", () => {
  for (const c of CASES) {
    const label = `${c.scenario} 4 → ${c.targetAmps} AMPs (${c.hashBits}-bit), ${c.streams} streams over ${typeof c.medium === "string" ? c.medium : c.medium.kind}, ${c.staging} staging, ${c.batchRows ?? 2_048}-row batches`;
    it(`agrees on every phase: ${label}`, async () => {
      const source = new Engine({ name: "old", amps: 4 });
      loadScenario(source, scenario(c.scenario, { rows: 30_000, seed: SEED }));
      const target = new Engine({ name: "new", amps: c.targetAmps, hashBits: c.hashBits });
      const report = await migrate({ source, target, streams: c.streams, medium: c.medium, staging: c.staging, batchRows: c.batchRows ?? 2_048 });
      const input = analyticInputFromReport(report);
      // The last profile puts every AMP and module on one shared core (what calibrate() measures for the inline executor).
      // The fast-path profile prices an AMP-local insert-select's rows apart (CpuProfile.appendNsPerRow), as calibrate() does.
      const fastPath = { ...HARDWARE.modern, name: "modern, fast-path insert-select", cpu: { ...HARDWARE.modern.cpu, appendNsPerRow: 3 } };
      for (const profile of [HARDWARE.early2000s, HARDWARE.modern, { ...HARDWARE.modern, name: "modern, one shared core", sharedCores: 1 }, fastPath]) {
        const replay = simulateReport(report, profile); const analytic = predict(input, profile);
        expect(replay.amps.length, `${profile.name}: AMP spans`).toBe(4 + c.targetAmps);
        expect(analytic.phases.map((p) => p.phase)).toEqual(replay.phases.map((p) => p.phase));
        const error = (phase: string) => Math.abs(phaseMs(analytic, phase) / phaseMs(replay, phase) - 1);
        for (const phase of ["dictionary", "staging", "cleanup"]) expect(error(phase), `${profile.name} ${phase}`).toBeLessThan(1e-9);
        for (const phase of ["insert-select", "verify"]) expect(error(phase), `${profile.name} ${phase}`).toBeLessThan(0.05);
        expect(error("transfer"), `${profile.name} transfer: replay ${phaseMs(replay, "transfer")} ms, analytic ${phaseMs(analytic, "transfer")} ms`).toBeLessThan(0.25);
        expect(Math.abs(analytic.totalMs / replay.totalMs - 1)).toBeLessThan(0.25);
        expect(analytic.streams.map((s) => s.stream)).toEqual(replay.streams.map((s) => s.stream));
      }
      // Only hashed staging's insert-select (AMP-local) appends; NoPI staging's redistributes and inserts.
      const insertSelectMs = (profile: typeof fastPath) => phaseMs(simulateReport(report, profile), "insert-select");
      const slowPath = { ...fastPath, cpu: { ...fastPath.cpu, appendNsPerRow: 3_000 } };
      if (c.staging === "hashed") expect(insertSelectMs(slowPath) / insertSelectMs(fastPath)).toBeGreaterThan(10);
      else expect(insertSelectMs(slowPath)).toBeCloseTo(insertSelectMs(fastPath), 6);
      expect(phaseMs(simulateReport(report, slowPath), "transfer")).toBeCloseTo(phaseMs(simulateReport(report, fastPath), "transfer"), 6);
    });
  }
});

describe("analytic vs replay with parallel tables", () => {
  it("the report records parallelTables and the analytic input carries it, so both price the tables at once", async () => {
    const source = new Engine({ name: "old", amps: 4 });
    loadScenario(source, scenario("demo", { rows: 30_000, seed: SEED }));
    const report = await migrate({ source, target: new Engine({ name: "new", amps: 6 }), streams: 2, parallelTables: true, batchRows: 2_048 });
    expect(report.parallelTables).toBe(true);
    const input = analyticInputFromReport(report);
    expect(input.parallelTables).toBe(true);
    for (const profile of [HARDWARE.early2000s, HARDWARE.modern]) {
      const ratio = phaseMs(predict(input, profile), "transfer") / phaseMs(simulateReport(report, profile), "transfer");
      expect(ratio, `${profile.name} transfer: analytic / replay`).toBeGreaterThan(0.75);
      expect(ratio, `${profile.name} transfer: analytic / replay`).toBeLessThan(1.25);
    }
    const sequential = await migrate({ source, target: new Engine({ name: "new", amps: 6 }), streams: 2, batchRows: 2_048 });
    expect(sequential.parallelTables).toBe(false);
    expect(analyticInputFromReport(sequential).parallelTables).toBeUndefined();
  });
});

describe("analytic vs replay for a NoPI table", () => {
  it("with NoPI staging its insert-select is AMP-local in both, also when appends are priced apart", async () => {
    const source = new Engine({ name: "old", amps: 4 });
    source.sql("CREATE DATABASE lab; CREATE MULTISET TABLE lab.events (at BIGINT, note VARCHAR(20)) NO PRIMARY INDEX;");
    source.insert("lab.events", Array.from({ length: 20_000 }, (_v, i) => ({ at: BigInt(i), note: `event ${i % 97}` })));
    const report = await migrate({ source, target: new Engine({ name: "new", amps: 6 }), streams: 2, medium: "memory", staging: "nopi", batchRows: 2_048 });
    const input = analyticInputFromReport(report);
    expect(input.tables[0].localInsertSelect).toBe(true);
    for (const appendNsPerRow of [undefined, 3, 3_000]) {
      const profile = { ...HARDWARE.modern, name: `append ${appendNsPerRow}`, cpu: { ...HARDWARE.modern.cpu, appendNsPerRow } };
      const ratio = phaseMs(predict(input, profile), "insert-select") / phaseMs(simulateReport(report, profile), "insert-select");
      expect(Math.abs(ratio - 1), profile.name).toBeLessThan(0.05);
    }
    expectError(() => predict({ ...input, tables: [{ ...input.tables[0], localInsertSelect: "yes" as never }] }, HARDWARE.modern), "BAD_CONFIG", "localInsertSelect");
    // A table with a primary index, migrated with NoPI staging to several AMPs, redistributes.
    source.sql("CREATE MULTISET TABLE lab.keyed (id BIGINT, note VARCHAR(20)) PRIMARY INDEX (id);");
    source.insert("lab.keyed", Array.from({ length: 5_000 }, (_v, i) => ({ id: BigInt(i), note: `k ${i}` })));
    const keyed = await migrate({ source, target: new Engine({ name: "newer", amps: 6 }), tables: ["lab.keyed"], streams: 2, medium: "memory", staging: "nopi" });
    expect(analyticInputFromReport(keyed).tables[0].localInsertSelect).toBeUndefined();
  });

  it("with a USI, its index rows cross the interconnect but the table's rows do not: still AMP-local, and the prediction agrees with the replay", async () => {
    const source = new Engine({ name: "old", amps: 4 });
    source.sql("CREATE DATABASE lab; CREATE MULTISET TABLE lab.events (at BIGINT NOT NULL, note VARCHAR(20)) NO PRIMARY INDEX UNIQUE INDEX (at);");
    source.insert("lab.events", Array.from({ length: 20_000 }, (_v, i) => ({ at: BigInt(i), note: `event ${i % 97}` })));
    const report = await migrate({ source, target: new Engine({ name: "new", amps: 6 }), streams: 2, medium: "memory", staging: "nopi", batchRows: 2_048 });
    const steps = report.trace.target.filter((s) => s.step === "insert-select" && s.labels.phase === "insert-select");
    const transfers = steps.flatMap((s) => s.transfers);
    expect(transfers.length).toBeGreaterThan(0);
    expect(transfers.every((t) => t.index === true)).toBe(true);
    const input = analyticInputFromReport(report);
    expect(input.tables[0].localInsertSelect).toBe(true);
    expect(input.tables[0].secondaryIndexes).toEqual([expect.objectContaining({ unique: true })]);
    const ratio = phaseMs(predict(input, HARDWARE.modern), "insert-select") / phaseMs(simulateReport(report, HARDWARE.modern), "insert-select");
    expect(Math.abs(ratio - 1), `insert-select: analytic / replay ${ratio}`).toBeLessThan(0.05);
  });
});

const BIG: AnalyticInput = {
  sourceAmps: 1_000, targetAmps: 1_500, streams: 16, medium: "pipe", staging: "hashed",
  tables: [
    { name: "big.sales", rowsPerSourceAmp: { total: 1e10, skew: 20 }, bytesPerRow: 120 },
    { name: "big.items", rowsPerSourceAmp: Array.from({ length: 1_000 }, (_, a) => 1e5 + (a % 7) * 1e3), bytesPerRow: 60, batchRows: 10_000 },
  ],
};

describe("analytic at scale", () => {
  it("answers 1,000 → 1,500 AMPs and 10^10 rows in well under a second", () => {
    const started = performance.now();
    const t = predict(BIG, HARDWARE.modern);
    const elapsedMs = performance.now() - started;
    expect(elapsedMs).toBeLessThan(1_000);
    expect(t.phases.map((p) => p.phase)).toEqual(["dictionary", "staging", "transfer", "insert-select", "verify", "cleanup"]);
    expect(Number.isFinite(t.totalMs) && t.totalMs > 0).toBe(true);
    expect(t.amps.filter((a) => a.system === "target")).toHaveLength(1_500);
    expect(t.streams).toHaveLength(32);
    expect(t.criticalPath.map((c) => c.phase)).toEqual(t.phases.map((p) => p.phase));
    // 1.2 TB through 16 pipes of 1.5 GB/s cannot take less than 50 s.
    expect(phaseMs(t, "transfer")).toBeGreaterThan(50_000);
    expect(predict(BIG, HARDWARE.early2000s).totalMs).toBeGreaterThan(10 * t.totalMs);
  });

  it("makes skew time: the hot AMP holds mean / (1 − skew) rows and bounds insert-select and verify", () => {
    const even = predict({ ...BIG, tables: [{ name: "t", rowsPerSourceAmp: { total: 1e9 }, bytesPerRow: 100 }] }, HARDWARE.modern);
    const skewed = predict({ ...BIG, tables: [{ name: "t", rowsPerSourceAmp: { total: 1e9, skew: 50 }, bytesPerRow: 100 }] }, HARDWARE.modern);
    // mean 1e6 per source AMP; the hot AMP 2e6, its 1e6 excess lands on one target AMP of mean 6.67e5.
    const ratio = (1e9 / 1_500 + 1e6) / (1e9 / 1_500);
    for (const phase of ["insert-select", "verify"]) expect(phaseMs(skewed, phase) / phaseMs(even, phase)).toBeCloseTo(ratio, 6);
  });

  it("a hot source AMP does not make many streams slower than few: only its own batches carry the hot excess", () => {
    const transfer = (streams: number, skew: number) => phaseMs(predict({ ...BIG, streams, tables: [{ name: "t", rowsPerSourceAmp: { total: 1e10, skew }, bytesPerRow: 120 }] }, HARDWARE.modern), "transfer");
    for (const streams of [100, 500, 1_000]) expect(transfer(streams, 20) / transfer(streams, 0), `${streams} streams`).toBeLessThan(1.2);
    expect(transfer(1_000, 20)).toBeLessThanOrEqual(transfer(16, 20));
  });

  it("an AMP's disk and CPU in the utilization carry its work of every phase, as its amps[] entry does", () => {
    const timeline = predict(BIG, HARDWARE.early2000s);
    for (const kind of ["disk", "cpu"] as const) {
      for (const amp of [0, 1, 7]) {
        const span = timeline.amps.find((a) => a.system === "target" && a.amp === amp)!;
        const use = timeline.utilization.find((u) => u.resource === `target:amp${amp}:${kind}`)!;
        expect(use.busyMs, `target AMP ${amp} ${kind}`).toBeCloseTo(kind === "disk" ? span.diskBusyMs : span.cpuBusyMs, 6);
      }
    }
  });

  it("prices secondary indexes: a NUSI's rows written with their base rows, a USI's also sent between nodes", () => {
    const table = { name: "t", rowsPerSourceAmp: { total: 1e9 }, bytesPerRow: 100 };
    const insertSelect = (secondaryIndexes?: { unique: boolean; bytesPerRow: number }[]) => {
      const t = predict({ ...BIG, tables: [{ ...table, secondaryIndexes }] }, HARDWARE.early2000s);
      return { ms: phaseMs(t, "insert-select"), links: t.utilization.filter((u) => /^target:node\d+:link$/.test(u.resource)).reduce((sum, u) => sum + u.busyMs, 0) };
    };
    const none = insertSelect(); const nusi = insertSelect([{ unique: false, bytesPerRow: 40 }]); const usi = insertSelect([{ unique: true, bytesPerRow: 40 }]);
    expect(insertSelect([]).ms).toBe(none.ms);
    expect(nusi.ms).toBeGreaterThan(none.ms);
    // The links' work of the other phases is the same in all three.
    expect(nusi.links).toBeCloseTo(none.links, 6);
    expect(usi.links).toBeGreaterThan(none.links);
    expect(usi.ms).toBeGreaterThanOrEqual(nusi.ms);
    expectError(() => predict({ ...BIG, tables: [{ ...table, secondaryIndexes: "usi" as never }] }, HARDWARE.modern), "BAD_CONFIG", "tables[0].secondaryIndexes must be a list");
    expectError(() => predict({ ...BIG, tables: [{ ...table, secondaryIndexes: [{ unique: "yes", bytesPerRow: 4 } as never] }] }, HARDWARE.modern), "BAD_CONFIG", "tables[0].secondaryIndexes[0]");
    expectError(() => predict({ ...BIG, tables: [{ ...table, secondaryIndexes: [{ unique: true, bytesPerRow: -4 }] }] }, HARDWARE.modern), "BAD_CONFIG", "secondaryIndexes[0].bytesPerRow");
    expectError(() => predict({ ...BIG, tables: [{ ...table, secondaryIndexes: [{ unique: true, bytesPerRow: 1e300 }] }] }, HARDWARE.modern), "BAD_CONFIG", "tables[0].secondaryIndexes[0].bytesPerRow", "1073741824");
    expectError(() => predict({ ...BIG, tables: [{ ...table, secondaryIndexes: Array.from({ length: 33 }, () => ({ unique: false, bytesPerRow: 8 })) }] }, HARDWARE.modern), "BAD_CONFIG", "at most 32");
    // A misspelt key would otherwise price no index at all.
    expectError(() => predict({ ...BIG, tables: [{ ...table, secondaryIndex: [{ unique: true, bytesPerRow: 8 }] } as never] }, HARDWARE.modern), "BAD_CONFIG", "tables[0] has no option secondaryIndex (did you mean secondaryIndexes?)");
  });

  it("rejects impossible inputs with BAD_CONFIG", async () => {
    expectError(() => predict({ ...BIG, streams: 2_000 }, HARDWARE.modern), "BAD_CONFIG", "streams");
    // 4 source AMPs are at most 75% skewed (every row on one AMP); 75 itself is that.
    const four = (skew: number) => predict({ ...BIG, sourceAmps: 4, streams: 2, tables: [{ name: "t", rowsPerSourceAmp: { total: 1e6, skew }, bytesPerRow: 100 }] }, HARDWARE.modern);
    expectError(() => four(80), "BAD_CONFIG", "tables[0].rowsPerSourceAmp.skew 80 is more than 4 AMP(s) can be skewed: at most 75");
    // Every row on source AMP 0: the others read nothing.
    expect(four(75).amps.filter((a) => a.system === "source").map((a) => a.busyMs > 0)).toEqual([true, false, false, false]);
    expectError(() => predict({ ...BIG, stream: 3 } as never, HARDWARE.modern), "BAD_CONFIG", "predict() input has no option stream (did you mean streams?)");
    expectError(() => predict({ ...BIG, parallelTables: "yes" as never }, HARDWARE.modern), "BAD_CONFIG", "parallelTables must be true or false", '"yes"');
    expectError(() => predict({ ...BIG, tables: [BIG.tables[0], BIG.tables[0]] }, HARDWARE.modern), "BAD_CONFIG", "listed twice");
    expectError(() => predict({ ...BIG, phases: ["transfer", "transfer"] }, HARDWARE.modern), "BAD_CONFIG", "phases lists transfer twice");
    expectError(() => predict({ ...BIG, tables: [{ ...BIG.tables[0], batchRows: 1.5 }] }, HARDWARE.modern), "BAD_CONFIG", "batchRows must be a whole number");
    await expect(calibrate({ row: 1 } as never)).rejects.toThrow(/BAD_CONFIG: calibrate\(\) has no option row \(did you mean rows\?\)/);
    expectError(() => predict({ ...BIG, medium: "tape" as never }, HARDWARE.modern), "BAD_CONFIG", "medium");
    expectError(() => predict({ ...BIG, tables: [{ name: "t", rowsPerSourceAmp: [1, 2], bytesPerRow: 1 }] }, HARDWARE.modern), "BAD_CONFIG", "1000 numbers");
    expectError(() => predict({ ...BIG, tables: [{ name: "t", rowsPerSourceAmp: { total: 10, skew: 100 }, bytesPerRow: 1 }] }, HARDWARE.modern), "BAD_CONFIG", "skew");
    expectError(() => predict({ ...BIG, tables: [{ name: "t", rowsPerSourceAmp: { total: 10 }, bytesPerRow: -1 }] }, HARDWARE.modern), "BAD_CONFIG", "bytesPerRow");
    const small: AnalyticInput = { sourceAmps: 4, targetAmps: 6, streams: 2, medium: "memory", staging: "hashed", tables: [{ name: "t", rowsPerSourceAmp: { total: 1e6 }, bytesPerRow: 50 }] };
    expectError(() => predict({ ...small, clusters: [[0, 1], [1, 2]] }, HARDWARE.modern), "BAD_CONFIG", "AMP 1");
    expectError(() => predict({ ...small, clusters: [[0], [1]] }, HARDWARE.modern), "BAD_CONFIG", "AMP(s) 2, 3");
    expectError(() => predict({ ...small, clusters: [[], [0, 1, 2, 3]] }, HARDWARE.modern), "BAD_CONFIG", "cluster 0");
    expectError(() => predict({ ...small, phases: ["transfer", "bogus"] }, HARDWARE.modern), "BAD_CONFIG", "bogus");
    expectError(() => predict({ ...small, tables: [null as never] }, HARDWARE.modern), "BAD_CONFIG", "tables[0]");
    expectError(() => predict({ ...small, tables: [{ rowsPerSourceAmp: { total: 10 }, bytesPerRow: 1 } as never] }, HARDWARE.modern), "BAD_CONFIG", "tables[0].name");
    expectError(() => predict({ ...small, tables: [{ ...small.tables[0], rowsPerTargetAmp: [1, 1, 1, 1, 1, 1] }] }, HARDWARE.modern), "BAD_CONFIG", "sums to 6 rows");
    for (const sharedCores of [0, 1.5, -1]) expectError(() => predict(small, { ...HARDWARE.modern, sharedCores }), "BAD_CONFIG", "sharedCores");
    // Figures whose products overflow are refused up front, naming the field (not a BAD_ARGUMENT from deep inside the model).
    const sized = (table: object) => ({ ...small, tables: [{ ...small.tables[0], ...table }] });
    expectError(() => predict(sized({ rowsPerSourceAmp: { total: 1e308 }, bytesPerRow: 1e308 }), HARDWARE.modern), "BAD_CONFIG", "tables[0].bytesPerRow must be at most 1073741824", "1e+308");
    expectError(() => predict(sized({ rowsPerSourceAmp: { total: 1e308 } }), HARDWARE.modern), "BAD_CONFIG", "tables[0].rowsPerSourceAmp.total must be at most 9007199254740991");
    expectError(() => predict(sized({ rowsPerSourceAmp: [1, 1e300, 1, 1] }), HARDWARE.modern), "BAD_CONFIG", "tables[0].rowsPerSourceAmp[1] must be at most");
    expectError(() => predict(sized({ rowsPerSourceAmp: { total: 10 }, mediumBytesPerRow: 1e308 }), HARDWARE.modern), "BAD_CONFIG", "tables[0].mediumBytesPerRow must be at most");
    expectError(() => predict(sized({ rowsPerTargetAmp: [1e300, 0, 0, 0, 0, 0] }), HARDWARE.modern), "BAD_CONFIG", "tables[0].rowsPerTargetAmp[0] must be at most");
    expectError(() => predict({ ...small, targetAmps: 1e10 }, HARDWARE.modern), "BAD_CONFIG", "targetAmps must be at most 65535");
    expect(predict(sized({ rowsPerSourceAmp: { total: Number.MAX_SAFE_INTEGER }, bytesPerRow: 2 ** 30 }), HARDWARE.modern).totalMs).toBeLessThan(Number.POSITIVE_INFINITY);
    expect(predict({ ...small, clusters: [[0, 3], [1, 2]] }, HARDWARE.modern).totalMs).toBeGreaterThan(0);
  });
});

describe("calibrate", () => {
  it("measures this machine (one shared thread, rows in memory) and returns finite positive figures, the network from modern", async () => {
    const profile = await calibrate({ rows: 50_000, seed: SEED });
    expect(profile.name).toBe("calibrated");
    for (const [name, value] of Object.entries(profile.cpu)) expect(Number.isFinite(value) && value >= 1, `${name} = ${value}`).toBe(true);
    for (const [name, value] of Object.entries(profile.measurements ?? {})) expect(Number.isFinite(value) && value > 0, `${name} = ${value}`).toBe(true);
    expect(profile.sharedCores).toBe(1);
    // The migration's AMP-local insert-select (staging tables taken as views) is priced on its own.
    expect(profile.cpu.appendNsPerRow).toBeCloseTo(Math.max(1, profile.measurements!.insertSelect), 9);
    expect(profile.cpu.appendNsPerRow!).toBeLessThan(profile.cpu.scanNsPerRow + profile.cpu.insertNsPerRow);
    expect(profile.disk.readMBps).toBeGreaterThan(HARDWARE.modern.disk.readMBps);
    expect(profile.interconnect).toEqual(HARDWARE.modern.interconnect);
    const t = predict(BIG, profile);
    expect(Number.isFinite(t.totalMs)).toBe(true);
    await expect(calibrate({ rows: 10 })).rejects.toThrow(/BAD_CONFIG/);
  });
});
