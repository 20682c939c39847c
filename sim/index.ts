/**
 * The simulator's public surface: every export by name. Internals stay unexported.
 */
export { Prng, seedFromEnv, replayHint } from "./prng.js";
export type { Seed } from "./prng.js";
export { DataGenerator, keyString } from "./data-generator.js";
export type { Distribution, ColumnSpec, Ratio } from "./data-generator.js";
export { scenario, loadScenario, SCENARIO_NAMES, DEFAULT_SEED } from "./scenarios.js";
export type { Scenario, TableScenario, ScenarioName, ScenarioOptions } from "./scenarios.js";
