import { execFileSync, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../helpers/cli.js";
import { renderMigrationReport } from "../../cli/index.js";
import { renderHtmlReport } from "../../cli/html-report.js";
import { formatCount } from "../../cli/render/index.js";
import { Engine } from "../../engine/index.js";
import { InjectedCrash, migrate } from "../../migrator/index.js";
import { FaultPlan, loadScenario, scenario } from "../../sim/index.js";

/** The bin entry as a process; `closeStdout` closes the reading end of its stdout at once, as `| head -0` does. */
async function runBin(args: string[], options: { closeStdout?: boolean } = {}): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [path.resolve("bin/ampsim.js"), ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = ""; let err = "";
  if (options.closeStdout) child.stdout.destroy();
  else child.stdout.on("data", (chunk: Buffer) => { out += chunk.toString(); });
  child.stderr.on("data", (chunk: Buffer) => { err += chunk.toString(); });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  return { code, out, err };
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
      "--clusters", "--medium", "--dir", "--staging", "--batch-rows", "--batch-bytes", "--if-exists", "--keep-staging", "--parallel-tables", "--executor", "--threads", "--json", "--no-progress"]) {
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
    const help = await run(["help", "bogus"]);
    expect([help.code, help.err]).toEqual([2, expect.stringContaining("unknown command 'bogus'")]);
    const both = await run(["migrate", "--batch-rows", "10", "--batch-bytes", "100"]);
    expect([both.code, both.err]).toEqual([2, expect.stringContaining("--batch-rows and --batch-bytes")]);
    const dir = await run(["migrate", "--dir", os.tmpdir()]);
    expect([dir.code, dir.err]).toEqual([2, expect.stringContaining("--dir is the directory of --medium storage")]);
    expect((await run(["simulate", "--hardware", "nope"])).err).toContain("early2000s, modern, calibrated");
  });

  it("a value starting with a dash gets the option's own rule, in one line; an option with no value says so", async () => {
    for (const command of ["migrate", "simulate", "compare"]) {
      const negative = await run([command, "--rows", "-5"]);
      expect([negative.code, negative.out], command).toEqual([2, ""]);
      expect(negative.err.split("\n")[0], command).toMatch(/^ampsim: --rows must be an integer in \d+\.\.\d+, but found '-5'$/);
      expect(negative.err.split("\n"), command).toHaveLength(3); // the message, the hint to --help, the final newline
    }
    expect((await run(["migrate", "--streams", "-1"])).err).toContain("--streams must be an integer in 1..1024, but found '-1'");
  });

  it("numbers are decimal (1e6, 2.5e5 and 1_000_000 too): an empty value, spaces, hex, binary or octal are usage errors", async () => {
    for (const [flag, value] of [["--rows", ""], ["--rows", " "], ["--rows", "0x10"], ["--rows", "0b11"], ["--rows", "0o7"], ["--rows", "1e"], ["--rows", "Infinity"], ["--seed", ""], ["--seed", " 1"], ["--streams", "_2"]]) {
      const { code, out, err } = await run(["migrate", flag, value, "--no-progress"]);
      expect([code, out], `${flag} '${value}'`).toEqual([2, ""]);
      expect(err, `${flag} '${value}'`).toContain(`${flag} must be an integer in `);
      expect(err).toContain(`but found '${value}'`);
    }
    for (const rows of ["1_000", "1e3", "1.5e3", "0.2e4"]) {
      const { code, out } = await run(["migrate", "--rows", rows, "--no-progress", "--json"]);
      expect([rows, code, JSON.parse(out).rows]).toEqual([rows, 0, Number(rows.replace("_", ""))]);
    }
    for (const args of [["migrate", "--rows", "--json"], ["migrate", "--rows"]]) {
      const missing = await run(args);
      expect([missing.code, missing.err.split("\n")[0]]).toEqual([2, `ampsim: --rows needs a value${args.length === 3 ? ", but the next argument is the option '--json'" : ""}`]);
    }
  });

  it("--source-dir: a source whose generation was cut short is refused, not migrated in part; a file as a system directory exits 2", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ampsim-cli-src-"));
    try {
      const source = path.join(dir, "src");
      const first = await run(["migrate", "--rows", "300", "--no-progress", "--source-dir", source, "--json"]);
      expect(first.code).toBe(0);
      expect(fs.existsSync(path.join(source, "ampsim-cli-generating")), "the marker is gone once the load is done").toBe(false);
      fs.writeFileSync(path.join(source, "ampsim-cli-generating"), "as a run killed while loading leaves it");
      const again = await run(["migrate", "--rows", "300", "--no-progress", "--source-dir", source]);
      expect(again.code).toBe(1);
      expect(again.err).toContain("error BAD_CONFIG: --source-dir");
      expect(again.err).toContain("holds part of the data");
      const file = path.join(dir, "a-file");
      fs.writeFileSync(file, "x");
      const fresh = path.join(dir, "fresh");
      const asFile = await run(["migrate", "--rows", "300", "--no-progress", "--source-dir", fresh, "--target-dir", file]);
      expect([asFile.code, asFile.err]).toEqual([2, expect.stringContaining(`--target-dir ${file}: is a file`)]);
      expect(fs.existsSync(fresh)).toBe(false);
      // Every option is checked before a durable system is made.
      for (const bad of [["--report", path.join(dir, "missing", "r.html")], ["--scenario", "nope"], ["--clusters", "0;x"], ["--resume"], ["--target-amps", "9", "--target-bits", "3"]]) {
        const refused = await run(["migrate", "--rows", "300", "--no-progress", "--source-dir", fresh, "--target-dir", path.join(dir, "t"), ...bad]);
        expect(refused.code, bad.join(" ")).toBe(2);
        expect([fs.existsSync(fresh), fs.existsSync(path.join(dir, "t"))], bad.join(" ")).toEqual([false, false]);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("checks every directory option before anything is made: a file, a path under a file or an empty name exits 2", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ampsim-cli-dirs-"));
    try {
      const file = path.join(dir, "a-file");
      fs.writeFileSync(file, "x");
      const [source, target] = [path.join(dir, "s"), path.join(dir, "t")];
      for (const [flag, value, extra, says] of [
        ["--checkpoint-dir", file, [], `--checkpoint-dir ${file}: is a file, not a directory`],
        ["--checkpoint-dir", path.join(file, "c"), [], `--checkpoint-dir ${path.join(file, "c")}: ${file} is a file, not a directory`],
        ["--dir", file, ["--medium", "storage"], `--dir ${file}: is a file, not a directory`],
        ["--dir", path.join(file, "a", "b"), ["--medium", "storage"], `--dir ${path.join(file, "a", "b")}: ${file} is a file, not a directory`],
        ["--target-dir", path.join(file, "t"), [], `--target-dir ${path.join(file, "t")}: ${file} is a file, not a directory`],
        ["--checkpoint-dir", "", [], "--checkpoint-dir needs a directory, but found ''"],
      ] as const) {
        const args = ["migrate", "--rows", "300", "--no-progress", "--source-dir", source, ...(flag === "--target-dir" ? [] : ["--target-dir", target]), ...extra, flag, value];
        const { code, out, err } = await run(args);
        expect([code, out, err.split("\n")[0]], args.join(" ")).toEqual([2, "", `ampsim: ${says}`]);
        expect([fs.existsSync(source), fs.existsSync(target)], args.join(" ")).toEqual([false, false]);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("checks --report FILE before migrating: a missing directory, or a directory as FILE, exits 2", async () => {
    const missing = path.join(os.tmpdir(), "ampsim-no-such-dir", "r.html");
    const gone = await run(["migrate", "--rows", "100", "--no-progress", "--report", missing]);
    expect([gone.code, gone.out]).toEqual([2, ""]);
    expect(gone.err).toContain(`--report ${missing}: the directory`);
    const asDir = await run(["demo", "--rows", "100", "--no-progress", "--report", os.tmpdir()]);
    expect([asDir.code, asDir.out]).toEqual([2, ""]);
    expect(asDir.err).toContain("is a directory");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ampsim-cli-"));
    try {
      const file = path.join(dir, "a-file");
      fs.writeFileSync(file, "x");
      const underFile = await run(["migrate", "--rows", "100", "--no-progress", "--report", path.join(file, "r.html")]);
      expect([underFile.code, underFile.out]).toEqual([2, ""]);
      expect(underFile.err).toContain(`${file} is a file, not a directory`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("an empty output path is a usage error before any work; a write that fails afterwards is one line naming the flag (exit 1), after the result", async () => {
    for (const args of [["compare", "--seeds", "1", "--rows", "200", "--svg", ""], ["migrate", "--rows", "100", "--no-progress", "--report", ""], ["demo", "--rows", "100", "--no-progress", "--report", " "]]) {
      const { code, out, err } = await run(args);
      expect([code, out], args.join(" ")).toEqual([2, ""]);
      expect(err.split("\n")[0], args.join(" ")).toBe(`ampsim: ${args.at(-2)} needs a file name, but found '${args.at(-1)}'`);
    }
    const slash = await run(["migrate", "--rows", "100", "--no-progress", "--report", path.join(os.tmpdir(), "ampsim-no-such-dir/")]);
    expect([slash.code, slash.out]).toEqual([2, ""]);
    expect(slash.err).toContain("names a directory (it ends with '/'), not a file");
    if (!fs.existsSync("/dev/full")) return; // a device every write to fails with ENOSPC (Linux)
    const svg = await run(["compare", "--seeds", "1", "--rows", "200", "--strategies", "staged", "--svg", "/dev/full"]);
    expect(svg.code).toBe(1);
    expect(svg.out).toContain("| staged | 1/1 |");
    expect(svg.err).toMatch(/^ampsim: --svg \/dev\/full: the SVG chart could not be written \(ENOSPC[^\n]*\)\n$/);
    const report = await run(["migrate", "--rows", "100", "--no-progress", "--report", "/dev/full"]);
    expect(report.code).toBe(1);
    expect(report.out).toContain("Verification: all 1 table(s) match");
    expect(report.err).toMatch(/^ampsim: --report \/dev\/full: the HTML report could not be written \(ENOSPC[^\n]*\)\n$/);
  });

  it("--if-exists append: the text report says the target's checksum covers the rows it held before", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ampsim-cli-"));
    try {
      const args = ["migrate", "--scenario", "uniform", "--rows", "500", "--no-progress", "--target-dir", path.join(dir, "t")];
      const first = await run(args);
      expect(first.code, first.err).toBe(0);
      expect(first.out).not.toContain("before this run");
      const again = await run([...args, "--if-exists", "append"]);
      expect(again.code, again.err).toBe(0);
      expect(again.out).toMatch(/: the target held 500 row\(s\) before this run \(if-exists append\); its checksum covers them too/);
      expect(again.out).toContain("Verification: all 1 table(s) match");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("--rows has a documented maximum, 5e7: above it a usage error before any data is generated", async () => {
    for (const command of ["migrate", "demo", "compare"]) expect((await run([command, "--help"])).out, command).toMatch(/--rows N .* to 5e7/);
    for (const args of [["migrate", "--rows", "1e12"], ["migrate", "--scenario", "events", "--rows", "50000001"], ["demo", "--rows", "1e12"], ["compare", "--rows", "1e12"]]) {
      const { code, out, err } = await run([...args, "--no-progress"].filter((a) => args[0] !== "compare" || a !== "--no-progress"));
      expect([code, out], args.join(" ")).toEqual([2, ""]);
      expect(err, args.join(" ")).toMatch(/^ampsim: --rows must be an integer in [01]\.\.50000000, but found/);
    }
  });

  it("--streams and --clusters that disagree are a usage error; agreeing, both are fine", async () => {
    const disagree = await run(["migrate", "--rows", "2e4", "--streams", "2", "--clusters", "0;1;2;3", "--no-progress"]);
    expect([disagree.code, disagree.out]).toEqual([2, ""]);
    expect(disagree.err).toContain("--streams 2 and --clusters '0;1;2;3' (4 clusters, one per stream) disagree");
    const agree = await run(["migrate", "--rows", "200", "--streams", "2", "--clusters", "0,1;2,3", "--json"]);
    expect([agree.code, JSON.parse(agree.out).streamReports.length]).toEqual([0, 2]);
  });

  it("more streams than source AMPs: a usage error (exit 2) before anything is built, as in simulate and compare", async () => {
    for (const command of ["migrate", "simulate", "compare"]) {
      const { code, out, err } = await run([command, "--source-amps", "2", "--streams", "3", "--rows", "100", "--no-progress"].filter((a) => command === "migrate" || a !== "--no-progress"));
      expect([command, code, out]).toEqual([command, 2, ""]);
      expect(err).toContain("--streams (3) cannot exceed --source-amps (2)");
    }
  });

  it("more streams than a stored source's AMPs is a usage error naming it; what the migration itself refuses (a table on the target) exits 1 with the error code", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ampsim-cli-"));
    try {
      const [sourceDir, targetDir] = [path.join(dir, "s"), path.join(dir, "t")];
      const built = await run(["migrate", "--source-amps", "2", "--streams", "2", "--rows", "100", "--no-progress", "--source-dir", sourceDir, "--target-dir", targetDir]);
      expect(built.code, built.err).toBe(0);
      const streams = await run(["migrate", "--streams", "3", "--no-progress", "--source-dir", sourceDir]);
      expect([streams.code, streams.out]).toEqual([2, ""]);
      expect(streams.err).toContain(`--streams (3) cannot exceed the 2 AMP(s) of the source stored in --source-dir ${sourceDir}`);
      const clusters = await run(["migrate", "--clusters", "0;1;2", "--no-progress", "--source-dir", sourceDir]);
      expect([clusters.code, clusters.err]).toEqual([2, expect.stringContaining("--clusters (3 clusters) cannot exceed the 2 AMP(s)")]);
      const again = await run(["migrate", "--streams", "2", "--no-progress", "--source-dir", sourceDir, "--target-dir", targetDir]);
      expect(again.code).toBe(1);
      expect(again.err).toMatch(/^error TABLE_EXISTS: table shop\.orders already exists on the target/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("explicit options that contradict a stored --source-dir or --target-dir are usage errors naming both; the same options again are fine", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ampsim-cli-stored-"));
    try {
      const [sourceDir, targetDir, fresh] = [path.join(dir, "s"), path.join(dir, "t"), path.join(dir, "fresh")];
      const generate = ["--scenario", "uniform", "--rows", "300", "--seed", "5", "--source-amps", "4", "--source-bits", "16"];
      const built = await run(["migrate", ...generate, "--target-amps", "6", "--no-progress", "--source-dir", sourceDir, "--target-dir", targetDir]);
      expect(built.code, built.err).toBe(0);
      for (const [args, says] of [
        [["--target-dir", targetDir, "--target-amps", "9", "--target-bits", "20"], `--target-amps 9 conflicts with the system stored in --target-dir ${targetDir} (6 AMPs)`],
        [["--target-dir", targetDir, "--target-bits", "20"], `--target-bits 20 conflicts with the system stored in --target-dir ${targetDir} (16-bit buckets)`],
        [["--target-dir", targetDir, "--target-map", "rebalance"], `--target-map rebalance conflicts with the system stored in --target-dir ${targetDir} (its hash map is not the rebalance map of its 6 AMPs)`],
        [["--source-dir", sourceDir, "--source-amps", "2", "--target-dir", fresh], `--source-amps 2 conflicts with the system stored in --source-dir ${sourceDir} (4 AMPs)`],
        [["--source-dir", sourceDir, "--scenario", "dimension", "--rows", "1e3", "--target-dir", fresh],
          `--scenario dimension conflicts with the system stored in --source-dir ${sourceDir} (generated with --scenario uniform --rows 300 --seed 5): its tables are migrated as they are and no data is generated; drop --scenario or use another --source-dir`],
        [["--source-dir", sourceDir, "--seed", "6", "--target-dir", fresh], `--seed 6 conflicts with the system stored in --source-dir ${sourceDir} (generated with --scenario uniform --rows 300 --seed 5)`],
      ] as const) {
        const { code, out, err } = await run(["migrate", "--no-progress", ...args]);
        expect([code, out], args.join(" ")).toEqual([2, ""]);
        expect(err.split("\n")[0], args.join(" ")).toContain(`ampsim: ${says}`);
        expect(fs.existsSync(fresh), args.join(" ")).toBe(false);
      }
      // The command that generated the source, run again (as one adds --resume to it), migrates the stored tables.
      const same = await run(["migrate", ...generate, "--target-amps", "6", "--no-progress", "--source-dir", sourceDir, "--target-dir", fresh, "--json"]);
      expect([same.code, JSON.parse(same.out).rows]).toEqual([0, 300]);
      // A source the CLI did not generate takes the data options that would generate its tables (see stored-source.test.ts).
      const apiSource = path.join(dir, "api");
      loadScenario(new Engine({ name: "source", amps: 4, dir: apiSource }), scenario("uniform", { rows: 300, seed: 5 }));
      const api = await run(["migrate", "--no-progress", "--source-dir", apiSource, "--rows", "300"]);
      expect([api.code, api.err.split("\n")[0]]).toEqual([2, `ampsim: --rows 300 conflicts with the system stored in --source-dir ${apiSource} (tables lab.uniform (300 rows), but --scenario orders --rows 300 generates shop.orders (300 rows)): its tables are migrated as they are and no data is generated; drop --rows or use another --source-dir`]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
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

  it("migrate --executor pool runs on worker threads and gives the inline report's checksums", async () => {
    const args = ["migrate", "--rows", "20000", "--streams", "2", "--json"];
    const inline = JSON.parse((await run(args)).out);
    const pooled = await run([...args, "--executor", "pool", "--threads", "2"]);
    expect(pooled.code, pooled.err).toBe(0);
    const report = JSON.parse(pooled.out);
    expect(report.tables.map((t: { verified: boolean }) => t.verified)).toEqual([true]);
    expect(report.tables[0].targetChecksum).toBe(inline.tables[0].targetChecksum);
    expect((await run(["migrate", "--threads", "2"])).err).toContain("--threads sizes the worker pool: it needs --executor pool");
    expect((await run(["migrate", "--executor", "gpu"])).err).toContain("--executor must be one of inline, pool");
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

  it("--medium storage refuses to replace an archive already in --dir unless --overwrite is given", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ampsim-cli-"));
    try {
      const args = ["migrate", "--rows", "500", "--medium", "storage", "--dir", dir, "--streams", "2", "--no-progress"];
      expect((await run(args)).code).toBe(0);
      const manifest = fs.readFileSync(path.join(dir, "manifest.json"), "utf8");
      const refused = await run([...args, "--seed", "2"]);
      expect([refused.code, refused.out]).toEqual([2, ""]);
      expect(refused.err.split("\n")[0]).toBe(`ampsim: --dir ${dir} already holds an archive (${path.join(dir, "manifest.json")}): pass --overwrite to replace it, or use another directory`);
      expect(fs.readFileSync(path.join(dir, "manifest.json"), "utf8")).toBe(manifest);
      const replaced = await run([...args, "--seed", "2", "--overwrite"]);
      expect(replaced.code, replaced.err).toBe(0);
      expect(fs.readFileSync(path.join(dir, "manifest.json"), "utf8")).not.toBe(manifest);
      expect((await run(["migrate", "--overwrite"])).err).toContain("--overwrite replaces the archive in --dir of --medium storage, but the medium is memory");
      expect((await run(["migrate", "--help"])).out).toContain("--overwrite");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("demo prints plain progress lines on stderr when not on a terminal, and the report on stdout", async () => {
    const { code, out, err } = await run(["demo", "--rows", "3000", "--medium", "memory"]);
    expect(code).toBe(0);
    expect(out).toContain("ampsim demo: 3 tables on a 4-AMP source → 6-AMP target, 3 streams over memory");
    expect(err).toMatch(/\[shop\.orders stream 0\] done [\d,]+\/[\d,]+ rows/);
    expect(err).toContain("phase transfer");
    expect(out).not.toMatch(/phase transfer …|\[shop\./);
    expect(err).not.toContain("\u001b[");
    expect(out).toContain("Verification: all 3 table(s) match");
  });

  it("simulate answers a 100 → 150 AMP, 1e9-row question from sizes alone", async () => {
    const { code, out } = await run(["simulate", "--source-amps", "100", "--target-amps", "150", "--rows", "1e9", "--streams", "8", "--hardware", "modern"]);
    expect(code).toBe(0);
    expect(out).toContain("Predicted: 1,000,000,000 rows from 100 to 150 AMPs, 8 streams over network");
    for (const phase of ["dictionary", "staging", "transfer", "insert-select", "verify", "cleanup"]) expect(out).toContain(phase);
    const slow = JSON.parse((await run(["simulate", "--rows", "1e8", "--hardware", "early2000s", "--json"])).out);
    const fast = JSON.parse((await run(["simulate", "--rows", "1e8", "--hardware", "modern", "--json"])).out);
    expect(slow.timeline.totalMs).toBeGreaterThan(fast.timeline.totalMs);
    expect((await run(["simulate", "--hardware", "abacus"])).code).toBe(2);
    expect((await run(["simulate", "--source-amps", "2", "--streams", "3"])).err).toContain("--streams (3) cannot exceed --source-amps (2)");
  });

  it("compare prints a table of strategies and writes an SVG", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ampsim-cli-"));
    try {
      const svg = path.join(dir, "compare.svg");
      const { code, out } = await run(["compare", "--scenario", "events", "--strategies", "staged,direct,bucket-move", "--seeds", "2", "--rows", "800", "--svg", svg]);
      expect(code).toBe(0);
      expect(out).toContain("### events");
      for (const name of ["staged", "direct", "bucket-move"]) expect(out).toContain(`| ${name} | 2/2 |`);
      expect(fs.readFileSync(svg, "utf8")).toContain("<svg");
      expect((await run(["compare", "--strategies", "staged,teleport"])).err).toContain("--strategies takes a comma-separated list");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("an item named twice in a list option is a usage error naming the flag and the item", async () => {
    for (const [flag, value, item] of [["--strategies", "staged,staged", "staged"], ["--scenario", "events,events", "events"], ["--hardware", "modern,early2000s, modern", "modern"]]) {
      const { code, out, err } = await run(["compare", "--seeds", "1", "--rows", "200", flag, value]);
      expect([code, out], flag).toEqual([2, ""]);
      expect(err.split("\n")[0], flag).toBe(`ampsim: ${flag} lists '${item}' twice in '${value}': name each once`);
    }
    const clusters = await run(["migrate", "--rows", "100", "--no-progress", "--clusters", "0,1;1,2,3"]);
    expect([clusters.code, clusters.out]).toEqual([2, ""]);
    expect(clusters.err).toContain("--clusters lists AMP 1 twice in '0,1;1,2,3'");
  });

  it("migrate --report writes a self-contained HTML page with the pictures", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ampsim-cli-"));
    try {
      const file = path.join(dir, "report.html");
      const { code } = await run(["migrate", "--rows", "1000", "--report", file, "--no-progress"]);
      expect(code).toBe(0);
      const html = fs.readFileSync(file, "utf8");
      expect(html.startsWith("<!doctype html>")).toBe(true);
      expect(html.match(/<svg /g)?.length).toBe(4);
      expect(html).toContain("Rows per AMP");
      expect(html).toContain("Simulated timeline on modern hardware");
      expect(html).not.toMatch(/<script|src=|href=/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the text report's trace table says how many of the rows written are secondary-index rows", async () => {
    const source = new Engine({ name: "source", amps: 4 });
    source.sql("CREATE DATABASE d; CREATE MULTISET TABLE d.t (k INTEGER NOT NULL, v INTEGER NOT NULL) PRIMARY INDEX (k) UNIQUE INDEX (v);");
    source.insert("d.t", Array.from({ length: 1_000 }, (_v, i) => ({ k: i, v: 3 * i + 1 })));
    const report = await migrate({ source, target: new Engine({ name: "target", amps: 6 }), streams: 2 });
    const line = renderMigrationReport(report).split("\n").find((l) => /target\s*│\s*insert-select/.test(l));
    // 1,000 rows read, 1,000 stored and their 1,000 USI rows.
    expect(line?.split("│").map((cell) => cell.trim()).slice(3, 6)).toEqual(["1,000", "2,000", "1,000"]);
  });

  it("the text report of a resumed run says so, and gives the rate of the rows that run carried", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ampsim-cli-"));
    try {
      const source = new Engine({ name: "source", amps: 4 });
      loadScenario(source, scenario("uniform", { rows: 3_000, seed: 9 }));
      const target = new Engine({ name: "target", amps: 6 });
      const options = { source, target, streams: 2, batchRows: 200, checkpointDir: dir };
      const crash = new FaultPlan(1, { at: [{ point: "restore.batch", visit: 6, kind: "crash" }], rate: { numerator: 0, denominator: 1 } });
      await expect(migrate({ ...options, faults: crash })).rejects.toBeInstanceOf(InjectedCrash);
      const report = await migrate({ ...options, resume: true });
      const carried = report.streamReports.reduce((sum, stream) => sum + stream.rows, 0);
      expect(carried).toBeGreaterThan(0);
      expect(carried).toBeLessThan(3_000);
      const text = renderMigrationReport(report);
      expect(text).toContain(`Resumed from a checkpoint: this run carried ${formatCount(carried)} rows; the other ${formatCount(3_000 - carried)} were on the target already`);
      expect(text).toContain("of the rows this run carried).");
      expect(renderMigrationReport({ ...report, resumed: false })).not.toContain("Resumed");
      expect(renderHtmlReport(report)).toContain(`<p>Resumed from a checkpoint: this run carried ${formatCount(carried)} rows;`);
      expect(renderHtmlReport({ ...report, tables: report.tables.map((t) => ({ ...t, rowsBefore: 7 })) })).toContain("the target held 7 row(s) before this run");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("abandon gives up a checkpointed migration from the CLI; migrate's checkpoint messages speak of --resume and abandon, not the API", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ampsim-cli-abandon-"));
    try {
      const [sourceDir, targetDir, checkpointDir] = [path.join(dir, "s"), path.join(dir, "t"), path.join(dir, "c")];
      const source = new Engine({ name: "source", amps: 4, dir: sourceDir });
      loadScenario(source, scenario("uniform", { rows: 3_000, seed: 9 }));
      const target = new Engine({ name: "target", amps: 6, dir: targetDir });
      const crash = new FaultPlan(1, { at: [{ point: "restore.batch", visit: 6, kind: "crash" }], rate: { numerator: 0, denominator: 1 } });
      await expect(migrate({ source, target, streams: 2, batchRows: 200, checkpointDir, faults: crash })).rejects.toBeInstanceOf(InjectedCrash);
      const staging = target.allTables().filter((t) => t.startsWith('"$staging"'));
      expect(staging.length).toBeGreaterThan(0);
      const args = ["migrate", "--source-dir", sourceDir, "--streams", "2", "--batch-rows", "200", "--checkpoint-dir", checkpointDir, "--no-progress"];

      const fresh = await run([...args, "--target-dir", targetDir]);
      expect([fresh.code, fresh.out]).toEqual([2, ""]);
      expect(fresh.err).toContain(`--checkpoint-dir ${checkpointDir} holds the checkpoint of an unfinished migration: add --resume to finish it, or give it up with 'ampsim abandon --checkpoint-dir ${checkpointDir} --target-dir ${targetDir}'`);
      const elsewhere = await run([...args, "--target-dir", path.join(dir, "other"), "--resume"]);
      expect(elsewhere.code).toBe(1);
      expect(elsewhere.err).toContain(`error CHECKPOINT_MISMATCH: cannot resume from ${path.join(checkpointDir, "checkpoint.json")} on the target`);
      expect(elsewhere.err).toContain(`give it up with 'ampsim abandon --checkpoint-dir ${checkpointDir} --target-dir ${path.join(dir, "other")}'`);
      for (const { err } of [fresh, elsewhere]) expect(err).not.toMatch(/resume: true|abandonMigration/);

      expect((await run(["abandon", "--checkpoint-dir", checkpointDir])).err).toContain("abandon needs --target-dir DIR");
      const abandoned = await run(["abandon", "--checkpoint-dir", checkpointDir, "--target-dir", targetDir]);
      expect(abandoned.code, abandoned.err).toBe(0);
      expect(abandoned.out).toContain(`Abandoned the migration checkpointed in ${checkpointDir} (its checkpoint is removed); dropped from the target in ${targetDir}:`);
      for (const table of [...staging, "lab.uniform"]) expect(abandoned.out).toContain(`  ${table}\n`);
      const after = Engine.open(targetDir);
      expect(after.allTables().filter((t) => t.startsWith('"$staging"') || t === "lab.uniform")).toEqual([]);
      expect(fs.existsSync(path.join(checkpointDir, "checkpoint.json"))).toBe(false);
      const again = await run(["abandon", "--checkpoint-dir", checkpointDir, "--target-dir", targetDir]);
      expect([again.code, again.err.split("\n")[0]]).toEqual([2, `ampsim: --checkpoint-dir ${checkpointDir} holds no checkpoint (checkpoint.json): a finished or abandoned migration removes it, so nothing is left to give up`]);
      const resume = await run([...args, "--target-dir", targetDir, "--resume"]);
      expect([resume.code, resume.err]).toEqual([2, expect.stringContaining("--resume: --checkpoint-dir")]);
      // Given up, the migration runs afresh.
      const rerun = await run([...args, "--target-dir", targetDir, "--json"]);
      expect([rerun.code, JSON.parse(rerun.out).rows]).toEqual([0, 3_000]);
      expect((await run(["help", "abandon"])).out).toContain("Usage: ampsim abandon --checkpoint-dir DIR --target-dir DIR");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the soak script (npm run soak) answers a bad option with one usage line and exit 2, not a stack trace; --help prints its usage", () => {
    for (const [args, says] of [[["--bogus"], "Unknown option '--bogus'"], [["--seeds", "0x10"], "--seeds must be an integer in 1..9007199254740991, but found '0x10'"], [["--seeds"], "--seeds needs a value"]] as const) {
      const result = spawnSync(process.execPath, ["--import", "tsx", path.resolve("test/soak.ts"), ...args], { encoding: "utf8" });
      expect([result.status, result.stdout, result.stderr], args.join(" ")).toEqual([2, "", `soak: ${says} (usage: npm run soak -- --seeds N [--from FIRST]; --help for more)\n`]);
    }
    const help = spawnSync(process.execPath, ["--import", "tsx", path.resolve("test/soak.ts"), "--help"], { encoding: "utf8" });
    expect([help.status, help.stderr]).toEqual([0, ""]);
    expect(help.stdout).toMatch(/^Usage: npm run soak -- \[--seeds N\] \[--from FIRST\]\n/);
    expect(help.stdout, "no seed runs").not.toMatch(/\d+ seeds from \d+:/);
  });

  it("the bin entry runs through node", () => {
    const out = execFileSync(process.execPath, [path.resolve("bin/ampsim.js"), "--help"], { encoding: "utf8" });
    expect(out).toContain("Usage: ampsim <command> [options]");
  });

  it("the bin entry ends quietly with SIGPIPE's status 141 when its reader stops early (a closed pipe)", async () => {
    // demo's first line comes before the migration, its report after: the reader is gone by then.
    const child = spawn(process.execPath, [path.resolve("bin/ampsim.js"), "demo", "--rows", "20000", "--medium", "memory", "--no-progress"], { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    child.stderr.on("data", (chunk: Buffer) => { err += chunk.toString(); });
    child.stdout.once("data", () => child.stdout.destroy()); // like `| head -1`
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect([code, err]).toEqual([141, ""]);
  });

  it("a closed stdout never cuts a migration short: the run finishes on its durable target, then exits 141; a failed run keeps its code and error", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ampsim-cli-pipe-"));
    try {
      const targetDir = path.join(dir, "t");
      // demo writes its first line before migrating: the reader is gone by then, as with `| head -0`.
      const args = ["demo", "--rows", "3000", "--medium", "pipe", "--target-dir", targetDir, "--no-progress"];
      const first = await runBin(args, { closeStdout: true });
      expect([first.code, first.err]).toEqual([141, ""]);
      const target = Engine.open(targetDir);
      expect(target.tables().sort()).toEqual(["shop.events", "shop.orders", "shop.products"]);
      expect(target.allTables().filter((t) => t.startsWith('"$staging"'))).toEqual([]);
      expect(target.rowCount("shop.orders")).toBe(3000);
      const again = await runBin(args, { closeStdout: true });
      expect(again.code).toBe(1);
      expect(again.err).toMatch(/^error TABLE_EXISTS: table shop\.\w+ already exists/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
