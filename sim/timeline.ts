/**
 * The discrete-event timeline: replays a workload on a hardware profile.
 * Tasks become ready when their predecessors have ended; each resource runs
 * up to `capacity` tasks at once and queues the rest first come, first served
 * (ready time, then task index); a task takes the time `workMs` gives for its
 * work on that profile. Phases are barriers. Skew becomes time because an
 * all-AMP step's join waits for its slowest AMP.
 *
 * Owns: the event queue (a binary heap keyed by time, ties by task index),
 * resource queues, and the result: per phase, stream and AMP start and end,
 * utilization per resource, the critical path, and per-task start and end.
 * All times in milliseconds from the start of the first phase. Deterministic:
 * the same workload and profile give an identical timeline.
 */
import { AmpsimError, showValue } from "../engine/index.js";
import type { MediumKind, MigrationReport } from "../migrator/index.js";
import { checkProfile, workMs, type HardwareProfile } from "./hardware.js";
import { workloadFromReport, type ResourceKind, type SystemSide, type Task, type WorkOp, type Workload } from "./workload.js";

export interface PhaseSpan { readonly phase: string; readonly startMs: number; readonly endMs: number }
export interface StreamSpan { readonly table: string; readonly stream: number; readonly startMs: number; readonly endMs: number }

/** One AMP: busyMs is the time its disk or CPU (or both) had work; start and end of its first and last task. */
export interface AmpSpan {
  readonly system: SystemSide;
  readonly amp: number;
  readonly busyMs: number;
  readonly diskBusyMs: number;
  readonly cpuBusyMs: number;
  readonly startMs: number;
  readonly endMs: number;
}

/** busyMs sums task durations (slot-milliseconds); utilization = busyMs / (capacity × totalMs). */
export interface ResourceUse { readonly resource: string; readonly kind: ResourceKind; readonly capacity: number; readonly busyMs: number; readonly utilization: number }

/** One task on the critical path; `waited` says what it waited for before starting. */
export interface CriticalStep {
  /** Task index in the workload (−1 in analytic results). */
  readonly task: number;
  readonly id: string;
  readonly phase: string;
  readonly resource: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly waited: "dependency" | "resource" | "phase" | "nothing";
}

export interface Timeline {
  readonly kind: "timeline";
  readonly profile: string;
  readonly totalMs: number;
  readonly phases: readonly PhaseSpan[];
  readonly streams: readonly StreamSpan[];
  readonly amps: readonly AmpSpan[];
  readonly utilization: readonly ResourceUse[];
  /** From the first task to the one that ended last, each entry the task that delayed the next (predecessor or resource). */
  readonly criticalPath: readonly CriticalStep[];
  /** Per task (workload order) start and end, for Gantt charts; absent in analytic results. */
  readonly tasks?: { readonly startMs: Float64Array; readonly endMs: Float64Array };
}

const KIND_OPS: Readonly<Record<ResourceKind, readonly WorkOp[]>> = {
  disk: ["read", "write"],
  cpu: ["hash", "encode", "decode", "insert", "append", "scan"],
  host: ["read", "write", "hash", "encode", "decode", "insert", "append", "scan"],
  "archive-slot": ["hash", "encode", "decode", "insert", "append", "scan"],
  "restore-slot": ["hash", "encode", "decode", "insert", "append", "scan"],
  interconnect: ["send"],
  medium: ["read", "write", "send"],
  coordinator: ["statement"],
};

/** The workload in typed arrays: resource, duration, phase, and same-phase successor lists per task. */
interface Compiled {
  readonly n: number;
  readonly resource: Int32Array;
  readonly duration: Float64Array;
  readonly phase: Int32Array;
  readonly pending: Int32Array;
  readonly successorStart: Int32Array;
  readonly successors: Int32Array;
  readonly capacity: Int32Array;
}

function bad(message: string, details: Record<string, unknown> = {}): AmpsimError {
  return new AmpsimError("BAD_CONFIG", message, details);
}

