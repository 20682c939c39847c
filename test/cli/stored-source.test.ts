/**
 * A stored source without the CLI's record of its generation (an earlier CLI generated it, or the
 * API loaded it): --scenario and --rows are compared with its tables and row counts.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../helpers/cli.js";
import { Engine } from "../../engine/index.js";
import { loadScenario, scenario } from "../../sim/index.js";

describe("a stored source without a generation record", () => {
  it("takes the command that generated it again, and refuses --scenario or --rows that would generate other tables", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ampsim-cli-stored-"));
    try {
      const source = path.join(dir, "src");
      const generate = ["migrate", "--no-progress", "--json", "--scenario", "demo", "--rows", "1500", "--seed", "3", "--source-dir", source];
      expect((await run([...generate, "--target-dir", path.join(dir, "t1")])).code).toBe(0);
      fs.rmSync(path.join(source, "ampsim-cli-generated.json")); // as the previous CLI version left it
      const again = await run([...generate, "--target-dir", path.join(dir, "t2")]);
      expect([again.code, again.err]).toEqual([0, ""]);
      expect(JSON.parse(again.out).rows).toBe(1500 + 1000 + 1000);
      const fresh = path.join(dir, "t3");
      for (const [args, says] of [
        [["--scenario", "demo", "--rows", "2e3"], `--scenario demo conflicts with the system stored in --source-dir ${source} (tables shop.events (1,000 rows), shop.orders (1,500 rows), shop.products (1,000 rows), but --scenario demo --rows 2000 generates shop.events (1,333 rows), shop.orders (2,000 rows), shop.products (1,000 rows)): its tables are migrated as they are and no data is generated; drop --scenario or use another --source-dir`],
        [["--rows", "1500"], `--rows 1500 conflicts with the system stored in --source-dir ${source} (tables shop.events (1,000 rows), shop.orders (1,500 rows), shop.products (1,000 rows), but --scenario orders --rows 1500 generates shop.orders (1,500 rows))`],
      ] as const) {
        const refused = await run(["migrate", "--no-progress", "--source-dir", source, "--target-dir", fresh, ...args]);
        expect([refused.code, refused.out, refused.err.split("\n")[0]], args.join(" ")).toEqual([2, "", expect.stringContaining(`ampsim: ${says}`)]);
        expect(fs.existsSync(fresh)).toBe(false);
      }
      // A source loaded through the API is compared the same way.
      const apiSource = path.join(dir, "api");
      const engine = new Engine({ name: "source", amps: 4, dir: apiSource });
      loadScenario(engine, scenario("uniform", { rows: 300, seed: 5 }));
      await engine.close();
      const api = await run(["migrate", "--no-progress", "--json", "--source-dir", apiSource, "--scenario", "uniform", "--rows", "300"]);
      expect([api.code, api.err, JSON.parse(api.out).rows]).toEqual([0, "", 300]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("demo's header names the tables it migrates: a stored source's, not the demo scenario's", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ampsim-cli-demo-"));
    try {
      const apiSource = path.join(dir, "api-src");
      const engine = new Engine({ name: "source", amps: 5, dir: apiSource });
      loadScenario(engine, scenario("uniform", { rows: 300, seed: 5 }));
      await engine.close();
      const demo = await run(["demo", "--no-progress", "--source-dir", apiSource]);
      expect(demo.code).toBe(0);
      expect(demo.out.split("\n")[0]).toBe(`ampsim demo: 1 table stored in --source-dir ${apiSource} (lab.uniform) on a 5-AMP source → 6-AMP target, 3 streams over pipe`);
      const generated = await run(["demo", "--no-progress", "--rows", "300"]);
      expect(generated.out.split("\n")[0]).toBe("ampsim demo: 3 tables on a 4-AMP source → 6-AMP target, 3 streams over pipe");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
