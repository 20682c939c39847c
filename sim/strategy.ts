/**
 * The strategy harness's plug-in point: a migration algorithm. The staged
 * parallel migration implements it, and so do the built-ins single-stream,
 * direct and bucket-move; a researcher adds one in a single file (see
 * examples/custom-strategy.ts) without touching the harness.
 *
 * A strategy moves `tables` from `source` to `target` and returns a
 * MigrationReport whose trace (labelled by phase, table and stream) the
 * simulator replays. The harness checks its result itself, the same way for
 * every strategy.
 */
import type { Engine } from "../engine/index.js";
import type { MediumSpec, MigrationReport } from "../migrator/index.js";
import type { Prng } from "./prng.js";

export interface StrategyContext {
  readonly source: Engine;
  readonly target: Engine;
  /** Qualified names of the source tables to move. */
  readonly tables: readonly string[];
  /** Parallelism the strategy may use (streams, or ignored). */
  readonly streams: number;
  readonly medium: MediumSpec;
  /** The run's seeded randomness, for strategies that choose at random. */
  readonly prng: Prng;
}

export interface MigrationStrategy {
  readonly name: string;
  readonly description: string;
  /** Null when the strategy can run on these systems, else why not (e.g. bucket-move needs a rebalanced map). */
  applicable?(context: StrategyContext): string | null;
  run(context: StrategyContext): Promise<MigrationReport>;
}
