import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";

// The README's tour must keep running and keep printing what the README shows.
it("examples/tour.ts runs and prints what the README shows", () => {
  const out = execFileSync(process.execPath, ["--import", "tsx", path.resolve("examples/tour.ts")], { encoding: "utf8" });
  expect(out).toContain("rows per AMP: [ 2482, 2525, 2492, 2501 ]");
  expect(out).toContain("row hash of id 42: 6f8f913e → AMP 3");
  expect(out).toContain("CREATE MULTISET TABLE shop.orders (");
  expect(out).toContain("[ { id: 42, customer: 42, amount: '10.50', note: 'order 42' } ]");
  expect(out).toContain("rebalance 4 → 6 AMPs moves 21844 of 65536 buckets");
  expect(out).toContain("shop.orders 10000 rows, verified: true");
  expect(out).toContain("phases: dictionary → staging → transfer → insert-select → verify → cleanup");
});

// The demo's checksums, row counts and skews are deterministic: the README's table of them must stay true.
it("ampsim demo prints the Tables block the README shows", () => {
  const readme = readFileSync(path.resolve("README.md"), "utf8");
  const shown = readme.split("\n").filter((line) => /^shop\.\w+\s+│\s+[\d,]+ │ [0-9a-f]{6}:[0-9a-f]{8}:[0-9a-f]{8} │/.test(line)).map((line) => line.trimEnd());
  expect(shown).toHaveLength(3);
  const out = execFileSync(process.execPath, [path.resolve("bin/ampsim.js"), "demo", "--no-progress"], { encoding: "utf8" });
  const printed = out.split("\n").map((line) => line.trimEnd());
  for (const line of shown) expect(printed).toContain(line);
});
