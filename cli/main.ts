/**
 * The `ampsim` command line: `demo`, `migrate`, `simulate`, `compare` and `abandon`, each with --help and --json.
 * Usage errors exit with code 2, operating errors (an AmpsimError) with code 1
 * and print `error CODE: message`. The report goes to stdout, progress to stderr.
 */
import { isAmpsimError } from "../engine/index.js";
import { runDemo, DEMO_HELP } from "./demo-command.js";
import { runMigrate, MIGRATE_HELP } from "./migrate-command.js";
import { runSimulate, SIMULATE_HELP } from "./simulate-command.js";
import { runCompare, COMPARE_HELP } from "./compare-command.js";
import { runAbandon, ABANDON_HELP } from "./abandon-command.js";
import { OutputFileError, UsageError } from "./options.js";
import { exitCodeAfter, GuardedOutput } from "./guarded-output.js";

export const MAIN_HELP = `ampsim — a simulator of a shared-nothing MPP database (Teradata style)
and a laboratory for migrating tables between differently configured systems.

Usage: ampsim <command> [options]

Commands:
  demo      migrate three tables (~1M rows) from a 4-AMP to a 6-AMP system
            over a pipe with 3 streams, with progress bars and a report
  migrate   migrate generated tables between two systems you describe
  simulate  predict a migration's phases on given hardware from sizes alone
            (thousands of AMPs, billions of rows)
  compare   run several migration strategies on the same scenarios and seeds
  abandon   give up an interrupted migration instead of resuming it: drop what
            it left on its durable target and remove its checkpoint
  help      show this text, or 'ampsim help <command>'

Run 'ampsim <command> --help' for the options of a command.`;

interface Output { write(text: string): unknown; isTTY?: boolean; columns?: number }

/** Runs the CLI with `args` (without node and script): the report on `out`, progress and errors on `err`; returns the exit code. */
export async function main(args: readonly string[], out: Output = process.stdout, err: Output = process.stderr): Promise<number> {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case undefined: case "help": case "--help": case "-h": {
        const text = rest[0] === undefined ? MAIN_HELP : helpFor(rest[0]);
        if (text === undefined) throw new UsageError(`unknown command '${rest[0]}' (commands: demo, migrate, simulate, compare, abandon)`);
        out.write(`${text}\n`);
        return 0;
      }
      case "demo": return await runDemo(rest, out, err);
      case "migrate": return await runMigrate(rest, out, err);
      case "simulate": return await runSimulate(rest, out);
      case "compare": return await runCompare(rest, out);
      case "abandon": return await runAbandon(rest, out);
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      err.write(`ampsim: ${error.message}\nRun 'ampsim ${command && command !== "help" && helpFor(command) ? `${command} ` : ""}--help' for usage.\n`);
      return 2;
    }
    if (isAmpsimError(error)) {
      err.write(`error ${error.message}\n`);
      return 1;
    }
    if (error instanceof OutputFileError) {
      err.write(`ampsim: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

function helpFor(command: string | undefined): string | undefined {
  if (command === "demo") return DEMO_HELP;
  if (command === "migrate") return MIGRATE_HELP;
  if (command === "simulate") return SIMULATE_HELP;
  if (command === "compare") return COMPARE_HELP;
  if (command === "abandon") return ABANDON_HELP;
  return undefined;
}

/**
 * Runs the CLI as the `ampsim` process (bin/ampsim.js) on stdout and stderr: a closed or failing
 * output never cuts a command short (see GuardedOutput); the exit code tells it was cut.
 *
 * @example process.exitCode = await runProcess(process.argv.slice(2)); // `ampsim migrate … | head -3` → 141
 */
export async function runProcess(args: readonly string[]): Promise<number> {
  const outputs = { out: new GuardedOutput(process.stdout), err: new GuardedOutput(process.stderr) };
  return await exitCodeAfter(await main(args, outputs.out, outputs.err), outputs);
}

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, "/"));
if (isMain) process.exitCode = await runProcess(process.argv.slice(2));
