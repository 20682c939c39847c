/**
 * The engine's public surface: every export by name. Internals stay unexported.
 */
export { Engine, skewFactorOf } from "./engine.js";
export type { EngineOptions, OpenOptions, SqlResult, ScanRequest, SkewReport, WhereInput, AmpRows, PlacedRows, PlacedPart } from "./engine.js";
export type { StorageFaults, StorageFaultPoint } from "./storage/durable-store.js";
export { HashMap, movedBuckets, minimalMoves } from "./hash/hash-map.js";
export { rowHash, rowHashColumns, canonicalKeyBytes, bucketOf } from "./hash/row-hash.js";
export { murmur3, murmur3Finalize, murmur3MixBlock, murmur3ScrambleBlock } from "./hash/murmur3.js";
export { AmpsimError, checkOptionNames, errorText, isAmpsimError, ERROR_CODES, showValue } from "./errors.js";
export type { ErrorCode, ErrorDetails } from "./errors.js";
export { types, typeToSql, typeToString, arrowTypeOf, COLUMN_TYPE_KINDS } from "./catalog/column-type.js";
export type { ColumnType } from "./catalog/column-type.js";
export type { TableDefinition, ColumnDefinition, PrimaryIndex, SecondaryIndex, TableKind, Setness } from "./catalog/table-definition.js";
export { qualifiedName, quoteIdentifierIfNeeded } from "./catalog/table-definition.js";
export { parseSql, parsePredicate, parseColumnType, parseQualifiedName } from "./catalog/sql-parser.js";
export { renderTableDdl } from "./catalog/ddl-writer.js";
export type { Predicate, Literal, CompareOperator } from "./steps/predicate.js";
export type { AggregateSpec, AggregateOptions, AggregateFunction } from "./steps/aggregate.js";
export type { InsertInput } from "./steps/input-columns.js";
export { Trace, MESSAGE_BYTES } from "./trace.js";
export { rowsOf, plainValue, takeRows } from "./plain-rows.js";
export type { TraceStep, AmpWork, Transfer, StepKind, StepScope } from "./trace.js";
// Executors and the building blocks of kernels (columnar work that runs inline or on a worker pool).
export { createExecutor, INLINE, TaskWindow, workersAvailable } from "./executor/executor.js";
export type { Executor, ExecutorKind, ExecutorSpec, KernelRef } from "./executor/executor.js";
export { defineKernel, transferResult } from "./executor/worker.js";
export type { Transferring } from "./executor/worker.js";
export { packData, packedProblem, unpackData, ownedBytes } from "./executor/transport.js";
export { isSharedData, isSharedView, withArena } from "./storage/shared-storage.js";
export type { PackedData } from "./executor/transport.js";
export { inputColumns } from "./steps/input-columns.js";
export { gatherData } from "./storage/column-data.js";
export { groupRows } from "./storage/radix-sort.js";
export { countGroups, rowsOfGroup, scatterData, scatterUint32 } from "./storage/scatter.js";
export { placeColumns, sharedBuckets, PLACE_KERNELS } from "./steps/place-kernel.js";
export type { PackedPiece, PlacedBatch, Placer, PlaceRowsInput } from "./steps/place-kernel.js";
export { instantiateWasm, type WasmInstance } from "./wasm.js";
