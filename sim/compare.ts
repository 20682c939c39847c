/**
 * The strategy harness: runs each strategy on the same scenarios and seeds,
 * checks the same invariant for all of them (the target's rows equal the
 * source's — count and checksum of every hash bucket —, every target row sits
 * on the AMP its hash assigns, each target table's definition is the source's,
 * no staging table is left, the target holds no table or database beyond what
 * it held and the migrated ones, the source's rows and catalog are unchanged),
 * and tabulates correctness, simulated time per hardware profile, wall time,
 * bytes over the interconnect and the medium, and peak staging bytes.
 *
 * A strategy is foreign code: whatever it throws or breaks fails its own run,
 * and every run gets fresh systems, so it cannot harm the others.
 */
import path from "node:path";
import { AmpsimError, checkOptionNames, Engine, errorText, HashMap, qualifiedName, showValue, type TableDefinition } from "../engine/index.js";
import { readChecksums, STAGING_DATABASE, type MediumSpec, type MigrationReport } from "../migrator/index.js";
import { validateMedium } from "../migrator/plan.js";
import { checkProfile, hardwareProfile, type HardwareProfile } from "./hardware.js";
import { Prng } from "./prng.js";
import { loadScenario, scenario, type Scenario, type ScenarioName } from "./scenarios.js";
import { strategyByName } from "./strategies/index.js";
import type { MigrationStrategy, StrategyContext } from "./strategy.js";
import { simulateReport } from "./timeline.js";

export interface CompareOptions {
  /** Built-in names ("staged", "single-stream", "direct", "bucket-move") or strategy objects; each name once. */
  readonly strategies: readonly (string | MigrationStrategy)[];
  readonly scenarios: readonly (ScenarioName | Scenario)[];
  /** How many seeds (1, 2, …) or the seeds themselves. */
  readonly seeds?: number | readonly number[];
  /** Rows of each scenario's main table (default 20,000). */
  readonly rows?: number;
  readonly sourceAmps?: number;
  readonly targetAmps?: number;
  readonly hashBits?: number;
  /** The target's hash map: "rebalance" (default: the source map grown/shrunk, so bucket-move applies) or "uniform". */
  readonly targetMap?: "rebalance" | "uniform";
  readonly streams?: number;
  readonly medium?: MediumSpec;
  /** Hardware profiles to simulate on (default early2000s and modern): preset names or profiles, each name once; checked up front. */
  readonly hardware?: readonly (string | HardwareProfile)[];
  readonly onRun?: (row: ComparisonRow) => void;
}

export interface ComparisonRow {
  readonly strategy: string;
  readonly scenario: string;
  readonly seed: number;
  readonly rows: number;
  readonly correct: boolean;
  /** Why not correct, or why the strategy did not apply. */
  readonly failure: string | null;
  readonly skipped: boolean;
  /** Simulated milliseconds per hardware profile name. */
  readonly simulatedMs: Readonly<Record<string, number>>;
  readonly wallMs: number;
  readonly interconnectBytes: number;
  readonly mediumBytes: number;
  readonly peakStagingBytes: number;
}

export interface Comparison {
  readonly kind: "comparison";
  readonly hardware: readonly string[];
  readonly strategies: readonly string[];
  readonly scenarios: readonly string[];
  readonly runs: readonly ComparisonRow[];
}

function seedsOf(seeds: CompareOptions["seeds"]): number[] {
  if (seeds === undefined) return [1];
  if (typeof seeds === "number") {
    if (!Number.isInteger(seeds) || seeds < 1) throw new AmpsimError("BAD_CONFIG", `seeds must be a positive count or a list of seeds, but found ${seeds}`, { option: "seeds" });
    return Array.from({ length: seeds }, (_, i) => i + 1);
  }
  return [...seeds];
}

/**
 * Runs every strategy on every scenario and seed.
 *
 * @example
 * const result = await compare({ strategies: ["staged", "direct", "bucket-move"], scenarios: ["events"], seeds: 3 });
 * console.log(renderComparisonMarkdown(result));
 */
