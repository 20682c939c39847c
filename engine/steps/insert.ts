/**
 * INSERT and INSERT … SELECT.
 *
 * insert: all-AMP; each input row goes to the AMP its row hash assigns.
 * insert-select: each source AMP reads its rows; when the target has the same
 * primary index columns (and the system's one hash map), or no primary index at
 * all, every row stays on its AMP (AMP-local, no interconnect traffic); otherwise rows are redistributed
 * through the interconnect by the target's row hash, and the trace records the
 * bytes every AMP sent to every other.
 */
import type * as arrow from "apache-arrow";
import type { TableEntry } from "../catalog/catalog.js";
import { arrowTypeOf, fixedWidthOf, sameType, typeToString } from "../catalog/column-type.js";
import type { PlacedRows } from "../engine.js";
import { packedProblem, unpackData } from "../executor/transport.js";
import { AmpsimError, errorText } from "../errors.js";
import { gatherData } from "../storage/column-data.js";
import { concatRuns, type Run } from "../storage/run.js";
import { RUNS_MAX } from "../storage/fragment.js";
import { sharedStorageOn } from "../storage/shared-storage.js";
import { adjacentGroups, inTail, tailFill } from "../storage/tail.js";
import type { StatementContext } from "./context.js";
import { checkArrowColumn, convertible, inputColumns, type InsertInput } from "./input-columns.js";
import type { Predicate } from "./predicate.js";
import { selectRows } from "./predicate-eval.js";
import { writeIndexRows } from "./secondary-index.js";
import { consecutive, hashRows, piColumnIndexes, StatementStore, storePieces, storePlaced, storeRows, type AmpShare, type PlacedShare } from "./store-rows.js";
import type { StepRecorder } from "../trace.js";

export function insertRows(ctx: StatementContext, entry: TableEntry, input: InsertInput): number {
  const { columns, length } = inputColumns(entry.qualifiedName, entry.definition.columns, input);
  const recorder = ctx.recorder("insert", "all-amp", entry.qualifiedName);
  if (length > 0) {
    const result = storeRows(ctx, entry, columns, length);
    for (const share of result.shares) recorder.write(share.amp, share.run.rowCount, share.run.bytes);
    writeIndexRows(ctx, entry, result.shares, recorder);
  }
  ctx.record(recorder.finish(length));
  return length;
}

/** One SELECT * FROM source [WHERE …] of an insert-select. */
export interface InsertSource {
  readonly entry: TableEntry;
  readonly where: Predicate | null;
}

/** One source's rows on one AMP, after the WHERE, and what reading them cost (for the trace). */
export interface Piece {
  readonly source: TableEntry;
  readonly columns: arrow.Data[];
  readonly rowHash: Uint32Array;
  readonly length: number;
  readonly readRows: number;
  readonly readBytes: number;
}

/** How an insert-select reads and stores, decided before anything is read. */
export interface InsertSelectPlan {
  readonly target: TableEntry;
  readonly sources: readonly InsertSource[];
  /** Every source shares the target's placement: rows stay on their AMP. */
  readonly local: boolean;
  /** Each stored run is read as it is (no concatenation copy). */
  readonly split: boolean;
  /** Every AMP's rows must be read before any is stored (the target is also a source, and rows scatter). */
  readonly readFirst: boolean;
}

export function planInsertSelect(ctx: StatementContext, target: TableEntry, sources: readonly InsertSource[]): InsertSelectPlan {
  for (const { entry } of sources) checkCompatible(target, entry);
  const local = sources.every(({ entry }) => sharesPlacement(target, entry));
  // Scattering rows that need no uniqueness check, each stored run is read as it is (no concatenation
  // copy) while the target AMPs get few enough new runs; otherwise an AMP's runs are read as one.
  const def = target.definition;
  const checked = def.setness === "set" || def.primaryIndex?.unique === true;
  let runs = 0; let held = 0;
  for (let amp = 0; amp < ctx.system.amps; amp++) {
    held = Math.max(held, ctx.tx.fragment(amp, target.id).runs.length);
    for (const { entry } of sources) runs += ctx.tx.fragment(amp, entry.id).runs.length;
  }
  const split = !local && !checked && held + runs <= RUNS_MAX;
  // Scattering into a table that is also a source: rows scattered to a later AMP would otherwise be
  // read again (the statement sees the table as it was).
  const readFirst = !local && sources.some(({ entry }) => entry.id === target.id);
  return { target, sources, local, split, readFirst };
}

