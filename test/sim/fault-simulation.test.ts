/**
 * The deterministic simulation test: for many seeds, a random scenario,
 * configuration and fault plan; migrate, crash or break, resume (possibly
 * several times), then check the invariant. AMPSIM_SEED=<n> replays one seed;
 * AMPSIM_SEEDS=<count> changes how many run (`npm run soak -- --seeds 10000` runs more).
 */
import { describe, expect, it } from "vitest";
import { describeFailure, faultCase, FaultPlan, Prng, runFaultCase } from "../../sim/index.js";

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

describe("FaultPlan", () => {
  it("with `at` alone fires only the chosen faults; with `at` and a rate, random ones too", () => {
    const site = (batch: number) => ({ point: "archive.batch" as const, table: "t", stream: 0, batch });
    const fired = (plan: FaultPlan) => {
      const at: number[] = [];
      for (let batch = 0; batch < 400; batch++) {
        try { void plan.at(site(batch)); } catch { at.push(batch); }
      }
      return at;
    };
    expect(fired(new FaultPlan(5, { at: [{ point: "archive.batch", visit: 300, kind: "crash" }] }))).toEqual([299]);
    const withRate = fired(new FaultPlan(5, { at: [{ point: "archive.batch", visit: 300, kind: "crash" }], rate: { numerator: 1, denominator: 2 }, kinds: ["crash"], maxFaults: 400 }));
    expect(withRate.length).toBeGreaterThan(50);
    expect(withRate).toContain(299);
    // Options that shape random faults keep the default rate of 1 in 20.
    const shaped = fired(new FaultPlan(5, { at: [{ point: "archive.batch", visit: 300, kind: "crash" }], kinds: ["crash"], maxFaults: 400 }));
    expect(shaped.length).toBeGreaterThan(5);
    expect(shaped.length).toBeLessThan(60);
  });

  it("refuses bad options with BAD_CONFIG naming them", () => {
    const bad = (make: () => unknown, ...mentions: string[]) => {
      let error: unknown;
      try { make(); } catch (e) { error = e; }
      expect(String(error)).toMatch(/^AmpsimError: BAD_CONFIG: /);
      for (const m of mentions) expect(String(error)).toContain(m);
    };
    bad(() => new FaultPlan(Number.NaN), "seed");
    bad(() => new FaultPlan(1, { kinds: ["explode" as never] }), "kinds", '"explode"');
    bad(() => new FaultPlan(1, { kinds: [] }), "kinds");
    bad(() => new FaultPlan(1, { kinds: "crash" as never }), "kinds must be a list");
    bad(() => new FaultPlan(1, { points: "cleanup" as never }), "points must be a list");
    bad(() => new FaultPlan(1, { at: { point: "cleanup", visit: 1, kind: "crash" } as never }), "at must be a list");
    for (const maxFaults of [-1, 1.5, Number.NaN]) bad(() => new FaultPlan(1, { maxFaults }), "maxFaults");
    bad(() => new FaultPlan(1, { at: [{ point: "nowhere" as never, visit: 1, kind: "crash" }] }), "at[0]", '"nowhere"');
    bad(() => new FaultPlan(1, { at: [{ point: "archive.batch", visit: 0, kind: "crash" }] }), "at[0]", "visit 0");
    bad(() => new FaultPlan(1, { at: [{ point: "archive.batch", visit: 1, kind: "explode" as never }] }), "at[0]", '"explode"');
    bad(() => new FaultPlan(1, { rate: 0.5 as never }), "{ numerator, denominator }", "found 0.5");
    bad(() => new FaultPlan(1, { rates: { numerator: 1, denominator: 2 } } as never), "FaultPlan options has no option rates (did you mean rate?)");
    bad(() => new FaultPlan(1, { rate: { numerator: 3, denominator: 2 } }), "found 3/2");
    bad(() => new FaultPlan(1, { rate: { numerator: 0.5, denominator: 2 } }), "found 0.5/2");
  });

  it("decides each site by the seed and the site alone: the order in which streams reach their sites does not matter", () => {
    const sites = Array.from({ length: 3 }, (_, stream) => Array.from({ length: 40 }, (_, batch) => ({ point: "archive.batch" as const, table: "t", stream, batch }))).flat();
    const fired = (order: typeof sites) => {
      const plan = new FaultPlan(11, { rate: { numerator: 1, denominator: 8 }, kinds: ["delay"], maxFaults: 1000 });
      for (const site of order) void plan.at(site);
      return plan.injected.map((f) => `${f.stream}/${f.batch}`).sort();
    };
    const inOrder = fired(sites);
    expect(inOrder.length).toBeGreaterThan(0);
    const shuffled = [...sites];
    const prng = new Prng("shuffle");
    for (let i = shuffled.length - 1; i > 0; i--) { const j = prng.int(0, i); [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]]; }
    expect(fired(shuffled)).toEqual(inOrder);
    expect(fired([...sites].reverse())).toEqual(inOrder);
  });
});
