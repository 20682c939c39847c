/**
 * Hardware cost models: what one unit of work costs on given hardware. A
 * profile holds per-AMP disk bandwidth, per-row CPU costs, the interconnect's
 * bandwidth per node and latency, bandwidth, latency and channel count per
 * transfer medium, and how many archive and restore modules run at once. The
 * timeline (timeline.ts) and the analytic mode (analytic.ts) turn work into
 * time with `workMs` only, so both charge the same.
 *
 * Units are in the names: MBps = 10^6 bytes per second, NsPerRow =
 * nanoseconds per row, Us = microseconds, Ms = milliseconds. Durations come
 * out in milliseconds.
 *
 * Owns: the presets (`HARDWARE`), `hardwareProfile(name)` and `calibrate()`,
 * which measures this machine's engine and fits the CPU figures.
 */
import { AmpsimError, checkOptionNames, Engine, rowHashColumns, showValue, types } from "../engine/index.js";
import type { ColumnType } from "../engine/index.js";
import { ArchiveModule, migrate, RestoreModule } from "../migrator/index.js";
import type { Frame, FrameSink, MediumKind } from "../migrator/index.js";
import { loadScenario, scenario } from "./scenarios.js";
import type { ResourceKind, WorkOp } from "./workload.js";

/** One transfer medium: `channels` independent channels of `bandwidthMBps` each (tape drives, pipes, links). */
export interface MediumProfile {
  readonly bandwidthMBps: number;
  /** Charged once per batch sent. */
  readonly latencyUs: number;
  /** How many batches the medium carries at once (a shared link is 1 channel). */
  readonly channels: number;
}

/** Per-row CPU costs of one AMP (or one archive/restore module), in nanoseconds per row. */
export interface CpuProfile {
  /** Row hash of the primary index (restore redistribution, insert-select into another PI). */
  readonly hashNsPerRow: number;
  /** Framing a row into an archive batch. */
  readonly encodeNsPerRow: number;
  /** Decoding a row from an archive batch. */
  readonly decodeNsPerRow: number;
  /** Storing a row that already has its row hash (sort, append, index upkeep). */
  readonly insertNsPerRow: number;
  /** Reading a stored row and checksumming or filtering it. */
  readonly scanNsPerRow: number;
  /**
   * Reading a row and storing it on the same AMP in an AMP-local insert-select (the same primary
   * index: no row hash, no redistribution), like Teradata's fast-path INSERT … SELECT into an
   * empty table, which moves whole blocks; a migration's insert-select of hashed staging tables.
   * Absent: `scanNsPerRow + insertNsPerRow`.
   */
  readonly appendNsPerRow?: number;
}

export interface HardwareProfile {
  readonly name: string;
  /** One sentence: what system it stands for and where the figures come from. */
  readonly description: string;
  /** AMPs per node: AMP a runs on node floor(a / ampsPerNode) and shares that node's interconnect link. */
  readonly ampsPerNode: number;
  /** Sequential disk bandwidth of one AMP's storage module. */
  readonly disk: { readonly readMBps: number; readonly writeMBps: number };
  readonly cpu: CpuProfile;
  /** The BYNET-style interconnect: each node's link, one latency per message train. */
  readonly interconnect: { readonly bandwidthMBpsPerNode: number; readonly latencyUs: number };
  readonly media: Readonly<Record<MediumKind, MediumProfile>>;
  /** Archive modules that encode at once (host CPUs running archive jobs). */
  readonly archiveSlots: number;
  /** Restore modules that decode and hash at once. */
  readonly restoreSlots: number;
  /** Cost of one DDL statement on the coordinator (parse, dictionary locks, commit). */
  readonly statementLatencyMs: number;
  /**
   * Cores shared by every AMP, archive and restore module of both systems (their CPU and disk work
   * queue on one pool). Absent: each AMP has its own CPU and disk. calibrate() sets 1: the inline
   * executor runs every AMP on this process's one thread.
   */
  readonly sharedCores?: number;
  /** calibrate(): the per-row figures measured on this machine, in ns per row. */
  readonly measurements?: Readonly<Record<string, number>>;
}

