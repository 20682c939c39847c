/**
 * The workload: what the timeline replays. A DAG of tasks, each an amount of
 * work (bytes or rows of one operation) on one resource (an AMP's disk or
 * CPU, a node's interconnect link, the transfer medium, the archive or
 * restore modules, the coordinator), with the tasks it must wait for. Phases
 * are barriers: a phase starts when the one before it has ended.
 *
 * Owns: the workload types and the two ways of building one from real runs —
 * `workloadFromReport` (a migration: archive → medium → restore pipelines per
 * stream and batch, all-AMP steps for the other phases) and
 * `workloadFromTrace` (any engine trace: its steps in sequence). Amounts are
 * counts from the trace (rows, bytes); no time of this machine enters.
 *
 * Resources, by id: `{system}:amp{a}:disk` and `{system}:amp{a}:cpu`
 * (capacity 1 each; disk and CPU of one AMP overlap), `{system}:node{n}:link`
 * (AMP a sits on node floor(a / ampsPerNode)), `medium:{kind}` (capacity =
 * the medium's channels), `source:archive-slots`, `target:restore-slots`, and
 * `target:coordinator` (DDL statements, capacity 1).
 */
import { AmpsimError, showValue } from "../engine/index.js";
import type { AmpWork, TraceStep } from "../engine/index.js";
import type { MediumKind, MigrationReport, StreamReport } from "../migrator/index.js";
import { HARDWARE } from "./hardware.js";

/** "host": the pool of cores every AMP and module shares when the profile sets sharedCores (disk and CPU work alike). */
export type ResourceKind = "disk" | "cpu" | "host" | "interconnect" | "medium" | "archive-slot" | "restore-slot" | "coordinator";
export type WorkOp = "read" | "write" | "hash" | "encode" | "decode" | "insert" | "append" | "scan" | "send" | "statement";
export type SystemSide = "source" | "target";

/** Something that does work: `capacity` tasks at once, the rest queue first come, first served. */
export interface Resource {
  readonly id: string;
  readonly kind: ResourceKind;
  readonly capacity: number;
  readonly system?: SystemSide;
  /** disk and cpu: the AMP they belong to. */
  readonly amp?: number;
  /** interconnect: the node whose link this is. */
  readonly node?: number;
  /** medium: which medium's figures apply. */
  readonly medium?: MediumKind;
}

/** An amount of work: rows for CPU operations, bytes for reads, writes and sends; several ops add up. */
export interface TaskWork {
  readonly op: WorkOp | readonly WorkOp[];
  readonly rows?: number;
  readonly bytes?: number;
}

export interface Task {
  readonly id: string;
  /** A resource id, or null for a join: no time, no resource, ends when its predecessors have. */
  readonly resource: string | null;
  readonly work: TaskWork;
  /** Indexes of the tasks this one waits for (same or earlier phase). */
  readonly after: readonly number[];
  readonly phase: string;
  readonly system: SystemSide;
  readonly table?: string;
  readonly stream?: number;
  readonly amp?: number;
}

export interface Workload {
  readonly resources: readonly Resource[];
  readonly tasks: readonly Task[];
  /** In order; a phase starts when the previous one has ended (barrier). */
  readonly phases: readonly string[];
}

/** How the hardware is laid out: enough of a HardwareProfile to name the resources. */
export interface WorkloadLayout {
  readonly ampsPerNode: number;
  readonly archiveSlots: number;
  readonly restoreSlots: number;
  readonly media: Readonly<Record<MediumKind, { readonly channels: number }>>;
  /** When set, every AMP's CPU and disk and every archive/restore slot is one shared pool of this many cores. */
  readonly sharedCores?: number;
}

/** The layout used when none is given: HARDWARE.modern's. */
export const DEFAULT_LAYOUT: WorkloadLayout = HARDWARE.modern;

const MEDIUM_KINDS: readonly MediumKind[] = ["memory", "pipe", "storage", "network"];
const TRANSFER_PHASE = "transfer";
/** Trace labels of the steps that make up the transfer pipelines, and of steps that cost nothing (rows left in place). */
const PIPELINE_LABELS = new Set(["archive", "restore"]);
const FREE_LABELS = new Set(["in-place"]);
/** Steps that are statements of their own (a create-index step belongs to the CREATE TABLE or CREATE INDEX that made it: its AMP work counts, no statement). */
const DDL_STEPS = new Set(["drop-table"]);

