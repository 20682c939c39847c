/**
 * `npm run bench [-- --quick] [-- --only insert,read] [-- --out DIR]`: the benchmark suites
 * (hash, insert, read, archive, migration, executor, profile, fidelity, peers).
 * Writes results.json and RESULTS.md into bench/ (or DIR). Every ratio is measured side by
 * side in the same run (this machine's speed drifts by up to 2× over minutes).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { machine, type Measurement } from "./bench-util.js";
import { insertSuite } from "./insert-suite.js";
import { migrationSuite } from "./migration-suite.js";
import { executorSuite } from "./executor-suite.js";
import { profileSuite } from "./profile-suite.js";
import { hashSuite } from "./hash-suite.js";
import { readSuite } from "./read-suite.js";
import { archiveSuite } from "./archive-suite.js";
import { fidelitySuite } from "./fidelity-suite.js";
import { peersSuite } from "./peers.js";
import { renderResults } from "./results-markdown.js";

const SUITES = {
  hash: hashSuite, insert: insertSuite, read: readSuite, archive: archiveSuite, migration: migrationSuite, executor: executorSuite, profile: profileSuite, fidelity: fidelitySuite, peers: peersSuite,
} as const;

export interface SuiteContext {
  readonly quick: boolean;
  readonly log: (line: string) => void;
}

/** What each suite measures, for --help. */
const SUITE_TEXT: Record<keyof typeof SUITES, string> = {
  hash: "row hash, scalar and columnar; the verification's whole-row hash, WebAssembly against JavaScript",
  insert: "insert, insert-select (AMP-local, redistributing, into a UPI), durable insert and open",
  read: "all-AMP scans, WHERE scans, PI lookup",
  archive: "archive encode/decode, CRC, and each transfer medium alone",
  migration: "end-to-end migrations over each medium, peak RSS, scaling in rows and AMPs",
  executor: "inline vs pool: kernels, a migration, and what a second thread gives this machine",
  profile: "where a migration's time goes (CPU profile by kind of work)",
  fidelity: "measured vs simulated time, analytic mode",
  peers: "DuckDB, the hand-written reference (buffers reused and new), the naive baseline, the memory-copy limit",
};

const HELP = `usage: npm run bench -- [--quick] [--only SUITE,…] [--out DIR]

  --quick        smaller tables and fewer runs: about a minute (1M-row migrations)
  --only SUITES  run only these suites, comma-separated (default: all, in this order):
${Object.entries(SUITE_TEXT).map(([name, what]) => `                   ${name.padEnd(10)} ${what}`).join("\n")}
  --out DIR      write results.json and RESULTS.md into DIR (made if missing) instead of bench/
  --help         this text`;

/** bench/, and the project's root above it. */
const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(BENCH_DIR);

/** A mistake in the command line: one line on stderr, exit code 2 (as the ampsim CLI). */
class UsageError extends Error {}

function options(): { quick: boolean; only: string[]; out: string } | "help" {
  let values: { quick?: boolean; only?: string; out?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ options: { quick: { type: "boolean" }, only: { type: "string" }, out: { type: "string" }, help: { type: "boolean", short: "h" } }, strict: true }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message} (usage: npm run bench -- [--quick] [--only ${Object.keys(SUITES).join(",")}] [--out DIR]; --help for more)`);
  }
  if (values.help) return "help";
  const only = values.only !== undefined ? values.only.split(",").map((name) => name.trim()).filter((name) => name !== "") : Object.keys(SUITES);
  const unknown = only.filter((name) => !Object.hasOwn(SUITES, name));
  if (unknown.length > 0 || only.length === 0) throw new UsageError(`--only: unknown suite(s) ${JSON.stringify(unknown.join(",") || values.only)}; the suites are ${Object.keys(SUITES).join(", ")}`);
  const duplicated = only.filter((name, i) => only.indexOf(name) !== i);
  if (duplicated.length > 0) throw new UsageError(`--only: suite(s) named twice: ${[...new Set(duplicated)].join(", ")}`);
  return { quick: values.quick === true, only, out: outDirectory(values.out) };
}

/** The directory results go to, checked (and made) before any suite runs: a long run must not fail at its end. */
function outDirectory(out: string | undefined): string {
  const dir = out === undefined ? BENCH_DIR : path.resolve(out);
  if (out !== undefined && out.trim() === "") throw new UsageError("--out: an empty path");
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (error) {
    throw new UsageError(`--out ${dir}: not a directory results can be written to (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return dir;
}

/** The peer DuckDB, installed without saving it (not a dependency) the first time a run needs it. */
const DUCKDB = "@duckdb/node-api@1.5.6-r.1";

function ensureDuckDB(): void {
  if (fs.existsSync(path.join(ROOT, "node_modules/@duckdb/node-api/package.json"))) return;
  console.log(`installing ${DUCKDB} for the peers suite (npm install --no-save; it needs the npm registry once)`);
  const installed = spawnSync("npm", ["install", "--no-save", "--no-audit", "--no-fund", DUCKDB], { cwd: ROOT, stdio: "inherit" });
  if (installed.status !== 0) {
    throw new UsageError(`could not install ${DUCKDB} for the peers suite (${installed.error?.message ?? `npm exited ${installed.status}`}); run the other suites with --only, or install it by hand`);
  }
}

async function main(): Promise<void> {
  const parsed = options();
  if (parsed === "help") { console.log(HELP); return; }
  const { quick, only, out } = parsed;
  if (only.includes("peers")) ensureDuckDB();
  const context: SuiteContext = { quick, log: (line) => console.log(line) };
  const results: Measurement[] = [];
  const started = Date.now();
  for (const name of only) {
    console.log(`\n== ${name} ==`);
    results.push(...(await SUITES[name as keyof typeof SUITES](context)));
  }
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`;
  const report = { command, date: new Date().toISOString(), quick, machine: machine(), elapsedSeconds: (Date.now() - started) / 1000, results };
  fs.writeFileSync(path.join(out, "results.json"), `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(path.join(out, "RESULTS.md"), renderResults(report));
  const relative = path.relative(process.cwd(), out);
  const shown = relative.startsWith("..") ? out : relative || ".";
  console.log(`\nwrote ${path.join(shown, "results.json")} and ${path.join(shown, "RESULTS.md")} (${report.elapsedSeconds.toFixed(0)} s)`);
}

try {
  await main();
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`npm run bench: ${error.message}`);
  process.exitCode = 2;
}