export async function compare(options: CompareOptions): Promise<Comparison> {
  checkOptions(options);
  const strategies = options.strategies.map((s) => (typeof s === "string" ? strategyByName(s) : s));
  const profiles = (options.hardware ?? ["early2000s", "modern"]).map((h) => (typeof h === "string" ? hardwareProfile(h) : h));
  const runs: ComparisonRow[] = [];
  for (const chosen of options.scenarios) {
    for (const seed of seedsOf(options.seeds)) {
      const data = typeof chosen === "string" ? scenario(chosen, { rows: options.rows ?? 20_000, seed }) : chosen;
      for (const strategy of strategies) {
        const row = await runOnce(strategy, data, seed, options, profiles);
        runs.push(row);
        options.onRun?.(row);
      }
    }
  }
  return {
    kind: "comparison", hardware: profiles.map((p) => p.name), strategies: strategies.map((s) => s.name),
    scenarios: [...new Set(runs.map((r) => r.scenario))], runs,
  };
}

const bad = (text: string, option: string) => new AmpsimError("BAD_CONFIG", `compare(): ${text}`, { option });
const isCount = (value: unknown, min = 1): value is number => Number.isInteger(value) && (value as number) >= min;

/** Every option, before any run: a bad one is BAD_CONFIG here, not a "failed" strategy in the table. */
function checkOptions(options: CompareOptions): void {
  if (options === null || typeof options !== "object") throw bad(`expects an options object, but found ${showValue(options)}`, "options");
  checkOptionNames(options, ["strategies", "scenarios", "seeds", "rows", "sourceAmps", "targetAmps", "hashBits", "targetMap", "streams", "medium", "hardware", "onRun"], "compare()");
  checkStrategies(options.strategies);
  if (!Array.isArray(options.scenarios) || options.scenarios.length === 0) throw bad(`scenarios must be a non-empty list of scenario names or scenarios, but found ${showValue(options.scenarios)}`, "scenarios");
  checkNamesOnce(options.scenarios.map((s) => (typeof s === "string" ? s : s?.name)), "scenarios", "scenario");
  if (options.seeds !== undefined && typeof options.seeds !== "number" && (!Array.isArray(options.seeds) || options.seeds.length === 0 || !options.seeds.every((s) => Number.isInteger(s)))) {
    throw bad(`seeds must be a positive count or a non-empty list of integer seeds, but found ${showValue(options.seeds)}`, "seeds");
  }
  for (const name of ["rows", "sourceAmps", "targetAmps", "streams"] as const) {
    if (options[name] !== undefined && !isCount(options[name], name === "rows" ? 0 : 1)) throw bad(`${name} must be a positive integer, but found ${showValue(options[name])}`, name);
  }
  const streams = options.streams ?? 2; const sourceAmps = options.sourceAmps ?? 4;
  if (streams > sourceAmps) throw bad(`streams (${streams}) exceeds the source's ${sourceAmps} AMP(s): each archive module reads at least one AMP`, "streams");
  if (options.targetMap !== undefined && options.targetMap !== "rebalance" && options.targetMap !== "uniform") throw bad(`targetMap must be "rebalance" or "uniform", but found ${showValue(options.targetMap)}`, "targetMap");
  if (options.medium !== undefined) validateMedium(options.medium);
  if (options.hardware !== undefined) checkHardware(options.hardware);
}

function checkHardware(hardware: NonNullable<CompareOptions["hardware"]>): void {
  if (!Array.isArray(hardware) || hardware.length === 0) throw bad(`hardware must be a non-empty list of preset names or hardware profiles, but found ${showValue(hardware)}`, "hardware");
  hardware.forEach((h, i) => {
    if (typeof h === "string") return void hardwareProfile(h);
    if (h === null || typeof h !== "object" || typeof h.name !== "string" || h.name.length === 0) {
      throw bad(`hardware[${i}] must be a preset name or a hardware profile with a non-empty name, but found ${showValue(h)}`, "hardware");
    }
    try {
      checkProfile(h);
    } catch (error) {
      throw error instanceof AmpsimError ? bad(`hardware[${i}]: ${errorText(error)}`, "hardware") : error;
    }
  });
  checkNamesOnce(hardware.map((h) => (typeof h === "string" ? h : h.name)), "hardware", "hardware profile");
}