const early2000s: HardwareProfile = deepFreeze({
  name: "early2000s",
  description: "A ~2002 Teradata 5300-class system: 4-CPU SMP nodes running 8 AMPs, each AMP on a RAID-1 pair of 10k rpm disks "
    + "(~25 MB/s read, ~15 MB/s write), BYNET V2 at ~100 MB/s per node, archive over pipes to LTO-2/SDLT-class tape at ~30 MB/s per drive "
    + "(4 drives), CPU costs of a ~900 MHz Pentium III Xeon shared by two AMPs; figures from vendor datasheets of the period, rounded.",
  ampsPerNode: 8,
  disk: { readMBps: 25, writeMBps: 15 },
  cpu: { hashNsPerRow: 400, encodeNsPerRow: 600, decodeNsPerRow: 600, insertNsPerRow: 4_000, scanNsPerRow: 300 },
  interconnect: { bandwidthMBpsPerNode: 100, latencyUs: 30 },
  media: {
    memory: { bandwidthMBps: 400, latencyUs: 1, channels: 8 },
    pipe: { bandwidthMBps: 30, latencyUs: 100, channels: 4 },
    storage: { bandwidthMBps: 40, latencyUs: 5_000, channels: 2 },
    network: { bandwidthMBps: 40, latencyUs: 200, channels: 2 },
  },
  archiveSlots: 4,
  restoreSlots: 4,
  statementLatencyMs: 300,
});

const modern: HardwareProfile = deepFreeze({
  name: "modern",
  description: "A current MPP appliance: 16 AMPs per 2-socket node, one NVMe SSD (~3 GB/s read, ~2 GB/s write) shared by 4 AMPs, "
    + "25 GbE between nodes (~2.5 GB/s usable), Linux pipes at ~1.5 GB/s, 10 GbE to the backup servers, and per-row CPU costs of a "
    + "3 GHz core running a compiled engine (a few times below what calibrate() measures for this JavaScript engine).",
  ampsPerNode: 16,
  disk: { readMBps: 750, writeMBps: 500 },
  cpu: { hashNsPerRow: 15, encodeNsPerRow: 25, decodeNsPerRow: 25, insertNsPerRow: 150, scanNsPerRow: 10 },
  interconnect: { bandwidthMBpsPerNode: 2_500, latencyUs: 10 },
  media: {
    memory: { bandwidthMBps: 10_000, latencyUs: 1, channels: 16 },
    pipe: { bandwidthMBps: 1_500, latencyUs: 10, channels: 16 },
    storage: { bandwidthMBps: 1_000, latencyUs: 100, channels: 4 },
    network: { bandwidthMBps: 1_100, latencyUs: 50, channels: 4 },
  },
  archiveSlots: 16,
  restoreSlots: 16,
  statementLatencyMs: 20,
});

/**
 * The preset hardware profiles by name.
 *
 * @example
 * HARDWARE.early2000s.disk.readMBps; // 25
 * simulateReport(report, HARDWARE.modern).totalMs;
 */
export const HARDWARE: Readonly<{ early2000s: HardwareProfile; modern: HardwareProfile }> = Object.freeze({ early2000s, modern });

export type HardwareName = keyof typeof HARDWARE;
export const HARDWARE_NAMES: readonly HardwareName[] = Object.freeze(Object.keys(HARDWARE) as HardwareName[]);

/**
 * A preset profile by name; BAD_CONFIG naming the presets for any other name.
 *
 * @example
 * hardwareProfile("modern").interconnect.bandwidthMBpsPerNode; // 2500
 */
export function hardwareProfile(name: string): HardwareProfile {
  if (typeof name === "string" && Object.hasOwn(HARDWARE, name)) return HARDWARE[name as HardwareName];
  throw new AmpsimError("BAD_CONFIG", `unknown hardware profile ${showValue(name)} (expected one of ${HARDWARE_NAMES.join(", ")})`, { option: "hardware" });
}