/**
 * Bytes of the runs an AMP-local insert-select concatenates into one, at least: its copies of
 * up to 16 MiB come from memory the allocator reuses, while a buffer of 32 MiB or more is fresh
 * memory from the kernel each time, with a page fault on every page (measured here: 3–4× the
 * time of the copy itself).
 */
const LOCAL_CHUNK_BYTES = 16 * 1024 * 1024;

/**
 * The pieces of every source on `amp` for an AMP-local insert-select (empty ones included: their
 * reads count): each source's runs there concatenated in order into pieces of about
 * LOCAL_CHUNK_BYTES (larger when the target AMP's run budget needs), each of which becomes one
 * run of the target; a run that is large enough alone is used as it is, without a copy.
 */
function readLocalPieces(ctx: StatementContext, plan: InsertSelectPlan, amp: number): Piece[] {
  let total = 0;
  for (const { entry } of plan.sources) total += ctx.tx.fragment(amp, entry.id).bytes;
  const held = ctx.tx.fragment(amp, plan.target.id).runs.length;
  // Runs end to end in a load table's tail join into one piece without a copy (a view), when the
  // target AMP's run budget allows a piece per such stretch. With shared storage only tails in
  // shared memory do: the target's rows must be there, so others are copied there.
  const chunks = plan.sources.map(({ entry }) => viewChunks(ctx.tx.fragment(amp, entry.id).runs, sharedStorageOn()));
  if (held + chunks.reduce((n, c) => n + c.length, 0) <= RUNS_MAX) return plan.sources.flatMap((source, k) => chunks[k].map((chunk) => chunkPiece(plan.target, source, chunk.runs, chunk.view)));
  // Consecutive pieces of a source hold more than `limit` together, so there are fewer than 2·total/limit + 1 per source.
  const spare = Math.max(1, RUNS_MAX - held - plan.sources.length);
  const limit = Math.max(LOCAL_CHUNK_BYTES, Math.ceil((2 * total) / spare));
  return plan.sources.flatMap((source) => readChunks(ctx, plan.target, source, amp, limit));
}

/** Bytes of a stretch of runs end to end in a tail that becomes a piece of its own without a copy (other runs: LOCAL_CHUNK_BYTES); smaller ones are copied together. */
const VIEW_MIN_BYTES = 64 * 1024;
/**
 * How full a tail must be for the target to take a view of it, which keeps the whole tail alive
 * (at most 4× the memory of the rows viewed; a table's earlier tails are full, so in all much
 * less). A quarter: a table's last tail, which doubling leaves 25–100% full, is then viewed.
 */
const VIEW_MIN_FILL = 0.25;

/**
 * A source AMP's runs in order, as the chunks of an AMP-local insert-select: each stretch of runs
 * that lie end to end in a tail (tail.ts) at least a quarter full, of at least VIEW_MIN_BYTES, and
 * each run of at least LOCAL_CHUNK_BYTES in no tail, is a chunk of its own (joined without a
 * copy, used as it is: `view`); the runs between them are copied together in chunks of about
 * LOCAL_CHUNK_BYTES.
 */
function viewChunks(runs: readonly Run[], shared: boolean): { runs: Run[]; view: boolean }[] {
  const chunks: { runs: Run[]; view: boolean }[] = [];
  let copied: Run[] = []; let copiedBytes = 0;
  const flush = () => { if (copied.length > 0) chunks.push({ runs: copied, view: false }); copied = []; copiedBytes = 0; };
  for (const group of adjacentGroups(runs)) {
    const bytes = group.reduce((sum, r) => sum + r.bytes, 0);
    const tail = inTail(group[0]);
    // A tail in plain memory, for a target in shared memory, is copied there; so is a tail less
    // than a quarter full, which the target would keep alive whole (VIEW_MIN_FILL).
    const viewable = !tail || (inTail(group[0], shared) && tailFill(group[0]) >= VIEW_MIN_FILL);
    if (viewable && (bytes >= LOCAL_CHUNK_BYTES || (tail && bytes >= VIEW_MIN_BYTES))) { flush(); chunks.push({ runs: group, view: true }); continue; }
    if (copiedBytes > 0 && copiedBytes + bytes > LOCAL_CHUNK_BYTES) flush();
    copied.push(...group); copiedBytes += bytes;
  }
  flush();
  return chunks;
}