function compile(workload: Workload, profile: HardwareProfile): Compiled {
  const { resources, tasks, phases } = workload;
  const resourceIndex = new Map<string, number>();
  const capacity = new Int32Array(resources.length);
  resources.forEach((r, i) => {
    if (resourceIndex.has(r.id)) throw bad(`resource ${showValue(r.id)} is listed twice`, { resource: r.id });
    if (!Number.isInteger(r.capacity) || r.capacity < 1) throw bad(`resource ${r.id}: capacity must be an integer >= 1, but found ${showValue(r.capacity)}`, { resource: r.id });
    if (!KIND_OPS[r.kind]) throw bad(`resource ${r.id}: unknown kind ${showValue(r.kind)}`, { resource: r.id });
    resourceIndex.set(r.id, i); capacity[i] = r.capacity;
  });
  const phaseIndex = new Map(phases.map((p, i) => [p, i]));
  const n = tasks.length;
  const resource = new Int32Array(n); const duration = new Float64Array(n); const phase = new Int32Array(n); const pending = new Int32Array(n);
  const successorCount = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    const task = tasks[i];
    const p = phaseIndex.get(task.phase);
    if (p === undefined) throw bad(`task ${i} (${task.id}) is in phase ${showValue(task.phase)}, which is not in the workload's phases (${phases.join(", ")})`, { task: i });
    phase[i] = p;
    const r = task.resource === null ? -1 : resourceIndex.get(task.resource);
    if (r === undefined) throw bad(`task ${i} (${task.id}) runs on resource ${showValue(task.resource)}, which the workload does not list`, { task: i });
    resource[i] = r;
    duration[i] = r < 0 ? 0 : taskMs(task, resources[r].kind, resources[r].medium, profile, i);
    if (!Array.isArray(task.after)) throw bad(`task ${i} (${task.id}): after must be an array of task indexes, but found ${showValue(task.after)}`, { task: i });
    for (const d of task.after) {
      if (!Number.isInteger(d) || d < 0 || d >= n || d === i) throw bad(`task ${i} (${task.id}) waits for ${showValue(d)}, which is not another task's index`, { task: i });
    }
  }
  for (let i = 0; i < n; i++) {
    for (const d of tasks[i].after) {
      if (phase[d] > phase[i]) throw bad(`task ${i} (${tasks[i].id}) in phase ${tasks[i].phase} waits for task ${d} of the later phase ${tasks[d].phase}`, { task: i });
      if (phase[d] === phase[i]) { pending[i]++; successorCount[d + 1]++; }
    }
  }
  for (let i = 0; i < n; i++) successorCount[i + 1] += successorCount[i];
  const successors = new Int32Array(successorCount[n]);
  const fill = successorCount.slice(0, n);
  for (let i = 0; i < n; i++) for (const d of tasks[i].after) if (phase[d] === phase[i]) successors[fill[d]++] = i;
  return { n, resource, duration, phase, pending, successorStart: successorCount, successors, capacity };
}

function taskMs(task: Task, kind: ResourceKind, medium: MediumKind | undefined, profile: HardwareProfile, index: number): number {
  const ops = typeof task.work?.op === "string" ? [task.work.op] : task.work?.op;
  if (!Array.isArray(ops)) throw bad(`task ${index} (${task.id}) has no work op`, { task: index });
  const { rows = 0, bytes = 0 } = task.work;
  if (!(rows >= 0 && Number.isFinite(rows) && bytes >= 0 && Number.isFinite(bytes))) throw bad(`task ${index} (${task.id}): rows and bytes must be finite and >= 0, but found rows ${showValue(rows)}, bytes ${showValue(bytes)}`, { task: index });
  let ms = 0;
  for (const op of ops) {
    if (!KIND_OPS[kind].includes(op)) throw bad(`task ${index} (${task.id}): operation ${showValue(op)} cannot run on a ${kind} resource (expected one of ${KIND_OPS[kind].join(", ")})`, { task: index });
    ms += workMs(profile, kind, op, { rows, bytes }, medium ?? "memory");
  }
  return ms;
}

/** A binary min-heap of (time, task) in typed arrays; ties by task index. */
class EventHeap {
  readonly #time: Float64Array;
  readonly #task: Int32Array;
  size = 0;

  constructor(capacity: number) {
    this.#time = new Float64Array(Math.max(1, capacity));
    this.#task = new Int32Array(Math.max(1, capacity));
  }

