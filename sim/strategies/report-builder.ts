/**
 * Builds the MigrationReport of a strategy other than the staged migration:
 * phases timed as they run, streams as they finish, and at the end the tables
 * (verified by reading both systems), the per-AMP figures and the traces.
 */
import type { Engine } from "../../engine/index.js";
import { verifyCopy, type MigrationReport, type PhaseName, type PhaseReport, type StreamReport } from "../../migrator/index.js";

export class ReportBuilder {
  readonly #source: Engine;
  readonly #target: Engine;
  readonly #strategy: string;
  readonly #started = performance.now();
  readonly #marks: { source: number; target: number };
  readonly phases: PhaseReport[] = [];
  readonly streams: StreamReport[] = [];

  constructor(strategy: string, source: Engine, target: Engine) {
    this.#strategy = strategy;
    this.#source = source;
    this.#target = target;
    this.#marks = { source: source.trace.mark(), target: target.trace.mark() };
  }

  elapsedMs(): number {
    return performance.now() - this.#started;
  }

  async phase<T>(phase: PhaseName, body: () => T | Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await body();
    } finally {
      this.phases.push({ phase, startMs: start - this.#started, elapsedMs: performance.now() - start });
    }
  }

  /** Records one stream; `start` is the performance.now() at which it began. */
  stream(entry: Omit<StreamReport, "startMs" | "elapsedMs" | "rowsPerSecond" | "bytesPerSecond">, start: number): void {
    const elapsedMs = performance.now() - start;
    const seconds = Math.max(elapsedMs / 1000, 1e-9);
    this.streams.push({ ...entry, startMs: start - this.#started, elapsedMs, rowsPerSecond: entry.rows / seconds, bytesPerSecond: entry.bytes / seconds });
  }

  finish(tables: readonly string[], medium: string, streams: number, peakStagingBytes: readonly number[] = []): MigrationReport {
    const reports = this.phases.some((p) => p.phase === "verify") ? verifyCopy(this.#source, this.#target, tables) : [];
    const targetTrace = this.#target.trace.since(this.#marks.target);
    const sent = new Array<number>(this.#target.amps).fill(0); const received = new Array<number>(this.#target.amps).fill(0);
    for (const step of targetTrace) for (const t of step.transfers) { sent[t.from] += t.bytes; received[t.to] += t.bytes; }
    const summary = (e: Engine) => ({ name: e.name, amps: e.amps, hashBits: e.hashBits });
    return {
      kind: "migration-report", strategy: this.#strategy, ok: reports.every((r) => r.verified), source: summary(this.#source), target: summary(this.#target),
      medium, staging: "hashed", streams, batchRows: 0, batchBytes: null, elapsedMs: this.elapsedMs(), rows: reports.reduce((s, t) => s + t.rows, 0),
      phases: [...this.phases], streamReports: [...this.streams].sort((a, b) => a.table.localeCompare(b.table) || a.stream - b.stream), tables: reports,
      sourceAmps: Array.from({ length: this.#source.amps }, (_, amp) => ({ amp, rows: reports.reduce((s, t) => s + t.sourceAmpRows[amp], 0) })),
      targetAmps: Array.from({ length: this.#target.amps }, (_, amp) => ({
        amp, rows: reports.reduce((s, t) => s + t.targetAmpRows[amp], 0), interconnectBytesSent: sent[amp], interconnectBytesReceived: received[amp], peakStagingBytes: peakStagingBytes[amp] ?? 0,
      })),
      trace: { source: this.#source.trace.since(this.#marks.source), target: targetTrace },
    };
  }
}