/** Records the reads of `pieces` on `amp` and returns those holding rows, checked against the target's NOT NULL columns. */
export function readPieces(recorder: StepRecorder, target: TableEntry, amp: number, pieces: readonly Piece[]): Piece[] {
  for (const p of pieces) if (p.readRows > 0) recorder.read(amp, p.readRows, p.readBytes);
  const kept = pieces.filter((p) => p.length > 0);
  // NULLs counted per source over all its pieces here (as over one piece of their concatenation).
  for (const source of new Set(kept.map((p) => p.source))) {
    const mine = kept.filter((p) => p.source === source);
    checkNotNull(target, source, target.definition.columns.map((_c, k) => mine.reduce((n, p) => n + p.columns[k].nullCount, 0)));
  }
  return kept;
}

export function insertSelectRecorder(ctx: StatementContext, plan: InsertSelectPlan): StepRecorder {
  return ctx.recorder("insert-select", "all-amp", plan.target.qualifiedName, plan.sources.map((s) => s.entry.qualifiedName).join(", "));
}

/**
 * INSERT INTO target SELECT * FROM s1 [WHERE …] [UNION ALL SELECT * FROM s2 …]: columns by
 * position, each source column converted to the target column's type as insert converts an
 * Arrow column (INTEGER into BIGINT or FLOAT, VARCHAR(100) into VARCHAR(1000); each value
 * checked; types that do not convert at all are TYPE_MISMATCH). When every source shares the target's placement, each AMP stores
 * the rows of all sources as one run (one uniqueness check, no interconnect); otherwise every
 * source AMP's rows scatter by the target's row hash.
 */
export function insertSelect(ctx: StatementContext, target: TableEntry, sources: readonly InsertSource[]): number {
  const plan = planInsertSelect(ctx, target, sources);
  const recorder = insertSelectRecorder(ctx, plan);
  let length = 0;
  if (!plan.local) return scatterSelect(ctx, plan, recorder);
  const all: AmpShare[] = [];
  for (let amp = 0; amp < ctx.system.amps; amp++) {
    const pieces = readPieces(recorder, target, amp, readLocalPieces(ctx, plan, amp));
    if (pieces.length === 0) continue;
    // Rows stay on their AMP: each piece (a source's runs, concatenated in chunks) becomes a run as it is, one uniqueness check for all.
    const nopi = target.definition.primaryIndex === null ? ctx.system.nopiHash[amp] : null;
    const placed = pieces.map((p) => ({ columns: p.columns, length: p.length, rowHash: nopi === null ? p.rowHash : new Uint32Array(p.length).fill(nopi) }));
    const result = storePieces(ctx, target, amp, placed, { firstRow: length });
    for (const share of result.shares) {
      recorder.write(share.amp, share.run.rowCount, share.run.bytes);
      length += share.run.rowCount;
    }
    all.push(...result.shares);
  }
  // Index rows once for the statement: a USI's uniqueness is then one check, not one per AMP against a subtable that grows.
  writeIndexRows(ctx, target, all, recorder);
  ctx.record(recorder.finish(length));
  return length;
}

/**
 * The redistributing insert-select: every source AMP's rows of each source scatter to their
 * AMPs as one input (as one piece of their concatenation would, but without that copy: the
 * stored runs are read in place), or run by run when the plan splits.
 */
function scatterSelect(ctx: StatementContext, plan: InsertSelectPlan, recorder: StepRecorder): number {
  const { target } = plan;
  const inputsOn = (amp: number) => readAmpInputs(ctx, plan, amp);
  const early = plan.readFirst ? Array.from({ length: ctx.system.amps }, (_, amp) => inputsOn(amp)) : null;
  const statement = statementStore(ctx, target, recorder);
  let length = 0;
  for (let amp = 0; amp < ctx.system.amps; amp++) {
    const inputs = early ? early[amp] : inputsOn(amp);
    // Reads recorded and NOT NULL checked for the whole AMP first, as the pool's insert-select does.
    const kept = new Set(readPieces(recorder, target, amp, inputs.flat()));
    for (const input of inputs) {
      const pieces = input.filter((p) => kept.has(p));
      if (pieces.length === 0) continue;
      statement.scatter(amp, pieces);
      for (const p of pieces) length += p.length;
    }
  }
  statement.commit();
  ctx.record(recorder.finish(length));
  return length;
}

