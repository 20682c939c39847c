/**
 * `npm run bench [-- --quick] [-- --only insert,read]`: the benchmark suites (hash, insert,
 * read, archive, migration, fidelity, peers).
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

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { quick: { type: "boolean" }, only: { type: "string" } }, strict: true });
  const quick = values.quick === true;
  const only = values.only ? values.only.split(",") : Object.keys(SUITES);
  const unknown = only.filter((name) => !(name in SUITES));
  if (unknown.length > 0) throw new Error(`unknown suite(s) ${unknown.join(", ")}; suites: ${Object.keys(SUITES).join(", ")}`);
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

await main();
