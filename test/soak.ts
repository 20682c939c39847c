/**
 * `npm run soak -- --seeds 10000 [--from 1]`: the deterministic simulation test
 * over many more seeds than `npm test` runs. Prints every failing seed with its
 * options and a one-line replay command; exits 1 if any failed.
 */
import { parseArgs } from "node:util";
import { describeFailure, faultCase, runFaultCase } from "../sim/index.js";

const { values } = parseArgs({ options: { seeds: { type: "string" }, from: { type: "string" } }, strict: true });
const total = Number(values.seeds ?? 10_000);
const from = Number(values.from ?? 1);
if (!Number.isInteger(total) || total < 1 || !Number.isInteger(from)) {
  console.error("usage: npm run soak -- --seeds N [--from FIRST]");
  process.exit(2);
}
const started = performance.now();
let failures = 0; let faults = 0; let attempts = 0;
for (let seed = from; seed < from + total; seed++) {
  const result = await runFaultCase(faultCase(seed));
  faults += result.faults.length; attempts += result.attempts;
  if (result.failure) { failures++; console.log(describeFailure(result)); }
  if ((seed - from + 1) % 500 === 0) console.log(`${seed - from + 1}/${total} seeds, ${failures} failed, ${faults} faults injected, ${((performance.now() - started) / 1000).toFixed(0)} s`);
}
console.log(`${total} seeds from ${from}: ${failures} failed; ${faults} faults injected over ${attempts} attempts in ${((performance.now() - started) / 1000).toFixed(0)} s`);
process.exit(failures > 0 ? 1 : 0);
