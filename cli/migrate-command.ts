/**
 * `ampsim migrate`: builds a source system with generated tables and a target
 * system configured differently, migrates, and prints the report (or JSON).
 */
import fs from "node:fs";
import path from "node:path";
import { AmpsimError, createExecutor, Engine, errorText, HashMap, type EngineOptions, type Executor } from "../engine/index.js";
import { renderHtmlReport } from "./html-report.js";
import { CHECKPOINT_FILE, migrate, type MediumSpec, type MigrateOptions, type MigrationReport, type ProgressEvent } from "../migrator/index.js";
import { MANIFEST_FILE } from "../migrator/media/index.js"; // the archive manifest's name: migrator/index.ts does not export it
import { scenario, type Scenario } from "../sim/index.js";
import { checkStoredSource, checkStoredTarget, checkSystemDir, generateSource, openStored, type Generation } from "./stored-systems.js";
import { formatCount, ProgressBars } from "./render/index.js";
import { checkDirectoryOption, checkReportPath, choiceOption, clustersOption, integerOption, parseOptions, ROWS_MAX, UsageError, writeOutputFile, type OptionSpec } from "./options.js";
import { renderMigrationReport } from "./report-text.js";
import { abandonHint } from "./abandon-command.js";

/** The most rows per archived batch migrate() takes (2^31 - 1). */
const BATCH_ROWS_MAX = 2 ** 31 - 1;

export const SCENARIOS = ["orders", "events", "dimension", "demo", "uniform", "skewed"] as const;

export const MIGRATE_HELP = `Usage: ampsim migrate [options]

Builds a source system, loads generated tables (seeded), migrates them to a
target system configured differently, verifies, and prints a report.

Systems:
  --source-amps N        AMPs of the source system (default 4)
  --target-amps N        AMPs of the target system (default 6)
  --source-bits N        hash bucket bits of the source, 1 to 24 (Teradata
                         uses 16 or 20; default 16)
  --target-bits N        hash bucket bits of the target, 1 to 24 (default 16;
                         with --target-map rebalance, the source's)
  --target-map MAP       target hash map: uniform (default) or rebalance (the
                         source map grown/shrunk, moving the fewest buckets;
                         keeps the source's bucket bits)
Data:
  --scenario NAME        ${SCENARIOS.join(", ")} (default orders)
  --rows N               rows of the scenario's main table, 0 to 5e7 (default 1e6;
                         1e6, 250_000 …; larger sizes: ampsim simulate)
  --seed N               seed of the data generator (default 1)
Migration:
  --streams N            concurrent archive/restore pairs per table (default 3)
  --clusters LIST        source AMPs per stream, e.g. "0,1;2,3" (default: contiguous groups;
                         sets the streams: with --streams, give as many clusters)
  --medium KIND          memory, pipe, network or storage (default memory)
  --dir PATH             directory of the storage medium (required with --medium storage;
                         the archive stays there after the run)
  --overwrite            replace an archive already in --dir (refused without it)
  --staging LAYOUT       hashed (default) or nopi
  --batch-rows N         rows per archived batch, 1 to 2147483647 (default 65536)
  --batch-bytes N        or (not both) about this many bytes per batch
  --if-exists MODE       fail (default), replace or append
  --keep-staging         keep the staging tables after the migration
  --parallel-tables      migrate all tables at once instead of one after another
  --executor KIND        inline (default) or pool: archive/restore kernels and verification
                         on worker threads (same results)
  --threads N            worker threads of the pool (default: the machine's cores)
Durability:
  --source-dir DIR       keep the source system on disk in DIR (opened if it holds one:
                         its tables are migrated, no data is generated; one whose
                         generation was interrupted is refused: delete DIR)
  --target-dir DIR       keep the target system on disk in DIR (opened if it holds one)
                         A stored system is used as it is: --source-amps, --target-bits …
                         and, for a source holding tables, --scenario, --rows and --seed
                         may be given only with the values it was made with
  --checkpoint-dir DIR   record progress in DIR so that an interrupted run can resume
  --resume               resume the migration whose checkpoint is in --checkpoint-dir
                         (or give it up: ampsim abandon --checkpoint-dir DIR --target-dir DIR)
Output:
  --report FILE          also write a self-contained HTML report (histograms, timelines)
  --json                 print the report as JSON (no progress bars)
  --no-progress          no progress bars or lines (they go to stderr: bars on a
                         terminal, a few plain lines elsewhere; stdout has only the report)
  --help                 this text

Example:
  ampsim migrate --source-amps 4 --target-amps 6 --rows 1e6 --streams 3 --medium storage --dir ./archive`;

