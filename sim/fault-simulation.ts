/**
 * The deterministic simulation of crashes and resumes: for a seed, a random
 * scenario, configuration and fault plan; migrate with a checkpoint, and after
 * every injected crash or broken medium resume (possibly several times); then
 * check the invariant — the target's rows equal the source's, every row sits on
 * the AMP its hash assigns, no staging table is left, the source is unchanged.
 * A failing seed prints itself, its options and a one-line replay command.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Engine, HashMap, isAmpsimError } from "../engine/index.js";
import { InjectedCrash, migrate, readChecksums, type StagingLayout } from "../migrator/index.js";
import { checkInvariant } from "./compare.js";
import { FaultPlan, type InjectedFault } from "./fault-plan.js";
import { Prng } from "./prng.js";
import { loadScenario, scenario, type ScenarioName } from "./scenarios.js";

export interface FaultCase {
  readonly seed: number;
  readonly scenario: ScenarioName;
  readonly rows: number;
  readonly sourceAmps: number;
  readonly targetAmps: number;
  readonly hashBits: number;
  readonly rebalanced: boolean;
  readonly streams: number;
  readonly medium: "memory" | "pipe" | "network" | "storage";
  readonly parallelTables: boolean;
  /** The target already holds the first table (with other rows), replaced by the migration. */
  readonly replace: boolean;
  readonly staging: StagingLayout;
  readonly batchRows: number;
  /** Fault rate denominator: a fault point fires one visit in this many. */
  readonly faultEvery: number;
}

export interface FaultCaseResult {
  readonly case: FaultCase;
  readonly attempts: number;
  readonly faults: readonly InjectedFault[];
  /** Null when the invariant holds. */
  readonly failure: string | null;
}

const SCENARIOS: readonly ScenarioName[] = ["orders", "events", "dimension", "uniform", "skewed"];
const ATTEMPTS_MAX = 8;

/** The random case of a seed. */
export function faultCase(seed: number): FaultCase {
  const prng = new Prng(`fault-case/${seed}`);
  const sourceAmps = prng.int(1, 6);
  const hashBits = prng.pick([8, 12, 16]);
  return {
    seed, scenario: prng.pick(SCENARIOS), rows: prng.int(0, 1500), sourceAmps, targetAmps: prng.int(1, 7), hashBits, rebalanced: prng.chance(1, 3),
    streams: prng.int(1, Math.min(3, sourceAmps)), medium: prng.pick(["memory", "memory", "memory", "pipe", "network", "storage"] as const), staging: prng.pick(["hashed", "nopi"] as const),
    parallelTables: prng.chance(1, 3), replace: prng.chance(1, 4),
    batchRows: prng.int(40, 400), faultEvery: prng.int(3, 30),
  };
}

export function replayCommand(seed: number): string {
  return `AMPSIM_SEED=${seed} npx vitest run test/sim/fault-simulation.test.ts`;
}

/** Runs one case to completion through crashes and resumes; returns what happened. */
export async function runFaultCase(c: FaultCase): Promise<FaultCaseResult> {
  const source = new Engine({ name: "source", amps: c.sourceAmps, hashBits: c.hashBits });
  const data = scenario(c.scenario, { rows: c.rows, seed: c.seed });
  loadScenario(source, data);
  const targetMap = c.rebalanced ? HashMap.rebalance(source.hashMap, c.targetAmps) : undefined;
  const target = new Engine({ name: "target", amps: c.targetAmps, hashBits: c.hashBits, hashMap: targetMap });
  const tables = data.tables.map((t) => t.name);
  const before = tables.map((t) => readChecksums(source, t, Math.min(c.hashBits, 16), "harness"));
  if (c.replace) occupy(target, data, c.seed);
  const checkpointDir = fs.mkdtempSync(path.join(os.tmpdir(), `ampsim-fault-${c.seed}-`));
  const faults: InjectedFault[] = [];
  try {
    let attempts = 0;
    for (let done = false; !done; ) {
      attempts++;
      if (attempts > ATTEMPTS_MAX) return { case: c, attempts, faults, failure: `still failing after ${ATTEMPTS_MAX} attempts` };
      const plan = attempts < ATTEMPTS_MAX ? new FaultPlan(`${c.seed}/${attempts}`, { rate: { numerator: 1, denominator: c.faultEvery }, maxFaults: 2 }) : undefined;
      try {
        const medium = c.medium === "storage" ? { kind: "storage" as const, dir: path.join(checkpointDir, "archive") } : c.medium;
        await migrate({
          source, target, streams: c.streams, medium, staging: c.staging, batchRows: c.batchRows, parallelTables: c.parallelTables,
          ifExists: c.replace ? "replace" : "fail", checkpointDir, resume: attempts > 1, faults: plan,
        });
        done = true;
      } catch (error) {
        if (process.env.AMPSIM_DEBUG) console.error(`attempt ${attempts}:`, error instanceof Error ? error.message : error);
        if (!(error instanceof InjectedCrash) && !isAmpsimError(error, "MEDIUM_FAILED") && !isAmpsimError(error, "ARCHIVE_CORRUPT")) {
          return { case: c, attempts, faults, failure: `unexpected error on attempt ${attempts}: ${error instanceof Error ? error.message : String(error)}` };
        }
      } finally {
        if (plan) faults.push(...plan.injected);
      }
    }
    return { case: c, attempts, faults, failure: checkInvariant(source, target, tables, before) };
  } finally {
    fs.rmSync(checkpointDir, { recursive: true, force: true });
  }
}

/** One line a failing seed prints. */
export function describeFailure(result: FaultCaseResult): string {
  return `seed ${result.case.seed} failed: ${result.failure}\n  options: ${JSON.stringify(result.case)}\n  faults: ${JSON.stringify(result.faults)}\n  replay: ${replayCommand(result.case.seed)}`;
}

/** ifExists "replace" cases: the target holds the first table already, with rows of another seed. */
function occupy(target: Engine, data: ReturnType<typeof scenario>, seed: number): void {
  const other = scenario(data.name as ScenarioName, { rows: 50, seed: seed + 1_000_000 });
  loadScenario(target, { ...other, tables: other.tables.slice(0, 1) });
}
