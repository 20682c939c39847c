#!/usr/bin/env node
// The `ampsim` command: loads the TypeScript CLI through tsx.
import { register } from "tsx/esm/api";

register();
// A reader that stops early (`ampsim migrate … | head -3`) mutes stdout instead of ending the process mid-work;
// the command finishes (a migration completes or cleans up) and then exits 141, as SIGPIPE would (see runProcess).
const { runProcess } = await import("../cli/main.ts");
process.exitCode = await runProcess(process.argv.slice(2));
