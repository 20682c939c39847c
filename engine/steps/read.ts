/**
 * Reading steps: the all-AMP (or one-AMP) scan with projection and predicate,
 * and the single-AMP primary-index lookup (row hash → AMP → binary search).
 */
import * as arrow from "apache-arrow";
import type { TableEntry } from "../catalog/catalog.js";
import { AmpsimError } from "../errors.js";
import { rowHashColumns } from "../hash/row-hash.js";
import { gatherData } from "../storage/column-data.js";
import { concatRuns, type Run } from "../storage/run.js";
import type { StatementContext } from "./context.js";
import { valuesEqual } from "./duplicates.js";
import { buildFromStored } from "./input-columns.js";
import type { Predicate } from "./predicate.js";
import { selectRows } from "./predicate-eval.js";
import { piColumnIndexes } from "./store-rows.js";
import { roundedText, toStored } from "../catalog/values.js";

export interface ScanOptions {
  /** Columns to return, in this order (default: all). */
  readonly columns?: readonly string[];
  /** Read only this AMP (a single-AMP step). */
  readonly amp?: number;
  /** Keep only rows for which this is TRUE. */
  readonly where?: Predicate | null;
  /** Add the hidden columns `$amp`, `$rowhash`, `$uniqueness` (for teaching and placement checks). */
  readonly rowIds?: boolean;
}

/** Column positions for a projection; NO_SUCH_COLUMN names the table and column. */
export function projection(entry: TableEntry, names: readonly string[] | undefined): number[] {
  if (names === undefined) return entry.definition.columns.map((_c, i) => i);
  const named = new Map<number, string>();
  return names.map((name) => {
    // The exact name first (a quoted "A" is not a), then the unquoted spelling's lowercase.
    let i = entry.definition.columns.findIndex((c) => c.name === name);
    if (i < 0) i = entry.definition.columns.findIndex((c) => c.name === name.toLowerCase());
    if (i < 0) {
      throw new AmpsimError("NO_SUCH_COLUMN", `${entry.qualifiedName} has no column ${name} (its columns: ${entry.definition.columns.map((c) => c.name).join(", ")})`,
        { table: entry.qualifiedName, column: name });
    }
    const earlier = named.get(i);
    if (earlier !== undefined) {
      throw new AmpsimError("BAD_ARGUMENT", `the projection of ${entry.qualifiedName} names ${name} twice (${earlier} and ${name} are both its column ${entry.definition.columns[i].name})`,
        { table: entry.qualifiedName, column: entry.definition.columns[i].name });
    }
    named.set(i, name);
    return i;
  });
}

export function checkAmp(ctx: StatementContext, amp: number | undefined): void {
  if (amp === undefined) return;
  if (!Number.isInteger(amp) || amp < 0 || amp >= ctx.system.amps) {
    throw new AmpsimError("BAD_ARGUMENT", `AMP ${amp} does not exist: ${ctx.system.name} has AMPs 0..${ctx.system.amps - 1}`, { amp });
  }
}

/** One run holding all of an AMP's rows of a table (no copy when the fragment is one run). */
export function fragmentRun(ctx: StatementContext, entry: TableEntry, amp: number): Run | null {
  const fragment = ctx.tx.fragment(amp, entry.id);
  return fragment.rowCount === 0 ? null : concatRuns(entry.schema, fragment.runs);
}

export function scanTable(ctx: StatementContext, entry: TableEntry, options: ScanOptions): arrow.Table {
  checkAmp(ctx, options.amp);
  const picked = projection(entry, options.columns);
  const schema = outputSchema(entry, picked, options.rowIds === true);
  const recorder = ctx.recorder("scan", options.amp === undefined ? "all-amp" : "single-amp", entry.qualifiedName);
  const batches: arrow.RecordBatch[] = [];
  const amps = options.amp === undefined ? [...Array(ctx.system.amps).keys()] : [options.amp];
  let rows = 0;
  for (const amp of amps) {
    const run = fragmentRun(ctx, entry, amp);
    if (!run) continue;
    recorder.read(amp, run.rowCount, run.bytes);
    const keep = options.where ? selectRows(options.where, { table: entry.qualifiedName, columns: entry.definition.columns, data: run.batch.data.children, length: run.rowCount }) : null;
    const batch = projectRun(run, amp, picked, keep, schema, options.rowIds === true);
    if (batch.numRows > 0) { batches.push(batch); rows += batch.numRows; }
  }
  ctx.record(recorder.finish(rows));
  return new arrow.Table(schema, batches);
}

const ROW_ID_NAMES = ["$amp", "$rowhash", "$uniqueness"];

function outputSchema(entry: TableEntry, picked: readonly number[], rowIds: boolean): arrow.Schema {
  const fields = picked.map((i) => entry.schema.fields[i]);
  const clash = rowIds ? fields.find((f) => ROW_ID_NAMES.includes(f.name)) : undefined;
  if (clash) {
    throw new AmpsimError("BAD_ARGUMENT", `${entry.qualifiedName} has a column named ${clash.name}, which rowIds: true would add again; leave it out with columns: […]`,
      { table: entry.qualifiedName, column: clash.name });
  }
  if (rowIds) fields.push(new arrow.Field("$amp", new arrow.Int32(), false), new arrow.Field("$rowhash", new arrow.Uint32(), false), new arrow.Field("$uniqueness", new arrow.Uint32(), false));
  return new arrow.Schema(fields, entry.schema.metadata);
}