export const MIGRATE_OPTIONS: OptionSpec = {
  "source-amps": { type: "string" }, "target-amps": { type: "string" },
  "source-bits": { type: "string" }, "target-bits": { type: "string" }, "target-map": { type: "string" },
  scenario: { type: "string" }, rows: { type: "string" }, seed: { type: "string" },
  streams: { type: "string" }, clusters: { type: "string" }, medium: { type: "string" }, dir: { type: "string" },
  staging: { type: "string" }, "batch-rows": { type: "string" }, "batch-bytes": { type: "string" },
  "if-exists": { type: "string" }, "keep-staging": { type: "boolean" }, "parallel-tables": { type: "boolean" },
  executor: { type: "string" }, threads: { type: "string" },
  "source-dir": { type: "string" }, "target-dir": { type: "string" }, "checkpoint-dir": { type: "string" }, resume: { type: "boolean" }, overwrite: { type: "boolean" },
  report: { type: "string" }, json: { type: "boolean" }, "no-progress": { type: "boolean" }, help: { type: "boolean", short: "h" },
};

interface Output { write(text: string): unknown; isTTY?: boolean; columns?: number }

export interface MigrateSetup {
  readonly source: Engine;
  readonly target: Engine;
  readonly scenario: Scenario;
  readonly options: Omit<MigrateOptions, "source" | "target">;
  readonly json: boolean;
  readonly progress: boolean;
  /** The data to generate into the source, and its --source-dir; null when a stored source holds tables: migrate those. */
  readonly generate: { readonly generation: Generation; readonly dir: string | undefined } | null;
}

function stringOption(value: string | boolean | undefined): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** A system made anew: durable in `dir` when given (checked by then to hold none), else in memory. */
function createSystem(dir: string | undefined, options: EngineOptions): Engine {
  return new Engine(dir === undefined ? options : { ...options, dir });
}

/** --executor and --threads: one executor shared by both systems. */
function executorOption(values: Record<string, string | boolean | undefined>): Executor {
  const kind = choiceOption(values.executor, "executor", ["inline", "pool"] as const, "inline");
  if (values["batch-rows"] !== undefined && values["batch-bytes"] !== undefined) throw new UsageError("--batch-rows and --batch-bytes both set the batch size: pass one");
  if (values.threads !== undefined && kind !== "pool") throw new UsageError("--threads sizes the worker pool: it needs --executor pool");
  if (kind === "inline") return createExecutor("inline");
  return createExecutor(values.threads === undefined ? "pool" : { kind: "pool", threads: integerOption(values.threads, "threads", 1, 1, 256) });
}

/** Reads the options into systems, data and migration options. */
export function setupMigration(values: Record<string, string | boolean | undefined>, defaults: { streams: number; medium: string; rows: number; scenario: string }): MigrateSetup {
  const sourceBits = integerOption(values["source-bits"], "source-bits", 16, 1, 24);
  const sourceDir = stringOption(values["source-dir"]);
  const targetDir = stringOption(values["target-dir"]);
  if (sourceDir !== undefined && targetDir !== undefined && path.resolve(sourceDir) === path.resolve(targetDir)) {
    throw new UsageError(`--source-dir ${sourceDir} and --target-dir ${targetDir} are the same directory (${path.resolve(sourceDir)}): the source and the target are two systems, each in a directory of its own`);
  }
  checkSystemDir("--source-dir", sourceDir);
  checkSystemDir("--target-dir", targetDir);
  const executor = executorOption(values);
  try {
    return setupSystems(values, defaults, executor, sourceBits, sourceDir);
  } catch (error) {
    // Nothing will run: stop the pool's workers before the error is reported.
    void executor.close().catch(() => undefined);
    throw error;
  }
}