  #less(a: number, b: number): boolean {
    return this.#time[a] < this.#time[b] || (this.#time[a] === this.#time[b] && this.#task[a] < this.#task[b]);
  }

  #swap(a: number, b: number): void {
    const t = this.#time[a]; this.#time[a] = this.#time[b]; this.#time[b] = t;
    const k = this.#task[a]; this.#task[a] = this.#task[b]; this.#task[b] = k;
  }

  push(time: number, task: number): void {
    let i = this.size++;
    this.#time[i] = time; this.#task[i] = task;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(i, parent)) break;
      this.#swap(i, parent); i = parent;
    }
  }

  topTime(): number {
    return this.#time[0];
  }

  pop(): number {
    const task = this.#task[0];
    this.size--;
    if (this.size > 0) {
      this.#time[0] = this.#time[this.size]; this.#task[0] = this.#task[this.size];
      let i = 0;
      for (;;) {
        const l = 2 * i + 1; const r = l + 1;
        let m = i;
        if (l < this.size && this.#less(l, m)) m = l;
        if (r < this.size && this.#less(r, m)) m = r;
        if (m === i) break;
        this.#swap(i, m); i = m;
      }
    }
    return task;
  }
}

/** Simulation state: per task times and causes, per resource busy count and FIFO queue (linked through `next`). */
class Run {
  readonly c: Compiled;
  readonly start: Float64Array; readonly end: Float64Array; readonly ready: Float64Array;
  /** The predecessor whose end made the task ready, and the task whose end freed the slot it started in (−1: none). */
  readonly readyCause: Int32Array; readonly slotCause: Int32Array;
  readonly busy: Int32Array; readonly head: Int32Array; readonly tail: Int32Array; readonly next: Int32Array;
  readonly freedBy: Int32Array;
  readonly heap: EventHeap;
  readonly #touched: number[] = [];
  readonly #isTouched: Uint8Array;
  /** Per resource, the tasks it ran in start order (for AMP busy-time unions). */
  readonly ran: number[][];

  constructor(c: Compiled) {
    this.c = c;
    const { n } = c; const r = c.capacity.length;
    this.start = new Float64Array(n); this.end = new Float64Array(n); this.ready = new Float64Array(n);
    this.readyCause = new Int32Array(n).fill(-1); this.slotCause = new Int32Array(n).fill(-1);
    this.busy = new Int32Array(r); this.head = new Int32Array(r).fill(-1); this.tail = new Int32Array(r).fill(-1); this.next = new Int32Array(n).fill(-1);
    this.freedBy = new Int32Array(r).fill(-1);
    this.heap = new EventHeap(n);
    this.#isTouched = new Uint8Array(r);
    this.ran = Array.from({ length: r }, () => []);
  }

  /** Makes `list` ready at `time` (ascending task index); joins end at once and release their successors in turn. */
  release(list: number[], time: number): void {
    let batch = list;
    while (batch.length > 0) {
      batch.sort((a, b) => a - b);
      const following: number[] = [];
      for (const i of batch) {
        this.ready[i] = time;
        const r = this.c.resource[i];
        if (r >= 0) { this.#enqueue(r, i); continue; }
        this.start[i] = time; this.end[i] = time;
        this.#successorsOf(i, following);
      }
      batch = following;
    }
  }

  #successorsOf(i: number, out: number[]): void {
    const { successorStart, successors, pending } = this.c;
    for (let k = successorStart[i]; k < successorStart[i + 1]; k++) {
      const s = successors[k];
      if (--pending[s] === 0) { this.readyCause[s] = i; out.push(s); }
    }
  }

  #enqueue(r: number, i: number): void {
    if (this.tail[r] < 0) this.head[r] = i; else this.next[this.tail[r]] = i;
    this.tail[r] = i;
    if (!this.#isTouched[r]) { this.#isTouched[r] = 1; this.#touched.push(r); }
  }

  /** Starts queued tasks on every resource touched at `time`, in resource order. */
  dispatch(time: number): void {
    this.#touched.sort((a, b) => a - b);
    for (const r of this.#touched) {
      this.#isTouched[r] = 0;
      while (this.busy[r] < this.c.capacity[r] && this.head[r] >= 0) {
        const i = this.head[r];
        this.head[r] = this.next[i];
        if (this.head[r] < 0) this.tail[r] = -1;
        this.busy[r]++;
        this.start[i] = time; this.end[i] = time + this.c.duration[i];
        if (time > this.ready[i]) this.slotCause[i] = this.freedBy[r];
        this.ran[r].push(i);
        this.heap.push(this.end[i], i);
      }
    }
    this.#touched.length = 0;
  }

  /** Pops every event at the earliest time, frees their slots and releases their successors. */
  step(): void {
    const time = this.heap.topTime();
    const readied: number[] = [];
    while (this.heap.size > 0 && this.heap.topTime() === time) {
      const i = this.heap.pop();
      const r = this.c.resource[i];
      this.busy[r]--;
      // The first task to end here frees the slot a queued task may take now.
      if (!this.#isTouched[r]) { this.freedBy[r] = i; this.#isTouched[r] = 1; this.#touched.push(r); }
      this.#successorsOf(i, readied);
    }
    this.release(readied, time);
    this.dispatch(time);
  }

}

/**
 * Replays `workload` on `profile` and returns its timeline.
 *
 * @example
 * const timeline = simulate(workloadFromReport(report, HARDWARE.modern), HARDWARE.modern);
 * timeline.totalMs;                  // simulated milliseconds
 * timeline.phases.map((p) => `${p.phase} ${p.endMs - p.startMs} ms`);
 */
export function simulate(workload: Workload, profile: HardwareProfile): Timeline {
  checkProfile(profile);
  if (workload === null || typeof workload !== "object" || !Array.isArray(workload.tasks) || !Array.isArray(workload.resources) || !Array.isArray(workload.phases)) {
    throw bad(`expected a workload { resources, tasks, phases }, but found ${showValue(workload)}`);
  }
  const c = compile(workload, profile);
  const run = new Run(c);
  const byPhase = tasksByPhase(c, workload.phases.length);
  const phases: PhaseSpan[] = [];
  const lastOfPhase: number[] = [];
  let clock = 0;
  workload.phases.forEach((name, p) => {
    const { endMs, last } = runPhase(run, byPhase[p], clock, name);
    phases.push({ phase: name, startMs: clock, endMs });
    lastOfPhase.push(last);
    clock = endMs;
  });
  return {
    kind: "timeline", profile: profile.name, totalMs: clock, phases,
    streams: streamSpans(workload, run), amps: ampSpans(workload, run), utilization: utilization(workload, run, clock),
    criticalPath: criticalPath(workload, run, lastOfPhase), tasks: { startMs: run.start, endMs: run.end },
  };
}

/**
 * Simulates a migration report on `profile` (its workload laid out on the profile's nodes and slots).
 *
 * @example
 * const report = await migrate({ source, target, streams: 3, medium: "pipe" });
 * simulateReport(report, HARDWARE.early2000s).totalMs; // e.g. 41_200
 */
export function simulateReport(report: MigrationReport, profile: HardwareProfile): Timeline {
  return simulate(workloadFromReport(report, checkProfile(profile)), profile);
}

function tasksByPhase(c: Compiled, phases: number): Int32Array[] {
  const counts = new Int32Array(phases);
  for (let i = 0; i < c.n; i++) counts[c.phase[i]]++;
  const out = Array.from(counts, (k) => new Int32Array(k));
  counts.fill(0);
  for (let i = 0; i < c.n; i++) out[c.phase[i]][counts[c.phase[i]]++] = i;
  return out;
}

function runPhase(run: Run, tasks: Int32Array, startMs: number, name: string): { endMs: number; last: number } {
  const initial: number[] = [];
  for (const i of tasks) if (run.c.pending[i] === 0) initial.push(i);
  run.release(initial, startMs);
  run.dispatch(startMs);
  while (run.heap.size > 0) run.step();
  let last = -1;
  for (const i of tasks) {
    if (run.c.pending[i] !== 0) throw bad(`phase ${name}: task ${i} never became ready (its dependencies form a cycle)`, { task: i });
    if (last < 0 || run.end[i] > run.end[last]) last = i;
  }
  return { endMs: last < 0 ? startMs : Math.max(startMs, run.end[last]), last };
}

function streamSpans(workload: Workload, run: Run): StreamSpan[] {
  const spans = new Map<string, Map<number, { startMs: number; endMs: number }>>();
  workload.tasks.forEach((task, i) => {
    if (task.stream === undefined || task.table === undefined) return;
    let byStream = spans.get(task.table);
    if (!byStream) spans.set(task.table, byStream = new Map());
    const span = byStream.get(task.stream);
    if (!span) byStream.set(task.stream, { startMs: run.start[i], endMs: run.end[i] });
    else { span.startMs = Math.min(span.startMs, run.start[i]); span.endMs = Math.max(span.endMs, run.end[i]); }
  });
  const out: StreamSpan[] = [];
  for (const [table, byStream] of spans) for (const [stream, span] of byStream) out.push({ table, stream, ...span });
  return out.sort((a, b) => (a.table < b.table ? -1 : a.table > b.table ? 1 : a.stream - b.stream));
}

function ampSpans(workload: Workload, run: Run): AmpSpan[] {
  const byAmp = new Map<string, { system: SystemSide; amp: number; disk: number[]; cpu: number[] }>();
  const add = (system: SystemSide, amp: number, kind: "disk" | "cpu", tasks: Iterable<number>) => {
    const key = `${system}:${amp}`;
    if (!byAmp.has(key)) byAmp.set(key, { system, amp, disk: [], cpu: [] });
    byAmp.get(key)![kind].push(...tasks);
  };
  const resourceIndex = new Map(workload.resources.map((r, index) => [r.id, index]));
  workload.resources.forEach((r, index) => {
    if (r.amp === undefined || (r.kind !== "disk" && r.kind !== "cpu")) return;
    add(r.system ?? "source", r.amp, r.kind, run.ran[index]);
  });
  // With shared cores (one "host" pool), an AMP's tasks run on the pool: they still belong to their AMP.
  workload.tasks.forEach((task, i) => {
    if (task.amp === undefined || task.resource === null) return;
    if (workload.resources[resourceIndex.get(task.resource)!].kind !== "host") return;
    const ops = Array.isArray(task.work.op) ? task.work.op : [task.work.op];
    add(task.system, task.amp, ops.every((op) => op === "read" || op === "write") ? "disk" : "cpu", [i]);
  });
  const sum = (list: number[]) => list.reduce((s, i) => s + (run.end[i] - run.start[i]), 0);
  return [...byAmp.values()].map(({ system, amp, disk, cpu }) => {
    const all = [...disk, ...cpu].sort((a, b) => run.start[a] - run.start[b] || a - b);
    let busyMs = 0; let coveredTo = -Infinity;
    for (const i of all) {
      const from = Math.max(run.start[i], coveredTo);
      if (run.end[i] > from) busyMs += run.end[i] - from;
      coveredTo = Math.max(coveredTo, run.end[i]);
    }
    const startMs = all.length === 0 ? 0 : run.start[all[0]];
    const endMs = all.length === 0 ? 0 : coveredTo;
    return { system, amp, busyMs, diskBusyMs: sum(disk), cpuBusyMs: sum(cpu), startMs, endMs };
  }).sort((a, b) => (a.system === b.system ? a.amp - b.amp : a.system === "source" ? -1 : 1));
}

function utilization(workload: Workload, run: Run, totalMs: number): ResourceUse[] {
  return workload.resources.map((r, index) => {
    const busyMs = run.ran[index].reduce((s, i) => s + run.c.duration[i], 0);
    return { resource: r.id, kind: r.kind, capacity: r.capacity, busyMs, utilization: totalMs > 0 ? busyMs / (r.capacity * totalMs) : 0 };
  });
}

/** Walks back from the task that ended last: through the slot it waited for, else the predecessor that made it ready, else the previous phase's last task. */
function criticalPath(workload: Workload, run: Run, lastOfPhase: readonly number[]): CriticalStep[] {
  const path: CriticalStep[] = [];
  let phase = lastOfPhase.length - 1;
  while (phase >= 0 && lastOfPhase[phase] < 0) phase--;
  let current = phase >= 0 ? lastOfPhase[phase] : -1;
  while (current >= 0) {
    const waitedForSlot = run.start[current] > run.ready[current] && run.slotCause[current] >= 0;
    let previous = waitedForSlot ? run.slotCause[current] : run.readyCause[current];
    let waited: CriticalStep["waited"] = waitedForSlot ? "resource" : previous >= 0 ? "dependency" : "nothing";
    if (previous < 0) {
      let p = run.c.phase[current] - 1;
      while (p >= 0 && lastOfPhase[p] < 0) p--;
      if (p >= 0) { previous = lastOfPhase[p]; waited = "phase"; }
    }
    const task = workload.tasks[current];
    if (task.resource !== null) {
      path.push({ task: current, id: task.id, phase: task.phase, resource: task.resource, startMs: run.start[current], endMs: run.end[current], waited });
    }
    current = previous;
  }
  return path.reverse();
}
