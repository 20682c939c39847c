/**
 * Trace labels: the migrator tags every engine step it causes with its phase,
 * table and stream, so the simulator can attribute work. Steps run
 * synchronously, so setting the labels around one call is exact even while
 * several streams interleave between calls.
 */
import type { Engine } from "../engine/index.js";

export function withLabels<T>(engine: Engine, labels: Record<string, string | number>, body: () => T): T {
  const previous = engine.trace.labels;
  engine.trace.labels = { ...previous, ...labels };
  try {
    return body();
  } finally {
    engine.trace.labels = previous;
  }
}
