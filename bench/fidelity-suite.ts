/**
 * Simulator fidelity: calibrate() on this machine, then a real 4 → 6 AMP
 * migration of the benchmark table (memory medium, 1 and 4 streams); per phase,
 * the measured wall time against the simulated time of its trace on the
 * calibrated profile (ratio measured / simulated; 1 is perfect). Also the
 * analytic mode's answer time for 1,000 → 1,500 AMPs and 10^10 rows.
 */
import { Engine } from "../engine/index.js";
import { migrate } from "../migrator/index.js";
import { calibrate, HARDWARE, predict, simulateReport } from "../sim/index.js";
import { arrowBytes, benchBatches, benchEngine } from "./bench-data.js";
import { measurement, type Measurement } from "./bench-util.js";
import type { SuiteContext } from "./run.js";

export async function fidelitySuite(context: SuiteContext): Promise<Measurement[]> {
  const rows = context.quick ? 500_000 : 2_000_000;
  const profile = await calibrate({ rows: context.quick ? 100_000 : 400_000 });
  context.log(`calibrated: ${Object.entries(profile.cpu).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(", ")}, statement ${profile.statementLatencyMs.toFixed(3)} ms`);
  const batches = benchBatches(rows);
  const bytes = arrowBytes(batches);
  const source = benchEngine(4, batches);
  const results: Measurement[] = [];
  for (const streams of [1, 4]) {
    const report = await migrate({ source, target: new Engine({ name: "target", amps: 6 }), streams, medium: "memory" });
    const timeline = simulateReport(report, profile);
    for (const phase of report.phases.filter((p) => ["transfer", "insert-select", "verify"].includes(p.phase))) {
      const simulated = timeline.phases.find((p) => p.phase === phase.phase)!;
      const simulatedMs = simulated.endMs - simulated.startMs;
      const m = measurement("simulator fidelity", `${phase.phase}, ${streams} stream(s): measured vs simulated (calibrated)`, rows, bytes, phase.elapsedMs, 1, `simulated ${simulatedMs.toFixed(0)} ms`);
      m.ratios.push({ against: "simulated", ratio: phase.elapsedMs / simulatedMs });
      results.push(m);
      context.log(`${m.name}: measured ${phase.elapsedMs.toFixed(0)} ms, simulated ${simulatedMs.toFixed(0)} ms, ratio ${(phase.elapsedMs / simulatedMs).toFixed(2)}`);
    }
  }
  const started = performance.now();
  const big = predict({ sourceAmps: 1000, targetAmps: 1500, streams: 16, medium: "network", staging: "hashed", tables: [{ name: "t", rowsPerSourceAmp: { total: 1e10 }, bytesPerRow: 100 }] }, HARDWARE.modern);
  const answerMs = performance.now() - started;
  results.push(measurement("simulator fidelity", "analytic mode: 1,000 → 1,500 AMPs, 10^10 rows (answer time)", 1e10, null, answerMs, 1, `predicted ${(big.totalMs / 60_000).toFixed(1)} min on modern`));
  context.log(`analytic 1000 → 1500 AMPs, 1e10 rows answered in ${answerMs.toFixed(1)} ms`);
  return results;
}
