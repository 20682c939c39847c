/**
 * Pictures as SVG text, made without a browser: a per-AMP row histogram (skew),
 * a Gantt chart of a migration's streams and phases, and a grouped bar chart
 * for strategy comparisons. Self-contained (no fonts or scripts to load).
 */
import { AmpsimError, showValue } from "../engine/index.js";

const FONT = "font-family='system-ui, -apple-system, Segoe UI, sans-serif' font-size='12'";
const COLORS: Readonly<Record<string, string>> = {
  archive: "#4e79a7", transfer: "#59a14f", restore: "#f28e2b", "insert-select": "#e15759", verify: "#76b7b2",
  dictionary: "#b07aa1", staging: "#9c755f", cleanup: "#bab0ac", default: "#4e79a7",
};
const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", "\"": "&quot;" })[c]!);
}

function svg(width: number, height: number, body: string[], title: string): string {
  return `<svg xmlns='http://www.w3.org/2000/svg' width='${width}' height='${height}' viewBox='0 0 ${width} ${height}' role='img' aria-label='${escapeXml(title)}'>\n` +
    `<title>${escapeXml(title)}</title>\n<rect width='100%' height='100%' fill='white'/>\n${body.join("\n")}\n</svg>\n`;
}

function text(x: number, y: number, content: string, extra = ""): string {
  return `<text x='${x.toFixed(1)}' y='${y.toFixed(1)}' ${FONT} ${extra}>${escapeXml(content)}</text>`;
}

/**
 * Rows per AMP as vertical bars with the mean as a line and the skew factor in the title.
 *
 * @example
 * fs.writeFileSync("skew.svg", svgHistogram(engine.ampRowCounts("shop.events"), { title: "shop.events" }));
 */
/** The largest of `values` and `floor`, without spreading them into arguments (a call takes only so many). */
function largest(values: Iterable<number>, floor: number): number {
  let top = floor;
  for (const v of values) if (v > top) top = v;
  return top;
}

/** BAD_ARGUMENT unless every value is a finite number (an SVG attribute of NaN draws nothing and says nothing). */
function checkFinite(values: Iterable<number>, what: string): void {
  let i = 0;
  for (const v of values) {
    if (typeof v !== "number" || !Number.isFinite(v)) throw new AmpsimError("BAD_ARGUMENT", `${what} ${i} is ${showValue(v)}, not a finite number`);
    i++;
  }
}

export function svgHistogram(values: readonly number[], options: { title?: string; labels?: readonly string[]; max?: number; width?: number; height?: number } = {}): string {
  const titleChars = (options.title ?? "Rows per AMP").length + 24;
  const width = options.width ?? Math.max(320, 76 + values.length * 28, 16 + 7 * titleChars);
  const height = options.height ?? 240;
  const plot = { left: 60, right: width - 16, top: 36, bottom: height - 36 };
  checkFinite(values, "svgHistogram: value");
  const max = Math.max(1, options.max ?? largest(values, 0));
  const mean = values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
  const top = largest(values, 0);
  const skew = top === 0 ? 0 : 100 * (1 - mean / top);
  const barWidth = (plot.right - plot.left) / Math.max(1, values.length);
  const y = (v: number) => plot.bottom - ((plot.bottom - plot.top) * v) / max;
  const body = [text(plot.left, 20, `${options.title ?? "Rows per AMP"} — skew factor ${skew.toFixed(1)}%`, "font-weight='600'")];
  values.forEach((v, i) => {
    const x = plot.left + i * barWidth;
    body.push(`<rect x='${(x + 1).toFixed(1)}' y='${y(v).toFixed(1)}' width='${Math.max(1, barWidth - 2).toFixed(1)}' height='${(plot.bottom - y(v)).toFixed(1)}' fill='${v === top && skew > 5 ? "#e15759" : "#4e79a7"}'><title>${escapeXml(`${options.labels?.[i] ?? `AMP ${i}`}: ${v.toLocaleString("en-US")} rows`)}</title></rect>`);
    if (values.length <= 32) body.push(text(x + barWidth / 2, plot.bottom + 14, options.labels?.[i] ?? String(i), "text-anchor='middle'"));
  });
  body.push(`<line x1='${plot.left}' x2='${plot.right}' y1='${y(mean).toFixed(1)}' y2='${y(mean).toFixed(1)}' stroke='#333' stroke-dasharray='4 3'/>`);
  body.push(text(plot.right, y(mean) - 4, `mean ${Math.round(mean).toLocaleString("en-US")}`, "text-anchor='end'"));
  body.push(`<line x1='${plot.left}' x2='${plot.left}' y1='${plot.top}' y2='${plot.bottom}' stroke='#999'/>`, text(plot.left - 6, plot.top + 4, max.toLocaleString("en-US"), "text-anchor='end'"), text(plot.left - 6, plot.bottom, "0", "text-anchor='end'"));
  body.push(text(plot.left, height - 6, values.length > 32 ? `${values.length} AMPs` : "AMP"));
  return svg(width, height, body, options.title ?? "Rows per AMP");
}

export interface GanttLane {
  readonly label: string;
  readonly segments: readonly { readonly startMs: number; readonly endMs: number; readonly kind: string; readonly note?: string }[];
}

/**
 * A Gantt chart: one lane per stream (or phase), one coloured segment per activity.
 *
 * @example
 * svgGantt([{ label: "stream 0", segments: [{ startMs: 0, endMs: 120, kind: "archive" }] }], { title: "Streams" })
 */
