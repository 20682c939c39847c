#!/usr/bin/env node
// `npm run build [-- --out DIR]`: ampsim as built JavaScript in DIR (default dist/), a package of
// its own that runs on plain Node — no tsx, no TypeScript sources:
//   DIR/engine, migrator, sim, cli   the sources compiled by tsc (tsconfig.build.json), with .d.ts
//   DIR/engine/executor/worker-entry.mjs   the pool's worker entry (plain JavaScript already)
//   DIR/bin/ampsim.js                the CLI, importing the compiled cli/main.js
//   DIR/package.json, README.md      exports pointing at the .js files; dependencies without tsx
// Publish with `npm publish DIR`. The sources' package (exports → .ts, run under tsx) is unchanged.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const outFlag = args.indexOf("--out");
const known = outFlag >= 0 ? 2 : 0;
if (args.length !== known || (outFlag >= 0 && (outFlag !== 0 || args[1].startsWith("--")))) {
  console.error("usage: npm run build [-- --out DIR]   (default DIR: dist)");
  process.exit(2);
}
const out = path.resolve(outFlag >= 0 ? args[outFlag + 1] : path.join(root, "dist"));
if (out === root || root.startsWith(out + path.sep)) {
  console.error(`build: --out ${out} would hold the sources; choose an empty directory`);
  process.exit(2);
}

fs.rmSync(out, { recursive: true, force: true });
const tsc = path.join(root, "node_modules", ".bin", "tsc");
const compiled = spawnSync(tsc, ["-p", path.join(root, "tsconfig.build.json"), "--outDir", out], { stdio: "inherit" });
if (compiled.status !== 0) {
  console.error(`build: tsc failed (${compiled.error?.message ?? `exit ${compiled.status}`})`);
  process.exit(1);
}

fs.copyFileSync(path.join(root, "engine/executor/worker-entry.mjs"), path.join(out, "engine/executor/worker-entry.mjs"));
fs.copyFileSync(path.join(root, "README.md"), path.join(out, "README.md"));
fs.mkdirSync(path.join(out, "bin"), { recursive: true });
fs.writeFileSync(path.join(out, "bin/ampsim.js"), `#!/usr/bin/env node
// The \`ampsim\` command, built: the compiled CLI (see the sources' bin/ampsim.js).
const { runProcess } = await import("../cli/main.js");
process.exitCode = await runProcess(process.argv.slice(2));
`, { mode: 0o755 });

const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
const exports = Object.fromEntries(Object.entries(pkg.exports).map(([subpath, source]) => {
  const js = source.replace(/\.ts$/, ".js");
  return [subpath, { types: js.replace(/\.js$/, ".d.ts"), default: js }];
}));
const { tsx: _runsSourcesOnly, ...dependencies } = pkg.dependencies;
const built = {
  name: pkg.name, version: pkg.version, description: pkg.description, type: "module", license: pkg.license,
  engines: pkg.engines, bin: { ampsim: "bin/ampsim.js" }, exports, dependencies,
};
fs.writeFileSync(path.join(out, "package.json"), JSON.stringify(built, null, 2) + "\n");
console.log(`built ampsim ${pkg.version} into ${path.relative(process.cwd(), out) || "."}`);
