/**
 * The discrete-event timeline: hand-made workloads with known answers (a
 * queue on one resource, a pipeline, phase barriers, the critical path),
 * determinism from seed to simulated timeline, skew becoming time, presets,
 * plain engine traces, and BAD_CONFIG for impossible workloads and profiles.
 *
 * Seeded: AMPSIM_SEED=<n> replays a failure (the seed is printed when a test fails).
 */
import { beforeEach, describe, expect, it } from "vitest";
import { Engine } from "../../engine/index.js";
import { migrate, type MigrationReport } from "../../migrator/index.js";
import {
  HARDWARE, hardwareProfile, loadScenario, replayHint, scenario, seedFromEnv, simulate, simulateReport, workloadFromReport, workloadFromTrace, workMs,
} from "../../sim/index.js";
import type { HardwareProfile, ScenarioName, Task, Timeline, Workload } from "../../sim/index.js";
import { expectError } from "../helpers/errors.js";

const SEED = seedFromEnv("AMPSIM_SEED", 20_240_611);
const REPLAY = replayHint(SEED, "npx vitest run test/sim/timeline.test.ts");

beforeEach((context) => {
  context.onTestFailed(() => console.error(REPLAY));
});

/** A profile where 1,000 rows of any CPU operation take exactly 1 ms and a statement takes 5 ms. */
const UNIT: HardwareProfile = {
  ...HARDWARE.modern, name: "unit",
  cpu: { hashNsPerRow: 1_000, encodeNsPerRow: 1_000, decodeNsPerRow: 1_000, insertNsPerRow: 1_000, scanNsPerRow: 1_000 },
  statementLatencyMs: 5,
};

function cpuTask(id: string, resource: string, ms: number, after: number[] = [], phase = "work"): Task {
  return { id, resource, work: { op: "insert", rows: ms * 1_000 }, after, phase, system: "target" };
}

function workload(tasks: Task[], resources: string[], options: { capacity?: number; phases?: string[] } = {}): Workload {
  return { resources: resources.map((id) => ({ id, kind: "cpu", capacity: options.capacity ?? 1 })), tasks, phases: options.phases ?? ["work"] };
}

function phaseMs(timeline: Timeline, phase: string): number {
  const span = timeline.phases.find((p) => p.phase === phase);
  if (!span) throw new Error(`no phase ${phase} in ${timeline.phases.map((p) => p.phase).join(", ")}`);
  return span.endMs - span.startMs;
}

