/**
 * The readable migration report: what moved where, how long each phase and
 * stream took, the rows per AMP before and after as bar histograms, and the
 * verification result.
 */
import type { MigrationReport } from "../migrator/index.js";
import { formatBytes, formatCount, formatMs, formatRate, renderHistogram, renderSideBySide, renderTable } from "./render/index.js";

export function renderMigrationReport(report: MigrationReport): string {
  return [headline(report), phases(report), streams(report), tables(report), amps(report), traceSummary(report), verification(report)].join("\n\n");
}

function headline(r: MigrationReport): string {
  const source = r.source ? `${r.source.name} (${r.source.amps} AMPs, ${r.source.hashBits}-bit buckets)` : "an archive";
  const target = `${r.target.name} (${r.target.amps} AMPs, ${r.target.hashBits}-bit buckets)`;
  const line = `Migrated ${r.tables.length} table(s), ${formatCount(r.rows)} rows, from ${source} to ${target}\n` +
    `over ${r.medium} with ${r.streams} stream(s) per table, ${r.staging} staging, in ${formatMs(r.elapsedMs)} (${rateText(r)}).`;
  const resumed = resumeNote(r);
  return resumed === null ? line : `${line}\n${resumed}`;
}

/** The run's rate: of all rows, or for a resumed run of the rows it carried (those after each stream's restore point). */
export function rateText(r: MigrationReport): string {
  const carried = r.resumed ? carriedRows(r) : r.rows;
  return `${formatRate(carried / Math.max(r.elapsedMs / 1000, 1e-9))}${r.resumed ? " of the rows this run carried" : ""}`;
}

function carriedRows(r: MigrationReport): number {
  return r.streamReports.reduce((sum, s) => sum + s.rows, 0);
}

/** What a resumed run carried and what the interrupted one had already stored; null for a fresh run. */
export function resumeNote(r: MigrationReport): string | null {
  if (!r.resumed) return null;
  const carried = carriedRows(r);
  return `Resumed from a checkpoint: this run carried ${formatCount(carried)} rows; the other ${formatCount(Math.max(0, r.rows - carried))} were on the target already, ` +
    `staged or committed by the interrupted run${r.resentBatches ? `; ${formatCount(r.resentBatches)} batch(es) may have crossed the medium twice` : ""}.`;
}

/** One note per table the run appended to rows the target held before: why its target checksum is not the source's. */
export function appendNotes(r: MigrationReport): string[] {
  return r.tables.filter((t) => t.rowsBefore > 0).map((t) =>
    `${t.table}: the target held ${formatCount(t.rowsBefore)} row(s) before this run (if-exists append); its checksum covers them too, and verification compared it with the source's checksum plus theirs.`);
}

function phases(r: MigrationReport): string {
  const total = r.phases.reduce((s, p) => s + p.elapsedMs, 0) || 1;
  return renderTable(r.phases.map((p) => ({ phase: p.phase, time: formatMs(p.elapsedMs), share: `${((100 * p.elapsedMs) / total).toFixed(1)}%` })), {
    title: "Phases",
    columns: [{ key: "phase", title: "phase", align: "left" }, { key: "time", title: "time" }, { key: "share", title: "share" }],
  });
}

function streams(r: MigrationReport): string {
  return renderTable(r.streamReports.map((s) => ({
    table: s.table, stream: s.stream, cluster: `AMPs ${compactList(s.cluster)}`, rows: formatCount(s.rows), batches: formatCount(s.batches),
    bytes: formatBytes(s.mediumBytes), time: formatMs(s.elapsedMs), rate: formatRate(s.rowsPerSecond), mbps: `${(s.bytesPerSecond / 2 ** 20).toFixed(1)} MiB/s`,
  })), {
    title: "Streams (archive module → medium → restore module → staging table)",
    columns: [
      { key: "table", title: "table", align: "left" }, { key: "stream", title: "stream" }, { key: "cluster", title: "cluster", align: "left" },
      { key: "rows", title: "rows" }, { key: "batches", title: "batches" }, { key: "bytes", title: "bytes" }, { key: "time", title: "time" },
      { key: "rate", title: "rows/s" }, { key: "mbps", title: "throughput" },
    ],
  });
}