/** BAD_CONFIG unless every figure of `profile` is a finite positive number (channels and slots: integers >= 1). */
export function checkProfile(profile: HardwareProfile): HardwareProfile {
  const positive = (value: unknown, field: string) => {
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
      throw new AmpsimError("BAD_CONFIG", `hardware profile ${showValue(profile?.name)}: ${field} must be a finite number > 0, but found ${showValue(value)}`, { option: field });
    }
  };
  const count = (value: unknown, field: string) => {
    positive(value, field);
    if (!Number.isInteger(value)) throw new AmpsimError("BAD_CONFIG", `hardware profile ${showValue(profile.name)}: ${field} must be an integer, but found ${showValue(value)}`, { option: field });
  };
  if (profile === null || typeof profile !== "object") throw new AmpsimError("BAD_CONFIG", `expected a hardware profile, but found ${showValue(profile)}`);
  count(profile.ampsPerNode, "ampsPerNode");
  positive(profile.disk?.readMBps, "disk.readMBps"); positive(profile.disk?.writeMBps, "disk.writeMBps");
  for (const key of ["hashNsPerRow", "encodeNsPerRow", "decodeNsPerRow", "insertNsPerRow", "scanNsPerRow"] as const) positive(profile.cpu?.[key], `cpu.${key}`);
  if (profile.cpu.appendNsPerRow !== undefined) positive(profile.cpu.appendNsPerRow, "cpu.appendNsPerRow");
  positive(profile.interconnect?.bandwidthMBpsPerNode, "interconnect.bandwidthMBpsPerNode");
  positive(profile.interconnect?.latencyUs, "interconnect.latencyUs");
  for (const kind of ["memory", "pipe", "storage", "network"] as const) {
    positive(profile.media?.[kind]?.bandwidthMBps, `media.${kind}.bandwidthMBps`);
    positive(profile.media[kind].latencyUs, `media.${kind}.latencyUs`);
    count(profile.media[kind].channels, `media.${kind}.channels`);
  }
  count(profile.archiveSlots, "archiveSlots"); count(profile.restoreSlots, "restoreSlots");
  positive(profile.statementLatencyMs, "statementLatencyMs");
  if (profile.sharedCores !== undefined) count(profile.sharedCores, "sharedCores");
  return profile;
}

/** Milliseconds to move `bytes` at `MBps` (10^6 bytes per second). */
export function transferMs(bytes: number, MBps: number): number {
  return bytes / (MBps * 1_000);
}

/**
 * Milliseconds that one operation takes on a resource of `kind` (the medium's
 * figures when kind is "medium"). CPU operations cost rows × ns per row, disk
 * and medium reads and writes bytes / bandwidth (+ the medium's latency),
 * sends bytes / bandwidth + latency, statements the statement latency.
 *
 * @example
 * workMs(HARDWARE.modern, "disk", "read", { bytes: 750e6 }); // 1000
 * workMs(HARDWARE.modern, "cpu", "insert", { rows: 1e6 });   // 150
 */
export function workMs(profile: HardwareProfile, kind: ResourceKind, op: WorkOp, amount: { readonly rows?: number; readonly bytes?: number }, medium: MediumKind = "memory"): number {
  const rows = amount?.rows ?? 0; const bytes = amount?.bytes ?? 0;
  if (!(Number.isFinite(rows) && rows >= 0) || !(Number.isFinite(bytes) && bytes >= 0)) {
    throw new AmpsimError("BAD_ARGUMENT", `workMs: rows and bytes must be finite numbers >= 0, but found rows ${showValue(amount?.rows)}, bytes ${showValue(amount?.bytes)}`);
  }
  switch (op) {
    case "hash": return (rows * profile.cpu.hashNsPerRow) / 1e6;
    case "encode": return (rows * profile.cpu.encodeNsPerRow) / 1e6;
    case "decode": return (rows * profile.cpu.decodeNsPerRow) / 1e6;
    case "insert": return (rows * profile.cpu.insertNsPerRow) / 1e6;
    case "append": return (rows * (profile.cpu.appendNsPerRow ?? profile.cpu.scanNsPerRow + profile.cpu.insertNsPerRow)) / 1e6;
    case "scan": return (rows * profile.cpu.scanNsPerRow) / 1e6;
    case "statement": return profile.statementLatencyMs;
    case "read": case "write": case "send": return byteOpMs(profile, kind, op, bytes, medium);
    default: return unknownOp(op);
  }
}