/**
 * A redistributing insert-select's inputs (one per source AMP and source, or per stored run)
 * stored together (StatementStore), input rows numbered across the statement: what each source
 * AMP sends where recorded as it is placed; the runs checked once per AMP, stored, their writes
 * recorded and indexed once at commit.
 */
export function statementStore(ctx: StatementContext, target: TableEntry, recorder: StepRecorder): { scatter(from: number, pieces: readonly Piece[]): void; placed(from: number, parts: readonly PlacedShare[], rowsOf: (part: number, count: number) => Uint32Array): void; commit(): void } {
  const store = new StatementStore(ctx, target);
  return {
    scatter: (from, pieces) => {
      const sent = store.scatter(pieces);
      for (let to = 0; to < sent.rows.length; to++) if (sent.rows[to] > 0) recorder.send(from, to, sent.rows[to], sent.bytes[to]);
    },
    placed: (from, parts, rowsOf) => { recordShareTransfers(recorder, from, store.placed(parts, rowsOf), target); },
    commit: () => store.commit((shares) => {
      for (const share of shares) recorder.write(share.amp, share.run.rowCount, share.run.bytes);
      // Index rows name their base rows' IDs, set when the runs were made: written before the runs are appended.
      writeIndexRows(ctx, target, shares, recorder);
    }),
  };
}

/**
 * What a redistributing insert-select scatters on `amp`, as inputs of pieces: every source's
 * stored runs there as one input, or each run as an input of its own when the plan splits.
 * The pieces are the stored runs themselves (views, no copy) unless a WHERE filters them.
 */
export function readAmpInputs(ctx: StatementContext, plan: InsertSelectPlan, amp: number): Piece[][] {
  return plan.sources.flatMap((source) => (plan.split ? readRuns(ctx, plan.target, source, amp).map((run) => [run]) : [readRuns(ctx, plan.target, source, amp)]));
}

/** One source's rows on one AMP, one piece per stored run (each filtered by the WHERE, as the target's column types). */
function readRuns(ctx: StatementContext, target: TableEntry, { entry, where }: InsertSource, amp: number): Piece[] {
  return ctx.tx.fragment(amp, entry.id).runs.map((run) => filtered(target, entry, where, run.batch.data.children as arrow.Data[], run.rowHash, run.rowCount, run.bytes));
}

function filtered(target: TableEntry, entry: TableEntry, where: Predicate | null, columns: arrow.Data[], rowHash: Uint32Array, length: number, bytes: number): Piece {
  if (!where) return { source: entry, columns: asTargetColumns(target, entry, columns), rowHash, length, readRows: length, readBytes: bytes };
  const rows = selectRows(where, { table: entry.qualifiedName, columns: entry.definition.columns, data: columns, length });
  const kept = columns.map((c) => gatherData(c, rows));
  return { source: entry, columns: asTargetColumns(target, entry, kept), rowHash: Uint32Array.from(rows, (r) => rowHash[r]), length: rows.length, readRows: length, readBytes: bytes };
}

/** One source's runs on one AMP, concatenated in order into pieces of at most `limit` bytes (a larger run alone), each filtered by the WHERE. */
function readChunks(ctx: StatementContext, target: TableEntry, { entry, where }: InsertSource, amp: number, limit: number): Piece[] {
  const fragment = ctx.tx.fragment(amp, entry.id);
  if (fragment.rowCount === 0) return [{ source: entry, columns: [], rowHash: new Uint32Array(0), length: 0, readRows: 0, readBytes: 0 }];
  const chunks: Run[][] = [[]];
  let bytes = 0;
  for (const run of fragment.runs) {
    if (bytes > 0 && bytes + run.bytes > limit) { chunks.push([]); bytes = 0; }
    chunks[chunks.length - 1].push(run);
    bytes += run.bytes;
  }
  // Over the run budget: tails are copied as before they existed (a view could keep a barely used one alive).
  return chunks.map((runs) => chunkPiece(target, { entry, where }, runs, false));
}