/** Appends tasks and names resources; `join` keeps dependency edges linear in the number of tasks. */
export class WorkloadBuilder {
  readonly #resources = new Map<string, Resource>();
  readonly tasks: Task[] = [];
  readonly layout: WorkloadLayout;

  constructor(layout: WorkloadLayout = DEFAULT_LAYOUT) {
    this.layout = layout;
  }

  add(task: Task): number {
    this.tasks.push(task);
    return this.tasks.length - 1;
  }

  /** One index standing for all of `tasks` (a join task when there are several); -1 for none. */
  join(tasks: readonly number[], phase: string, system: SystemSide): number {
    const live = tasks.filter((t) => t >= 0);
    if (live.length <= 1) return live.length === 1 ? live[0] : -1;
    return this.add({ id: `join${this.tasks.length}`, resource: null, work: { op: [] }, after: live, phase, system });
  }

  #resource(resource: Resource): string {
    if (!this.#resources.has(resource.id)) this.#resources.set(resource.id, Object.freeze(resource));
    return resource.id;
  }

  amp(system: SystemSide, amp: number, kind: "disk" | "cpu"): string {
    if (this.layout.sharedCores) return this.#shared();
    return this.#resource({ id: `${system}:amp${amp}:${kind}`, kind, capacity: 1, system, amp });
  }

