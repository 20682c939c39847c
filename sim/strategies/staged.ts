/**
 * The staged parallel migration (migrator/migrate.ts) as a harness strategy:
 * archive modules → medium → restore modules → staging tables → one atomic
 * insert-select per table → verify.
 */
import { migrate } from "../../migrator/index.js";
import type { MigrationStrategy } from "../strategy.js";

export const stagedStrategy: MigrationStrategy = {
  name: "staged",
  description: "S archive/restore pairs over the medium into staging tables, then one atomic insert-select per table",
  run: (context) => migrate({ source: context.source, target: context.target, tables: context.tables, streams: context.streams, medium: context.medium }),
};
