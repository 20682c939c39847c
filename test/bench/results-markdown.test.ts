/**
 * bench/RESULTS.md: goals are lower bounds (speed ratios) or upper bounds (peak memory),
 * and each is judged in its own direction.
 */
import { describe, expect, it } from "vitest";
import { goalMet, goalText, measurement } from "../../bench/bench-util.js";
import { renderResults } from "../../bench/results-markdown.js";

describe("benchmark goals", () => {
  it("judges a lower bound and an upper bound each in its direction", () => {
    expect([goalMet({ against: "x", ratio: 2.1, goal: 2 }), goalMet({ against: "x", ratio: 1.9, goal: 2 })]).toEqual([true, false]);
    expect([goalMet({ against: "x", ratio: 2.9, goal: 3, atMost: true }), goalMet({ against: "x", ratio: 3.1, goal: 3, atMost: true })]).toEqual([true, false]);
    expect(goalMet({ against: "x", ratio: 5 })).toBe(false);
    expect([goalText({ against: "x", ratio: 1, goal: 2 }), goalText({ against: "x", ratio: 1, goal: 3, atMost: true })]).toEqual(["≥ 2×", "≤ 3×"]);
  });

  it("lists every goal in RESULTS.md with its bound and verdict", () => {
    const speed = measurement("peers", "redistribute", 1000, 1 << 20, 10, 1);
    speed.ratios.push({ against: "DuckDB", ratio: 1.5, goal: 2 });
    const memory = measurement("migration", "one migration", 1000, 1 << 20, 10, 1);
    memory.ratios.push({ against: "table size", ratio: 2.5, goal: 3, atMost: true });
    const text = renderResults({ command: "npm run bench", date: "2026-11-22T00:00:00Z", quick: false, machine: { cores: 2 }, elapsedSeconds: 1, results: [speed, memory] });
    expect(text).toContain("| redistribute | DuckDB | 1.50× | ≥ 2× | not met |");
    expect(text).toContain("| one migration | table size | 2.50× | ≤ 3× | met |");
    expect(text).toContain("2.50× table size (goal ≤ 3×: met)");
  });
});
