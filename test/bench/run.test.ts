// The benchmark runner's command line (`npm run bench -- …`): usage errors before any suite runs,
// --help, and a quick run of the smallest suite writing both result files where --out says.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const RUN = path.resolve("bench/run.ts");
const dirs: string[] = [];
afterAll(() => { for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true }); });

function bench(args: string[]) {
  return spawnSync(process.execPath, ["--import", "tsx", RUN, ...args], { encoding: "utf8", timeout: 120_000 });
}

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ampsim-bench-"));
  dirs.push(dir);
  return dir;
}

describe("npm run bench", () => {
  it("prints its options and every suite with --help, and runs nothing", () => {
    const run = bench(["--help"]);
    expect(run.status).toBe(0);
    for (const suite of ["hash", "insert", "read", "archive", "migration", "executor", "profile", "fidelity", "peers"]) expect(run.stdout).toMatch(new RegExp(`^ +${suite} +\\S`, "m"));
    expect(run.stdout).toContain("--out DIR");
    expect(run.stdout).not.toContain("wrote");
  });

  it("refuses bad arguments with one line and exit code 2, before any suite runs", () => {
    const file = path.join(tempDir(), "a-file");
    fs.writeFileSync(file, "");
    const cases: [string[], RegExp][] = [
      [["--fast"], /^npm run bench: Unknown option '--fast' \(usage: npm run bench -- \[--quick\]/],
      [["--only", "hash,nosuch"], /^npm run bench: --only: unknown suite\(s\) "nosuch"; the suites are hash, insert/],
      [["--only", ","], /^npm run bench: --only: unknown suite\(s\) ","/],
      [["--only", "archive,archive"], /^npm run bench: --only: suite\(s\) named twice: archive$/],
      [["--out", file], new RegExp(`^npm run bench: --out ${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: not a directory results can be written to`)],
      [["--out", ""], /^npm run bench: --out: an empty path$/],
    ];
    for (const [args, message] of cases) {
      const run = bench(args);
      expect(run.status, args.join(" ")).toBe(2);
      expect(run.stderr.trim(), args.join(" ")).toMatch(message);
      expect(run.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
      expect(run.stdout, args.join(" ")).not.toContain("==");
    }
  });

  it("writes results.json and RESULTS.md with the exact command into --out, made if missing", () => {
    const out = path.join(tempDir(), "nested", "results");
    const run = bench(["--quick", "--only", "archive", "--out", out]);
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(fs.readFileSync(path.join(out, "results.json"), "utf8"));
    expect(report.command).toBe(`npm run bench -- --quick --only archive --out ${out}`);
    expect(report.quick).toBe(true);
    expect(report.machine.cores).toBe(os.cpus().length);
    const names: string[] = report.results.map((r: { name: string }) => r.name);
    for (const medium of ["memory", "pipe", "network", "storage"]) expect(names.some((n) => n.startsWith(`${medium} medium`)), medium).toBe(true);
    for (const r of report.results) expect(r.rowsPerSecond === undefined || r.rowsPerSecond > 0, r.name).toBe(true);
    const markdown = fs.readFileSync(path.join(out, "RESULTS.md"), "utf8");
    expect(markdown).toContain(`Produced by \`npm run bench -- --quick --only archive --out ${out}\``);
    expect(markdown).toMatch(/^## transfer media$/m);
    expect(run.stdout).toContain(`wrote ${path.join(out, "results.json")} and ${path.join(out, "RESULTS.md")}`);
  }, 120_000);
});
