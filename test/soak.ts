/**
 * `npm run soak -- --seeds 10000 [--from 1]`: the deterministic simulation test
 * over many more seeds than `npm test` runs. Prints every failing seed with its
 * options and a one-line replay command; exits 1 if any failed.
 */
import { integerOption, parseOptions, UsageError } from "../cli/options.js";
import { describeFailure, faultCase, runFaultCase } from "../sim/index.js";

const USAGE = `Usage: npm run soak -- [--seeds N] [--from FIRST]

Runs the deterministic simulation test (migrations with injected faults, crashed
and resumed until done, then checked) over N seeds from FIRST; prints every
failing seed with its options and a one-line replay command, and exits 1 if any
failed.

  --seeds N      how many seeds (default 10000)
  --from FIRST   the first seed (default 1)
  --help         this text`;

/** The options, parsed as the CLI parses its own: a bad one is one line on stderr and exit 2, not a stack trace. */
function soakOptions(args: readonly string[]): { total: number; from: number } {
  try {
    const values = parseOptions(args, { seeds: { type: "string" }, from: { type: "string" }, help: { type: "boolean", short: "h" } });
    if (values.help) {
      console.log(USAGE);
      process.exit(0);
    }
    return { total: integerOption(values.seeds, "seeds", 10_000, 1), from: integerOption(values.from, "from", 1, -Number.MAX_SAFE_INTEGER) };
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`soak: ${error.message} (usage: npm run soak -- --seeds N [--from FIRST]; --help for more)`);
    process.exit(2);
  }
}

const { total, from } = soakOptions(process.argv.slice(2));
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