export function svgGantt(lanes: readonly GanttLane[], options: { title?: string; width?: number } = {}): string {
  if (!Array.isArray(lanes as unknown)) throw new AmpsimError("BAD_ARGUMENT", `svgGantt: lanes must be a list of { label, segments: [{ startMs, endMs, kind }] }, but found ${showValue(lanes)}`);
  lanes.forEach((lane, k) => {
    if (lane === null || typeof lane !== "object" || typeof lane.label !== "string" || !Array.isArray(lane.segments)) {
      throw new AmpsimError("BAD_ARGUMENT", `svgGantt: lane ${k} must be { label: string, segments: [{ startMs, endMs, kind }] }, but found ${showValue(lane)}`);
    }
  });
  const width = options.width ?? 900;
  const laneHeight = 22;
  const labelWidth = Math.min(260, 12 + 7 * largest(lanes.map((l) => l.label.length), 8));
  const plot = { left: labelWidth, right: width - 16, top: 36 };
  for (const lane of lanes) {
    checkFinite(lane.segments.map((s) => s.startMs), `svgGantt: lane ${lane.label}: segment start`);
    checkFinite(lane.segments.map((s) => s.endMs), `svgGantt: lane ${lane.label}: segment end`);
  }
  const end = largest(lanes.flatMap((l) => l.segments.map((s) => s.endMs)), 1);
  const x = (ms: number) => plot.left + ((plot.right - plot.left) * ms) / end;
  const kinds = [...new Set(lanes.flatMap((l) => l.segments.map((s) => s.kind)))];
  const height = plot.top + lanes.length * laneHeight + 48;
  const body = [text(8, 20, options.title ?? "Timeline", "font-weight='600'")];
  lanes.forEach((lane, i) => {
    const y = plot.top + i * laneHeight;
    body.push(text(8, y + 15, lane.label));
    for (const s of lane.segments) {
      const color = COLORS[s.kind] ?? PALETTE[kinds.indexOf(s.kind) % PALETTE.length];
      body.push(`<rect x='${x(s.startMs).toFixed(1)}' y='${y + 3}' width='${Math.max(1, x(s.endMs) - x(s.startMs)).toFixed(1)}' height='${laneHeight - 6}' fill='${color}'><title>${escapeXml(`${lane.label}: ${s.kind} ${s.startMs.toFixed(1)}–${s.endMs.toFixed(1)} ms${s.note ? ` (${s.note})` : ""}`)}</title></rect>`);
    }
  });
  const axisY = plot.top + lanes.length * laneHeight + 14;
  for (let k = 0; k <= 4; k++) body.push(text(x((end * k) / 4), axisY, formatMs((end * k) / 4), "text-anchor='middle'"));
  kinds.forEach((kind, k) => {
    const lx = plot.left + k * 120;
    body.push(`<rect x='${lx}' y='${axisY + 10}' width='12' height='12' fill='${COLORS[kind] ?? PALETTE[k % PALETTE.length]}'/>`, text(lx + 16, axisY + 20, kind));
  });
  return svg(width, height, body, options.title ?? "Timeline");
}

function formatMs(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(0)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`;
}

/**
 * Grouped horizontal bars: one group per category (e.g. scenario), one bar per series (e.g. strategy).
 *
 * @example
 * svgBarChart([{ group: "events", bars: [{ label: "staged", value: 1200 }] }], { title: "Simulated time", unit: "ms" })
 */
export function svgBarChart(groups: readonly { group: string; bars: readonly { label: string; value: number; failed?: boolean }[] }[], options: { title?: string; unit?: string; width?: number } = {}): string {
  const width = options.width ?? 760;
  const barHeight = 16;
  const labels = groups.flatMap((g) => g.bars.map((b) => b.label));
  const series = [...new Set(labels)];
  const left = 12 + 7 * largest([...labels.map((l) => l.length), ...groups.map((g) => g.group.length)], 10);
  checkFinite(groups.flatMap((g) => g.bars.map((b) => b.value)), "svgBarChart: bar");
  // Bars scale to the largest value, however small (times under a second on fast hardware); all zero draws empty bars.
  const max = largest(groups.flatMap((g) => g.bars.map((b) => b.value)), 0) || 1;
  const body = [text(8, 20, options.title ?? "", "font-weight='600'")];
  let y = 36;
  for (const g of groups) {
    body.push(text(8, y + 12, g.group, "font-weight='600'"));
    y += 18;
    for (const bar of g.bars) {
      const w = ((width - left - 120) * bar.value) / max;
      const color = bar.failed ? "#bbbbbb" : PALETTE[series.indexOf(bar.label) % PALETTE.length];
      body.push(text(16, y + 12, bar.label), `<rect x='${left}' y='${y + 1}' width='${Math.max(1, w).toFixed(1)}' height='${barHeight - 2}' fill='${color}'/>`);
      body.push(text(left + Math.max(1, w) + 6, y + 12, `${formatValue(bar.value)}${options.unit ? ` ${options.unit}` : ""}${bar.failed ? " (incorrect)" : ""}`));
      y += barHeight + 2;
    }
    y += 8;
  }
  return svg(width, y + 8, body, options.title ?? "chart");
}

/** A bar's number with three significant digits below 100 (0.021, not 0.0), whole above. */
function formatValue(v: number): string {
  if (Math.abs(v) >= 100) return Math.round(v).toLocaleString("en-US");
  return v === 0 ? "0" : String(Number(v.toPrecision(3)));
}
