/**
 * Aggregation, local then global as Teradata runs it: every AMP groups its own
 * rows and keeps one partial state per group; the partial groups are then
 * redistributed by the hash of the group key (the trace records that traffic)
 * and merged on their owner AMP.
 */
import * as arrow from "apache-arrow";
import type { TableEntry } from "../catalog/catalog.js";
import { types, type ColumnType } from "../catalog/column-type.js";
import { readDecimal, type StoredValue } from "../catalog/values.js";
import { AmpsimError, assertNever } from "../errors.js";
import { rowHashColumns } from "../hash/row-hash.js";
import { isValidAt } from "../storage/column-data.js";
import type { StatementContext } from "./context.js";
import { rowsEqual } from "./duplicates.js";
import { buildFromStored } from "./input-columns.js";
import type { Predicate } from "./predicate.js";
import { selectRows } from "./predicate-eval.js";
import { projection, fragmentRun } from "./read.js";

export type AggregateFunction = "count" | "sum" | "min" | "max" | "avg";

export interface AggregateSpec {
  readonly fn: AggregateFunction;
  /** The column aggregated; omit for COUNT(*). */
  readonly column?: string;
  /** Output column name (default `count`, `sum_amount` …). */
  readonly as?: string;
}

export interface AggregateOptions {
  readonly groupBy?: readonly string[];
  readonly aggregates?: readonly AggregateSpec[];
  readonly where?: Predicate | null;
}

interface Group {
  readonly hash: number;
  readonly data: readonly arrow.Data[];
  readonly row: number;
  count: number;
  readonly states: State[];
}

interface State { count: number; number: number; big: bigint; best: { data: arrow.Data; row: number } | null }

interface Resolved { readonly spec: AggregateSpec; readonly index: number; readonly type: ColumnType | null; readonly name: string }

export function aggregateTable(ctx: StatementContext, entry: TableEntry, options: AggregateOptions): arrow.Table {
  const groupBy = projection(entry, options.groupBy ?? []);
  const specs = resolveSpecs(entry, options.aggregates ?? [{ fn: "count" }], groupBy);
  const recorder = ctx.recorder("aggregate", "all-amp", entry.qualifiedName);
  const global = new Map<number, Group[]>();
  let groupCount = 0;
  for (let amp = 0; amp < ctx.system.amps; amp++) {
    const run = fragmentRun(ctx, entry, amp);
    if (!run) continue;
    recorder.read(amp, run.rowCount, run.bytes);
    const data = run.batch.data.children;
    const rows = options.where ? selectRows(options.where, { table: entry.qualifiedName, columns: entry.definition.columns, data, length: run.rowCount }) : null;
    const local = localGroups(entry, data, rows ?? run.rowCount, groupBy, specs);
    for (const group of local) {
      const owner = groupBy.length === 0 ? 0 : ctx.system.hashMap.ampOfHash(group.hash);
      recorder.send(amp, owner, 1, 16 + 8 * specs.length);
      if (mergeInto(global, group, groupBy, specs)) groupCount++;
    }
  }
  const table = outputTable(entry, [...global.values()].flat(), groupBy, specs, options.groupBy === undefined || options.groupBy.length === 0);
  ctx.record(recorder.finish(groupCount));
  return table;
}

function resolveSpecs(entry: TableEntry, specs: readonly AggregateSpec[], groupBy: readonly number[]): Resolved[] {
  const resolved = specs.map((spec) => resolveSpec(entry, spec));
  const names = [...groupBy.map((c) => entry.definition.columns[c].name), ...resolved.map((r) => r.name)];
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw new AmpsimError("BAD_ARGUMENT", `aggregate of ${entry.qualifiedName} would output column ${twice} twice; give the aggregates distinct "as" names`, { table: entry.qualifiedName, column: twice });
  return resolved;
}

function resolveSpec(entry: TableEntry, spec: AggregateSpec): Resolved {
  {
    if (!["count", "sum", "min", "max", "avg"].includes(spec.fn)) {
      throw new AmpsimError("BAD_ARGUMENT", `aggregate function ${String(spec.fn)} is not one of count, sum, min, max, avg`, { table: entry.qualifiedName });
    }
    if (spec.column === undefined) {
      if (spec.fn !== "count") throw new AmpsimError("BAD_ARGUMENT", `${spec.fn} needs a column`, { table: entry.qualifiedName });
      return { spec, index: -1, type: null, name: spec.as ?? "count" };
    }
    const [index] = projection(entry, [spec.column]);
    const type = entry.definition.columns[index].type;
    if ((spec.fn === "sum" || spec.fn === "avg") && !["int8", "int16", "int32", "int64", "float32", "float64", "decimal"].includes(type.kind)) {
      throw new AmpsimError("TYPE_MISMATCH", `${spec.fn}(${spec.column}) of ${entry.qualifiedName}: ${spec.column} is not numeric`, { table: entry.qualifiedName, column: spec.column });
    }
    return { spec, index, type, name: spec.as ?? `${spec.fn}_${entry.definition.columns[index].name}` };
  }
}

