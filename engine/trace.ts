/**
 * The trace: a plain-data record of the work every step did, per AMP and per
 * interconnect transfer. The simulator replays it on a hardware profile, so it
 * holds counts (rows, bytes, messages), never timings of this machine alone
 * (elapsedMs is kept for reference).
 */

export type StepKind =
  | "insert" | "scan" | "lookup" | "index-lookup" | "insert-select" | "redistribute" | "aggregate" | "delete"
  | "create-index" | "drop-table" | "archive" | "restore";

/** One step's scope as Teradata's EXPLAIN would say it. */
export type StepScope = "all-amp" | "single-amp" | "two-amp" | "group-amp";

export interface AmpWork {
  readonly amp: number;
  rowsRead: number;
  bytesRead: number;
  rowsWritten: number;
  bytesWritten: number;
  /** Of rowsWritten, secondary-index rows (stored, or removed, in an index subtable); absent in older traces: 0. */
  indexRowsWritten?: number;
  rowsSent: number;
  bytesSent: number;
  messagesSent: number;
}

/** Rows moved from one AMP to another through the interconnect (from ≠ to). */
export interface Transfer {
  readonly from: number;
  readonly to: number;
  readonly rows: number;
  readonly bytes: number;
  readonly messages: number;
  /** Present (true) when the rows are secondary-index rows (a USI's, sent from their base rows' AMP), not a table's rows. */
  readonly index?: true;
}

export interface TraceStep {
  readonly kind: "step";
  readonly seq: number;
  readonly step: StepKind;
  readonly scope: StepScope;
  readonly system: string;
  readonly table: string;
  /** insert-select: the table read. */
  readonly source: string | null;
  readonly rows: number;
  readonly elapsedMs: number;
  /** One entry per AMP of the system (all-AMP steps) or per AMP touched. */
  readonly amps: readonly AmpWork[];
  readonly transfers: readonly Transfer[];
  /** Free-form labels, e.g. { stream: 2, phase: "restore" } set by the migrator. */
  readonly labels: Readonly<Record<string, string | number>>;
}

/** Bytes per interconnect message (BYNET-style); a transfer of B bytes is ceil(B / this) messages. */
export const MESSAGE_BYTES = 64 * 1024;

export class Trace {
  readonly steps: TraceStep[] = [];
  #seq = 0;
  /** Labels added to every step recorded while set (the migrator labels its phases). */
  labels: Record<string, string | number> = {};

  nextSeq(): number {
    return this.#seq++;
  }

  add(step: TraceStep): void {
    this.steps.push(step);
  }

  /** A position to pass to `since`. */
  mark(): number {
    return this.steps.length;
  }

  since(mark: number): TraceStep[] {
    return this.steps.slice(mark);
  }

  clear(): void {
    this.steps.length = 0;
  }

  toJSON(): TraceStep[] {
    return this.steps;
  }
}

/** Collects one step's per-AMP work; `finish` appends it to the trace. */
export class StepRecorder {
  readonly #trace: Trace;
  readonly #startedAt = performance.now();
  readonly #amps: AmpWork[];
  readonly #transfers = new Map<number, { from: number; to: number; rows: number; bytes: number; index?: true }>();
  readonly #ampCount: number;
  readonly #head: { step: StepKind; scope: StepScope; system: string; table: string; source: string | null };

  constructor(trace: Trace, ampCount: number, head: { step: StepKind; scope: StepScope; system: string; table: string; source?: string | null }) {
    this.#trace = trace;
    this.#ampCount = ampCount;
    this.#head = { ...head, source: head.source ?? null };
    this.#amps = Array.from({ length: ampCount }, (_, amp) => ({ amp, rowsRead: 0, bytesRead: 0, rowsWritten: 0, bytesWritten: 0, indexRowsWritten: 0, rowsSent: 0, bytesSent: 0, messagesSent: 0 }));
  }

  /** The AMPs of the system the step runs on. */
  get ampCount(): number {
    return this.#ampCount;
  }

  read(amp: number, rows: number, bytes: number): void {
    this.#amps[amp].rowsRead += rows; this.#amps[amp].bytesRead += bytes;
  }

  /** Rows stored (or removed) on `amp`: a table's, or (`index`) secondary-index rows. */
  write(amp: number, rows: number, bytes: number, index = false): void {
    const work = this.#amps[amp];
    work.rowsWritten += rows; work.bytesWritten += bytes;
    if (index) work.indexRowsWritten = (work.indexRowsWritten ?? 0) + rows;
  }

  /** Rows sent between AMPs: a table's, or (`index`) secondary-index rows, kept apart. */
  send(from: number, to: number, rows: number, bytes: number, index = false): void {
    if (from === to || rows === 0) return;
    const key = 2 * (from * this.#ampCount + to) + (index ? 1 : 0);
    const t = this.#transfers.get(key) ?? (index ? { from, to, rows: 0, bytes: 0, index: true as const } : { from, to, rows: 0, bytes: 0 });
    t.rows += rows; t.bytes += bytes;
    this.#transfers.set(key, t);
  }

  /** The finished step; the statement adds it to the trace when it commits. */
  finish(rows: number, scope?: StepScope): TraceStep {
    const transfers: Transfer[] = [...this.#transfers.values()]
      .sort((a, b) => a.from - b.from || a.to - b.to || Number(a.index === true) - Number(b.index === true))
      .map((t) => Object.freeze({ ...t, messages: Math.max(1, Math.ceil(t.bytes / MESSAGE_BYTES)) }));
    for (const t of transfers) {
      const work = this.#amps[t.from];
      work.rowsSent += t.rows; work.bytesSent += t.bytes; work.messagesSent += t.messages;
    }
    const finalScope = scope ?? this.#head.scope;
    const amps = finalScope === "all-amp" ? this.#amps : this.#amps.filter((a) => a.rowsRead + a.rowsWritten + a.rowsSent > 0);
    const step: TraceStep = Object.freeze({
      kind: "step", seq: this.#trace.nextSeq(), ...this.#head, scope: finalScope, rows,
      elapsedMs: performance.now() - this.#startedAt, amps, transfers, labels: { ...this.#trace.labels },
    });
    return step;
  }
}
