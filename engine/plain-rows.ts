/**
 * Arrow results as plain JavaScript rows, for notebooks, tests and small outputs
 * (one object per row: not for large data). DECIMAL values become exact strings
 * ("12.50"), DATE and TIMESTAMP become Date, BIGINT stays bigint, NULL is null.
 */
import * as arrow from "apache-arrow";
import { readDecimal, formatDecimal } from "./catalog/values.js";
import { gatherData, isValidAt } from "./storage/column-data.js";

const MS_PER_DAY = 86_400_000;

/** The plain value of row `row` of one Arrow column. */
export function plainValue(data: arrow.Data, row: number): unknown {
  if (!isValidAt(data, row)) return null;
  const type = data.type;
  if (arrow.DataType.isDecimal(type)) return formatDecimal(readDecimal(data.values as Uint32Array, row), type.scale);
  if (arrow.DataType.isDate(type)) {
    return type.unit === arrow.DateUnit.DAY ? new Date((data.values as Int32Array)[row] * MS_PER_DAY) : new Date(Number((data.values as BigInt64Array)[row]));
  }
  if (arrow.DataType.isTimestamp(type)) return new Date(Number((data.values as BigInt64Array)[row]));
  if (arrow.DataType.isBool(type)) {
    const bit = row + data.offset;
    return (((data.values as Uint8Array)[bit >>> 3] >>> (bit & 7)) & 1) === 1;
  }
  if (arrow.DataType.isUtf8(type)) {
    const offsets = data.valueOffsets as Int32Array;
    return decoder.decode((data.values as Uint8Array).subarray(offsets[row], offsets[row + 1]));
  }
  return (data.values as ArrayLike<unknown>)[row * data.stride];
}

const decoder = new TextDecoder();

/**
 * Every row of an Arrow Table (or RecordBatch) as a plain object.
 *
 * @example
 * rowsOf(engine.lookup("shop.orders", 42)) // [{ id: 42, amount: "10.50", note: "order 42" }]
 */
export function rowsOf(table: arrow.Table | arrow.RecordBatch): Record<string, unknown>[] {
  const batches = table instanceof arrow.Table ? table.batches : [table];
  const names = table.schema.fields.map((f) => f.name);
  const rows: Record<string, unknown>[] = [];
  for (const batch of batches) {
    const columns = batch.data.children;
    for (let i = 0; i < batch.numRows; i++) {
      const row: Record<string, unknown> = {};
      names.forEach((name, c) => { row[name] = plainValue(columns[c], i); });
      rows.push(row);
    }
  }
  return rows;
}

/**
 * The rows `rows` (indexes, any order) of a record batch as a new batch, column by column
 * without per-row objects.
 *
 * @example
 * takeRows(batch, Uint32Array.of(0, 5, 9)).numRows // 3
 */
export function takeRows(batch: arrow.RecordBatch, rows: Uint32Array): arrow.RecordBatch {
  const children = batch.data.children.map((child) => gatherData(child, rows));
  const struct = arrow.makeData({ type: new arrow.Struct(batch.schema.fields), length: rows.length, nullCount: 0, children });
  return new arrow.RecordBatch(batch.schema, struct);
}