describe("simulate: hand-made workloads", () => {
  it("queues two tasks on one resource first come, first served", () => {
    const t = simulate(workload([cpuTask("a", "r", 1), cpuTask("b", "r", 2)], ["r"]), UNIT);
    expect(t.totalMs).toBeCloseTo(3, 9);
    expect([...t.tasks!.startMs]).toEqual([0, 1]);
    expect([...t.tasks!.endMs]).toEqual([1, 3]);
    expect(t.criticalPath.map((c) => [c.id, c.waited])).toEqual([["a", "nothing"], ["b", "resource"]]);
    expect(t.utilization[0].utilization).toBeCloseTo(1, 9);
    const wide = simulate(workload([cpuTask("a", "r", 1), cpuTask("b", "r", 2)], ["r"], { capacity: 2 }), UNIT);
    expect(wide.totalMs).toBeCloseTo(2, 9);
    expect(wide.utilization[0].utilization).toBeCloseTo(3 / 4, 9);
  });

  it("runs a pipeline of 3 stages × 4 batches in fill + (batches − 1) × its slowest stage", () => {
    const stageMs = [1, 3, 2];
    const tasks: Task[] = [];
    const index = (b: number, s: number) => b * stageMs.length + s;
    for (let b = 0; b < 4; b++) {
      stageMs.forEach((ms, s) => {
        const after = [...(s > 0 ? [index(b, s - 1)] : []), ...(b > 0 ? [index(b - 1, s)] : [])];
        tasks.push({ ...cpuTask(`b${b}s${s}`, `stage${s}`, ms, after), stream: 0, table: "t" });
      });
    }
    const t = simulate(workload(tasks, ["stage0", "stage1", "stage2"]), UNIT);
    // fill 1 + 3 + 2, then three more batches through the 3 ms stage: also 1 + 4 × 3 + 2.
    expect(t.totalMs).toBeCloseTo(6 + 3 * 3, 9);
    expect(t.streams).toEqual([{ table: "t", stream: 0, startMs: 0, endMs: t.totalMs }]);
    expect(t.criticalPath.map((c) => c.id)).toEqual(["b0s0", "b0s1", "b1s1", "b2s1", "b3s1", "b3s2"]);
    expect(t.utilization.find((u) => u.resource === "stage1")!.busyMs).toBeCloseTo(12, 9);
  });

  it("ends an all-AMP step with its slowest AMP and starts a phase when the previous has ended", () => {
    const tasks: Task[] = [
      cpuTask("amp0", "amp0", 1, [], "load"), cpuTask("amp1", "amp1", 4, [], "load"),
      { id: "join", resource: null, work: { op: [] }, after: [0, 1], phase: "load", system: "target" },
      cpuTask("next", "amp0", 1, [2], "load"),
      cpuTask("later", "amp0", 1, [], "check"),
    ];
    const t = simulate(workload(tasks, ["amp0", "amp1"], { phases: ["load", "check"] }), UNIT);
    expect(t.phases).toEqual([{ phase: "load", startMs: 0, endMs: 5 }, { phase: "check", startMs: 5, endMs: 6 }]);
    expect(t.criticalPath.map((c) => [c.id, c.waited])).toEqual([["amp1", "nothing"], ["next", "dependency"], ["later", "phase"]]);
  });

  it("charges bytes / bandwidth for disks, plus latency for the medium and the interconnect", () => {
    const p = HARDWARE.early2000s;
    const resources = [
      { id: "disk", kind: "disk" as const, capacity: 1 }, { id: "tape", kind: "medium" as const, capacity: 1, medium: "pipe" as const },
      { id: "link", kind: "interconnect" as const, capacity: 1 }, { id: "pe", kind: "coordinator" as const, capacity: 1 },
    ];
    const tasks: Task[] = [
      { id: "read", resource: "disk", work: { op: "read", bytes: 25e6 }, after: [], phase: "p", system: "source" },
      { id: "send", resource: "tape", work: { op: "send", bytes: 30e6 }, after: [], phase: "p", system: "source" },
      { id: "bynet", resource: "link", work: { op: "send", bytes: 100e6 }, after: [], phase: "p", system: "source" },
      { id: "ddl", resource: "pe", work: { op: "statement" }, after: [], phase: "p", system: "target" },
    ];
    const t = simulate({ resources, tasks, phases: ["p"] }, p);
    expect([...t.tasks!.endMs]).toEqual([1_000, 1_000 + p.media.pipe.latencyUs / 1_000, 1_000 + p.interconnect.latencyUs / 1_000, p.statementLatencyMs]);
  });

  it("workMs prices one operation, and refuses bad ones with BAD_ARGUMENT (not an assertion)", () => {
    const p = HARDWARE.modern;
    expect(workMs(p, "cpu", "hash", { rows: 1e6 })).toBeCloseTo(p.cpu.hashNsPerRow, 9);
    expectError(() => workMs(p, "cpu", "fly" as never, { rows: 1 }), "BAD_ARGUMENT", `unknown work operation "fly"`);
    expectError(() => workMs(p, "disk", "send", { bytes: 1 }), "BAD_ARGUMENT", "cannot run on a \"disk\" resource");
    expectError(() => workMs(p, "cpu", "scan", { rows: -5 }), "BAD_ARGUMENT", "rows -5");
    expectError(() => workMs(p, "medium", "send", { bytes: 1 }, "x" as never), "BAD_ARGUMENT", `medium "x"`);
  });

  it("an append (AMP-local insert-select) costs appendNsPerRow, or a scan and an insert without it; a bad figure is BAD_CONFIG", () => {
    const p = HARDWARE.modern;
    expect(p.cpu.appendNsPerRow).toBeUndefined();
    expect(workMs(p, "cpu", "append", { rows: 1e6 })).toBeCloseTo(p.cpu.scanNsPerRow + p.cpu.insertNsPerRow, 9);
    const fast = { ...p, cpu: { ...p.cpu, appendNsPerRow: 7 } };
    expect(workMs(fast, "cpu", "append", { rows: 1e6 })).toBeCloseTo(7, 9);
    for (const appendNsPerRow of [0, -1, Number.NaN]) expectError(() => simulate(workload([cpuTask("a", "r0", 1, [])], ["r0"]), { ...p, cpu: { ...p.cpu, appendNsPerRow } }), "BAD_CONFIG", "cpu.appendNsPerRow");
  });

  it("handles 200,000 tasks in well under the few seconds a million take", () => {
    const tasks: Task[] = [];
    for (let i = 0; i < 200_000; i++) tasks.push(cpuTask(`t${i}`, `r${i % 64}`, 0.001 * (1 + (i % 7)), i >= 64 ? [i - 64] : []));
    const started = performance.now();
    const t = simulate(workload(tasks, Array.from({ length: 64 }, (_, r) => `r${r}`)), UNIT);
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(t.tasks!.endMs.length).toBe(200_000);
  });
});