function byteOpMs(profile: HardwareProfile, kind: ResourceKind, op: "read" | "write" | "send", bytes: number, medium: MediumKind): number {
  if (kind === "medium") {
    const m = profile.media[medium];
    if (m === undefined) throw new AmpsimError("BAD_ARGUMENT", `workMs: medium ${showValue(medium)} is not one of ${Object.keys(profile.media).join(", ")}`);
    return transferMs(bytes, m.bandwidthMBps) + m.latencyUs / 1_000;
  }
  if (kind === "interconnect" && op === "send") return transferMs(bytes, profile.interconnect.bandwidthMBpsPerNode) + profile.interconnect.latencyUs / 1_000;
  if ((kind === "disk" || kind === "host") && op !== "send") return transferMs(bytes, op === "read" ? profile.disk.readMBps : profile.disk.writeMBps);
  throw new AmpsimError("BAD_ARGUMENT", `workMs: operation ${op} cannot run on a ${showValue(kind)} resource (read and write run on disk, send on the interconnect or a medium)`);
}

function unknownOp(op: never): never {
  throw new AmpsimError("BAD_ARGUMENT", `workMs: unknown work operation ${showValue(op)} (operations: hash, encode, decode, insert, append, scan, statement, read, write, send)`);
}

function deepFreeze<T extends object>(value: T): T {
  for (const inner of Object.values(value)) if (inner !== null && typeof inner === "object") deepFreeze(inner as object);
  return Object.freeze(value);
}

// ---------------------------------------------------------------------------
// calibrate(): measure this machine's engine, fit the per-row CPU figures.
// ---------------------------------------------------------------------------

export interface CalibrateOptions {
  /** Rows of the calibration table (default 400,000: about 1–3 s here). */
  readonly rows?: number;
  /** Seed of the calibration data (default 1). */
  readonly seed?: number;
}

/** Per-row wall times (ns per row) of the engine operations calibrate() runs. */
interface Measured {
  readonly hash: number;
  readonly insert: number;
  readonly insertSelect: number;
  readonly scan: number;
  readonly archive: number;
  readonly restore: number;
  readonly transfer: number;
}

/**
 * Measures this machine's engine on a seeded table (row hash, insert,
 * insert-select, scan, an archive and a restore module over frames kept in
 * memory, a memory-medium migration, DDL statements) and returns a profile
 * named "calibrated": CPU figures fitted to the measurements (one AMP = one
 * core of this machine), the measured statement latency, and every other
 * figure from `HARDWARE.modern`. The fastest of two or three runs counts;
 * this machine's speed drifts, so compare profiles from one process only.
 *
 * @example
 * const here = await calibrate({ rows: 100_000 });
 * here.cpu.insertNsPerRow; // e.g. 60
 * simulateReport(report, here).phases;
 */
export async function calibrate(options: CalibrateOptions = {}): Promise<HardwareProfile> {
  if (options === null || typeof options !== "object") throw new AmpsimError("BAD_CONFIG", `calibrate: options must be an object, but found ${showValue(options)}`);
  checkOptionNames(options, ["rows", "seed"], "calibrate()");
  const rows = options.rows ?? 400_000;
  const seed = options.seed ?? 1;
  if (!Number.isSafeInteger(rows) || rows < 1_000) throw new AmpsimError("BAD_CONFIG", `calibrate: rows must be an integer >= 1000, but found ${showValue(rows)}`, { option: "rows" });
  if (!Number.isSafeInteger(seed)) throw new AmpsimError("BAD_CONFIG", `calibrate: seed must be a safe integer, but found ${showValue(seed)}`, { option: "seed" });
  const measured = await measure(rows, seed);
  const cpu = fitCpu(measured);
  const statementMs = statementLatencyMs();
  return deepFreeze({
    ...modern, name: "calibrated", cpu, statementLatencyMs: statementMs, sharedCores: 1,
    // The engine keeps rows in memory: no disk time beyond the per-row CPU figures, which include the memory traffic.
    disk: { readMBps: 1e6, writeMBps: 1e6 },
    description: `This machine's engine, measured by calibrate() on ${rows} rows: every AMP and module shares this process's one thread (inline executor), rows live in memory, DDL statements timed too; interconnect and media as in modern.`,
    measurements: { ...measured, statementNs: statementMs * 1e6 },
  });
}

