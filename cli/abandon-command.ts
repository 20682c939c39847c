/**
 * `ampsim abandon`: gives up a checkpointed migration that will not be resumed (the API's
 * abandonMigration): drops what the run left on its durable target — staging tables, the target
 * tables and databases it created whose insert-select never committed — and removes the checkpoint.
 */
import fs from "node:fs";
import path from "node:path";
import { AmpsimError, Engine, errorText } from "../engine/index.js";
import { abandonMigration, CHECKPOINT_FILE } from "../migrator/index.js";
import { parseOptions, UsageError, type OptionSpec } from "./options.js";

export const ABANDON_HELP = `Usage: ampsim abandon --checkpoint-dir DIR --target-dir DIR [options]

Gives up the interrupted migration whose checkpoint is in --checkpoint-dir,
instead of finishing it with 'ampsim migrate … --resume': drops the staging
tables it left on the target, and the target tables (and databases) it created
whose insert-select never committed, then removes the checkpoint. Tables the
target held before the run, and tables the run committed, stay.

  --checkpoint-dir DIR  where the interrupted migration kept its checkpoint
  --target-dir DIR      the durable target it wrote to (a target in memory ended
                        with its run: delete DIR/${CHECKPOINT_FILE} instead)
  --json                print what was dropped as JSON
  --help                this text

Example:
  ampsim abandon --checkpoint-dir ./ckpt --target-dir ./tgt`;

const OPTIONS: OptionSpec = {
  "checkpoint-dir": { type: "string" }, "target-dir": { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" },
};

interface Output { write(text: string): unknown }

/** The command that gives up the run checkpointed in `checkpointDir`, for messages that offer it. */
export function abandonHint(checkpointDir: string, targetDir: string | undefined): string {
  const command = `give it up with 'ampsim abandon --checkpoint-dir ${checkpointDir} --target-dir ${targetDir ?? "DIR"}'`;
  return targetDir !== undefined ? command : `${command}, DIR the durable target it wrote to (if that target was in memory, it ended with its run: delete ${path.join(checkpointDir, CHECKPOINT_FILE)})`;
}

export async function runAbandon(args: readonly string[], out: Output): Promise<number> {
  const values = parseOptions(args, OPTIONS);
  if (values.help) { out.write(`${ABANDON_HELP}\n`); return 0; }
  const checkpointDir = values["checkpoint-dir"];
  const targetDir = values["target-dir"];
  if (typeof checkpointDir !== "string" || checkpointDir === "") throw new UsageError("abandon needs --checkpoint-dir DIR, where the interrupted migration kept its checkpoint");
  if (typeof targetDir !== "string" || targetDir === "") throw new UsageError(`abandon needs --target-dir DIR, the durable target the migration wrote to (a target in memory ended with its run: delete ${path.join(checkpointDir, CHECKPOINT_FILE)} instead)`);
  if (!fs.existsSync(path.join(checkpointDir, CHECKPOINT_FILE))) {
    throw new UsageError(`--checkpoint-dir ${checkpointDir} holds no checkpoint (${CHECKPOINT_FILE}): a finished or abandoned migration removes it, so nothing is left to give up`);
  }
  if (!fs.existsSync(path.join(targetDir, "CURRENT"))) throw new UsageError(`--target-dir ${targetDir} holds no system: name the durable target the migration wrote to`);
  const target = Engine.open(targetDir);
  try {
    const { dropped } = abandonOrExplain(target, checkpointDir);
    out.write(values.json ? `${JSON.stringify({ kind: "abandoned-migration", checkpointDir, targetDir, dropped }, null, 2)}\n` : `${describeAbandoned(checkpointDir, targetDir, dropped)}\n`);
  } finally {
    await target.close();
  }
  return 0;
}

/** abandonMigration, whose checkpoint errors (shared with resuming) speak of abandoning. */
function abandonOrExplain(target: Engine, checkpointDir: string): { readonly dropped: string[] } {
  try {
    return abandonMigration({ target, checkpointDir });
  } catch (error) {
    if (!(error instanceof AmpsimError) || !errorText(error).startsWith("cannot resume: ")) throw error;
    throw new AmpsimError(error.code, errorText(error).replace(/^cannot resume: /, "cannot abandon: "), error.details, { cause: error });
  }
}

function describeAbandoned(checkpointDir: string, targetDir: string, dropped: readonly string[]): string {
  const what = dropped.length === 0 ? "nothing was left on the target to drop" : `dropped from the target in ${targetDir}:\n${dropped.map((name) => `  ${name}`).join("\n")}`;
  return `Abandoned the migration checkpointed in ${checkpointDir} (its checkpoint is removed); ${what}`;
}
