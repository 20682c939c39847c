/**
 * The seeded PRNG: determinism, independence of seeds and forks, exact bounds
 * of int/chance/pick/shuffle, and the seed helpers for tests.
 *
 * Seeded: AMPSIM_SEED=<n> replays a failure (the seed is printed when a test fails).
 */
import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import { AmpsimError } from "../../engine/index.js";
import { Prng, replayHint, seedFromEnv } from "../../sim/index.js";

const SEED = seedFromEnv("AMPSIM_SEED", 20_240_611);
const REPLAY = replayHint(SEED, "npx vitest run test/sim/prng.test.ts");

beforeEach((context) => {
  context.onTestFailed(() => console.error(REPLAY));
});

function draws(prng: Prng, count: number): number[] {
  return Array.from({ length: count }, () => prng.nextUint32());
}

function expectAmpsimError(action: () => unknown, code: string, fragment: string): void {
  let caught: unknown;
  try { action(); } catch (error) { caught = error; }
  expect(caught, REPLAY).toBeInstanceOf(AmpsimError);
  expect((caught as AmpsimError).code).toBe(code);
  expect((caught as AmpsimError).message).toContain(fragment);
}

describe("Prng: determinism", () => {
  it("gives the same sequence for the same seed, number or string", () => {
    expect(draws(new Prng(SEED), 100)).toEqual(draws(new Prng(SEED), 100));
    expect(draws(new Prng(`s${SEED}`), 100)).toEqual(draws(new Prng(`s${SEED}`), 100));
    expect(new Prng(SEED).seed).toBe(SEED);
  });

  it("gives different sequences for different seeds, including nearby and large ones", () => {
    const candidates: (number | string)[] = [SEED, SEED + 1, SEED - 1, 0, 1, 2 ** 32, 2 ** 32 + 1, -1, 2 ** 53 - 1, "", "a", "b", `${SEED}`];
    const seeds = [...new Map(candidates.map((seed) => [`${typeof seed}:${seed}`, seed])).values()];
    const firsts = seeds.map((seed) => draws(new Prng(seed), 4).join(","));
    expect(new Set(firsts).size).toBe(seeds.length);
  });

  it("draws 32-bit words whose bits and buckets look uniform", () => {
    const prng = new Prng(SEED);
    const n = 64_000;
    const bitCounts = new Array<number>(32).fill(0);
    const buckets = new Array<number>(16).fill(0);
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const x = prng.nextUint32();
      if (!Number.isInteger(x) || x < 0 || x >= 2 ** 32) outside++;
      for (let b = 0; b < 32; b++) bitCounts[b] += (x >>> b) & 1;
      buckets[x >>> 28]++;
    }
    expect(outside).toBe(0);
    for (const count of bitCounts) expect(Math.abs(count / n - 0.5), REPLAY).toBeLessThan(0.01); // ≈ 5 sd
    const chiSquare = buckets.reduce((sum, c) => sum + (c - n / 16) ** 2 / (n / 16), 0);
    expect(chiSquare, REPLAY).toBeLessThan(50); // 15 degrees of freedom: p < 1e-5
  });

  it("next() is a float in [0, 1) with mean about 1/2", () => {
    const prng = new Prng(SEED);
    let sum = 0;
    let outside = 0;
    for (let i = 0; i < 20_000; i++) {
      const x = prng.next();
      if (!(x >= 0 && x < 1)) outside++;
      sum += x;
    }
    expect(outside).toBe(0);
    expect(Math.abs(sum / 20_000 - 0.5), REPLAY).toBeLessThan(0.015);
  });

  it("rejects seeds that are not safe integers or strings", () => {
    for (const bad of [1.5, Number.NaN, 2 ** 53, null, undefined, {}]) {
      expectAmpsimError(() => new Prng(bad as never), "BAD_ARGUMENT", "seed");
    }
  });
});