function checkStrategies(strategies: CompareOptions["strategies"]): void {
  if (!Array.isArray(strategies) || strategies.length === 0) throw bad(`strategies must be a non-empty list of names or strategy objects, but found ${showValue(strategies)}`, "strategies");
  strategies.forEach((s, i) => {
    if (typeof s === "string") return void strategyByName(s);
    if (s === null || typeof s !== "object" || typeof s.name !== "string" || typeof s.run !== "function") {
      throw bad(`strategies[${i}] must be a built-in name or an object { name, run(context) }, but found ${showValue(s)}`, "strategies");
    }
  });
  checkNamesOnce(strategies.map((s) => (typeof s === "string" ? s : s.name)), "strategies", "strategy");
}

/** Rows, summaries and the Markdown tell strategies, scenarios and profiles apart by name only: two of one name would merge. */
function checkNamesOnce(names: readonly unknown[], option: string, what: string): void {
  const twice = names.findIndex((name, i) => name !== undefined && names.indexOf(name) !== i);
  if (twice !== -1) throw bad(`${option}[${names.indexOf(names[twice])}] and ${option}[${twice}] are both the ${what} ${showValue(names[twice])}: their runs would merge under one name`, option);
}

/** A storage medium gets a directory of its own per run (scenario, seed, strategy) under the one given. */
function runMedium(medium: MediumSpec, scenarioName: string, seed: number, strategy: string): MediumSpec {
  if (typeof medium !== "object" || medium.kind !== "storage") return medium;
  return { ...medium, dir: path.join(medium.dir, `${scenarioName}-seed${seed}-${strategy}`.replace(/[^A-Za-z0-9._-]/g, "_")), overwrite: true };
}

function systems(options: CompareOptions): { source: Engine; target: Engine } {
  const hashBits = options.hashBits ?? 16;
  const source = new Engine({ name: "source", amps: options.sourceAmps ?? 4, hashBits });
  const targetAmps = options.targetAmps ?? 6;
  const hashMap = (options.targetMap ?? "rebalance") === "rebalance" ? HashMap.rebalance(source.hashMap, targetAmps) : undefined;
  return { source, target: new Engine({ name: "target", amps: targetAmps, hashBits, hashMap }) };
}

