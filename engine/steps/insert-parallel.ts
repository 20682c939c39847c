/**
 * The redistributing insert-select on a worker pool (Engine.insertSelectAsync):
 *
 * 1. plan and read the source pieces on the calling thread, as the inline statement would
 *    (same pieces, same WHERE);
 * 2. send each input (a source AMP's stored runs) to the pool: its rows are hashed by the
 *    target's primary index and scattered into one set of buffers per target AMP (`placeRows`);
 *    shared runs (EngineOptions.sharedStorage) are read in place, others are copied once for
 *    the workers (stored runs are never moved away), and the runs are not concatenated; the
 *    results come back moved;
 * 3. one statement stores every input's parts on their AMPs in the inline statement's order, so
 *    the target's runs, row order, uniqueness numbers and trace are the same as inline.
 */
import type { TableEntry } from "../catalog/catalog.js";
import { arrowTypeOf } from "../catalog/column-type.js";
import { TaskWindow, type Executor, type KernelRef } from "../executor/executor.js";
import { packCopy, packData, unpackData } from "../executor/transport.js";
import type { HashMap } from "../hash/hash-map.js";
import { isSharedData } from "../storage/shared-storage.js";
import { rowsOfGroup } from "../storage/scatter.js";
import type { StatementContext } from "./context.js";
import { insertSelectRecorder, readPieces, statementStore, type InsertSelectPlan, type Piece } from "./insert.js";
import { PLACE_KERNELS, sharedBuckets, type PackedPiece, type PlacedBatch, type Placer, type PlaceRowsInput } from "./place-kernel.js";
import { ampsOfRows, concatAmps, piColumnIndexes, storePlaced } from "./store-rows.js";

const PLACE_ROWS: KernelRef = { module: PLACE_KERNELS, name: "placeRows" };

/** Where the target's rows go. */
export function placerOf(target: TableEntry, hashMap: HashMap): Placer {
  return { table: target.qualifiedName, columns: target.definition.columns, pi: piColumnIndexes(target), hashBits: hashMap.hashBits, buckets: sharedBuckets(hashMap), amps: hashMap.amps };
}

/**
 * Every input holding rows (the pieces of one source AMP, readAmpInputs), placed on the pool (a
 * bounded number in flight), its pieces scattered as one input: the worker reads shared columns
 * in place and gets a copy of the others, moved.
 */
export async function placeInputs(executor: Executor, placer: Placer, inputs: readonly (readonly Piece[][])[]): Promise<Map<Piece[], PlacedBatch>> {
  const placed = new Map<Piece[], PlacedBatch>();
  const window = new TaskWindow(2 * executor.threads);
  for (const input of inputs.flat()) {
    const pieces = input.filter((p) => p.length > 0);
    if (pieces.length === 0) continue;
    // The columns are views of stored runs: shared ones (EngineOptions.sharedStorage) are read in
    // place, others are copied for the worker, moved. The worker scatters the pieces as one input.
    const transfer: ArrayBuffer[] = [];
    const packedPieces: PackedPiece[] = pieces.map((p) => ({ packed: p.columns.map((c) => (isSharedData(c) ? packData(c) : packCopy(c, transfer))), length: p.length }));
    const request: PlaceRowsInput = { ...placer, pieces: packedPieces };
    if (!await window.add(async () => { placed.set(input, await executor.run<PlaceRowsInput, PlacedBatch>(PLACE_ROWS, request, transfer)); })) break;
  }
  await window.drain();
  return placed;
}

/** Stores the placed inputs as the inline insert-select would, in one statement; returns the rows inserted. */
export function commitPlaced(ctx: StatementContext, plan: InsertSelectPlan, inputs: readonly (readonly Piece[][])[], placed: ReadonlyMap<Piece[], PlacedBatch>): number {
  const { target } = plan;
  const recorder = insertSelectRecorder(ctx, plan);
  const types = target.definition.columns.map((c) => arrowTypeOf(c.type));
  const statement = statementStore(ctx, target, recorder);
  let length = 0;
  for (let amp = 0; amp < ctx.system.amps; amp++) {
    const kept = new Set(readPieces(recorder, target, amp, inputs[amp].flat()));
    for (const input of inputs[amp]) {
      const pieces = input.filter((p) => kept.has(p));
      if (pieces.length === 0) continue;
      const batch = placed.get(input);
      if (batch === undefined || batch.rows !== rowsIn(pieces)) throw new Error(`insert-select into ${target.qualifiedName}: an input of AMP ${amp} came back from the pool without its rows`);
      const parts = batch.parts.map((part) => ({ amp: part.amp, rowHash: part.rowHash, columns: part.columns.map((packed, k) => unpackData(types[k], packed)) }));
      // Input row numbers, as the inline statement gives them in errors: the input placed again, only if asked.
      let ampOfRow: Uint16Array | null = null;
      const ampsOfInput = () => concatAmps(pieces.map((p) => ampsOfRows(ctx.system.hashMap, target, p.columns, p.length)));
      const rowsOf = (p: number, count: number) => rowsOfGroup(ampOfRow ??= ampsOfInput(), parts[p].amp, count);
      statement.placed(amp, parts, rowsOf);
      length += batch.rows;
    }
  }
  statement.commit();
  ctx.record(recorder.finish(length));
  return length;
}

function rowsIn(pieces: readonly Piece[]): number {
  return pieces.reduce((n, p) => n + p.length, 0);
}
