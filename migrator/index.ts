/**
 * The migrator's public surface: every export by name.
 */
export { migrate, MigrationRun } from "./migrate.js";
export type { MigrateOptions, MigrationPlan, TablePlan, MediumSpec, StagingLayout, IfExists, ProgressEvent, PhaseName } from "./plan.js";
export { planMigration, defaultClusters } from "./plan.js";
export type { MigrationReport, StreamReport, TableReport, PhaseReport, TargetAmpReport, SystemSummary } from "./migration-report.js";
export { ArchiveModule } from "./archive-module.js";
export { RestoreModule } from "./restore-module.js";
export { BufferPool } from "./buffer-pool.js";
export type { Frame, FrameSink, FrameSource, StreamChannel, StreamId, TransferMedium, MediumKind, OpenOptions } from "./media/transfer-medium.js";
export { STAGING_DATABASE } from "./staging.js";
export { crc32 } from "./crc32.js";
export { decodeBatch } from "./archive-format.js";
export { archive, restore } from "./archive.js";
export type { ArchiveOptions, ArchiveReport, RestoreOptions } from "./archive.js";
export { createMedium, MemoryMedium, PipeMedium, NetworkMedium, StorageMedium } from "./media/index.js";
export type { ArchiveManifest } from "./media/index.js";
export { verifyCopy, readChecksums, copyDefinition, skewFactorOf } from "./verify.js";
export type { TableReading } from "./verify.js";
export { withLabels } from "./labels.js";
export { liveSource } from "./migrate.js";
export type { SourceSide } from "./migrate.js";
export { InjectedCrash } from "./faults.js";
export type { FaultHooks, FaultSite, FaultPointName } from "./faults.js";
export { Checkpoint, CHECKPOINT_FILE, abandonMigration } from "./checkpoint.js";