function localGroups(entry: TableEntry, data: readonly arrow.Data[], rows: Uint32Array | number, groupBy: readonly number[], specs: readonly Resolved[]): Group[] {
  const count = typeof rows === "number" ? rows : rows.length;
  const hashes = groupBy.length === 0 ? new Uint32Array(data[0]?.length ?? count) : rowHashColumns(groupBy.map((c) => ({ type: entry.definition.columns[c].type, data: data[c] })));
  const byHash = new Map<number, Group[]>();
  const groups: Group[] = [];
  for (let k = 0; k < count; k++) {
    const row = typeof rows === "number" ? k : rows[k];
    const hash = hashes[row];
    const bucket = byHash.get(hash) ?? [];
    let group = bucket.find((g) => rowsEqual(g.data, g.row, data, row, groupBy));
    if (!group) {
      group = { hash, data, row, count: 0, states: specs.map(() => ({ count: 0, number: 0, big: 0n, best: null })) };
      bucket.push(group); byHash.set(hash, bucket); groups.push(group);
    }
    group.count++;
    for (let s = 0; s < specs.length; s++) accumulate(group.states[s], specs[s], data, row);
  }
  return groups;
}

const FLUSH = 2 ** 52;

function accumulate(state: State, spec: Resolved, data: readonly arrow.Data[], row: number): void {
  if (spec.index < 0) { state.count++; return; }
  const column = data[spec.index];
  if (!isValidAt(column, row)) return;
  state.count++;
  const type = spec.type!;
  switch (spec.spec.fn) {
    case "count": return;
    case "sum": case "avg": addValue(state, type, column, row); return;
    case "min": case "max":
      if (!state.best || better(spec.spec.fn, compareStored(type, column, row, state.best.data, state.best.row))) state.best = { data: column, row };
      return;
    default: assertNever(spec.spec.fn, "aggregate");
  }
}

function addValue(state: State, type: ColumnType, column: arrow.Data, row: number): void {
  if (type.kind === "decimal") { state.big += readDecimal(column.values as Uint32Array, row); return; }
  if (type.kind === "int64") { state.big += (column.values as BigInt64Array)[row]; return; }
  state.number += (column.values as Float64Array)[row];
  if ((type.kind !== "float32" && type.kind !== "float64") && (state.number > FLUSH || state.number < -FLUSH)) {
    state.big += BigInt(state.number); state.number = 0;
  }
}

function better(fn: "min" | "max", comparison: number): boolean {
  return fn === "min" ? comparison < 0 : comparison > 0;
}

/**
 * The order MIN and MAX use, the same as predicates': strings by their UTF-8 bytes (code points,
 * not UTF-16 units), NaN above every number (so MAX of a column holding NaN is NaN, whatever the
 * order rows arrive in).
 */
function compareStored(type: ColumnType, a: arrow.Data, i: number, b: arrow.Data, j: number): number {
  if (type.kind === "utf8" || type.kind === "varchar" || type.kind === "char") {
    const oa = a.valueOffsets as Int32Array; const ob = b.valueOffsets as Int32Array;
    const va = a.values as Uint8Array; const vb = b.values as Uint8Array;
    const la = oa[i + 1] - oa[i]; const lb = ob[j + 1] - ob[j];
    for (let k = 0; k < Math.min(la, lb); k++) if (va[oa[i] + k] !== vb[ob[j] + k]) return va[oa[i] + k] - vb[ob[j] + k];
    return la - lb;
  }
  const x = readStored(type, a, i); const y = readStored(type, b, j);
  if (x !== x) return y !== y ? 0 : 1;
  if (y !== y) return -1;
  return x! < y! ? -1 : x! > y! ? 1 : 0;
}

/** The stored value of one row (strings decoded; used for small outputs only). */
export function readStored(type: ColumnType, data: arrow.Data, row: number): StoredValue {
  if (!isValidAt(data, row)) return null;
  switch (type.kind) {
    case "int64": case "timestamp": return (data.values as BigInt64Array)[row];
    case "decimal": return readDecimal(data.values as Uint32Array, row);
    case "bool": { const bit = row + data.offset; return (((data.values as Uint8Array)[bit >>> 3] >>> (bit & 7)) & 1) === 1; }
    case "utf8": case "varchar": case "char": {
      const o = data.valueOffsets as Int32Array;
      return new TextDecoder().decode((data.values as Uint8Array).subarray(o[row], o[row + 1]));
    }
    default: return (data.values as Float64Array)[row];
  }
}

