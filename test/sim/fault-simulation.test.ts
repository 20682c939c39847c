/**
 * The deterministic simulation test: for many seeds, a random scenario,
 * configuration and fault plan; migrate, crash or break, resume (possibly
 * several times), then check the invariant. AMPSIM_SEED=<n> replays one seed;
 * AMPSIM_SEEDS=<count> changes how many run (`npm run soak -- --seeds 10000` runs more).
 */
import { expect, it } from "vitest";
import { describeFailure, faultCase, runFaultCase } from "../../sim/index.js";

const one = process.env.AMPSIM_SEED === undefined ? null : Number(process.env.AMPSIM_SEED);
const count = Number(process.env.AMPSIM_SEEDS ?? 200);
const seeds = one !== null ? [one] : Array.from({ length: count }, (_, i) => i + 1);

it(`${seeds.length} seeded runs with crashes, broken media and resumes keep the invariant`, async () => {
  const failures: string[] = [];
  let faults = 0; let resumed = 0;
  for (const seed of seeds) {
    const result = await runFaultCase(faultCase(seed));
    faults += result.faults.filter((f) => f.kind !== "delay").length;
    if (result.attempts > 1) resumed++;
    if (result.failure) failures.push(describeFailure(result));
  }
  if (failures.length > 0) console.error(failures.join("\n"));
  expect(failures, failures[0]).toEqual([]);
  if (one === null) {
    // The plans must really have fired: most runs are interrupted at least once.
    expect(faults).toBeGreaterThan(seeds.length / 2);
    expect(resumed).toBeGreaterThan(seeds.length / 3);
  }
}, 300_000);
