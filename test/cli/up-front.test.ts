/**
 * Options the API would refuse only after the CLI generated data and made directories are usage
 * errors up front: nothing is created, exit 2, a line naming the flag.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../helpers/cli.js";

describe("migrate checks its options before anything is made", () => {
  it("numeric options take the API's ranges; --source-dir and --target-dir may not be one directory", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ampsim-cli-up-front-"));
    try {
      const source = path.join(dir, "src"); const target = path.join(dir, "tgt");
      for (const [bad, says] of [
        [["--batch-rows", "1e12"], "--batch-rows must be an integer in 1..2147483647, but found '1e12'"],
        [["--batch-rows", "2147483648"], "--batch-rows must be an integer in 1..2147483647"],
        [["--batch-bytes", "0"], "--batch-bytes must be an integer in 1..9007199254740991"],
        [["--streams", "1025"], "--streams must be an integer in 1..1024"],
        [["--target-amps", "65536"], "--target-amps must be an integer in 1..65535"],
        [["--source-bits", "25"], "--source-bits must be an integer in 1..24"],
        [["--executor", "pool", "--threads", "257"], "--threads must be an integer in 1..256"],
      ] as const) {
        const refused = await run(["migrate", "--rows", "1000", "--no-progress", "--source-dir", source, "--target-dir", target, ...bad]);
        expect([refused.code, refused.err.split("\n")[0]], bad.join(" ")).toEqual([2, expect.stringContaining(`ampsim: ${says}`)]);
        expect([fs.existsSync(source), fs.existsSync(target)], bad.join(" ")).toEqual([false, false]);
      }
      const same = path.join(dir, "same");
      for (const other of [same, `${same}/`, path.join(dir, "x", "..", "same")]) {
        const refused = await run(["migrate", "--rows", "1000", "--no-progress", "--source-dir", same, "--target-dir", other]);
        expect([refused.code, refused.err.split("\n")[0]], other).toEqual([2, `ampsim: --source-dir ${same} and --target-dir ${other} are the same directory (${same}): the source and the target are two systems, each in a directory of its own`]);
        expect(fs.existsSync(same), other).toBe(false);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("--target-map rebalance keeps the source's bucket bits: --target-bits defaults to them, and another value is a usage error", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ampsim-cli-rebalance-"));
    try {
      const source = path.join(dir, "s20");
      const made = await run(["migrate", "--rows", "500", "--no-progress", "--json", "--source-bits", "20", "--target-map", "rebalance", "--source-dir", source]);
      expect([made.code, made.err, JSON.parse(made.out).target.hashBits]).toEqual([0, "", 20]);
      const target = path.join(dir, "t20new");
      const refused = await run(["migrate", "--no-progress", "--source-dir", source, "--target-map", "rebalance", "--target-bits", "16", "--target-dir", target]);
      expect([refused.code, refused.err.split("\n")[0]]).toEqual([2, `ampsim: --target-map rebalance keeps the source's bucket bits, but --target-bits 16 differs from the 20-bit buckets of the source stored in --source-dir ${source}: drop --target-bits or give 20`]);
      expect(fs.existsSync(target)).toBe(false);
      const fresh = await run(["migrate", "--rows", "500", "--no-progress", "--source-bits", "20", "--target-bits", "16", "--target-map", "rebalance"]);
      expect([fresh.code, fresh.err.split("\n")[0]]).toEqual([2, "ampsim: --target-map rebalance keeps the source's bucket bits, but --target-bits 16 differs from --source-bits 20: drop --target-bits or give 20"]);
      const rebalanced = await run(["migrate", "--no-progress", "--json", "--source-dir", source, "--target-map", "rebalance", "--target-dir", target]);
      expect([rebalanced.code, rebalanced.err]).toEqual([0, ""]);
      expect(JSON.parse(rebalanced.out).target).toEqual({ name: "target", amps: 6, hashBits: 20 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
