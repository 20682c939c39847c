/**
 * The report a migration returns: plain data (JSON-serializable but for the
 * trace's nothing-special objects), read by the CLI, notebooks and the harness.
 */
import type { TraceStep } from "../engine/index.js";
import type { PhaseName, StagingLayout } from "./plan.js";

export interface SystemSummary {
  readonly name: string;
  readonly amps: number;
  readonly hashBits: number;
}

export interface PhaseReport {
  readonly phase: PhaseName;
  readonly startMs: number;
  readonly elapsedMs: number;
}

export interface StreamReport {
  readonly table: string;
  readonly stream: number;
  readonly cluster: readonly number[];
  /** Rows this run carried (a resumed stream: those after its restore point; `rowsBefore` holds the others). */
  readonly rows: number;
  readonly batches: number;
  /** Bytes of Arrow IPC payload carried. */
  readonly bytes: number;
  /** Bytes that crossed the medium (frames or files). */
  readonly mediumBytes: number;
  readonly staging: string;
  readonly startMs: number;
  readonly archiveMs: number;
  readonly restoreMs: number;
  readonly elapsedMs: number;
  readonly rowsPerSecond: number;
  readonly bytesPerSecond: number;
  /** A resumed stream: the batches its staging table already held (0 for a fresh stream; -1: finished before the resume). */
  readonly resumedFromBatch?: number;
  /** A resumed run: rows the stream's staging table held from earlier attempts (rows + rowsBefore is the stream's whole share). */
  readonly rowsBefore?: number;
}

export interface TableReport {
  readonly table: string;
  readonly rows: number;
  readonly sourceChecksum: string;
  readonly targetChecksum: string;
  /** Rows the target held before (ifExists "append"). */
  readonly rowsBefore: number;
  readonly verified: boolean;
  /** Every target row sits on the AMP its row hash assigns (always true for NoPI tables). */
  readonly placementVerified: boolean;
  /** Verification buckets whose checksums differ, at `bucketBits` bits. */
  readonly mismatchedBuckets: readonly number[];
  readonly bucketBits: number;
  readonly sourceAmpRows: readonly number[];
  readonly targetAmpRows: readonly number[];
  readonly sourceSkewFactor: number;
  readonly targetSkewFactor: number;
  /**
   * The target table's secondary indexes, whose rows the insert-select also wrote (bytes of an
   * index row, hidden bytes included); what `predict` prices for them. Absent: none priced.
   */
  readonly secondaryIndexes?: readonly { readonly unique: boolean; readonly bytesPerRow: number }[];
}

export interface TargetAmpReport {
  readonly amp: number;
  /** Rows of the migrated tables on this AMP after the migration. */
  readonly rows: number;
  /** Bytes this AMP sent and received through the interconnect during insert-select. */
  readonly interconnectBytesSent: number;
  readonly interconnectBytesReceived: number;
  /** Bytes of staging tables on this AMP at the end of the transfer (their peak). */
  readonly peakStagingBytes: number;
}

export interface MigrationReport {
  readonly kind: "migration-report";
  /** The algorithm that moved the rows: "staged" for migrate(); the harness's strategies name theirs. */
  readonly strategy: string;
  readonly ok: boolean;
  readonly source: SystemSummary | null;
  readonly target: SystemSummary;
  readonly medium: string;
  readonly staging: StagingLayout;
  readonly streams: number;
  /** The tables moved at once rather than one after another (MigrateOptions.parallelTables); absent: one after another. */
  readonly parallelTables?: boolean;
  /** Rows per archived batch; ignored when `batchBytes` is set. */
  readonly batchRows: number;
  /** About this many bytes per archived batch, when the batch size was given in bytes; else null. */
  readonly batchBytes: number | null;
  readonly elapsedMs: number;
  readonly rows: number;
  /** This run resumed a checkpoint. */
  readonly resumed?: boolean;
  /**
   * Batches that may have been sent twice because of the interruption: at most one per stream that
   * was cut short (with a checkpoint, an archive module sends a batch only after the previous one
   * committed). Over intermediate storage, which is store-and-forward and keeps no batch in flight,
   * every batch a cut-short stream sent from its restore point on (its restore module skips those
   * its staging table holds).
   */
  readonly resentBatches?: number;
  readonly phases: readonly PhaseReport[];
  readonly streamReports: readonly StreamReport[];
  readonly tables: readonly TableReport[];
  readonly sourceAmps: readonly { readonly amp: number; readonly rows: number }[];
  readonly targetAmps: readonly TargetAmpReport[];
  readonly trace: { readonly source: readonly TraceStep[]; readonly target: readonly TraceStep[] };
}