async function measure(rows: number, seed: number): Promise<Measured> {
  const chosen = scenario("uniform", { rows, seed });
  const table = chosen.tables[0];
  const batches = [...table.generator.batches(rows, 65_536)];
  const perRow = (ms: number) => (ms * 1e6) / rows;
  const hashColumns = batches.map((b) => [{ type: types.int32 as ColumnType, data: b.getChild("account")!.data[0] }]);
  const hash = perRow(bestOf(3, () => timed(() => { for (const columns of hashColumns) rowHashColumns(columns); })));
  const insert = perRow(bestOf(2, () => {
    const engine = new Engine({ name: "calibrate-insert", amps: 4 });
    engine.sql("CREATE DATABASE lab;"); engine.sql(table.ddl);
    return timed(() => { for (const batch of batches) engine.insert(table.name, batch); });
  }));
  const source = new Engine({ name: "calibrate-source", amps: 4 });
  loadScenario(source, chosen);
  const frames: Frame[] = [];
  const archive = perRow(Math.min(await archiveMs(source, table.name, []), await archiveMs(source, table.name, frames)));
  const restore = perRow(Math.min(await restoreMs(table.ddl, table.name, frames), await restoreMs(table.ddl, table.name, frames)));
  const phases: Record<string, number> = { verify: Infinity, transfer: Infinity, "insert-select": Infinity };
  for (let run = 0; run < 2; run++) {
    const target = new Engine({ name: "calibrate-target", amps: 4 });
    const report = await migrate({ source, target, tables: [table.name], streams: 1, medium: "memory" });
    for (const p of report.phases) if (p.phase in phases) phases[p.phase] = Math.min(phases[p.phase], p.elapsedMs);
  }
  // The insert-select as a migration runs it: hashed staging tables into the target, AMP-local.
  return { hash, insert, insertSelect: perRow(phases["insert-select"]), scan: perRow(phases.verify), archive, restore, transfer: perRow(phases.transfer) };
}

/** Wall time of an archive module (summing what a migration's does: the fingerprint) reading every AMP into a sink that keeps the frames in `frames`. */
async function archiveMs(source: Engine, name: string, frames: Frame[]): Promise<number> {
  const sink: FrameSink = { write: async (frame: Frame) => { frames.push(frame); }, close: async () => undefined, abort: () => undefined };
  const id = { stream: 0, table: 0, tableName: name };
  const cluster = Array.from({ length: source.amps }, (_, amp) => amp);
  const started = performance.now();
  await new ArchiveModule(source, id, cluster, { batchRows: 65_536, batchBytes: null, verifyBits: Math.min(16, source.hashBits), sums: "fingerprint" }).run(sink);
  return performance.now() - started;
}

/** Wall time of a restore module inserting `frames` into a fresh table of a 4-AMP system. */
async function restoreMs(ddl: string, name: string, frames: readonly Frame[]): Promise<number> {
  const target = new Engine({ name: "calibrate-restore", amps: 4 });
  target.sql(`CREATE DATABASE ${name.slice(0, name.indexOf("."))};`); target.sql(ddl);
  const source = { async *[Symbol.asyncIterator]() { yield* frames; } };
  const started = performance.now();
  await new RestoreModule(target, { stream: 0, table: 0, tableName: name }, name).run(source);
  return performance.now() - started;
}