  /** The one pool of cores that every AMP and module shares (layout.sharedCores). */
  #shared(): string {
    return this.#resource({ id: "host:cores", kind: "host", capacity: this.layout.sharedCores ?? 1, system: "source" });
  }

  nodeOf(amp: number): number {
    return Math.floor(amp / this.layout.ampsPerNode);
  }

  link(system: SystemSide, node: number): string {
    return this.#resource({ id: `${system}:node${node}:link`, kind: "interconnect", capacity: 1, system, node });
  }

  medium(kind: MediumKind): string {
    return this.#resource({ id: `medium:${kind}`, kind: "medium", capacity: this.layout.media[kind].channels, system: "source", medium: kind });
  }

  slot(kind: "archive-slot" | "restore-slot"): string {
    if (this.layout.sharedCores) return this.#shared();
    const system: SystemSide = kind === "archive-slot" ? "source" : "target";
    return this.#resource({ id: `${system}:${kind}s`, kind, capacity: kind === "archive-slot" ? this.layout.archiveSlots : this.layout.restoreSlots, system });
  }

  coordinator(system: SystemSide): string {
    return this.#resource({ id: `${system}:coordinator`, kind: "coordinator", capacity: 1, system });
  }

  build(phases: readonly string[]): Workload {
    return Object.freeze({ resources: [...this.#resources.values()], tasks: this.tasks, phases: Object.freeze([...phases]) });
  }
}

// ---------------------------------------------------------------------------
// Engine steps → tasks
// ---------------------------------------------------------------------------

interface StepContext {
  readonly builder: WorkloadBuilder;
  readonly system: SystemSide;
  readonly phase: string;
}

/**
 * The tasks of one or more steps that run at once (all waiting for `after`):
 * per AMP a disk read and write, a CPU scan and insert (plus the row hash of
 * rows inserted from outside or redistributed), per sending node its
 * cross-node interconnect bytes, per DDL step a statement. Returns the join of
 * them all (the step ends when its slowest AMP ends), or `after` when the
 * steps did no work.
 */
export function addSteps(ctx: StepContext, steps: readonly TraceStep[], after: number): number {
  const { builder, system, phase } = ctx;
  const deps = after >= 0 ? [after] : [];
  const made: number[] = [];
  const base = { phase, system, after: deps };
  for (const step of steps) {
    const table = step.table;
    // Rows of the table that cross AMPs (a USI's index rows, sent from their base row's AMP, do not make a redistribution).
    const redistributes = step.transfers.some((t) => t.index !== true);
    // Rows read are hashed when they, or their USI rows, go to the AMPs their hash assigns.
    const hashesReads = step.transfers.length > 0;
    // An insert-select that moves no row between AMPs appends what each AMP read (CpuProfile.appendNsPerRow).
    const appends = step.step === "insert-select" && !redistributes;
    for (const w of step.amps) made.push(...ampTasks(builder, { ...base, table, amp: w.amp }, w, step.step === "insert", hashesReads, appends));
    for (const [node, bytes] of crossNodeBytes(builder, step)) {
      made.push(builder.add({ ...base, table, id: `${phase}:${table}:node${node}:send`, resource: builder.link(system, node), work: { op: "send", bytes } }));
    }
    if (DDL_STEPS.has(step.step)) made.push(builder.add({ ...base, table, id: `${phase}:${table}:${step.step}`, resource: builder.coordinator(system), work: { op: "statement" } }));
  }
  return made.length === 0 ? after : builder.join(made, phase, system);
}

function ampTasks(builder: WorkloadBuilder, base: Omit<Task, "id" | "resource" | "work"> & { table: string; amp: number }, w: AmpWork, hashesWrites: boolean, hashesReads: boolean, appends = false): number[] {
  const { system, phase, table, amp } = base;
  const id = `${phase}:${table}:amp${amp}`;
  const made: number[] = [];
  const disk = () => builder.amp(system, amp, "disk");
  const cpu = () => builder.amp(system, amp, "cpu");
  if (w.bytesRead > 0) made.push(builder.add({ ...base, id: `${id}:read`, resource: disk(), work: { op: "read", bytes: w.bytesRead } }));
  // An append reads and stores a table row in one: only rows read and not kept (a WHERE) are
  // scanned apart, and secondary-index rows are inserted.
  const appended = appends ? Math.min(w.rowsRead, w.rowsWritten - (w.indexRowsWritten ?? 0)) : 0;
  const scanned = w.rowsRead - appended;
  const inserted = w.rowsWritten - appended;
  // (Rows an append step reads and drops need no hash: only those kept have USI rows to place.)
  if (scanned > 0) made.push(builder.add({ ...base, id: `${id}:scan`, resource: cpu(), work: { op: hashesReads && !appends ? ["scan", "hash"] : "scan", rows: scanned } }));
  if (appended > 0) made.push(builder.add({ ...base, id: `${id}:append`, resource: cpu(), work: { op: hashesReads ? ["append", "hash"] : "append", rows: appended } }));
  if (inserted > 0) made.push(builder.add({ ...base, id: `${id}:insert`, resource: cpu(), work: { op: hashesWrites ? ["hash", "insert"] : "insert", rows: inserted } }));
  if (w.bytesWritten > 0) made.push(builder.add({ ...base, id: `${id}:write`, resource: disk(), work: { op: "write", bytes: w.bytesWritten } }));
  return made;
}

/** Bytes each node sends to other nodes in one step (AMP-to-AMP transfers within a node stay off the link). */
function crossNodeBytes(builder: WorkloadBuilder, step: TraceStep): Map<number, number> {
  const out = new Map<number, number>();
  for (const t of step.transfers) {
    const from = builder.nodeOf(t.from);
    if (from === builder.nodeOf(t.to) || t.bytes <= 0) continue;
    out.set(from, (out.get(from) ?? 0) + t.bytes);
  }
  return out;
}

/**
 * Steps in sequence, each waiting for the one before. With `parallel`, steps
 * that a real system runs at once are grouped: a run of single-AMP steps of
 * the same phase and table on distinct AMPs (the migrator reads AMP by AMP
 * where a real system reads all AMPs in one all-AMP step), and a run of
 * insert-selects into the same table (the statements of one multi-statement
 * request, which Teradata runs as parallel steps).
 */
export function addStepSequence(ctx: StepContext, steps: readonly TraceStep[], after: number, parallel: boolean): number {
  let last = after;
  for (let i = 0; i < steps.length;) {
    let end = i + 1;
    if (parallel && steps[i].scope === "single-amp") {
      const amps = new Set(steps[i].amps.map((a) => a.amp));
      while (end < steps.length && sameGroup(steps[i], steps[end]) && steps[end].scope === "single-amp" && steps[end].amps.every((a) => !amps.has(a.amp))) {
        for (const a of steps[end].amps) amps.add(a.amp);
        end++;
      }
    } else if (parallel && steps[i].step === "insert-select") {
      while (end < steps.length && sameGroup(steps[i], steps[end])) end++;
    }
    last = addSteps(ctx, steps.slice(i, end), last);
    i = end;
  }
  return last;
}

function sameGroup(a: TraceStep, b: TraceStep): boolean {
  return a.table === b.table && a.step === b.step && a.scope === b.scope && a.labels.phase === b.labels.phase;
}

/**
 * The workload of a plain engine trace: its steps in sequence (all-AMP steps
 * end with their slowest AMP), one phase per `phase` label (in order of first
 * appearance; unlabelled steps form the phase "trace").
 *
 * @example
 * const mark = engine.trace.mark();
 * engine.insertSelect("shop.copy", "shop.orders");
 * const timeline = simulate(workloadFromTrace(engine.trace.since(mark), engine.amps), HARDWARE.modern);
 */
export function workloadFromTrace(steps: readonly TraceStep[], amps: number, options: { system?: SystemSide; ampsPerNode?: number } = {}): Workload {
  if (!Number.isInteger(amps) || amps < 1) throw new AmpsimError("BAD_CONFIG", `workloadFromTrace: amps must be an integer >= 1, but found ${showValue(amps)}`, { option: "amps" });
  const builder = new WorkloadBuilder({ ...DEFAULT_LAYOUT, ampsPerNode: options.ampsPerNode ?? DEFAULT_LAYOUT.ampsPerNode });
  const system = options.system ?? "source";
  const byPhase = new Map<string, TraceStep[]>();
  for (const step of steps) {
    for (const w of step.amps) if (w.amp < 0 || w.amp >= amps) throw new AmpsimError("BAD_CONFIG", `workloadFromTrace: step ${step.seq} names AMP ${w.amp}, but the system has AMPs 0..${amps - 1}`, { amp: w.amp });
    const phase = typeof step.labels.phase === "string" ? step.labels.phase : "trace";
    if (!byPhase.has(phase)) byPhase.set(phase, []);
    byPhase.get(phase)!.push(step);
  }
  for (const [phase, list] of byPhase) addStepSequence({ builder, system, phase }, list, -1, false);
  return builder.build([...byPhase.keys()]);
}

// ---------------------------------------------------------------------------
// A migration report → tasks
// ---------------------------------------------------------------------------

/**
 * The workload of a real migration run. Transfer phase: per table and stream,
 * per batch a pipeline source AMP disk read + CPU scan → archive module encode
 * → medium send → restore module decode + hash → target node links → target
 * AMP CPU insert + disk write, where batch b's stage s waits for batch b's
 * stage s − 1 and batch b − 1's stage s (a storage medium is store-and-forward:
 * restore starts when the stream's file is complete). Tables go one after
 * another unless their streams overlapped in the run. Other phases: their
 * steps in sequence, each an all-AMP step (per-AMP runs of single-AMP reads
 * run at once), plus one statement per DDL the migrator sends (table
 * definitions, staging tables, drops). `layout` names the nodes and sizes the
 * shared resources (default HARDWARE.modern's; pass the profile you simulate).
 *
 * @example
 * const report = await migrate({ source, target, streams: 2, medium: "pipe" });
 * const workload = workloadFromReport(report, HARDWARE.early2000s);
 * simulate(workload, HARDWARE.early2000s).phases;
 */
export function workloadFromReport(report: MigrationReport, layout: WorkloadLayout = DEFAULT_LAYOUT): Workload {
  checkReport(report);
  const builder = new WorkloadBuilder(layout);
  const phases = report.phases.map((p) => p.phase as string).filter((p, i, all) => all.indexOf(p) === i);
  const extra = (phase: string) => { if (!phases.includes(phase)) phases.push(phase); };
  const steps = { source: report.trace.source, target: report.trace.target };
  const stepPhase = (step: TraceStep): string | null => {
    const label = typeof step.labels.phase === "string" ? step.labels.phase : "unlabelled";
    if (FREE_LABELS.has(label)) return null;
    return PIPELINE_LABELS.has(label) ? TRANSFER_PHASE : label;
  };
  for (const side of ["source", "target"] as const) for (const step of steps[side]) { const p = stepPhase(step); if (p) extra(p); }
  for (const phase of phases) {
    const start = addStatements(builder, report, phase);
    if (phase === TRANSFER_PHASE) addTransfer(builder, report, start);
    for (const system of ["source", "target"] as const) {
      const list = steps[system].filter((s) => stepPhase(s) === phase && !PIPELINE_LABELS.has(String(s.labels.phase)));
      addStepSequence({ builder, system, phase }, list, start, true);
    }
  }
  return builder.build(phases);
}

function checkReport(report: MigrationReport): void {
  if (report === null || typeof report !== "object" || report.kind !== "migration-report") {
    throw new AmpsimError("BAD_CONFIG", `expected a migration report, but found ${showValue(report)}`, { option: "report" });
  }
  if (!MEDIUM_KINDS.includes(report.medium as MediumKind)) {
    throw new AmpsimError("BAD_CONFIG", `the report's medium must be one of ${MEDIUM_KINDS.join(", ")}, but found ${showValue(report.medium)}`, { option: "medium" });
  }
}

/** DDL the migrator sends that the trace does not hold: table definitions (dictionary), staging tables (staging). */
function addStatements(builder: WorkloadBuilder, report: MigrationReport, phase: string): number {
  const tables = tableNames(report);
  const count = phase === "dictionary" ? tables.length : phase === "staging" ? tables.length * report.streams : 0;
  const made: number[] = [];
  for (let i = 0; i < count; i++) {
    const table = tables[i % tables.length];
    made.push(builder.add({ id: `${phase}:${table}:ddl${i}`, resource: builder.coordinator("target"), work: { op: "statement" }, after: [], phase, system: "target", table }));
  }
  return builder.join(made, phase, "target");
}

function tableNames(report: MigrationReport): string[] {
  const names = report.tables.map((t) => t.table);
  for (const s of report.streamReports) if (!names.includes(s.table)) names.push(s.table);
  return names;
}

/** One stream's pipeline inputs: the source AMPs it read and the batches its restore module inserted. */
interface StreamSteps {
  readonly table: string;
  readonly stream: number;
  readonly report: StreamReport | undefined;
  readonly archive: TraceStep[];
  readonly restore: TraceStep[];
}

function streamSteps(report: MigrationReport): StreamSteps[] {
  const byKey = new Map<string, StreamSteps>();
  const entry = (table: string, stream: number) => {
    const key = `${table}\u0000${stream}`;
    if (!byKey.has(key)) byKey.set(key, { table, stream, report: report.streamReports.find((s) => s.table === table && s.stream === stream), archive: [], restore: [] });
    return byKey.get(key)!;
  };
  for (const s of report.streamReports) entry(s.table, s.stream);
  for (const step of report.trace.source) if (step.labels.phase === "archive") entry(String(step.labels.table ?? step.table), Number(step.labels.stream ?? 0)).archive.push(step);
  for (const step of report.trace.target) if (step.labels.phase === "restore") entry(String(step.labels.table ?? step.table), Number(step.labels.stream ?? 0)).restore.push(step);
  return [...byKey.values()];
}

/** Every table's streams; tables in sequence unless their streams overlapped in the real run. */
function addTransfer(builder: WorkloadBuilder, report: MigrationReport, start: number): void {
  const streams = streamSteps(report);
  const tables = [...new Set(streams.map((s) => s.table))];
  const window = (table: string) => {
    const own = report.streamReports.filter((s) => s.table === table);
    return { from: Math.min(...own.map((s) => s.startMs)), to: Math.max(...own.map((s) => s.startMs + s.elapsedMs)) };
  };
  const windows = tables.map(window);
  const parallel = windows.some((w, i) => i > 0 && Number.isFinite(w.from) && w.from < windows[i - 1].to);
  let barrier = start;
  for (const table of tables) {
    const ends = streams.filter((s) => s.table === table).map((s) => addStreamPipeline(builder, report, s, parallel ? start : barrier));
    if (!parallel) barrier = builder.join(ends, TRANSFER_PHASE, "target");
  }
}

/** Tasks of one stage of one batch (run at once); a stage without work is skipped. */
type Stage = (tag: string, after: number[]) => number[];

/**
 * Runs `batches` through `stages` as a pipeline: batch b's stage s waits for
 * batch b's previous stage and batch b − 1's stage s. Returns the last join.
 */
function pipeline(builder: WorkloadBuilder, phase: string, batches: number, stages: (b: number) => Stage[], start: number): number {
  let previousBatch: number[] = [];
  let last = start;
  for (let b = 0; b < batches; b++) {
    const list = stages(b);
    const joins: number[] = [];
    let before = start;
    list.forEach((stage, s) => {
      const after = [before, previousBatch[s] ?? -1].filter((t) => t >= 0);
      const made = stage(`b${b}`, after);
      const join = made.length === 0 ? before : builder.join(made, phase, "target");
      joins.push(join);
      before = join;
    });
    previousBatch = joins;
    last = before;
  }
  return last;
}

interface BatchShape {
  readonly rows: number;
  /** Source AMPs read for this batch: amp, rows, bytes. */
  readonly sources: { amp: number; rows: number; bytes: number }[];
  readonly mediumBytes: number;
  readonly target: readonly AmpWork[];
}

/** Restore batch b's share of the archive reads: matched by position in the stream, in proportion to rows. */
function batchShapes(s: StreamSteps): BatchShape[] {
  const reads = s.archive.flatMap((step) => step.amps.filter((a) => a.rowsRead > 0).map((a) => ({ amp: a.amp, rows: a.rowsRead, bytes: a.bytesRead })));
  const restoreRows = s.restore.reduce((sum, step) => sum + step.rows, 0);
  const readRows = reads.reduce((sum, r) => sum + r.rows, 0);
  const scale = restoreRows > 0 ? readRows / restoreRows : 0;
  const mediumBytes = s.report?.mediumBytes ?? s.restore.reduce((sum, st) => sum + st.amps.reduce((x, a) => x + a.bytesWritten, 0), 0);
  let cursor = 0; let read = 0; let readStart = 0;
  return s.restore.map((step) => {
    const from = cursor * scale; const to = (cursor + step.rows) * scale;
    cursor += step.rows;
    const sources: BatchShape["sources"] = [];
    while (read < reads.length) {
      const r = reads[read];
      const overlap = Math.min(to, readStart + r.rows) - Math.max(from, readStart);
      if (overlap > 1e-6) sources.push({ amp: r.amp, rows: overlap, bytes: (r.bytes * overlap) / r.rows });
      if (readStart + r.rows > to) break;
      readStart += r.rows; read++;
    }
    return { rows: step.rows, sources, mediumBytes: restoreRows > 0 ? (mediumBytes * step.rows) / restoreRows : 0, target: step.amps };
  });
}

function addStreamPipeline(builder: WorkloadBuilder, report: MigrationReport, s: StreamSteps, start: number): number {
  const phase = TRANSFER_PHASE;
  const medium = report.medium as MediumKind;
  const shapes = batchShapes(s);
  const base = { phase, table: s.table, stream: s.stream };
  const id = (tag: string, what: string) => `${s.table}:s${s.stream}:${tag}:${what}`;
  const task = (tag: string, after: number[], what: string, resource: string, system: SystemSide, work: TaskWork, amp?: number) =>
    builder.add({ ...base, id: id(tag, what), resource, system, work, after, ...(amp === undefined ? {} : { amp }) });
  const sourceRead = (b: number): Stage => (tag, after) => shapes[b].sources.flatMap((r) => [
    task(tag, after, `amp${r.amp}:read`, builder.amp("source", r.amp, "disk"), "source", { op: "read", bytes: r.bytes }, r.amp),
    task(tag, after, `amp${r.amp}:scan`, builder.amp("source", r.amp, "cpu"), "source", { op: "scan", rows: r.rows }, r.amp),
  ]);
  const encode = (b: number): Stage => (tag, after) => (shapes[b].sources.length === 0 ? [] : [task(tag, after, "encode", builder.slot("archive-slot"), "source", { op: "encode", rows: shapes[b].rows })]);
  const send = (b: number, op: "send" | "write" | "read"): Stage => (tag, after) => [task(tag, after, `medium-${op}`, builder.medium(medium), "source", { op, bytes: shapes[b].mediumBytes })];
  const decode = (b: number): Stage => (tag, after) => [task(tag, after, "decode", builder.slot("restore-slot"), "target", { op: ["decode", "hash"], rows: shapes[b].rows })];
  const links = (b: number): Stage => (tag, after) => [...nodeBytes(builder, shapes[b].target)].map(([node, bytes]) => task(tag, after, `node${node}:receive`, builder.link("target", node), "target", { op: "send", bytes }));
  const store = (b: number): Stage => (tag, after) => shapes[b].target.filter((w) => w.rowsWritten > 0).flatMap((w) => [
    task(tag, after, `amp${w.amp}:insert`, builder.amp("target", w.amp, "cpu"), "target", { op: "insert", rows: w.rowsWritten }, w.amp),
    task(tag, after, `amp${w.amp}:write`, builder.amp("target", w.amp, "disk"), "target", { op: "write", bytes: w.bytesWritten }, w.amp),
  ]);
  if (medium !== "storage") return pipeline(builder, phase, shapes.length, (b) => [sourceRead(b), encode(b), send(b, "send"), decode(b), links(b), store(b)], start);
  const written = pipeline(builder, phase, shapes.length, (b) => [sourceRead(b), encode(b), send(b, "write")], start);
  return pipeline(builder, phase, shapes.length, (b) => [send(b, "read"), decode(b), links(b), store(b)], written);
}

/** Bytes each target node receives from a restore module in one batch. */
function nodeBytes(builder: WorkloadBuilder, amps: readonly AmpWork[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const w of amps) if (w.bytesWritten > 0) out.set(builder.nodeOf(w.amp), (out.get(builder.nodeOf(w.amp)) ?? 0) + w.bytesWritten);
  return out;
}
