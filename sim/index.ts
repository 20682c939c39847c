/**
 * The simulator's public surface: every export by name. Internals stay unexported.
 */
export { Prng, seedFromEnv, replayHint } from "./prng.js";
export type { Seed } from "./prng.js";
export { DataGenerator, keyString } from "./data-generator.js";
export type { Distribution, ColumnSpec, Ratio } from "./data-generator.js";
export { scenario, loadScenario, SCENARIO_NAMES, DEFAULT_SEED } from "./scenarios.js";
export type { Scenario, TableScenario, ScenarioName, ScenarioOptions } from "./scenarios.js";
export { HARDWARE, HARDWARE_NAMES, hardwareProfile, calibrate, checkProfile, workMs, transferMs } from "./hardware.js";
export type { HardwareProfile, HardwareName, MediumProfile, CpuProfile, CalibrateOptions } from "./hardware.js";
export { workloadFromReport, workloadFromTrace, WorkloadBuilder, DEFAULT_LAYOUT } from "./workload.js";
export type { Workload, Task, TaskWork, Resource, ResourceKind, WorkOp, SystemSide, WorkloadLayout } from "./workload.js";
export { simulate, simulateReport } from "./timeline.js";
export type { Timeline, PhaseSpan, StreamSpan, AmpSpan, ResourceUse, CriticalStep } from "./timeline.js";
export { predict, analyticInputFromReport } from "./analytic.js";
export type { AnalyticInput, AnalyticTable } from "./analytic.js";
export type { MigrationStrategy, StrategyContext } from "./strategy.js";
export { BUILTIN_STRATEGIES, strategyByName, stagedStrategy, singleStreamStrategy, directStrategy, bucketMoveStrategy, ReportBuilder } from "./strategies/index.js";
export { compare, checkInvariant } from "./compare.js";
export type { CompareOptions, Comparison, ComparisonRow } from "./compare.js";
export { renderComparisonMarkdown, renderComparisonSvg, summarize } from "./compare-render.js";
export { svgHistogram, svgGantt, svgBarChart, escapeXml } from "./charts.js";
export type { GanttLane } from "./charts.js";
export { FaultPlan, FAULT_POINTS } from "./fault-plan.js";
export type { FaultKind, FaultPlanOptions, InjectedFault } from "./fault-plan.js";
export { faultCase, runFaultCase, replayCommand, describeFailure } from "./fault-simulation.js";
export type { FaultCase, FaultCaseResult } from "./fault-simulation.js";
