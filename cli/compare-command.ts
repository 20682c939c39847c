/**
 * `ampsim compare`: runs migration strategies on the same scenarios and seeds
 * and prints the comparison (Markdown), optionally writing an SVG chart.
 */
import { BUILTIN_STRATEGIES, compare, HARDWARE_NAMES, renderComparisonMarkdown, renderComparisonSvg, SCENARIO_NAMES, type ScenarioName } from "../sim/index.js";
import { checkReportPath, integerOption, parseOptions, ROWS_MAX, UsageError, writeOutputFile, type OptionSpec } from "./options.js";

export const COMPARE_HELP = `Usage: ampsim compare [options]

Runs migration strategies on the same generated scenarios and seeds, checks the
same invariant for each (the target's rows equal the source's, every row on the
AMP its hash assigns, each table's definition the source's, no staging or other
extra table left, the source's rows and catalog unchanged) and prints a table:
correctness, simulated time per hardware profile, wall time, bytes over the
interconnect and the medium, peak staging bytes.

  --scenario LIST       ${SCENARIO_NAMES.join(", ")} (comma-separated; default events)
  --strategies LIST     ${Object.keys(BUILTIN_STRATEGIES).join(", ")} (default: all)
  --seeds N             seeds 1..N (default 3)
  --rows N              rows of each scenario's main table, 1 to 5e7 (default 20000)
  --source-amps N       (default 4)
  --target-amps N       (default 6; the target's hash map is the source's rebalanced)
  --streams N           streams for strategies that use them (default 2)
  --hardware LIST       profiles to simulate on (default ${HARDWARE_NAMES.join(",")})
  --svg FILE            also write an SVG bar chart of simulated time on the first
                        --hardware profile (put the one you want first)
  --json                print the comparison as JSON
  --help                this text

Example:
  ampsim compare --scenario events --strategies staged,direct,bucket-move --seeds 5`;

const OPTIONS: OptionSpec = {
  scenario: { type: "string" }, strategies: { type: "string" }, seeds: { type: "string" }, rows: { type: "string" },
  "source-amps": { type: "string" }, "target-amps": { type: "string" }, streams: { type: "string" }, hardware: { type: "string" },
  svg: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" },
};

interface Output { write(text: string): unknown }

function listOption<T extends string>(value: string | boolean | undefined, name: string, allowed: readonly string[], fallback: readonly T[]): T[] {
  if (value === undefined) return [...fallback];
  const items = String(value).split(",").map((s) => s.trim()).filter(Boolean);
  const unknown = items.filter((i) => !allowed.includes(i));
  if (items.length === 0 || unknown.length > 0) throw new UsageError(`--${name} takes a comma-separated list of ${allowed.join(", ")}, but found '${String(value)}'`);
  const twice = items.find((item, i) => items.indexOf(item) !== i);
  if (twice !== undefined) throw new UsageError(`--${name} lists '${twice}' twice in '${String(value)}': name each once`);
  return items as T[];
}

export async function runCompare(args: readonly string[], out: Output): Promise<number> {
  const values = parseOptions(args, OPTIONS);
  if (values.help) { out.write(`${COMPARE_HELP}\n`); return 0; }
  const sourceAmps = integerOption(values["source-amps"], "source-amps", 4, 1, 1024);
  const streams = integerOption(values.streams, "streams", 2, 1, 1024);
  if (streams > sourceAmps) throw new UsageError(`--streams (${streams}) cannot exceed --source-amps (${sourceAmps})`);
  checkReportPath(values.svg, "--svg");
  const result = await compare({
    scenarios: listOption<ScenarioName>(values.scenario, "scenario", SCENARIO_NAMES, ["events"]),
    strategies: listOption(values.strategies, "strategies", Object.keys(BUILTIN_STRATEGIES), Object.keys(BUILTIN_STRATEGIES)),
    seeds: integerOption(values.seeds, "seeds", 3, 1, 1000), rows: integerOption(values.rows, "rows", 20_000, 1, ROWS_MAX),
    sourceAmps, targetAmps: integerOption(values["target-amps"], "target-amps", 6, 1, 1024), streams,
    hardware: listOption(values.hardware, "hardware", HARDWARE_NAMES, HARDWARE_NAMES),
  });
  out.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : `${renderComparisonMarkdown(result)}\n`);
  if (typeof values.svg === "string") writeOutputFile("--svg", values.svg, "SVG chart", renderComparisonSvg(result));
  return result.runs.every((r) => r.correct || r.skipped) ? 0 : 1;
}
