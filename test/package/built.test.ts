// ampsim as published: `npm run build` compiles it to plain JavaScript, which a consumer imports
// through the package's exports and runs on plain Node — the worker pool included, with no tsx
// installed at all (its absence is checked, so nothing can fall back to it quietly).
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(".");
let app: string;

/** `node args…` in the consumer app, without the test runner's loader options. */
function runNode(args: string[]) {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return spawnSync(process.execPath, args, { cwd: app, env, encoding: "utf8", timeout: 120_000 });
}

beforeAll(() => {
  app = fs.mkdtempSync(path.join(os.tmpdir(), "ampsim-built-"));
  const modules = path.join(app, "node_modules");
  fs.mkdirSync(modules);
  execFileSync(process.execPath, [path.join(ROOT, "scripts/build.mjs"), "--out", path.join(modules, "ampsim")], { encoding: "utf8" });
  // The consumer's dependencies: every installed package but tsx (and the sources' own).
  for (const name of fs.readdirSync(path.join(ROOT, "node_modules"))) {
    if (name === "tsx" || name === ".bin" || name.startsWith(".")) continue;
    fs.symlinkSync(path.join(ROOT, "node_modules", name), path.join(modules, name));
  }
  fs.writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "consumer", type: "module", private: true }));
}, 120_000);

afterAll(() => { if (app) fs.rmSync(app, { recursive: true, force: true }); });

describe("the built package", () => {
  it("holds JavaScript and declarations for every export, the worker entry, and a package.json without tsx", () => {
    const dir = path.join(app, "node_modules/ampsim");
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
    const sources = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    expect(Object.keys(pkg.exports)).toEqual(Object.keys(sources.exports));
    for (const target of Object.values(pkg.exports) as { types: string; default: string }[]) {
      expect(target.default).toMatch(/\.js$/);
      expect(fs.existsSync(path.join(dir, target.default))).toBe(true);
      expect(fs.existsSync(path.join(dir, target.types))).toBe(true);
    }
    expect(fs.existsSync(path.join(dir, "engine/executor/worker-entry.mjs"))).toBe(true);
    expect(pkg.dependencies).toEqual({ "apache-arrow": sources.dependencies["apache-arrow"], piscina: sources.dependencies.piscina });
    expect(pkg.version).toBe(sources.version);
    const ts = fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"));
    expect(ts).toEqual([]);
  });

  it("runs a staged migration on the worker pool from the built JavaScript, imported as ampsim/engine and ampsim/migrator", () => {
    fs.writeFileSync(path.join(app, "main.mjs"), `
      import { Engine, createExecutor } from "ampsim/engine";
      import { migrate } from "ampsim/migrator";
      import { tableFromArrays } from "apache-arrow";
      let tsx = "missing";
      try { await import("tsx/esm/api"); tsx = "installed"; } catch {}
      const pool = createExecutor({ kind: "pool", threads: 2 });
      try {
        const source = new Engine({ name: "old", amps: 4, executor: pool });
        source.sql("CREATE TABLE t (id INTEGER NOT NULL, v VARCHAR(20)) UNIQUE PRIMARY INDEX (id);");
        const ids = Int32Array.from({ length: 50000 }, (_, i) => i * 7);
        source.insert("t", tableFromArrays({ id: ids, v: Array.from(ids, (i) => "v" + i) }));
        const target = new Engine({ name: "new", amps: 6, executor: pool });
        const report = await migrate({ source, target, streams: 3 });
        console.log(JSON.stringify({ tsx, ok: report.ok, rows: report.rows, stored: target.rowCount("t"), executor: pool.kind }));
      } finally { await pool.close(); }
    `);
    const run = runNode(["main.mjs"]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout.trim().split("\n").at(-1)!);
    expect(result).toEqual({ tsx: "missing", ok: true, rows: 50000, stored: 50000, executor: "pool" });
  }, 120_000);

  it("runs the CLI from the built bin", () => {
    const run = runNode(["node_modules/ampsim/bin/ampsim.js", "migrate", "--rows", "3000", "--executor", "pool", "--no-progress"]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Verification: all 1 table\(s\) match/);
  }, 120_000);

  it("refuses build arguments it does not know, and an output directory that would hold the sources", () => {
    for (const args of [["--bad"], ["--out"], ["dist", "--out"], ["--out", "--verbose"]]) {
      const run = runNode([path.join(ROOT, "scripts/build.mjs"), ...args]);
      expect(run.status, args.join(" ")).toBe(2);
      expect(run.stderr).toMatch(/usage: npm run build/);
    }
    const into = runNode([path.join(ROOT, "scripts/build.mjs"), "--out", ROOT]);
    expect(into.status).toBe(2);
    expect(into.stderr).toContain(`--out ${ROOT} would hold the sources`);
  });
});