function projectRun(run: Run, amp: number, picked: readonly number[], keep: Uint32Array | null, schema: arrow.Schema, rowIds: boolean): arrow.RecordBatch {
  const length = keep ? keep.length : run.rowCount;
  const children = picked.map((i) => (keep ? gatherData(run.batch.data.children[i], keep) : run.batch.data.children[i]));
  if (rowIds) {
    const hashes = keep ? Uint32Array.from(keep, (r) => run.rowHash[r]) : run.rowHash;
    const uniqueness = keep ? Uint32Array.from(keep, (r) => run.uniqueness[r]) : run.uniqueness;
    children.push(
      arrow.makeData({ type: new arrow.Int32(), length, nullCount: 0, data: new Int32Array(length).fill(amp) }),
      arrow.makeData({ type: new arrow.Uint32(), length, nullCount: 0, data: hashes }),
      arrow.makeData({ type: new arrow.Uint32(), length, nullCount: 0, data: uniqueness }));
  }
  const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length, nullCount: 0, children });
  return new arrow.RecordBatch(schema, struct);
}

/** PI values as given by a caller: an array in PI order, an object by column name, or one scalar. */
export function keyValuesOf(entry: TableEntry, keyValues: unknown): unknown[] {
  const pi = entry.definition.primaryIndex;
  if (!pi) throw new AmpsimError("BAD_ARGUMENT", `${entry.qualifiedName} has no primary index (NoPI): look rows up with scan({ where })`, { table: entry.qualifiedName });
  let values: unknown[];
  if (Array.isArray(keyValues)) values = keyValues;
  else if (keyValues !== null && typeof keyValues === "object" && !(keyValues instanceof Date)) {
    const object = keyValues as Record<string, unknown>;
    for (const name of Object.keys(object)) {
      if (!pi.columns.includes(name)) throw new AmpsimError("NO_SUCH_COLUMN", `${name} is not a primary index column of ${entry.qualifiedName} (its PI: ${pi.columns.join(", ")})`, { table: entry.qualifiedName, column: name });
    }
    const missing = pi.columns.filter((c) => !Object.hasOwn(object, c));
    if (missing.length > 0) {
      throw new AmpsimError("BAD_ARGUMENT", `the key object for ${entry.qualifiedName} has no value for primary index column(s) ${missing.join(", ")} (pass null for a NULL)`, { table: entry.qualifiedName, column: missing[0] });
    }
    values = pi.columns.map((c) => object[c]);
  } else if (keyValues === undefined) {
    throw new AmpsimError("BAD_ARGUMENT", `no key given for ${entry.qualifiedName}: pass its primary index value(s) (${pi.columns.join(", ")}), null for a NULL`, { table: entry.qualifiedName });
  } else values = [keyValues];
  if (values.length !== pi.columns.length) {
    throw new AmpsimError("BAD_ARGUMENT", `the primary index of ${entry.qualifiedName} has ${pi.columns.length} column(s) (${pi.columns.join(", ")}) but ${values.length} value(s) were given`, { table: entry.qualifiedName });
  }
  return values;
}

/** Row hash and AMP of PI values (converted to the PI column types; TYPE_MISMATCH when they do not fit). */
export function placeKey(ctx: StatementContext, entry: TableEntry, keyValues: unknown): { hash: number; amp: number; keyData: arrow.Data[] } {
  const values = keyValuesOf(entry, keyValues);
  const columns = piColumnIndexes(entry).map((p) => entry.definition.columns[p]);
  const keyData = columns.map((c, k) => {
    // A key is matched, not stored: a number with more places than a DECIMAL's scale fits no row (as in a WHERE), it is not rounded as insert rounds.
    const value = c.type.kind === "decimal" && typeof values[k] === "number" && Number.isFinite(values[k]) ? roundedText(values[k] as number, 38).replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "") : values[k];
    const stored = toStored(c.type, value, { table: entry.qualifiedName, column: c.name });
    return buildFromStored(c.type, 1, () => stored);
  });
  const hash = rowHashColumns(columns.map((c, k) => ({ type: c.type, data: keyData[k] })))[0];
  return { hash, amp: ctx.system.hashMap.ampOfHash(hash), keyData };
}

export function lookupRows(ctx: StatementContext, entry: TableEntry, keyValues: unknown): arrow.Table {
  const { hash, amp, keyData } = placeKey(ctx, entry, keyValues);
  const positions = piColumnIndexes(entry);
  const recorder = ctx.recorder("lookup", "single-amp", entry.qualifiedName);
  const batches: arrow.RecordBatch[] = [];
  for (const run of ctx.tx.fragment(amp, entry.id).runs) {
    const rows = run.rowsWithHash(hash).filter((i) => positions.every((p, k) => valuesEqual(run.batch.data.children[p], i, keyData[k], 0)));
    recorder.read(amp, rows.length, 0);
    if (rows.length > 0) batches.push(projectRun(run, amp, entry.definition.columns.map((_c, i) => i), rows, entry.schema, false));
  }
  const total = batches.reduce((s, b) => s + b.numRows, 0);
  ctx.record(recorder.finish(total));
  return new arrow.Table(entry.schema, batches);
}