function tables(r: MigrationReport): string {
  const appended = appendNotes(r);
  return renderTable(r.tables.map((t) => ({
    table: t.table, rows: formatCount(t.rows), source: t.sourceChecksum, target: t.targetChecksum,
    skew: `${t.sourceSkewFactor.toFixed(1)}% → ${t.targetSkewFactor.toFixed(1)}%`, verified: t.verified ? "yes" : "NO",
  })), {
    title: "Tables",
    columns: [
      { key: "table", title: "table", align: "left" }, { key: "rows", title: "rows" }, { key: "source", title: "source checksum", align: "left" },
      { key: "target", title: "target checksum", align: "left" }, { key: "skew", title: "skew factor" }, { key: "verified", title: "verified" },
    ],
  }) + appended.map((note) => `\n${note}`).join("");
}

function amps(r: MigrationReport): string {
  const before = r.sourceAmps.map((a) => a.rows);
  const after = r.targetAmps.map((a) => a.rows);
  const max = Math.max(1, ...before, ...after);
  const left = renderHistogram(before, { title: `Rows per AMP before (${r.source?.name ?? "source"})`, labels: before.map((_v, i) => `AMP ${i}`), width: 28, max });
  const right = renderHistogram(after, { title: `Rows per AMP after (${r.target.name})`, labels: after.map((_v, i) => `AMP ${i}`), width: 28, max });
  const detail = renderTable(r.targetAmps.map((a) => ({
    amp: a.amp, rows: formatCount(a.rows), sent: formatBytes(a.interconnectBytesSent), received: formatBytes(a.interconnectBytesReceived), staging: formatBytes(a.peakStagingBytes),
  })), {
    title: "Target AMPs",
    columns: [{ key: "amp", title: "AMP" }, { key: "rows", title: "rows" }, { key: "sent", title: "interconnect sent" }, { key: "received", title: "received" }, { key: "staging", title: "peak staging" }],
  });
  return `${renderSideBySide(left, right)}\n\n${detail}`;
}

/** What the trace recorded, per system and phase: the work the simulator will replay. */
function traceSummary(r: MigrationReport): string {
  const rows: Record<string, unknown>[] = [];
  for (const [system, steps] of [["source", r.trace.source], ["target", r.trace.target]] as const) {
    const byPhase = new Map<string, { steps: number; read: number; written: number; index: number; sent: number; messages: number }>();
    for (const step of steps) {
      const phase = String(step.labels.phase ?? step.step);
      const entry = byPhase.get(phase) ?? { steps: 0, read: 0, written: 0, index: 0, sent: 0, messages: 0 };
      entry.steps++;
      for (const amp of step.amps) { entry.read += amp.rowsRead; entry.written += amp.rowsWritten; entry.index += amp.indexRowsWritten ?? 0; entry.sent += amp.bytesSent; entry.messages += amp.messagesSent; }
      byPhase.set(phase, entry);
    }
    for (const [phase, e] of byPhase) {
      rows.push({ system, phase, steps: formatCount(e.steps), read: formatCount(e.read), written: formatCount(e.written), index: formatCount(e.index), sent: formatBytes(e.sent), messages: formatCount(e.messages) });
    }
  }
  return renderTable(rows, {
    title: "Trace (steps each system ran, summed over its AMPs)",
    columns: [
      { key: "system", title: "system", align: "left" }, { key: "phase", title: "phase", align: "left" }, { key: "steps", title: "steps" },
      { key: "read", title: "rows read" }, { key: "written", title: "rows written" }, { key: "index", title: "of them index rows" }, { key: "sent", title: "interconnect" }, { key: "messages", title: "messages" },
    ],
  });
}

function verification(r: MigrationReport): string {
  const failed = r.tables.filter((t) => !t.verified);
  if (failed.length === 0) {
    return `Verification: all ${r.tables.length} table(s) match — row counts, checksums of every hash bucket, and every row on the AMP its row hash assigns.`;
  }
  return `Verification FAILED for ${failed.map((t) => t.table).join(", ")}`;
}

/** "0-3, 7" for [0,1,2,3,7]. */
export function compactList(values: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < values.length;) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j] + 1) j++;
    parts.push(j > i ? `${values[i]}-${values[j]}` : `${values[i]}`);
    i = j + 1;
  }
  return parts.join(", ");
}
