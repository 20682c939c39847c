/**
 * `ampsim demo`: the guided tour — a 4-AMP source with three tables (about a
 * million rows: orders with a unique PI, skewed events with a non-unique PI,
 * a small dimension table; NULLs and strings) migrated to a 6-AMP target with
 * 3 streams over an OS pipe, with live progress and the report.
 */
import { MIGRATE_OPTIONS, reportJson, runSetup, setupMigration, writeHtmlReport, type MigrateSetup } from "./migrate-command.js";
import { parseOptions } from "./options.js";
import { renderMigrationReport } from "./report-text.js";

export const DEMO_HELP = `Usage: ampsim demo [options]

Migrates the demo scenario — shop.orders (unique PI), shop.events (skewed
non-unique PI with NULLs) and shop.products (small) — from a 4-AMP source to a
6-AMP target with 3 streams over an OS pipe, then prints phases, streams,
per-AMP histograms before and after, and the verification.

Every 'ampsim migrate' option works here too (defaults: --scenario demo
--streams 3 --medium pipe --rows 600000; --rows N takes 0 to 5e7), e.g.:
  ampsim demo --medium network --staging nopi
  ampsim demo --rows 60000 --json`;

interface Output { write(text: string): unknown; isTTY?: boolean; columns?: number }

export async function runDemo(args: readonly string[], out: Output, err: Output): Promise<number> {
  const values = parseOptions(args, MIGRATE_OPTIONS);
  if (values.help) { out.write(`${DEMO_HELP}\n`); return 0; }
  const setup = setupMigration(values, { streams: 3, medium: "pipe", rows: 600_000, scenario: "demo" });
  if (!setup.json) {
    out.write(`ampsim demo: ${migrated(setup)} on a ${setup.source.amps}-AMP source → ${setup.target.amps}-AMP target, ${setup.options.streams} streams over ${typeof setup.options.medium === "string" ? setup.options.medium : setup.options.medium?.kind}\n`);
  }
  const report = await runSetup(setup, err);
  out.write(setup.json ? `${reportJson(report)}\n` : `${renderMigrationReport(report)}\n`);
  writeHtmlReport(values.report, report);
  return 0;
}

/** The tables the demo migrates: the scenario's when it generates them, else those of the stored source, by name. */
function migrated(setup: MigrateSetup): string {
  if (setup.generate) return plural(setup.scenario.tables.length, "table");
  const names = setup.source.tables();
  return `${plural(names.length, "table")} stored in --source-dir ${setup.source.dir ?? ""} (${names.join(", ")})`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
