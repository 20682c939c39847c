/**
 * `ampsim simulate`: the analytic mode — predicts a staged migration's phases
 * from sizes alone (no data is built), so a 100 → 150 AMP system and 10^9 rows
 * are answered at once.
 */
import { calibrate, HARDWARE_NAMES, hardwareProfile, predict, type AnalyticInput, type HardwareProfile, type Timeline } from "../sim/index.js";
import { choiceOption, integerOption, parseOptions, UsageError, type OptionSpec } from "./options.js";
import { formatCount, formatMs, formatPercent, renderTable } from "./render/index.js";

export const SIMULATE_HELP = `Usage: ampsim simulate [options]

Predicts the phases of a staged migration from sizes alone (the analytic mode
of the simulator: no data is generated), on a hardware profile.

  --source-amps N       AMPs of the source system (default 100)
  --target-amps N       AMPs of the target system (default 150)
  --rows N              rows of the table (default 1e9; 1e9, 250_000_000 …)
  --bytes-per-row N     stored bytes per row (default 100)
  --skew PERCENT        Teradata skew factor of the source table, 0..99 (default 0)
  --streams N           archive/restore pairs (default 8)
  --medium KIND         memory, pipe, network or storage (default network)
  --staging LAYOUT      hashed (default) or nopi
  --batch-rows N        rows per archived batch (default 65536)
  --hardware NAME       ${HARDWARE_NAMES.join(", ")} or calibrated (measures this machine first; default modern)
  --json                print the predicted timeline as JSON
  --help                this text

Example:
  ampsim simulate --source-amps 100 --target-amps 150 --rows 1e9 --streams 8 --hardware modern`;

const OPTIONS: OptionSpec = {
  "source-amps": { type: "string" }, "target-amps": { type: "string" }, rows: { type: "string" }, "bytes-per-row": { type: "string" },
  skew: { type: "string" }, streams: { type: "string" }, medium: { type: "string" }, staging: { type: "string" }, "batch-rows": { type: "string" },
  hardware: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" },
};

interface Output { write(text: string): unknown }

async function profileOption(value: string | boolean | undefined): Promise<HardwareProfile> {
  if (value === "calibrated") return calibrate();
  return hardwareProfile(choiceOption(value, "hardware", [...HARDWARE_NAMES, "calibrated"], "modern") as (typeof HARDWARE_NAMES)[number]);
}

export async function runSimulate(args: readonly string[], out: Output): Promise<number> {
  const values = parseOptions(args, OPTIONS);
  if (values.help) { out.write(`${SIMULATE_HELP}\n`); return 0; }
  const sourceAmps = integerOption(values["source-amps"], "source-amps", 100, 1, 65535);
  const streams = integerOption(values.streams, "streams", 8, 1, 65535);
  if (streams > sourceAmps) throw new UsageError(`--streams (${streams}) cannot exceed --source-amps (${sourceAmps}): each archive module reads at least one AMP`);
  const skew = integerOption(values.skew, "skew", 0, 0, 99);
  const input: AnalyticInput = {
    sourceAmps, targetAmps: integerOption(values["target-amps"], "target-amps", 150, 1, 65535), streams,
    medium: choiceOption(values.medium, "medium", ["memory", "pipe", "network", "storage"] as const, "network"),
    staging: choiceOption(values.staging, "staging", ["hashed", "nopi"] as const, "hashed"),
    tables: [{ name: "t", rowsPerSourceAmp: { total: integerOption(values.rows, "rows", 1_000_000_000, 1), skew }, bytesPerRow: integerOption(values["bytes-per-row"], "bytes-per-row", 100, 1), batchRows: integerOption(values["batch-rows"], "batch-rows", 65_536) }],
  };
  const profile = await profileOption(values.hardware);
  const started = performance.now();
  const timeline = predict(input, profile);
  const elapsedMs = performance.now() - started;
  out.write(values.json ? `${JSON.stringify({ input, timeline }, null, 2)}\n` : `${renderPrediction(input, timeline, elapsedMs)}\n`);
  return 0;
}

function renderPrediction(input: AnalyticInput, timeline: Timeline, elapsedMs: number): string {
  const table = input.tables[0];
  const rows = Array.isArray(table.rowsPerSourceAmp) ? table.rowsPerSourceAmp.reduce((a, b) => a + b, 0) : (table.rowsPerSourceAmp as { total: number }).total;
  const head = `Predicted: ${formatCount(rows)} rows from ${input.sourceAmps} to ${input.targetAmps} AMPs, ${input.streams} streams over ${input.medium}, ${input.staging} staging, on ${timeline.profile} hardware: ${formatMs(timeline.totalMs)} (answered in ${formatMs(elapsedMs)}).`;
  const phases = renderTable(timeline.phases.map((p) => ({ phase: p.phase, start: formatMs(p.startMs), time: formatMs(p.endMs - p.startMs), share: formatPercent((p.endMs - p.startMs) / Math.max(timeline.totalMs, 1e-9)) })), {
    title: "Phases", columns: [{ key: "phase", title: "phase", align: "left" }, { key: "start", title: "starts at" }, { key: "time", title: "takes" }, { key: "share", title: "share" }],
  });
  const busiest = [...timeline.utilization].sort((a, b) => b.utilization - a.utilization).slice(0, 6);
  const utilization = renderTable(busiest.map((u) => ({ resource: u.resource, kind: u.kind, busy: formatMs(u.busyMs), utilization: formatPercent(u.utilization) })), {
    title: "Busiest resources", columns: [{ key: "resource", title: "resource", align: "left" }, { key: "kind", title: "kind", align: "left" }, { key: "busy", title: "busy" }, { key: "utilization", title: "utilization" }],
  });
  return [head, phases, utilization].join("\n\n");
}
