/**
 * The built-in migration strategies, by name.
 */
import { AmpsimError } from "../../engine/index.js";
import type { MigrationStrategy } from "../strategy.js";
import { bucketMoveStrategy } from "./bucket-move.js";
import { directStrategy } from "./direct.js";
import { singleStreamStrategy } from "./single-stream.js";
import { stagedStrategy } from "./staged.js";

export { bucketMoveStrategy, directStrategy, singleStreamStrategy, stagedStrategy };
export { ReportBuilder } from "./report-builder.js";

export const BUILTIN_STRATEGIES: Readonly<Record<string, MigrationStrategy>> = Object.freeze({
  staged: stagedStrategy,
  "single-stream": singleStreamStrategy,
  direct: directStrategy,
  "bucket-move": bucketMoveStrategy,
});

/** A built-in strategy by name; BAD_CONFIG listing the names otherwise. */
export function strategyByName(name: string): MigrationStrategy {
  const strategy = BUILTIN_STRATEGIES[name];
  if (!strategy) throw new AmpsimError("BAD_CONFIG", `unknown strategy "${name}"; built-in strategies: ${Object.keys(BUILTIN_STRATEGIES).join(", ")}`, { option: "strategies" });
  return strategy;
}