describe("simulate: BAD_CONFIG for impossible workloads and profiles", () => {
  const ok = () => workload([cpuTask("a", "r", 1)], ["r"]);
  it("rejects unknown resources, phases, dependencies, cycles and operations that do not fit the resource", () => {
    expectError(() => simulate(workload([cpuTask("a", "nowhere", 1)], ["r"]), UNIT), "BAD_CONFIG", "nowhere");
    expectError(() => simulate(workload([cpuTask("a", "r", 1, [], "elsewhere")], ["r"]), UNIT), "BAD_CONFIG", "elsewhere");
    expectError(() => simulate(workload([cpuTask("a", "r", 1, [7])], ["r"]), UNIT), "BAD_CONFIG", "waits for 7");
    expectError(() => simulate(workload([cpuTask("a", "r", 1, [1]), cpuTask("b", "r", 1, [0])], ["r"]), UNIT), "BAD_CONFIG", "cycle");
    expectError(() => simulate(workload([cpuTask("a", "r", 1, [1], "first"), cpuTask("b", "r", 1, [], "second")], ["r"], { phases: ["first", "second"] }), UNIT), "BAD_CONFIG", "later phase");
    expectError(() => simulate({ ...ok(), tasks: [{ ...cpuTask("a", "r", 1), work: { op: "read", bytes: 1 } }] }, UNIT), "BAD_CONFIG", "cannot run on a cpu");
    expectError(() => simulate({ ...ok(), resources: [{ id: "r", kind: "cpu", capacity: 0 }] }, UNIT), "BAD_CONFIG", "capacity");
  });

  it("rejects profiles with missing or non-positive figures, and unknown preset names", () => {
    expectError(() => simulate(ok(), { ...UNIT, disk: { readMBps: 0, writeMBps: 1 } }), "BAD_CONFIG", "disk.readMBps");
    expectError(() => simulate(ok(), { ...UNIT, media: { ...UNIT.media, pipe: { ...UNIT.media.pipe, channels: 1.5 } } }), "BAD_CONFIG", "media.pipe.channels");
    expectError(() => hardwareProfile("mainframe"), "BAD_CONFIG", "mainframe", "early2000s", "modern");
    expect(hardwareProfile("early2000s")).toBe(HARDWARE.early2000s);
  });
});

// ---------------------------------------------------------------------------
// Real runs: migrations of seeded scenarios
// ---------------------------------------------------------------------------

async function migrateScenario(name: ScenarioName, seed: number, options: { rows: number; streams: number; batchRows: number }): Promise<MigrationReport> {
  const source = new Engine({ name: "old", amps: 4 });
  loadScenario(source, scenario(name, { rows: options.rows, seed }));
  const target = new Engine({ name: "new", amps: 6 });
  return migrate({ source, target, streams: options.streams, medium: "pipe", batchRows: options.batchRows });
}

/** What a timeline says, without the per-task arrays (compared separately). */
function summary(t: Timeline) {
  return { totalMs: t.totalMs, phases: t.phases, streams: t.streams, amps: t.amps, utilization: t.utilization, criticalPath: t.criticalPath };
}