function mergeInto(global: Map<number, Group[]>, group: Group, groupBy: readonly number[], specs: readonly Resolved[]): boolean {
  const bucket = global.get(group.hash) ?? [];
  const existing = bucket.find((g) => rowsEqual(g.data, g.row, group.data, group.row, groupBy));
  if (!existing) { bucket.push(group); global.set(group.hash, bucket); return true; }
  existing.count += group.count;
  specs.forEach((spec, s) => {
    const into = existing.states[s]; const from = group.states[s];
    into.count += from.count; into.big += from.big;
    // Exact integer sums stay below 2^52 per part (FLUSH); two parts added as doubles could pass 2^53 and lose a unit.
    if (spec.type && spec.type.kind !== "float32" && spec.type.kind !== "float64") into.big += BigInt(from.number);
    else into.number += from.number;
    if (from.best && (spec.spec.fn === "min" || spec.spec.fn === "max") &&
      (!into.best || better(spec.spec.fn, compareStored(spec.type!, from.best.data, from.best.row, into.best.data, into.best.row)))) into.best = from.best;
  });
  return false;
}

function outputTable(entry: TableEntry, groups: Group[], groupBy: readonly number[], specs: readonly Resolved[], whole: boolean): arrow.Table {
  if (whole && groups.length === 0) groups.push({ hash: 0, data: [], row: 0, count: 0, states: specs.map(() => ({ count: 0, number: 0, big: 0n, best: null })) });
  const fields: arrow.Field[] = []; const columns: arrow.Data[] = [];
  for (const c of groupBy) {
    const def = entry.definition.columns[c];
    fields.push(entry.schema.fields[c]);
    columns.push(buildFromStored(def.type, groups.length, (g) => readStored(def.type, groups[g].data[c], groups[g].row)));
  }
  specs.forEach((spec, s) => {
    const type = resultType(spec);
    fields.push(new arrow.Field(spec.name, buildFromStored(type, 0, () => null).type, true));
    columns.push(buildFromStored(type, groups.length, (g) => resultValue(spec, groups[g].states[s])));
  });
  const schema = new arrow.Schema(fields);
  const struct = arrow.makeData({ type: new arrow.Struct(fields), length: groups.length, nullCount: 0, children: columns });
  return new arrow.Table(schema, [new arrow.RecordBatch(schema, struct)]);
}

const INT64_MAX = (1n << 63n) - 1n;
const DECIMAL_MAX = 10n ** 38n - 1n;

/** A sum that does not fit its result type is an error (Teradata: numeric overflow), never wrapped. */
function checkedSum(spec: Resolved, sum: bigint): bigint {
  const limit = spec.type!.kind === "decimal" ? DECIMAL_MAX : INT64_MAX;
  if (sum > limit || sum < -limit - (spec.type!.kind === "decimal" ? 0n : 1n)) {
    throw new AmpsimError("VALUE_OUT_OF_RANGE", `sum(${spec.spec.column}) overflows its result type ${spec.type!.kind === "decimal" ? "DECIMAL(38)" : "BIGINT"}: ${sum}`,
      { column: spec.spec.column, value: sum.toString() });
  }
  return sum;
}

function resultType(spec: Resolved): ColumnType {
  const type = spec.type;
  switch (spec.spec.fn) {
    case "count": return types.int64;
    case "avg": return types.float64;
    case "sum":
      if (type!.kind === "decimal") return types.decimal(38, type!.scale);
      return type!.kind === "float32" || type!.kind === "float64" ? types.float64 : types.int64;
    case "min": case "max": return type!;
    default: return assertNever(spec.spec.fn, "aggregate");
  }
}

function resultValue(spec: Resolved, state: State): StoredValue {
  const fn = spec.spec.fn;
  if (fn === "count") return BigInt(state.count);
  if (state.count === 0) return null;
  if (fn === "min" || fn === "max") return readStored(spec.type!, state.best!.data, state.best!.row);
  const kind = spec.type!.kind;
  const isFloat = kind === "float32" || kind === "float64";
  if (fn === "sum") return isFloat ? state.number : checkedSum(spec, state.big + BigInt(state.number));
  if (isFloat) return state.number / state.count;
  // An exact sum's mean: whole part and remainder divided apart, so a sum past 2^53 loses no digit of the mean.
  const sum = state.big + BigInt(state.number); const count = BigInt(state.count);
  const mean = Number(sum / count) + Number(sum % count) / state.count;
  return kind === "decimal" ? mean / 10 ** (spec.type as { scale: number }).scale : mean;
}