/** One strategy on fresh systems; whatever the strategy throws or breaks fails this run only, named in its row. */
async function runOnce(strategy: MigrationStrategy, data: Scenario, seed: number, options: CompareOptions, profiles: readonly HardwareProfile[]): Promise<ComparisonRow> {
  const { source, target } = systems(options);
  loadScenario(source, data);
  const tables = data.tables.map((t) => t.name);
  const context: StrategyContext = { source, target, tables, streams: options.streams ?? 2, medium: runMedium(options.medium ?? "memory", data.name, seed, strategy.name), prng: new Prng(`${seed}/${strategy.name}`) };
  const base = { strategy: strategy.name, scenario: data.name, seed, rows: tables.reduce((s, t) => s + source.rowCount(t), 0) };
  const empty = { simulatedMs: {}, wallMs: 0, interconnectBytes: 0, mediumBytes: 0, peakStagingBytes: 0 };
  const failed = (failure: string, wallMs = 0): ComparisonRow => ({ ...base, ...empty, wallMs, correct: false, skipped: false, failure });
  let reason: string | null;
  try {
    reason = strategy.applicable?.(context) ?? null;
  } catch (error) {
    return failed(`strategy ${strategy.name}: applicable() failed: ${describeThrown(error)}`);
  }
  if (reason) return { ...base, ...empty, correct: false, skipped: true, failure: `not applicable: ${reason}` };
  const before = tables.map((t) => readChecksums(source, t, source.hashBits > 16 ? 16 : source.hashBits, "harness"));
  const catalogs = { source: readCatalog(source), target: readCatalog(target) };
  const migrated = tables.map((t) => source.describe(t));
  const started = performance.now();
  let report: MigrationReport;
  try {
    report = await strategy.run(context);
  } catch (error) {
    return failed(describeThrown(error), performance.now() - started);
  }
  const wallMs = performance.now() - started;
  let simulatedMs: Record<string, number>;
  try {
    // A malformed report fails this strategy's run, not the comparison.
    simulatedMs = Object.fromEntries(profiles.map((p) => [p.name, simulateReport(report, p).totalMs]));
  } catch (error) {
    return failed(`strategy ${strategy.name} returned a report the simulator cannot replay: ${describeThrown(error)}`, wallMs);
  }
  let failure: string | null;
  try {
    // The source first: a change there explains whatever differs on the target.
    failure = sourceCatalogChange(catalogs.source, source) ?? checkInvariant(source, target, tables, before) ?? targetCatalogChange(catalogs.target, target, migrated);
  } catch (error) {
    // The strategy left the systems in a state the check cannot read (a table of another shape, say): not a correct run.
    failure = `strategy ${strategy.name} left the systems in a state the harness cannot check: ${describeThrown(error)}`;
  }
  return {
    ...base, correct: failure === null, failure, skipped: false, simulatedMs, wallMs,
    interconnectBytes: report.targetAmps.reduce((s, a) => s + a.interconnectBytesSent, 0),
    mediumBytes: report.streamReports.reduce((s, x) => s + x.mediumBytes, 0),
    peakStagingBytes: report.targetAmps.reduce((s, a) => s + a.peakStagingBytes, 0),
  };
}

const THROWN_TEXT_MAX = 200;

/** What a strategy threw, for its row: an Error's message; anything else as text (objects as JSON), at most THROWN_TEXT_MAX characters. */
function describeThrown(error: unknown): string {
  if (error instanceof Error) return error.message;
  let text: string;
  try {
    // String() of an object is "[object Object]", which says nothing of what was thrown.
    text = error !== null && typeof error === "object" ? JSON.stringify(error, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value)) ?? String(error) : String(error);
  } catch {
    text = Object.prototype.toString.call(error); // a cycle, or a toJSON or toString that throws
  }
  return text.length > THROWN_TEXT_MAX ? `${text.slice(0, THROWN_TEXT_MAX - 3)}...` : text;
}

/**
 * The harness's own check, the same for every strategy; null when it holds, else what differs.
 * Each table: the source's rows as `before` read them, the table on the target with the source's
 * definition (its SHOW TABLE text) and rows, each row on the AMP its hash assigns; no staging
 * table left. (compare() also checks both catalogs against readings taken before the run.)
 *
 * @example
 * const before = tables.map((t) => readChecksums(source, t, 16, "harness"));
 * await migrate({ source, target, tables, streams: 2, medium: "memory" });
 * checkInvariant(source, target, tables, before); // null
 */
export function checkInvariant(source: Engine, target: Engine, tables: readonly string[], before: readonly ReturnType<typeof readChecksums>[]): string | null {
  const bits = Math.min(source.hashBits, target.hashBits, 16);
  for (const [i, table] of tables.entries()) {
    if (!source.hasTable(table)) return `the source table ${table} is gone`;
    const now = readChecksums(source, table, before[i].checksums.bits, "harness");
    if (!sameChecksums(now.checksums, before[i].checksums)) return `the source table ${table} changed`;
    if (!target.hasTable(table)) return `${table} is missing on the target`;
    const definition = ddlDifference(source.showTable(table), target.showTable(table));
    if (definition !== null) return `${table}: the target's definition differs from the source's: it ${definition}`;
    const copy = readChecksums(target, table, bits, "harness");
    const original = readChecksums(source, table, bits, "harness");
    if (!sameChecksums(copy.checksums, original.checksums)) return `${table}: the target's rows differ from the source's (${copy.rows} vs ${original.rows} rows)`;
    if (!copy.placed) return `${table}: a target row is not on the AMP its row hash assigns`;
  }
  const left = target.allTables().filter((t) => t.startsWith(`"${STAGING_DATABASE}"`));
  return left.length > 0 ? `staging tables left on the target: ${left.join(", ")}` : null;
}

