/**
 * kill -9: a child process (fixtures/durable-child.ts) runs a seeded sequence of
 * committing statements on a durable engine and prints "committed N" after each;
 * the parent SIGKILLs it at seeded random moments (after a random number of
 * commits plus a random delay, so most kills land inside a statement or its
 * commit). After each kill `Engine.open` must show exactly the state after some
 * committed prefix of at least the last N printed: an in-memory replay of that
 * prefix gives every table's rows with their row IDs. Each round's child
 * continues from the reopened state.
 *
 * Replay a seed: DURABLE_CRASH_SEED=<seed> npx vitest run test/engine/durable-crash.test.ts
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { crc32 } from "node:zlib";
import { afterAll, expect, it } from "vitest";
import { Engine, rowsOf } from "../../engine/index.js";
import { Prng } from "../../sim/prng.js";
import { removeTempDirs, tempDir } from "../helpers/fixtures.js";
import { SETUP_SQL, STEPS_TOTAL, committedSteps, stepSql } from "./fixtures/durable-steps.js";

afterAll(removeTempDirs);

const SEED = process.env.DURABLE_CRASH_SEED ?? "durable-crash-1";
const ROUNDS = 6;
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const CHILD = path.join(HERE, "fixtures", "durable-child.ts");

interface ChildRun {
  /** The last "committed N" the child printed (or the N of "opened N" before its first commit). */
  readonly lastCommitted: number;
  readonly finished: boolean;
  readonly stderr: string;
}

/** Runs the child until it has printed `commits` commits, waits `delayMs`, then SIGKILLs it (unless it finished). */
function runChild(dir: string, commits: number, delayMs: number): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", CHILD, dir, SEED, String(STEPS_TOTAL)], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = ""; let stderr = ""; let seen = 0; let lastCommitted = 0; let armed = false;
    const guard = setTimeout(() => { child.kill("SIGKILL"); reject(new Error(`the child did not finish or get killed within 20 s; stderr: ${stderr}`)); }, 20_000);
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const lines = out.split("\n");
      out = lines.pop()!;
      for (const line of lines) {
        const opened = /^opened (\d+)$/.exec(line);
        const committed = /^committed (\d+)$/.exec(line);
        if (opened) lastCommitted = Number(opened[1]);
        if (committed) { lastCommitted = Number(committed[1]); seen++; }
        if ((committed || opened) && seen >= commits && !armed) {
          armed = true;
          setTimeout(() => child.kill("SIGKILL"), delayMs);
        }
      }
    });
    child.stderr.on("data", (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(guard);
      if (signal !== "SIGKILL" && code !== 0) reject(new Error(`the child exited with code ${code}: ${stderr}`));
      else resolve({ lastCommitted, finished: code === 0, stderr });
    });
  });
}

function fileCount(dir: string): number {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).length;
}

/** Per table: row counts per AMP and a CRC of every row with its ID. */
function fingerprint(engine: Engine): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of engine.allTables()) {
    const text = JSON.stringify(rowsOf(engine.scan(name, { rowIds: true })), (_key, value: unknown) => (typeof value === "bigint" ? `${value}n` : value));
    out[name] = `${engine.ampRowCounts(name).join(",")} crc ${crc32(text)}`;
  }
  return out;
}

it(`keeps exactly a committed prefix when killed with SIGKILL (seed ${SEED})`, async () => {
  const prng = new Prng(SEED);
  const dir = path.join(tempDir("ampsim-crash"), "sys");
  new Engine({ amps: 4, dir }).sql(SETUP_SQL);
  const replay = new Engine({ amps: 4 });
  replay.sql(SETUP_SQL);
  let replayed = 0;
  const log: string[] = [];
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      const commits = prng.int(0, 4); const delayMs = prng.int(0, 60);
      const run = await runChild(dir, commits, delayMs);
      const filesBefore = fileCount(dir);
      const engine = Engine.open(dir);
      const committed = committedSteps(engine);
      const garbage = filesBefore - fileCount(dir);
      log.push(`round ${round}: kill after ${commits} commits + ${delayMs} ms; child printed ${run.lastCommitted}, open shows ${committed}, deleted ${garbage} files of an unfinished commit`);
      expect(committed, "the reopened system lost a statement the child reported committed").toBeGreaterThanOrEqual(run.lastCommitted);
      while (replayed < committed) replay.sql(stepSql(SEED, ++replayed));
      expect(fingerprint(engine), `state after ${committed} steps`).toEqual(fingerprint(replay));
      if (run.finished) break;
    }
  } catch (error) {
    console.error(`${log.join("\n")}\nkill -9 test failed with seed ${SEED}; replay: DURABLE_CRASH_SEED=${SEED} npx vitest run test/engine/durable-crash.test.ts`);
    throw error;
  }
}, 60_000);
