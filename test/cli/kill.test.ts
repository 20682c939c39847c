/**
 * The real-process test: the CLI migrates between two durable engines on disk
 * with a checkpoint; the test sends SIGKILL at seeded random moments (several
 * times), resumes each time, and verifies. AMPSIM_SEED=<n> replays a seed.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, it } from "vitest";
import { Engine } from "../../engine/index.js";
import { CHECKPOINT_FILE, readChecksums } from "../../migrator/index.js";
import { checkInvariant, loadScenario, Prng, replayHint, scenario } from "../../sim/index.js";

const seed = Number(process.env.AMPSIM_SEED ?? 11);

function run(args: readonly string[], killAfterMs: number | null): Promise<{ code: number | null; killed: boolean; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.resolve("bin/ampsim.js"), ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => { output += chunk; });
    child.stderr.on("data", (chunk) => { output += chunk; });
    const timer = killAfterMs === null ? null : setTimeout(() => child.kill("SIGKILL"), killAfterMs);
    child.on("exit", (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, killed: signal === "SIGKILL", output });
    });
  });
}

it("the CLI survives SIGKILL between durable engines, resumes from its checkpoint and verifies", async () => {
  const prng = new Prng(`kill/${seed}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ampsim-kill-"));
  const [sourceDir, targetDir, checkpointDir] = ["source", "target", "checkpoint"].map((d) => path.join(dir, d));
  const hint = replayHint(seed, "npx vitest run test/cli/kill.test.ts");
  try {
    const prepared = new Engine({ name: "source", amps: 4, dir: sourceDir });
    loadScenario(prepared, scenario("orders", { rows: 150_000, seed }));
    const args = ["migrate", "--source-dir", sourceDir, "--target-dir", targetDir, "--checkpoint-dir", checkpointDir,
      "--target-amps", "6", "--streams", "2", "--batch-rows", "1500", "--no-progress"];
    let kills = 0; let finished = false; const log: string[] = [];
    for (let round = 0; round < 12 && !finished; round++) {
      const resume = fs.existsSync(path.join(checkpointDir, CHECKPOINT_FILE));
      // Killed after the run removed its checkpoint (its last step) but before it printed its report: the migration
      // finished; the checks below prove it. A fresh run now would rightly refuse with TABLE_EXISTS.
      if (!resume && kills > 0 && fs.existsSync(path.join(targetDir, "CURRENT")) && Engine.open(targetDir).tables().length > 0) {
        log.push(`round ${round}: no checkpoint left, so the killed run had finished`);
        finished = true;
        break;
      }
      // Killed before the checkpoint existed: nothing was migrated; a target system killed while being created is started afresh.
      if (!resume && fs.existsSync(targetDir) && !fs.existsSync(path.join(targetDir, "CURRENT"))) fs.rmSync(targetDir, { recursive: true, force: true });
      const killAfterMs = kills < 4 ? prng.int(500, 3000) : null;
      const result = await run(resume ? [...args, "--resume"] : args, killAfterMs);
      log.push(`round ${round}: ${resume ? "resume" : "fresh"}, kill after ${killAfterMs} ms → ${result.killed ? "killed" : `exit ${result.code}`}`);
      if (result.killed) { kills++; continue; }
      expect(result.code, `${log.join("\n")}\n${result.output}\n${hint}`).toBe(0);
      expect(result.output).toContain("Verification: all 1 table(s) match");
      finished = true;
    }
    expect(finished, `${log.join("\n")}\n${hint}`).toBe(true);
    expect(kills, log.join("\n")).toBeGreaterThanOrEqual(1);
    const source = Engine.open(sourceDir);
    const target = Engine.open(targetDir);
    const before = source.tables().map((t) => readChecksums(source, t, 16, "test"));
    expect(checkInvariant(source, target, source.tables(), before), `${log.join("\n")}\n${hint}`).toBeNull();
    expect(target.allTables().filter((t) => t.startsWith('"$staging"'))).toEqual([]);
    expect(fs.existsSync(path.join(checkpointDir, CHECKPOINT_FILE))).toBe(false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 240_000);