/** Runs of one source AMP, in order, concatenated (a view when they lie end to end in a tail and `views`) into one piece, filtered by the WHERE. */
function chunkPiece(target: TableEntry, { entry, where }: InsertSource, runs: readonly Run[], views = true): Piece {
  const run = concatRuns(entry.schema, runs, views);
  // The bytes read are those of the stored runs (their concatenation is a copy in memory, not a read).
  return filtered(target, entry, where, run.batch.data.children as arrow.Data[], run.rowHash, run.rowCount, runs.reduce((sum, r) => sum + r.bytes, 0));
}

function checkCompatible(target: TableEntry, source: TableEntry): void {
  const t = target.definition.columns; const s = source.definition.columns;
  if (t.length !== s.length) {
    throw new AmpsimError("TYPE_MISMATCH", `INSERT INTO ${target.qualifiedName} SELECT * FROM ${source.qualifiedName}: the target has ${t.length} columns but the source has ${s.length}`,
      { table: target.qualifiedName, source: source.qualifiedName });
  }
  t.forEach((column, k) => {
    if (!convertible(column.type, arrowTypeOf(s[k].type))) {
      throw new AmpsimError("TYPE_MISMATCH", `INSERT INTO ${target.qualifiedName} SELECT * FROM ${source.qualifiedName}: column ${k + 1} is ${column.name} ${typeToString(column.type)} in the target but ${s[k].name} ${typeToString(s[k].type)} in the source, which does not convert to it`,
        { table: target.qualifiedName, column: column.name, source: source.qualifiedName });
    }
  });
}

/**
 * A source's columns as the target's types: the same data where the types agree; otherwise
 * converted as insert converts an Arrow column (INTEGER into BIGINT, VARCHAR(100) into
 * VARCHAR(1000), …), each value checked against the target column (VALUE_OUT_OF_RANGE,
 * NULL_VIOLATION, TYPE_MISMATCH naming the target table and column).
 */
function asTargetColumns(target: TableEntry, source: TableEntry, columns: arrow.Data[]): arrow.Data[] {
  const t = target.definition.columns; const s = source.definition.columns;
  if (t.every((column, k) => sameType(column.type, s[k].type))) return columns;
  try {
    return columns.map((data, k) => (sameType(t[k].type, s[k].type) ? data : checkArrowColumn(target.qualifiedName, t[k], data, 0)));
  } catch (error) {
    if (!(error instanceof AmpsimError)) throw error;
    const text = errorText(error);
    throw new AmpsimError(error.code, `INSERT INTO ${target.qualifiedName} SELECT * FROM ${source.qualifiedName}: ${text.replace(/\(row (\d+)\)/, `(row $1 of a stored run of ${source.qualifiedName})`)}`,
      { ...error.details, source: source.qualifiedName }, { cause: error });
  }
}

function checkNotNull(target: TableEntry, source: TableEntry, nullCounts: readonly number[]): void {
  target.definition.columns.forEach((column, k) => {
    if (column.nullable || nullCounts[k] === 0) return;
    throw new AmpsimError("NULL_VIOLATION", `INSERT INTO ${target.qualifiedName} SELECT * FROM ${source.qualifiedName}: column ${column.name} is NOT NULL but ${nullCounts[k]} source row(s) hold NULL in ${source.definition.columns[k].name}`,
      { table: target.qualifiedName, column: column.name, source: source.qualifiedName });
  });
}

/**
 * The transfers of one source AMP's rows (`from`), once per target AMP: rows, and bytes as fixed
 * widths plus string bytes — read off each AMP's new run, not row by row.
 */
function recordShareTransfers(recorder: StepRecorder, from: number, shares: readonly AmpShare[], entry: TableEntry): void {
  let fixed = 0;
  for (const c of entry.definition.columns) fixed += fixedWidthOf(c.type);
  for (const { amp, run } of shares) {
    let bytes = fixed * run.rowCount;
    for (const data of run.batch.data.children) {
      if (!data.valueOffsets) continue;
      const offsets = data.valueOffsets as Int32Array;
      bytes += offsets[data.length] - offsets[0];
    }
    recorder.send(from, amp, run.rowCount, bytes);
  }
}

