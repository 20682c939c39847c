/**
 * `npm run bench [-- --quick] [-- --only insert,read]`: the benchmark suites (hash, insert,
 * read, archive, migration, executor, profile, fidelity, peers).
 * Writes bench/results.json and bench/RESULTS.md. Every ratio is measured side by
 * side in the same run (this machine's speed drifts by up to 2× over minutes).
 */
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

/** A mistake in the command line: one line on stderr, exit code 2 (as the ampsim CLI). */
class UsageError extends Error {}

function options(): { quick: boolean; only: string[] } {
  let values: { quick?: boolean; only?: string };
  try {
    ({ values } = parseArgs({ options: { quick: { type: "boolean" }, only: { type: "string" } }, strict: true }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message} (usage: npm run bench -- [--quick] [--only ${Object.keys(SUITES).join(",")}])`);
  }
  const only = values.only !== undefined ? values.only.split(",").map((name) => name.trim()).filter((name) => name !== "") : Object.keys(SUITES);
  const unknown = only.filter((name) => !Object.hasOwn(SUITES, name));
  if (unknown.length > 0 || only.length === 0) throw new UsageError(`--only: unknown suite(s) ${JSON.stringify(unknown.join(",") || values.only)}; the suites are ${Object.keys(SUITES).join(", ")}`);
  return { quick: values.quick === true, only };
}

async function main(): Promise<void> {
  const { quick, only } = options();
  const context: SuiteContext = { quick, log: (line) => console.log(line) };
  const results: Measurement[] = [];
  const started = Date.now();
  for (const name of only) {
    console.log(`\n== ${name} ==`);
    results.push(...(await SUITES[name as keyof typeof SUITES](context)));
  }
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`;
  const report = { command, date: new Date().toISOString(), quick, machine: machine(), elapsedSeconds: (Date.now() - started) / 1000, results };
  const dir = path.dirname(fileURLToPath(import.meta.url));
  fs.writeFileSync(path.join(dir, "results.json"), `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(path.join(dir, "RESULTS.md"), renderResults(report));
  console.log(`\nwrote bench/results.json and bench/RESULTS.md (${report.elapsedSeconds.toFixed(0)} s)`);
}

try {
  await main();
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`npm run bench: ${error.message}`);
  process.exitCode = 2;
}
