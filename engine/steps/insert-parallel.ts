/**
 * The redistributing insert-select on a worker pool (Engine.insertSelectAsync):
 *
 * 1. plan and read the source pieces on the calling thread, as the inline statement would
 *    (same pieces, same WHERE);
 * 2. send each piece to the pool: its rows are hashed by the target's primary index and
 *    scattered into one set of buffers per target AMP (`placeRows`); the pieces' buffers are
 *    copied to the workers (stored runs are never moved away) and the results come back moved;
 * 3. one statement stores every piece's parts on their AMPs in the inline statement's order, so
 *    the target's runs, row order, uniqueness numbers and trace are the same as inline.
 */
import type { TableEntry } from "../catalog/catalog.js";
import { arrowTypeOf } from "../catalog/column-type.js";
import { TaskWindow, type Executor, type KernelRef } from "../executor/executor.js";
import { packCopy, unpackData } from "../executor/transport.js";
import type { HashMap } from "../hash/hash-map.js";
import type { StatementContext } from "./context.js";
import { insertSelectRecorder, readPieces, storeShares, type InsertSelectPlan, type Piece } from "./insert.js";
import { PLACE_KERNELS, sharedBuckets, type PlacedBatch, type Placer, type PlaceRowsInput } from "./place-kernel.js";
import { rowsOfGroup } from "../storage/scatter.js";
import { ampsOfRows, piColumnIndexes, storePlaced } from "./store-rows.js";

const PLACE_ROWS: KernelRef = { module: PLACE_KERNELS, name: "placeRows" };

/** Where the target's rows go. */
export function placerOf(target: TableEntry, hashMap: HashMap): Placer {
  return { table: target.qualifiedName, columns: target.definition.columns, pi: piColumnIndexes(target), hashBits: hashMap.hashBits, buckets: sharedBuckets(hashMap), amps: hashMap.amps };
}

/** Every piece holding rows, placed on the pool (a bounded number in flight). */
export async function placePieces(executor: Executor, placer: Placer, pieces: readonly (readonly Piece[])[]): Promise<Map<Piece, PlacedBatch>> {
  const placed = new Map<Piece, PlacedBatch>();
  const window = new TaskWindow(2 * executor.threads);
  for (const piece of pieces.flat()) {
    if (piece.length === 0) continue;
    // The columns are views of stored runs: the worker gets copies of their rows, moved.
    const transfer: ArrayBuffer[] = [];
    const input: PlaceRowsInput = { ...placer, packed: piece.columns.map((c) => packCopy(c, transfer)), length: piece.length };
    if (!await window.add(async () => { placed.set(piece, await executor.run<PlaceRowsInput, PlacedBatch>(PLACE_ROWS, input, transfer)); })) break;
  }
  await window.drain();
  return placed;
}

/** Stores the placed pieces as the inline insert-select would, in one statement; returns the rows inserted. */
export function commitPlaced(ctx: StatementContext, plan: InsertSelectPlan, pieces: readonly (readonly Piece[])[], placed: ReadonlyMap<Piece, PlacedBatch>): number {
  const { target } = plan;
  const recorder = insertSelectRecorder(ctx, plan);
  const types = target.definition.columns.map((c) => arrowTypeOf(c.type));
  let length = 0;
  for (let amp = 0; amp < ctx.system.amps; amp++) {
    for (const piece of readPieces(recorder, target, amp, pieces[amp])) {
      const batch = placed.get(piece);
      if (batch === undefined || batch.rows !== piece.length) throw new Error(`insert-select into ${target.qualifiedName}: a piece of AMP ${amp} came back from the pool without its rows`);
      const parts = batch.parts.map((part) => ({ amp: part.amp, rowHash: part.rowHash, columns: part.columns.map((packed, k) => unpackData(types[k], packed)) }));
      // Input row numbers, as the inline statement gives them in errors: the piece placed again, only if asked.
      let ampOfRow: Uint16Array | null = null;
      const rowsOf = (p: number, count: number) => rowsOfGroup(ampOfRow ??= ampsOfRows(ctx.system.hashMap, target, piece.columns, piece.length), parts[p].amp, count);
      storeShares(ctx, recorder, target, amp, storePlaced(ctx, target, parts, rowsOf));
      length += piece.length;
    }
  }
  ctx.record(recorder.finish(length));
  return length;
}