function setupSystems(values: Record<string, string | boolean | undefined>, defaults: { streams: number; medium: string; rows: number; scenario: string },
  executor: Executor, sourceBits: number, sourceDir: string | undefined): MigrateSetup {
  // Every option is checked before either system is made: a durable one would stay behind a usage error.
  const sourceAmps = integerOption(values["source-amps"], "source-amps", 4, 1, 65535);
  const targetAmps = integerOption(values["target-amps"], "target-amps", 6, 1, 65535);
  const mapKind = choiceOption(values["target-map"], "target-map", ["uniform", "rebalance"] as const, "uniform");
  if (sourceAmps > 2 ** sourceBits) throw new UsageError(`--source-amps ${sourceAmps} needs at least ${Math.ceil(Math.log2(sourceAmps))} --source-bits (one bucket per AMP at least)`);
  const name = choiceOption(values.scenario, "scenario", SCENARIOS, defaults.scenario as (typeof SCENARIOS)[number]);
  const data: Generation = { scenario: name, rows: integerOption(values.rows, "rows", defaults.rows, 0, ROWS_MAX), seed: integerOption(values.seed, "seed", 1, 0, 2 ** 32 - 1) };
  const chosen = scenario(name, { rows: data.rows, seed: data.seed });
  const mediumKind = choiceOption(values.medium, "medium", ["memory", "pipe", "network", "storage"] as const, defaults.medium as "memory");
  if (mediumKind === "storage" && typeof values.dir !== "string") throw new UsageError("--medium storage needs --dir PATH, the directory of the intermediate storage");
  if (mediumKind !== "storage" && values.dir !== undefined) throw new UsageError(`--dir is the directory of --medium storage, but the medium is ${mediumKind}`);
  checkReportPath(values.report);
  checkDirectoryOption(values.dir, "--dir");
  checkDirectoryOption(values["checkpoint-dir"], "--checkpoint-dir");
  checkArchiveDir(values, mediumKind);
  const medium: MediumSpec = mediumKind === "storage" ? { kind: "storage", dir: values.dir as string, overwrite: values.overwrite === true } : mediumKind;
  const clusters = clustersOption(values.clusters);
  if (clusters && values.streams !== undefined && integerOption(values.streams, "streams", 1, 1, 1024) !== clusters.length) {
    throw new UsageError(`--streams ${String(values.streams)} and --clusters '${String(values.clusters)}' (${clusters.length} clusters, one per stream) disagree: pass one of them, or as many clusters as streams`);
  }
  if (values.resume === true && typeof values["checkpoint-dir"] !== "string") throw new UsageError("--resume needs --checkpoint-dir DIR, where the interrupted migration kept its checkpoint");
  checkCheckpoint(stringOption(values["checkpoint-dir"]), values.resume === true, stringOption(values["target-dir"]));
  const options: MigrateSetup["options"] = {
    checkpointDir: stringOption(values["checkpoint-dir"]), resume: values.resume === true,
    streams: clusters ? clusters.length : integerOption(values.streams, "streams", defaults.streams, 1, 1024), clusters, medium,
    staging: choiceOption(values.staging, "staging", ["hashed", "nopi"] as const, "hashed"),
    // The API's ranges (migrate(): batchRows 1..2^31-1, batchBytes a positive safe integer), checked here before anything is made.
    batchRows: values["batch-rows"] === undefined ? undefined : integerOption(values["batch-rows"], "batch-rows", 65_536, 1, BATCH_ROWS_MAX),
    batchBytes: values["batch-bytes"] === undefined ? undefined : integerOption(values["batch-bytes"], "batch-bytes", 0, 1),
    ifExists: choiceOption(values["if-exists"], "if-exists", ["fail", "replace", "append"] as const, "fail"),
    keepStaging: values["keep-staging"] === true, parallelTables: values["parallel-tables"] === true,
  };
  // Stored systems are opened (nothing is created) and checked against the options before a new one is made.
  const targetDir = stringOption(values["target-dir"]);
  const stored = { source: openStored(sourceDir, executor), target: openStored(targetDir, executor) };
  if (stored.source) checkStoredSource(values, sourceDir!, stored.source, { amps: sourceAmps, bits: sourceBits, ...data });
  const targetBits = targetBitsOption(values, { mapKind, amps: targetAmps }, stored.source
    ? { bits: stored.source.hashBits, named: `the ${stored.source.hashBits}-bit buckets of the source stored in --source-dir ${sourceDir}` }
    : { bits: sourceBits, named: `--source-bits ${sourceBits}` });
  const sourceMap = stored.source?.hashMap ?? HashMap.uniform(sourceAmps, sourceBits);
  if (stored.target) checkStoredTarget(values, targetDir!, stored.target, { amps: targetAmps, bits: targetBits, sourceMap });
  checkStreams(options, clusters, stored.source ? { amps: stored.source.amps, named: `the ${stored.source.amps} AMP(s) of the source stored in --source-dir ${sourceDir}` } : { amps: sourceAmps, named: `--source-amps (${sourceAmps})` });
  const source = stored.source ?? createSystem(sourceDir, { name: "source", amps: sourceAmps, hashBits: sourceBits, executor });
  const hashMap = mapKind === "rebalance" ? HashMap.rebalance(sourceMap, targetAmps) : undefined;
  const target = stored.target ?? createSystem(targetDir, { name: "target", amps: targetAmps, hashBits: targetBits, hashMap, executor });
  return {
    source, target, scenario: chosen, json: values.json === true, progress: values["no-progress"] !== true && values.json !== true,
    generate: source.tables().length === 0 ? { generation: data, dir: sourceDir } : null,
    options,
  };
}