/** Mean wall time of one DDL statement (CREATE TABLE, DROP TABLE) on a 4-AMP system. */
function statementLatencyMs(): number {
  const engine = new Engine({ name: "calibrate-ddl", amps: 4 });
  engine.sql("CREATE DATABASE lab;");
  const runs = 20;
  const ms = timed(() => {
    for (let i = 0; i < runs; i++) {
      engine.sql(`CREATE MULTISET TABLE lab.t${i} (id BIGINT NOT NULL, note VARCHAR(20)) PRIMARY INDEX (id);`);
      engine.sql(`DROP TABLE lab.t${i};`);
    }
  });
  return Math.max(1e-3, ms / (2 * runs));
}

function timed(body: () => void): number {
  const started = performance.now();
  body();
  return performance.now() - started;
}

/** The fastest of `runs` timings (the machine's speed drifts; the minimum is the least disturbed). */
function bestOf(runs: number, timing: () => number): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) best = Math.min(best, timing());
  return best;
}

/**
 * Least-squares fit of the five CPU figures (hash h, encode e, decode d,
 * insert i, scan s) to what each measured operation does per row:
 *   hash = h, insert = h + i, verify scan = s,
 *   archive = s + e, restore = d + h + i, memory-medium transfer = s + e + d + h + i,
 * each equation weighted by 1 / its measurement so that errors are relative.
 * A figure that would fall below 1 ns per row is fixed at 1 and the others refitted.
 * Then append a = the migration's AMP-local insert-select (its only equation).
 */
function fitCpu(m: Measured): CpuProfile {
  const equations: [number[], number][] = [
    [[1, 0, 0, 0, 0], m.hash], [[1, 0, 0, 1, 0], m.insert],
    [[0, 0, 0, 0, 1], m.scan], [[0, 1, 0, 0, 1], m.archive], [[1, 0, 1, 1, 0], m.restore], [[1, 1, 1, 1, 1], m.transfer],
  ];
  const [h, e, d, i, s] = fitAtLeast(equations.map(([row, value]) => [row.map((x) => x / Math.max(value, 1e-9)), 1]), 1);
  return { hashNsPerRow: h, encodeNsPerRow: e, decodeNsPerRow: d, insertNsPerRow: i, scanNsPerRow: s, appendNsPerRow: Math.max(1, m.insertSelect) };
}

/** Least squares with every unknown >= floor: unknowns that fall below are fixed at the floor and the rest refitted. */
function fitAtLeast(rows: [number[], number][], floor: number): number[] {
  const n = rows[0][0].length;
  const fixed = new Array<boolean>(n).fill(false);
  for (;;) {
    const free = fixed.flatMap((f, k) => (f ? [] : [k]));
    const reduced: [number[], number][] = rows.map(([a, b]) => [free.map((k) => a[k]), b - a.reduce((sum, x, k) => sum + (fixed[k] ? x * floor : 0), 0)]);
    const solved = free.length > 0 ? solveLeastSquares(reduced) : [];
    const x = new Array<number>(n).fill(floor);
    free.forEach((k, j) => { x[k] = solved[j]; });
    const low = free.filter((k) => !(x[k] >= floor));
    if (low.length === 0) return x;
    for (const k of low) fixed[k] = true;
  }
}

/** x minimizing |A x − b|² through the normal equations (Gaussian elimination with partial pivoting). */
function solveLeastSquares(rows: [number[], number][]): number[] {
  const n = rows[0][0].length;
  const m = Array.from({ length: n }, () => new Array<number>(n + 1).fill(0));
  for (const [a, b] of rows) {
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) m[r][c] += a[r] * a[c];
      m[r][n] += a[r] * b;
    }
  }
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) pivot = r;
    [m[col], m[pivot]] = [m[pivot], m[col]];
    for (let r = 0; r < n; r++) {
      if (r === col || m[col][col] === 0) continue;
      const factor = m[r][col] / m[col][col];
      for (let c = col; c <= n; c++) m[r][c] -= factor * m[col][c];
    }
  }
  return m.map((row, r) => row[n] / row[r]);
}
