#!/usr/bin/env node
// The `ampsim` command: loads the TypeScript CLI through tsx.
import { register } from "tsx/esm/api";

register();
// Output piped into a reader that stops early (`ampsim compare | head -1`): end quietly, as a Unix tool
// killed by SIGPIPE does, with its status 128 + 13 (the work was cut short; `set -o pipefail` sees it).
process.stdout.on("error", (error) => {
  if (error.code !== "EPIPE") throw error;
  process.exit(141);
});
const { main } = await import("../cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
