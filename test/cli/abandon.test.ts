/** `ampsim abandon`'s messages, against real files. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../helpers/cli.js";
import { Engine } from "../../engine/index.js";

describe("abandon", () => {
  it("on an unreadable checkpoint speaks of abandoning, not resuming", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ampsim-cli-abandon-"));
    try {
      const checkpointDir = path.join(dir, "ckpt"); const targetDir = path.join(dir, "tgt");
      await new Engine({ name: "target", amps: 2, dir: targetDir }).close();
      fs.mkdirSync(checkpointDir);
      fs.writeFileSync(path.join(checkpointDir, "checkpoint.json"), "{ cut sho");
      const abandoned = await run(["abandon", "--checkpoint-dir", checkpointDir, "--target-dir", targetDir]);
      expect([abandoned.code, abandoned.out]).toEqual([1, ""]);
      expect(abandoned.err).toMatch(new RegExp(`^error CHECKPOINT_MISMATCH: cannot abandon: no readable checkpoint in ${path.join(checkpointDir, "checkpoint.json")} \\(`));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