describe("determinism: the same seed gives the same data and the same simulated timeline", () => {
  it("replays one report identically and two runs of the same seed alike", async () => {
    const options = { rows: 6_000, streams: 2, batchRows: 1_024 };
    const first = await migrateScenario("orders", SEED, options);
    const second = await migrateScenario("orders", SEED, options);
    expect(second.tables[0].sourceChecksum).toBe(first.tables[0].sourceChecksum);
    expect(second.tables[0].targetAmpRows).toEqual(first.tables[0].targetAmpRows);
    const once = simulateReport(first, HARDWARE.early2000s);
    const again = simulateReport(first, HARDWARE.early2000s);
    expect(again).toEqual(once);
    expect(summary(simulateReport(second, HARDWARE.early2000s))).toEqual(summary(once));
    expect(once.phases.map((p) => p.phase)).toEqual(first.phases.map((p) => p.phase));
    expect(once.streams.map((s) => s.stream)).toEqual([0, 1]);
    expect(once.amps.filter((a) => a.system === "target").every((a) => a.busyMs > 0 && a.endMs <= once.totalMs)).toBe(true);
  });
});

describe("skew becomes time", () => {
  it("the skewed scenario takes longer than the uniform one of the same size, by about the ratio of the slowest AMP's load", async () => {
    // Same rows, same schema; skewed puts half of them on three hot PI values.
    const options = { rows: 40_000, streams: 4, batchRows: 1_024 };
    const uniform = await migrateScenario("uniform", SEED, options);
    const skewed = await migrateScenario("skewed", SEED, options);
    const maxOf = (r: MigrationReport, side: "sourceAmpRows" | "targetAmpRows") => Math.max(...r.tables[0][side]);
    const targetRatio = maxOf(skewed, "targetAmpRows") / maxOf(uniform, "targetAmpRows");
    const slowestRatio = Math.max(targetRatio, maxOf(skewed, "sourceAmpRows") / maxOf(uniform, "sourceAmpRows"));
    expect(targetRatio, REPLAY).toBeGreaterThan(1.5);
    for (const profile of [HARDWARE.early2000s, HARDWARE.modern]) {
      const u = simulateReport(uniform, profile); const s = simulateReport(skewed, profile);
      const ratio = (phase: string) => phaseMs(s, phase) / phaseMs(u, phase);
      // All-AMP steps end with their slowest AMP: the ratio of the slowest target AMP's rows, up to bytes per row (5%).
      for (const phase of ["insert-select", "verify"]) expect(Math.abs(ratio(phase) / targetRatio - 1), `${profile.name} ${phase}`).toBeLessThan(0.05);
      // The transfer is a pipeline whose fill (one batch through every stage) does not grow with skew: within 20% below.
      expect(ratio("transfer") / slowestRatio, `${profile.name} transfer`).toBeGreaterThan(0.8);
      expect(ratio("transfer") / slowestRatio, `${profile.name} transfer`).toBeLessThan(1.05);
      const data = (t: Timeline) => phaseMs(t, "transfer") + phaseMs(t, "insert-select") + phaseMs(t, "verify");
      expect(Math.abs(data(s) / data(u) / slowestRatio - 1), `${profile.name} data phases`).toBeLessThan(0.15);
      expect(s.totalMs).toBeGreaterThan(u.totalMs);
    }
  });
});

describe("hardware presets", () => {
  it("an early-2000s system is slower than a modern one in every data phase", async () => {
    const report = await migrateScenario("orders", SEED, { rows: 6_000, streams: 2, batchRows: 1_024 });
    const old = simulateReport(report, HARDWARE.early2000s); const now = simulateReport(report, HARDWARE.modern);
    for (const phase of ["dictionary", "transfer", "insert-select", "verify"]) expect(phaseMs(old, phase), phase).toBeGreaterThan(5 * phaseMs(now, phase));
    expect(old.totalMs).toBeGreaterThan(now.totalMs);
    for (const profile of Object.values(HARDWARE)) expect(profile.description.length).toBeGreaterThan(40);
  });

  it("lays the workload out on the profile's nodes: 8 AMPs per node early on, 16 now", async () => {
    const report = await migrateScenario("orders", SEED, { rows: 2_000, streams: 1, batchRows: 1_024 });
    const links = (p: HardwareProfile) => workloadFromReport(report, p).resources.filter((r) => r.kind === "interconnect").map((r) => r.id);
    expect(links(HARDWARE.early2000s)).toEqual(["target:node0:link"]);
    const small = { ...HARDWARE.early2000s, ampsPerNode: 2 };
    expect(links(small).sort()).toEqual(["target:node0:link", "target:node1:link", "target:node2:link"]);
    expect(simulateReport(report, small).utilization.some((u) => u.kind === "interconnect" && u.busyMs > 0)).toBe(true);
  });
});