/**
 * --target-bits: 16 by default, but a rebalanced map is the source's own map grown or shrunk, so with
 * --target-map rebalance it defaults to the source's bucket bits (a stored source's, or --source-bits)
 * and must equal them.
 */
function targetBitsOption(values: Record<string, string | boolean | undefined>, target: { mapKind: "uniform" | "rebalance"; amps: number }, source: { bits: number; named: string }): number {
  const rebalance = target.mapKind === "rebalance";
  const bits = integerOption(values["target-bits"], "target-bits", rebalance ? source.bits : 16, 1, 24);
  if (rebalance && bits !== source.bits) throw new UsageError(`--target-map rebalance keeps the source's bucket bits, but --target-bits ${String(values["target-bits"])} differs from ${source.named}: drop --target-bits or give ${source.bits}`);
  if (target.amps > 2 ** bits) throw new UsageError(`--target-amps ${target.amps} needs at least ${Math.ceil(Math.log2(target.amps))} --target-bits (one bucket per AMP at least)`);
  return bits;
}

/** An archive in --dir is replaced only with --overwrite (a resumed run rewrites the one its interrupted run left). */
function checkArchiveDir(values: Record<string, string | boolean | undefined>, mediumKind: string): void {
  if (values.overwrite === true && mediumKind !== "storage") throw new UsageError(`--overwrite replaces the archive in --dir of --medium storage, but the medium is ${mediumKind}`);
  if (mediumKind !== "storage" || values.overwrite === true || values.resume === true) return;
  const manifest = path.join(values.dir as string, MANIFEST_FILE);
  if (fs.existsSync(manifest)) throw new UsageError(`--dir ${String(values.dir)} already holds an archive (${manifest}): pass --overwrite to replace it, or use another directory`);
}

/** A checkpoint in --checkpoint-dir is resumed or given up, never run over; --resume needs one. */
function checkCheckpoint(checkpointDir: string | undefined, resume: boolean, targetDir: string | undefined): void {
  if (checkpointDir === undefined) return;
  const held = fs.existsSync(path.join(checkpointDir, CHECKPOINT_FILE));
  if (held && !resume) throw new UsageError(`--checkpoint-dir ${checkpointDir} holds the checkpoint of an unfinished migration: add --resume to finish it, or ${abandonHint(checkpointDir, targetDir)}`);
  if (!held && resume) throw new UsageError(`--resume: --checkpoint-dir ${checkpointDir} holds no checkpoint (${CHECKPOINT_FILE}); a finished or abandoned migration removes it, and one stopped before writing it starts afresh, without --resume`);
}

/** As simulate and compare, before anything is built: streams within the source's AMPs, and clusters that name each of them. */
function checkStreams(options: MigrateSetup["options"], clusters: number[][] | undefined, source: { amps: number; named: string }): void {
  if ((options.streams ?? 1) > source.amps) {
    const flag = clusters ? `--clusters (${clusters.length} clusters)` : `--streams (${options.streams})`;
    throw new UsageError(`${flag} cannot exceed ${source.named}: each archive module reads at least one AMP`);
  }
  if (clusters === undefined) return;
  const named = new Set(clusters.flat());
  const outside = [...named].filter((amp) => amp >= source.amps);
  if (outside.length > 0) throw new UsageError(`--clusters names AMP ${outside.join(", ")}, but the source has AMPs 0..${source.amps - 1}`);
  const missing = Array.from({ length: source.amps }, (_, amp) => amp).filter((amp) => !named.has(amp));
  if (missing.length > 0) throw new UsageError(`--clusters leaves source AMP(s) ${missing.join(", ")} in no cluster: every source AMP belongs to exactly one stream`);
}

