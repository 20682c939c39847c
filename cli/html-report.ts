/**
 * `ampsim migrate --report report.html`: one self-contained HTML page (inline
 * SVG and CSS, no scripts, nothing to load) with the migration's figures, the
 * per-AMP histograms before and after, the measured stream timeline, and the
 * simulated timeline on a hardware profile.
 */
import type { MigrationReport } from "../migrator/index.js";
import { escapeXml, HARDWARE, simulateReport, svgGantt, svgHistogram, type GanttLane, type HardwareProfile, type Timeline } from "../sim/index.js";
import { formatBytes, formatCount, formatMs, formatRate } from "./render/index.js";
import { appendNotes, rateText, resumeNote } from "./report-text.js";

function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const head = headers.map((h) => `<th>${escapeXml(h)}</th>`).join("");
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeXml(String(c))}</td>`).join("")}</tr>`).join("\n");
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** The measured run: one lane per phase and one per stream. */
export function measuredLanes(report: MigrationReport): GanttLane[] {
  const phases: GanttLane[] = report.phases.map((p) => ({ label: `phase ${p.phase}`, segments: [{ startMs: p.startMs, endMs: p.startMs + p.elapsedMs, kind: p.phase }] }));
  const streams: GanttLane[] = report.streamReports.map((s) => ({
    label: `${s.table} stream ${s.stream}`,
    segments: [{ startMs: s.startMs, endMs: s.startMs + s.elapsedMs, kind: "transfer", note: `${formatCount(s.rows)} rows, ${formatBytes(s.mediumBytes)}` }],
  }));
  return [...phases, ...streams];
}

/** The simulated run: phases and streams of a timeline. */
export function simulatedLanes(timeline: Timeline): GanttLane[] {
  return [
    ...timeline.phases.map((p) => ({ label: `phase ${p.phase}`, segments: [{ startMs: p.startMs, endMs: p.endMs, kind: p.phase }] })),
    ...timeline.streams.map((s) => ({ label: `${s.table} stream ${s.stream}`, segments: [{ startMs: s.startMs, endMs: s.endMs, kind: "transfer" }] })),
  ];
}

export function renderHtmlReport(report: MigrationReport, profile: HardwareProfile = HARDWARE.modern): string {
  const before = report.sourceAmps.map((a) => a.rows);
  const after = report.targetAmps.map((a) => a.rows);
  const max = Math.max(1, ...before, ...after);
  const timeline = simulateReport(report, profile);
  const verified = report.tables.every((t) => t.verified);
  const sections = [
    `<h1>ampsim migration report</h1>`,
    `<p>${formatCount(report.rows)} rows in ${report.tables.length} table(s) from <b>${escapeXml(report.source?.name ?? "an archive")}</b> (${report.source?.amps ?? "?"} AMPs, ${report.source?.hashBits ?? "?"}-bit buckets) to <b>${escapeXml(report.target.name)}</b> (${report.target.amps} AMPs, ${report.target.hashBits}-bit buckets), strategy ${escapeXml(report.strategy)}, ${report.streams} stream(s) over ${escapeXml(report.medium)}, ${report.staging} staging, in ${formatMs(report.elapsedMs)} (${rateText(report)}).</p>`,
    ...[resumeNote(report), ...appendNotes(report)].filter((note) => note !== null).map((note) => `<p>${escapeXml(note)}</p>`),
    `<p class="${verified ? "ok" : "bad"}">${verified ? "Verified: row counts, checksums of every hash bucket and every row's placement match." : "Verification FAILED."}</p>`,
    `<h2>Rows per AMP</h2><div class="row">${svgHistogram(before, { title: `Before: ${report.source?.name ?? "source"}`, max })}${svgHistogram(after, { title: `After: ${report.target.name}`, max })}</div>`,
    `<h2>Measured timeline</h2>${svgGantt(measuredLanes(report), { title: "Phases and streams as they ran on this machine" })}`,
    `<h2>Simulated timeline on ${escapeXml(profile.name)} hardware</h2><p>${escapeXml(profile.description ?? "")} Simulated total: ${formatMs(timeline.totalMs)}.</p>${svgGantt(simulatedLanes(timeline), { title: `Simulated on ${profile.name}` })}`,
    `<h2>Phases</h2>${table(["phase", "measured", "simulated"], report.phases.map((p) => {
      const sim = timeline.phases.find((x) => x.phase === p.phase);
      return [p.phase, formatMs(p.elapsedMs), sim ? formatMs(sim.endMs - sim.startMs) : ""];
    }))}`,
    `<h2>Streams</h2>${table(["table", "stream", "cluster", "rows", "batches", "medium bytes", "time", "rows/s"], report.streamReports.map((s) => [s.table, s.stream, s.cluster.join(", "), formatCount(s.rows), formatCount(s.batches), formatBytes(s.mediumBytes), formatMs(s.elapsedMs), formatRate(s.rowsPerSecond)]))}`,
    `<h2>Tables</h2>${table(["table", "rows", "source checksum", "target checksum", "skew before → after", "verified"], report.tables.map((t) => [t.table, formatCount(t.rows), t.sourceChecksum, t.targetChecksum, `${t.sourceSkewFactor.toFixed(1)}% → ${t.targetSkewFactor.toFixed(1)}%`, t.verified ? "yes" : "NO"]))}`,
    `<h2>Target AMPs</h2>${table(["AMP", "rows", "interconnect sent", "received", "peak staging"], report.targetAmps.map((a) => [a.amp, formatCount(a.rows), formatBytes(a.interconnectBytesSent), formatBytes(a.interconnectBytesReceived), formatBytes(a.peakStagingBytes)]))}`,
  ];
  const style = "body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem;max-width:1100px;color:#222}table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #ddd;padding:.25rem .6rem;text-align:right}th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}.row{display:flex;gap:1rem;flex-wrap:wrap}.ok{color:#1b7a2e;font-weight:600}.bad{color:#b00020;font-weight:600}";
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>ampsim migration report</title><style>${style}</style></head><body>\n${sections.join("\n")}\n</body></html>\n`;
}