describe("workloadFromTrace: plain engine traces", () => {
  it("replays an insert-select whose all-AMP step ends when its slowest AMP does", () => {
    const engine = new Engine({ name: "lab", amps: 4 });
    loadScenario(engine, scenario("skewed", { rows: 8_000, seed: SEED }));
    engine.sql("CREATE MULTISET TABLE lab.copy (id BIGINT NOT NULL, account INTEGER NOT NULL, balance FLOAT, note VARCHAR(20)) PRIMARY INDEX (id);");
    const mark = engine.trace.mark();
    engine.insertSelect("lab.copy", "lab.skewed");
    const steps = engine.trace.since(mark);
    const p = HARDWARE.early2000s;
    const t = simulate(workloadFromTrace(steps, engine.amps, { ampsPerNode: 2 }), p);
    expect(t.phases.map((x) => x.phase)).toEqual(["trace"]);
    // Per AMP: disk read + write in sequence, CPU scan + hash + insert in sequence, disk and CPU overlapping; and each node's link.
    const ampMs = steps[0].amps.map((w) => Math.max(
      (w.bytesRead / p.disk.readMBps + w.bytesWritten / p.disk.writeMBps) / 1_000,
      (w.rowsRead * (p.cpu.scanNsPerRow + p.cpu.hashNsPerRow) + w.rowsWritten * p.cpu.insertNsPerRow) / 1e6,
    ));
    expect(t.totalMs).toBeGreaterThanOrEqual(Math.max(...ampMs) - 1e-9);
    expect(t.totalMs / Math.max(...ampMs)).toBeLessThan(1.01);
    expectError(() => workloadFromTrace(steps, 2), "BAD_CONFIG", "AMP");
  });

  /** CPU rows per operation of the tasks replaying `run`'s steps. */
  function cpuRows(engine: Engine, run: () => void): Record<string, number> {
    const mark = engine.trace.mark();
    run();
    const rows: Record<string, number> = {};
    for (const task of workloadFromTrace(engine.trace.since(mark), engine.amps).tasks) {
      const work = task.work as { op: string | string[]; rows?: number };
      if (work.rows !== undefined && work.op !== "read" && work.op !== "write") rows[[work.op].flat().join("+")] = (rows[[work.op].flat().join("+")] ?? 0) + work.rows;
    }
    return rows;
  }

  it("an AMP-local insert-select with a WHERE appends the rows it keeps, scans those it drops, and inserts index rows (a USI's hashed)", () => {
    for (const [index, expected] of [
      ["", { scan: 700, append: 300 }],
      ["INDEX (b)", { scan: 700, append: 300, insert: 300 }],
      ["UNIQUE INDEX (b)", { scan: 700, "append+hash": 300, insert: 300 }],
    ] as const) {
      const engine = new Engine({ name: "lab", amps: 4 });
      engine.sql(`CREATE DATABASE d; CREATE MULTISET TABLE d.src (a INTEGER NOT NULL, b INTEGER NOT NULL) PRIMARY INDEX (a);
        CREATE MULTISET TABLE d.dst (a INTEGER NOT NULL, b INTEGER NOT NULL) PRIMARY INDEX (a) ${index};`);
      engine.insert("d.src", Array.from({ length: 1_000 }, (_v, i) => ({ a: i, b: i * 7 + 13 })));
      expect(cpuRows(engine, () => engine.sql("INSERT INTO d.dst SELECT * FROM d.src WHERE a < 300;")), index || "no index").toEqual(expected);
    }
  });

  it("a USI's build and a delete from a table with a USI hash the rows they read (their index rows go where the value hashes)", () => {
    const engine = new Engine({ name: "lab", amps: 4 });
    engine.sql("CREATE DATABASE d; CREATE MULTISET TABLE d.t (a INTEGER NOT NULL, b INTEGER NOT NULL) PRIMARY INDEX (a);");
    engine.insert("d.t", Array.from({ length: 1_000 }, (_v, i) => ({ a: i, b: i * 7 + 13 })));
    expect(cpuRows(engine, () => engine.sql("CREATE UNIQUE INDEX (b) ON d.t;"))["scan+hash"]).toBe(1_000);
    expect(cpuRows(engine, () => engine.sql("DELETE FROM d.t WHERE a < 500;"))["scan+hash"]).toBeGreaterThanOrEqual(1_000);
  });
});