function sameChecksums(a: ReturnType<typeof readChecksums>["checksums"], b: ReturnType<typeof readChecksums>["checksums"]): boolean {
  if (a.bits !== b.bits) return false;
  for (let i = 0; i < a.counts.length; i++) if (a.counts[i] !== b.counts[i] || a.sum1[i] !== b.sum1[i] || a.sum2[i] !== b.sum2[i]) return false;
  return true;
}

/** A system's catalog as the harness compares it: its databases, and every table (reserved ones too) with its DDL text. */
interface CatalogReading {
  readonly databases: readonly string[];
  readonly tables: ReadonlyMap<string, string>;
}

function readCatalog(engine: Engine): CatalogReading {
  return { databases: engine.databases(), tables: new Map(engine.allTables().map((t) => [t, engine.showTable(t)])) };
}

/** What a run changed in the source's catalog (`before` was read before the run); null when nothing. */
function sourceCatalogChange(before: CatalogReading, source: Engine): string | null {
  const now = readCatalog(source);
  // User tables first: a dropped table's index subtables (reserved names, quoted since they start with $) are only a consequence.
  const names = [...new Set([...before.tables.keys(), ...now.tables.keys()])].sort((a, b) => Number(a.startsWith('"$')) - Number(b.startsWith('"$')));
  const changes = [
    ...before.databases.filter((d) => !now.databases.includes(d)).map((d) => `database ${d} was dropped`),
    ...now.databases.filter((d) => !before.databases.includes(d)).map((d) => `database ${d} was created`),
    ...names.flatMap((t) => {
      const [was, is] = [before.tables.get(t), now.tables.get(t)];
      if (was === undefined || is === undefined) return [`table ${t} was ${was === undefined ? "created" : "dropped"}`];
      const difference = ddlDifference(was, is);
      return difference === null ? [] : [`the definition of ${t} ${difference}`];
    }),
  ];
  return changes.length > 0 ? `the source's catalog changed: ${listed(changes)}` : null;
}

/** Tables and databases on the target beyond what it held before the run and the migrated tables with their databases; null when none. */
function targetCatalogChange(before: CatalogReading, target: Engine, migrated: readonly TableDefinition[]): string | null {
  const tables = target.tables().filter((t) => !before.tables.has(t) && !migrated.some((d) => qualifiedName(d) === t));
  if (tables.length > 0) return `the target holds tables that were not migrated: ${listed(tables)}`;
  const databases = target.databases().filter((d) => !before.databases.includes(d) && !migrated.some((m) => m.database === d));
  return databases.length > 0 ? `the target holds databases that no migrated table needs: ${listed(databases)}` : null;
}

/** How DDL text `found` differs from `expected`, line by line ("lacks …, adds …"); null when the texts are equal. */
function ddlDifference(expected: string, found: string): string | null {
  if (expected === found) return null;
  // A line's trailing comma or semicolon only says whether another line follows.
  const lines = (ddl: string) => ddl.split("\n").map((line) => line.trim().replace(/[,;]$/, ""));
  const [wanted, got] = [lines(expected), lines(found)];
  const lacks = wanted.filter((line) => !got.includes(line)).map((line) => JSON.stringify(line));
  const adds = got.filter((line) => !wanted.includes(line)).map((line) => JSON.stringify(line));
  if (lacks.length === 0 && adds.length === 0) return "has the same lines in another order";
  return [lacks.length > 0 ? `lacks ${listed(lacks)}` : "", adds.length > 0 ? `adds ${listed(adds)}` : ""].filter(Boolean).join(", ");
}

/** At most three items, then how many more. */
function listed(items: readonly string[]): string {
  return items.length <= 3 ? items.join(", ") : `${items.slice(0, 3).join(", ")} and ${items.length - 3} more`;
}