/** Same PI columns (by position, of the same types) → same row hash → same AMP under the system's one hash map. */
export function sharesPlacement(target: TableEntry, source: TableEntry): boolean {
  const tp = target.definition.primaryIndex; const sp = source.definition.primaryIndex;
  if (!tp) return true;
  if (!sp) return false;
  const a = piColumnIndexes(target); const b = piColumnIndexes(source);
  // Equal types too: a value converted to another type may hash otherwise (2.0 as FLOAT and as INTEGER).
  return a.length === b.length && a.every((c, k) => c === b[k] && sameType(target.definition.columns[c].type, source.definition.columns[c].type));
}

/**
 * Rows a kernel already placed (Engine.insertPlaced): each part goes to its AMP as it is, as insert
 * would store it. The parts come from other threads and other code, so everything is checked
 * before anything is stored: the buffers, the column rules an insert checks, and every row hash
 * against the one its primary-index values give.
 */
export function insertPlacedRows(ctx: StatementContext, entry: TableEntry, placed: PlacedRows): number {
  const table = entry.qualifiedName;
  const bad = (what: string) => new AmpsimError("BAD_ARGUMENT", `insertPlaced into ${table}: ${what}`, { table });
  if (entry.definition.primaryIndex === null) throw bad("the table has no primary index, so no row hash places its rows (use insert)");
  if (!placed || !Array.isArray(placed.parts) || !Number.isInteger(placed.rows)) throw bad("expected { rows, parts: [{ amp, rowHash, columns }] }");
  const { buckets, hashBits, amps } = ctx.system.hashMap;
  const shift = 32 - hashBits;
  let rowBase = 0;
  const parts = placed.parts.map((part, p) => {
    if (!Number.isInteger(part?.amp) || part.amp < 0 || part.amp >= amps) throw bad(`part ${p} names AMP ${String(part?.amp)}, not one of 0..${amps - 1}`);
    const where = `part ${p} (AMP ${part.amp})`;
    if (!(part.rowHash instanceof Uint32Array) || !Array.isArray(part.columns) || part.columns.length !== entry.definition.columns.length) {
      throw bad(`${where} needs a Uint32Array rowHash and ${entry.definition.columns.length} packed columns`);
    }
    const length = part.rowHash.length;
    const columns = entry.definition.columns.map((column, k) => {
      const type = arrowTypeOf(column.type);
      const packed = part.columns[k];
      const problem = packed?.length !== length ? `holds ${String(packed?.length)} values for ${length} row hashes` : packedProblem(type, packed);
      if (problem !== null) throw new AmpsimError("BAD_ARGUMENT", `insertPlaced into ${table}: ${where}: column ${column.name} ${typeToString(column.type)}: ${problem}`, { table, column: column.name, amp: part.amp });
      return checkArrowColumn(table, column, unpackData(type, packed), rowBase);
    });
    const expected = hashRows(entry, columns);
    for (let i = 0; i < length; i++) {
      if (part.rowHash[i] !== expected[i]) throw bad(`row ${i} of ${where} has row hash ${part.rowHash[i]}, but its primary index values hash to ${expected[i]}`);
      if (buckets[expected[i] >>> shift] !== part.amp) throw bad(`row ${i} of ${where} has row hash ${expected[i]}, which belongs to AMP ${buckets[expected[i] >>> shift]}, not ${part.amp}`);
    }
    rowBase += length;
    return { amp: part.amp, rowHash: part.rowHash, columns, length, first: rowBase - length };
  });
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  if (total !== placed.rows) throw bad(`the parts hold ${total} rows, not the ${placed.rows} announced`);
  const recorder = ctx.recorder("insert", "all-amp", table);
  // Input rows are numbered across the parts in order, as in the column checks above.
  const shares = storePlaced(ctx, entry, parts, (p, count) => consecutive(parts[p].first, count));
  for (const share of shares) recorder.write(share.amp, share.run.rowCount, share.run.bytes);
  writeIndexRows(ctx, entry, shares, recorder);
  ctx.record(recorder.finish(total));
  return total;
}
