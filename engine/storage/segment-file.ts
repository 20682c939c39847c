/**
 * Segment files: one stored run as an Arrow IPC file. The fields are the table's
 * columns followed by the hidden `$rowhash` and `$uniqueness` columns (Uint32,
 * not nullable), so any Arrow reader can read a segment; the hidden columns are
 * found by position (the last two). A user column may be called `$rowhash` too:
 * then the hidden one is `$rowhash#`.
 *
 * Writing is columnar: the run's batch plus two Data made over the run's typed
 * arrays, serialized by Arrow's file writer. Reading is zero-copy: the columns
 * are views into the file's bytes.
 *
 * Faults it must survive: a segment whose bytes passed their CRC but that is not
 * the table's (another schema, another row count) — reported as STORAGE_CORRUPT
 * naming the file.
 */
import * as arrow from "apache-arrow";
import type { TableEntry } from "../catalog/catalog.js";
import { arrowTypeMatches } from "../catalog/column-type.js";
import { storageCorrupt } from "./durable-files.js";
import { batchOf, makeRun, type Run } from "./run.js";

const HIDDEN_NAMES = ["$rowhash", "$uniqueness"] as const;

/**
 * The hidden fields, named `$rowhash` and `$uniqueness` unless a user column has that name:
 * then `#` is appended until it is unique (Arrow JS merges fields of equal names).
 */
function hiddenFields(fields: readonly arrow.Field[]): arrow.Field[] {
  const taken = new Set(fields.map((f) => f.name));
  return HIDDEN_NAMES.map((base) => {
    let name: string = base;
    while (taken.has(name)) name += "#";
    return new arrow.Field(name, new arrow.Uint32(), false);
  });
}

/** The Arrow IPC file bytes of `run`. */
export function encodeSegment(run: Run): Uint8Array {
  const length = run.rowCount;
  const hidden = [run.rowHash, run.uniqueness].map((values) => arrow.makeData({ type: new arrow.Uint32(), length, nullCount: 0, data: values }));
  const schema = new arrow.Schema([...run.batch.schema.fields, ...hiddenFields(run.batch.schema.fields)], run.batch.schema.metadata);
  const batch = batchOf(schema, [...run.batch.data.children, ...hidden], length);
  return arrow.RecordBatchFileWriter.writeAll([batch]).toUint8Array(true);
}

/** The run stored in segment `bytes` of table `entry`; its columns are views into `bytes`. */
export function decodeSegment(bytes: Uint8Array, entry: TableEntry, rows: number, file: string): Run {
  let table: arrow.Table;
  try {
    table = arrow.tableFromIPC(bytes);
  } catch (error) {
    throw storageCorrupt(file, `expected an Arrow IPC file, but it does not decode (${(error as Error).message})`, error);
  }
  checkSchema(table.schema, entry, file);
  if (table.batches.length !== 1 || table.numRows !== rows) {
    throw storageCorrupt(file, `expected one record batch of ${rows} rows, but found ${table.batches.length} batch(es) of ${table.numRows} rows in all`);
  }
  const children = table.batches[0].data.children;
  const columns = entry.definition.columns.length;
  // IPC buffers are padded to 8 bytes: a view may hold more values than rows.
  const [rowHash, uniqueness] = [children[columns].values, children[columns + 1].values];
  if (!(rowHash instanceof Uint32Array) || !(uniqueness instanceof Uint32Array) || rowHash.length < rows || uniqueness.length < rows) {
    throw storageCorrupt(file, `expected hidden columns of ${rows} Uint32 values`);
  }
  return makeRun(batchOf(entry.schema, children.slice(0, columns), rows), rowHash.subarray(0, rows), uniqueness.subarray(0, rows));
}

function checkSchema(schema: arrow.Schema, entry: TableEntry, file: string): void {
  const columns = entry.definition.columns;
  const fields = schema.fields;
  const hidden = hiddenFields(entry.schema.fields);
  const matches = fields.length === columns.length + 2
    && columns.every((column, k) => fields[k].name === column.name && arrowTypeMatches(column.type, fields[k].type))
    && hidden.every((field, k) => fields[columns.length + k].name === field.name && fields[columns.length + k].type.toString() === field.type.toString());
  if (matches) return;
  const expected = [...columns.map((c) => c.name), ...hidden.map((f) => f.name)].join(", ");
  const found = fields.map((f) => `${f.name}: ${f.type.toString()}`).join(", ");
  throw storageCorrupt(file, `expected the columns of ${entry.qualifiedName} (${expected}), but found (${found})`);
}
