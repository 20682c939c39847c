import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";

function capture(): { write(text: string): boolean; text(): string } {
  let text = "";
  return { write: (chunk: string) => { text += chunk; return true; }, text: () => text };
}

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = capture(); const err = capture();
  const code = await main(args, out, err);
  return { code, out: out.text(), err: err.text() };
}

describe("ampsim CLI", () => {
  it("prints the commands with no arguments, help and --help", async () => {
    for (const args of [[], ["help"], ["--help"]]) {
      const { code, out } = await run(args);
      expect(code).toBe(0);
      expect(out).toContain("Commands:");
      expect(out).toContain("demo");
      expect(out).toContain("migrate");
    }
  });

  it("explains every migrate flag in --help", async () => {
    const { code, out } = await run(["migrate", "--help"]);
    expect(code).toBe(0);
    for (const flag of ["--source-amps", "--target-amps", "--source-bits", "--target-bits", "--target-map", "--scenario", "--rows", "--seed", "--streams",
      "--clusters", "--medium", "--dir", "--staging", "--batch-rows", "--batch-bytes", "--if-exists", "--keep-staging", "--parallel-tables", "--json", "--no-progress"]) {
      expect(out, flag).toContain(flag);
    }
    expect((await run(["help", "demo"])).out).toContain("Usage: ampsim demo");
  });

  it("exits 2 with a usage message for an unknown command, an unknown flag or a bad value", async () => {
    const unknown = await run(["frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("unknown command 'frobnicate'");
    const flag = await run(["migrate", "--colour"]);
    expect(flag.code).toBe(2);
    expect(flag.err).toMatch(/colour/);
    const value = await run(["migrate", "--streams", "three"]);
    expect(value.code).toBe(2);
    expect(value.err).toContain("--streams must be an integer");
    const medium = await run(["migrate", "--medium", "carrier-pigeon"]);
    expect(medium.err).toContain("--medium must be one of memory, pipe, network, storage");
    expect((await run(["migrate", "--medium", "storage"])).err).toContain("--dir");
    expect((await run(["migrate", "--clusters", "0,1;x"])).err).toContain("--clusters");
  });

  it("exits 1 with the error code when the migration refuses the options", async () => {
    const { code, err } = await run(["migrate", "--source-amps", "2", "--streams", "3", "--rows", "100", "--no-progress"]);
    expect(code).toBe(1);
    expect(err).toContain("error BAD_CONFIG");
    expect(err).toContain("streams (3) exceeds the source's 2 AMP(s)");
  });

  it("migrate --json prints a verified report as JSON", async () => {
    const { code, out } = await run(["migrate", "--rows", "2000", "--source-amps", "3", "--target-amps", "5", "--target-bits", "20", "--streams", "2", "--json"]);
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report.kind).toBe("migration-report");
    expect(report.source.amps).toBe(3);
    expect(report.target).toEqual({ name: "target", amps: 5, hashBits: 20 });
    expect(report.tables.map((t: { verified: boolean }) => t.verified)).toEqual([true]);
    expect(report.rows).toBe(2000);
    expect(report.streamReports).toHaveLength(2);
  });

  it("migrate over storage leaves an archive in --dir, and the text report shows the histograms", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ampsim-cli-"));
    try {
      const { code, out } = await run(["migrate", "--rows", "1500", "--medium", "storage", "--dir", dir, "--streams", "2", "--staging", "nopi", "--no-progress"]);
      expect(code).toBe(0);
      expect(out).toContain("Rows per AMP before (source)");
      expect(out).toContain("Rows per AMP after (target)");
      expect(out).toContain("Verification: all 1 table(s) match");
      expect(fs.readdirSync(dir).sort()).toEqual(["manifest.json", "t0-s0.arrows", "t0-s1.arrows"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("demo prints plain progress lines when not on a terminal, then the report", async () => {
    const { code, out } = await run(["demo", "--rows", "3000", "--medium", "memory"]);
    expect(code).toBe(0);
    expect(out).toContain("ampsim demo: 3 tables on a 4-AMP source → 6-AMP target, 3 streams over memory");
    expect(out).toMatch(/\[shop\.orders stream 0\] done [\d,]+\/[\d,]+ rows/);
    expect(out).not.toContain("\u001b[");
    expect(out).toContain("Verification: all 3 table(s) match");
  });

  it("the bin entry runs through node", () => {
    const out = execFileSync(process.execPath, [path.resolve("bin/ampsim.js"), "--help"], { encoding: "utf8" });
    expect(out).toContain("Usage: ampsim <command> [options]");
  });
});