describe("Prng: int, chance, pick, shuffle", () => {
  it("int stays within [min, maxInclusive] for any bounds (fast-check)", () => {
    fc.assert(fc.property(fc.integer(), fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), fc.nat(2 ** 41), (seed, min, span) => {
      const prng = new Prng(seed);
      for (let i = 0; i < 20; i++) {
        const x = prng.int(min, min + span);
        if (!Number.isSafeInteger(x) || x < min || x > min + span) return false;
      }
      return true;
    }), { seed: SEED, numRuns: 300 });
  });

  it("int reaches every value of a small range, each about equally often", () => {
    const prng = new Prng(SEED);
    const counts = new Map<number, number>();
    for (let i = 0; i < 7_000; i++) { const x = prng.int(-3, 3); counts.set(x, (counts.get(x) ?? 0) + 1); }
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
    for (const count of counts.values()) expect(Math.abs(count - 1000), REPLAY).toBeLessThan(200);
    expect(prng.int(5, 5)).toBe(5);
    expect(prng.int(-(2 ** 53) + 1, -(2 ** 53) + 1)).toBe(-(2 ** 53) + 1);
  });

  it("int rejects bad bounds", () => {
    const prng = new Prng(SEED);
    expectAmpsimError(() => prng.int(2, 1), "BAD_ARGUMENT", "min <= maxInclusive");
    expectAmpsimError(() => prng.int(0.5, 1), "BAD_ARGUMENT", "safe integers");
    expectAmpsimError(() => prng.int(-(2 ** 53) + 1, 2 ** 53 - 1), "BAD_ARGUMENT", "2^53");
  });

  it("chance is exact at 0 and 1 and close to the ratio in between", () => {
    const prng = new Prng(SEED);
    let hits = 0;
    let wrong = 0;
    for (let i = 0; i < 40_000; i++) {
      if (prng.chance(0, 7) || !prng.chance(7, 7)) wrong++;
      if (prng.chance(1, 4)) hits++;
    }
    expect(wrong).toBe(0);
    expect(Math.abs(hits / 40_000 - 0.25), REPLAY).toBeLessThan(0.012); // ≈ 5 sd
    expectAmpsimError(() => prng.chance(3, 2), "BAD_ARGUMENT", "numerator <= denominator");
    expectAmpsimError(() => prng.chance(1, 0), "BAD_ARGUMENT", "denominator > 0");
    expectAmpsimError(() => prng.chance(0.5, 2), "BAD_ARGUMENT", "integers");
  });

  it("pick returns elements of the array and rejects an empty one", () => {
    const prng = new Prng(SEED);
    const items = ["pipe", "network", "memory"] as const;
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) seen.add(prng.pick(items));
    expect([...seen].sort()).toEqual(["memory", "network", "pipe"]);
    expectAmpsimError(() => prng.pick([]), "BAD_ARGUMENT", "non-empty");
  });

  it("shuffle permutes in place, deterministically", () => {
    const a = Array.from({ length: 50 }, (_, i) => i);
    const b = [...a];
    const result = new Prng(SEED).shuffle(a);
    expect(result).toBe(a);
    expect([...a].sort((x, y) => x - y)).toEqual(b);
    expect(a).not.toEqual(b); // 1 / 50! chance of the identity
    expect(new Prng(SEED).shuffle([...b])).toEqual(a);
  });
});

describe("Prng: fork", () => {
  it("gives the same child for the same parent seed and label, whatever the parent drew", () => {
    const parent = new Prng(SEED);
    const early = draws(parent.fork("faults"), 50);
    draws(parent, 1_000);
    const late = draws(parent.fork("faults"), 50);
    expect(late).toEqual(early);
    expect(parent.fork("faults").seed).toBe(`${SEED}/faults`);
    expect(draws(new Prng(`${SEED}/faults`), 50)).toEqual(early);
  });

  it("gives independent streams for different labels and differs from the parent", () => {
    const parent = new Prng(SEED);
    const streams = ["a", "b", "column:a", "column:b", "", "a/b"].map((label) => draws(parent.fork(label), 8).join(","));
    streams.push(draws(new Prng(SEED), 8).join(","));
    expect(new Set(streams).size).toBe(streams.length);
    // Children of different parents differ too.
    expect(draws(new Prng(SEED + 1).fork("a"), 8)).not.toEqual(draws(parent.fork("a"), 8));
  });

  it("forks of forks are deterministic", () => {
    const a = new Prng(SEED).fork("x").fork("y");
    const b = new Prng(SEED).fork("x").fork("y");
    expect(a.seed).toBe(`${SEED}/x/y`);
    expect(draws(a, 20)).toEqual(draws(b, 20));
  });

  it("fork children are not correlated with each other (bit agreement about 1/2)", () => {
    const left = new Prng(SEED).fork("left");
    const right = new Prng(SEED).fork("right");
    let agree = 0;
    const n = 4_000;
    for (let i = 0; i < n; i++) {
      const x = (left.nextUint32() ^ right.nextUint32()) >>> 0;
      for (let b = 0; b < 32; b++) agree += 1 - ((x >>> b) & 1);
    }
    expect(Math.abs(agree / (n * 32) - 0.5), REPLAY).toBeLessThan(0.01);
  });
});

describe("seedFromEnv and replayHint", () => {
  it("reads an integer seed from the environment, else returns the fallback", () => {
    const name = "AMPSIM_TEST_SEED_VARIABLE";
    const saved = process.env[name];
    try {
      delete process.env[name];
      expect(seedFromEnv(name, 17)).toBe(17);
      process.env[name] = "123456";
      expect(seedFromEnv(name, 17)).toBe(123456);
      process.env[name] = "-5";
      expect(seedFromEnv(name, 17)).toBe(-5);
      process.env[name] = "twelve";
      expectAmpsimError(() => seedFromEnv(name, 17), "BAD_CONFIG", name);
      process.env[name] = "1.5";
      expectAmpsimError(() => seedFromEnv(name, 17), "BAD_CONFIG", "integer");
    } finally {
      if (saved === undefined) delete process.env[name]; else process.env[name] = saved;
    }
    expect(seedFromEnv(undefined, 3)).toBe(process.env.AMPSIM_SEED === undefined ? 3 : Number(process.env.AMPSIM_SEED));
  });

  it("formats a one-line replay command", () => {
    const hint = replayHint(42, "npx vitest run test/sim");
    expect(hint).toBe("seed 42 — replay with: AMPSIM_SEED=42 npx vitest run test/sim");
    expect(hint).not.toContain("\n");
    expect(replayHint("a b", "cmd")).toContain("AMPSIM_SEED='a b' cmd");
  });
});
