/**
 * Parsing command-line options into typed values with clear usage errors.
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";

export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** An output file (--report, --svg) that could not be written once the work was done: one line, exit 1. */
export class OutputFileError extends Error {
  override readonly name = "OutputFileError";
}

export type OptionSpec = NonNullable<ParseArgsConfig["options"]>;

/** parseArgs with one-line usage errors instead of TypeErrors; no positionals allowed. */
export function parseOptions(args: readonly string[], options: OptionSpec): Record<string, string | boolean | undefined> {
  try {
    const { values } = parseArgs({ args: joinDashValues(args, options), options, strict: true, allowPositionals: false });
    return values as Record<string, string | boolean | undefined>;
  } catch (error) {
    // parseArgs' messages run over several lines and suggest syntax ("use '--rows=-XYZ'"): keep the first sentence.
    throw new UsageError(error instanceof Error ? error.message.split("\n")[0].replace(/\. To specify.*$/, "") : String(error));
  }
}

/**
 * `--rows -5` as `--rows=-5`, so the option's own check says what it takes; parseArgs would call the value
 * ambiguous. An option followed by another option (`--rows --json`) needs a value: a usage error naming both.
 */
function joinDashValues(args: readonly string[], options: OptionSpec): string[] {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = /^--([^=]+)$/.exec(args[i])?.[1];
    const next = args[i + 1];
    if (name === undefined || options[name]?.type !== "string" || (next !== undefined && !next.startsWith("-"))) { joined.push(args[i]); continue; }
    if (next === undefined) throw new UsageError(`--${name} needs a value`);
    if (!/^-[\d.]/.test(next)) throw new UsageError(`--${name} needs a value, but the next argument is the option '${next}'`);
    joined.push(`--${name}=${next}`);
    i++;
  }
  return joined;
}

/**
 * The most rows --rows takes (migrate, demo, compare): every row is built in memory, several times over
 * (source, staging, target; the demo scenario adds 2/3 as many events). 5e7 rows of the widest scenario
 * (dimension) peaked at 15 GiB on a 24 GiB machine; larger questions are for `ampsim simulate`.
 */
export const ROWS_MAX = 50_000_000;

/** Decimal digits, optionally grouped with '_' and with an exponent: 250000, 250_000, 2.5e5, 1e6. */
const DECIMAL = /^-?\d+(?:_\d+)*(?:\.\d+)?(?:e\+?\d+)?$/i;

/**
 * An integer option, written in decimal, also like 1e6, 2.5e5 or 1_000_000. Number() alone would read
 * '' and ' ' as 0 and 0x10 as 16.
 */
export function integerOption(value: string | boolean | undefined, name: string, fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  const n = typeof value === "string" && DECIMAL.test(value) ? Number(value.replaceAll("_", "")) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer in ${min}..${max}, but found '${String(value)}'`);
  return n;
}

export function choiceOption<T extends string>(value: string | boolean | undefined, name: string, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value === "string" && (choices as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${name} must be one of ${choices.join(", ")}, but found '${String(value)}'`);
}

/** Clusters written as "0,1;2,3" (AMP lists separated by ';'). */
export function clustersOption(value: string | boolean | undefined): number[][] | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !/^\d+(,\d+)*(;\d+(,\d+)*)*$/.test(value)) {
    throw new UsageError(`--clusters must look like "0,1;2,3" (source AMPs of each stream, streams separated by ';'), but found '${String(value)}'`);
  }
  const clusters = value.split(";").map((part) => part.split(",").map(Number));
  const amps = clusters.flat();
  const twice = amps.find((amp, i) => amps.indexOf(amp) !== i);
  if (twice !== undefined) throw new UsageError(`--clusters lists AMP ${twice} twice in '${value}': every source AMP belongs to exactly one stream`);
  return clusters;
}

/**
 * An output file option (--report, --svg) is checked before anything runs: a name, not ending in '/', whose
 * directory exists and is writable, and that is not a directory or a file this process cannot write.
 */
export function checkReportPath(file: string | boolean | undefined, flag = "--report"): void {
  if (typeof file !== "string") return;
  if (file.trim() === "") throw new UsageError(`${flag} needs a file name, but found '${file}'`);
  if (/[\\/]$/.test(file)) throw new UsageError(`${flag} ${file}: names a directory (it ends with '/'), not a file`);
  const dir = path.dirname(path.resolve(file));
  if (!fs.existsSync(dir)) throw new UsageError(`${flag} ${file}: the directory ${dir} does not exist`);
  if (!fs.statSync(dir).isDirectory()) throw new UsageError(`${flag} ${file}: ${dir} is a file, not a directory`);
  try { fs.accessSync(dir, fs.constants.W_OK); } catch { throw new UsageError(`${flag} ${file}: the directory ${dir} is not writable`); }
  if (!fs.existsSync(file)) return;
  if (fs.statSync(file).isDirectory()) throw new UsageError(`${flag} ${file}: is a directory, not a file`);
  try { fs.accessSync(file, fs.constants.W_OK); } catch { throw new UsageError(`${flag} ${file}: the file is not writable`); }
}

/**
 * A directory option (--source-dir, --target-dir, --checkpoint-dir, --dir) is checked before anything is made:
 * a directory, or a path that can become one (its nearest existing parent is a directory), writable either way.
 */
export function checkDirectoryOption(dir: string | boolean | undefined, flag: string): void {
  if (typeof dir !== "string") return;
  if (dir.trim() === "") throw new UsageError(`${flag} needs a directory, but found '${dir}'`);
  let existing = path.resolve(dir);
  while (!fs.existsSync(existing)) existing = path.dirname(existing); // a path under a file does not exist either
  const under = existing === path.resolve(dir) ? "" : ` ${existing}`;
  if (!fs.statSync(existing).isDirectory()) throw new UsageError(`${flag} ${dir}:${under} is a file, not a directory`);
  try { fs.accessSync(existing, fs.constants.W_OK); } catch { throw new UsageError(`${flag} ${dir}:${under} is not writable`); }
}

/** Writes an output file checked by checkReportPath; a write that still fails (a full disk) is one line naming the flag, not a stack. */
export function writeOutputFile(flag: string, file: string, what: string, text: string): void {
  try {
    fs.writeFileSync(file, text);
  } catch (error) {
    throw new OutputFileError(`${flag} ${file}: the ${what} could not be written (${(error as Error).message})`, { cause: error });
  }
}
