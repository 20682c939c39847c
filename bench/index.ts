/**
 * The benchmark suites, for running one from a notebook or another script.
 * `npm run bench` runs them all (bench/run.ts).
 */
export { hashSuite } from "./hash-suite.js";
export { insertSuite } from "./insert-suite.js";
export { readSuite } from "./read-suite.js";
export { archiveSuite } from "./archive-suite.js";
export { migrationSuite } from "./migration-suite.js";
export { executorSuite } from "./executor-suite.js";
export { profileSuite } from "./profile-suite.js";
export { fidelitySuite } from "./fidelity-suite.js";
export { peersSuite } from "./peers.js";
export { ReferenceRedistributor, type ReferenceOptions } from "./reference-redistribute.js";
export { benchBatches, benchEngine, benchGenerator, benchSource, BENCH_DDL, BENCH_TABLE } from "./bench-data.js";
export type { Measurement, Ratio } from "./bench-util.js";