/**
 * A migration's progress events as bars: one per stream, finished at its last row; a stream the
 * interrupted run finished (a resume) gets a line, not a bar with a rate it never had.
 */
export function progressHandler(bars: ProgressBars): (event: ProgressEvent) => void {
  const known = new Set<string>();
  return (event) => {
    if (event.kind === "phase" && event.state === "start") bars.log(`phase ${event.phase} …`);
    if (event.kind !== "stream") return;
    const key = `${event.table}#${event.stream}`;
    if (event.finishedBefore) {
      bars.log(`${event.table} stream ${event.stream}: done before the resume (${formatCount(event.rowsTotal ?? 0)} rows)`);
      return;
    }
    // A stream's first event carries the rows it starts from: those of the interrupted run, on a resume.
    if (!known.has(key)) { known.add(key); bars.add(key, `${event.table} stream ${event.stream}`, event.rowsTotal ?? 0, "rows", { doneBefore: event.rowsDone ?? 0 }); }
    bars.update(key, event.rowsDone ?? 0, { bytesDone: event.bytesDone });
    if (event.rowsDone === event.rowsTotal) bars.finish(key);
  };
}

/** Loads the data, migrates with progress bars on `progressOut` (stderr: stdout carries only the report), and returns the report. */
export async function runSetup(setup: MigrateSetup, progressOut: Output): Promise<MigrationReport> {
  const bars = setup.progress ? new ProgressBars(progressOut as never) : null;
  try {
    if (setup.generate) generateSource(setup.source, setup.scenario, setup.generate.generation, setup.generate.dir);
    return await migrate({
      source: setup.source, target: setup.target, ...setup.options,
      onProgress: bars ? progressHandler(bars) : undefined,
    }).catch((error: unknown) => { throw inCliWords(error, setup); });
  } finally {
    bars?.stop();
    await setup.source.close(); // the shared executor's workers, if any
  }
}

/** The API's advice in an error (`resume: true`, `abandonMigration()`) in the CLI's flags and commands. */
function inCliWords(error: unknown, setup: MigrateSetup): unknown {
  if (!(error instanceof AmpsimError)) return error;
  const checkpointDir = setup.options.checkpointDir ?? "DIR";
  const giveUp = abandonHint(checkpointDir, setup.target.dir ?? undefined);
  const text = errorText(error)
    .replace(/pass resume: true to finish it, or (abandonMigration\(\) to give it up|delete it)/, `add --resume to finish it, or ${giveUp}`)
    .replace("abandonMigration() gives the run up", giveUp)
    .replace("without resume", "without --resume")
    .replace("pass overwrite: true to replace it", "pass --overwrite to replace it");
  return text === errorText(error) ? error : new AmpsimError(error.code, text, error.details, { cause: error });
}

export async function runMigrate(args: readonly string[], out: Output, err: Output): Promise<number> {
  const values = parseOptions(args, MIGRATE_OPTIONS);
  if (values.help) { out.write(`${MIGRATE_HELP}\n`); return 0; }
  const setup = setupMigration(values, { streams: 3, medium: "memory", rows: 1_000_000, scenario: "orders" });
  const report = await runSetup(setup, err);
  out.write(setup.json ? `${reportJson(report)}\n` : `${renderMigrationReport(report)}\n`);
  writeHtmlReport(values.report, report);
  return 0;
}

/** --report FILE: the self-contained HTML page, written after the report is printed, so a failed write (exit 1, one line) loses nothing else. */
export function writeHtmlReport(file: string | boolean | undefined, report: MigrationReport): void {
  if (typeof file === "string") writeOutputFile("--report", file, "HTML report", renderHtmlReport(report));
}

export function reportJson(report: MigrationReport): string {
  return JSON.stringify(report, (_key, value) => (typeof value === "bigint" ? value.toString() : value), 2);
}
