/**
 * Statements are atomic: a statement that fails (bad type, out of range, NULL in
 * NOT NULL, unknown column, UPI / USI / SET duplicates, out of space) throws an
 * AmpsimError with a stable code and a message that names the table and the
 * column / value / AMP, and leaves every AMP exactly as it was: row counts, bytes,
 * stored rows with their row IDs, index subtables and the trace.
 */
import { describe, it, expect } from "vitest";
import * as arrow from "apache-arrow";
import { AmpsimError, Engine } from "../../engine/index.js";
import type { ErrorCode } from "../../engine/index.js";
import { expectError, wordsToBigInt, bigIntToWords } from "../helpers/errors.js";

// ---------------------------------------------------------------------------
// Helpers

type Row = Record<string, unknown>;

/** Every row of an Arrow table as an array of plain values (field names may repeat). */
function rowArrays(table: arrow.Table): unknown[][] {
  const columns = table.schema.fields.map((_f, i) => table.getChildAt(i)!);
  const types = table.schema.fields.map((f) => f.type);
  const rows: unknown[][] = [];
  for (let r = 0; r < table.numRows; r++) {
    rows.push(columns.map((column, i) => {
      const value = column.get(r) as unknown;
      if (value === null || value === undefined) return null;
      return arrow.DataType.isDecimal(types[i]) ? wordsToBigInt(value as Uint32Array) : value;
    }));
  }
  return rows;
}

function vector(type: arrow.DataType, values: unknown[]): arrow.Vector {
  return arrow.vectorFromArray(values as never[], type as never) as arrow.Vector;
}

interface Snapshot {
  readonly tables: readonly string[];
  readonly allTables: readonly string[];
  readonly databases: readonly string[];
  readonly ampBytes: readonly number[];
  readonly perTable: Record<string, { counts: number[]; bytes: number[]; rows: unknown[][]; ddl: string | null }>;
}

/** Everything a statement could change, of every table including index subtables. Scans add trace steps. */
function snapshot(engine: Engine): Snapshot {
  const perTable: Snapshot["perTable"] = {};
  for (const name of engine.allTables()) {
    const reserved = name.startsWith('"$');
    // Index subtables have columns named $amp, $rowhash, $uniqueness themselves, so they are read
    // AMP by AMP without the rowIds columns (see secondary-index.test.ts for rowIds on subtables).
    const rows = reserved
      ? Array.from({ length: engine.amps }, (_, amp) => rowArrays(engine.scan(name, { amp })).map((row) => [amp, ...row])).flat()
      : rowArrays(engine.scan(name, { rowIds: true }));
    perTable[name] = {
      counts: engine.ampRowCounts(name),
      bytes: engine.ampBytes(name),
      rows,
      ddl: reserved ? null : engine.showTable(name),
    };
  }
  return { tables: engine.tables(), allTables: engine.allTables(), databases: engine.databases(), ampBytes: engine.ampBytes(), perTable };
}

/** Runs `fn`, which must fail with `code` (message mentioning `mentions`), and checks that nothing changed. */
function expectAtomicFailure(engine: Engine, fn: () => unknown, code: ErrorCode, ...mentions: (string | RegExp)[]): AmpsimError {
  const before = snapshot(engine);
  const steps = engine.trace.steps.length;
  const error = expectError(fn, code, ...mentions);
  expect(engine.trace.steps.length, "a failed statement added a trace step").toBe(steps);
  expect(snapshot(engine)).toEqual(before);
  return error;
}

// ---------------------------------------------------------------------------
// The tables

const ACCOUNT_DDL = `CREATE MULTISET TABLE main.acct (
  id INTEGER NOT NULL,
  tiny BYTEINT,
  amount DECIMAL(5,2),
  code VARCHAR(20),
  note VARCHAR(20) NOT NULL,
  email VARCHAR(40)
) UNIQUE PRIMARY INDEX (id)
UNIQUE INDEX (email)
INDEX (code)`;

function account(id: number): Row {
  return { id, tiny: id % 100, amount: `${id}.25`, code: `c${id % 4}`, note: `note ${id}`, email: `user${id}@example.com` };
}

function accountEngine(options: { permBytesPerAmp?: number } = {}): Engine {
  const engine = new Engine({ amps: 4, ...options });
  engine.sql(ACCOUNT_DDL);
  engine.sql("CREATE SET TABLE main.pairs (a INTEGER, b VARCHAR(5)) PRIMARY INDEX (a)");
  engine.insert("acct", Array.from({ length: 12 }, (_, i) => account(i)));
  engine.insert("acct", Array.from({ length: 8 }, (_, i) => account(100 + i)));
  engine.insert("pairs", [{ a: 1, b: "x" }, { a: 1, b: "y" }, { a: 2, b: null }, { a: 3, b: "z" }]);
  return engine;
}

function accountArrow(rows: Row[], overrides: Record<string, arrow.Vector> = {}): arrow.Table {
  const columns: Record<string, arrow.Vector> = {
    id: vector(new arrow.Int32(), rows.map((r) => r.id)),
    tiny: vector(new arrow.Int8(), rows.map((r) => r.tiny)),
    amount: vector(new arrow.Decimal(2, 5, 128), rows.map((r) => (r.amount === null ? null : bigIntToWords(BigInt((r.amount as string).replace(".", "")))))),
    code: vector(new arrow.Utf8(), rows.map((r) => r.code)),
    note: vector(new arrow.Utf8(), rows.map((r) => r.note)),
    email: vector(new arrow.Utf8(), rows.map((r) => r.email)),
    ...overrides,
  };
  return new arrow.Table(columns);
}

/** After a failed statement: the rows of the failed batch can be inserted once they are fixed, and the USI still rejects duplicates. */
function checkStillWorks(engine: Engine, fixedRows: Row[]): void {
  const count = engine.rowCount("acct");
  expectError(() => engine.insert("acct", [{ ...account(900), email: "user3@example.com" }]), "DUPLICATE_KEY", "main.acct", "email", "user3@example.com");
  expect(engine.insert("acct", fixedRows)).toBe(fixedRows.length);
  expect(engine.rowCount("acct")).toBe(count + fixedRows.length);
  expectError(() => engine.insert("acct", [{ ...account(901), email: fixedRows[0].email }]), "DUPLICATE_KEY", "email");
  expectError(() => engine.insert("acct", [account(fixedRows[0].id as number)]), "DUPLICATE_KEY", "id");
}

// ---------------------------------------------------------------------------

describe("a failed insert leaves every AMP as it was", () => {
  it("string into INTEGER (row objects): TYPE_MISMATCH naming table, column and value", () => {
    const engine = accountEngine();
    const rows = [account(200), { ...account(201), id: "201" }, account(202)];
    expectAtomicFailure(engine, () => engine.insert("acct", rows), "TYPE_MISMATCH", "main.acct", "id", '"201"');
    checkStillWorks(engine, [account(200), account(201), account(202)]);
  });

  it("number into VARCHAR (row objects): TYPE_MISMATCH", () => {
    const engine = accountEngine();
    const rows = [account(200), { ...account(201), code: 12 }];
    expectAtomicFailure(engine, () => engine.insert("acct", rows), "TYPE_MISMATCH", "main.acct", "code", "12");
    checkStillWorks(engine, [account(200), account(201)]);
  });

  it("an Arrow Utf8 column into an INTEGER column: TYPE_MISMATCH", () => {
    const engine = accountEngine();
    const rows = [account(200), account(201)];
    const table = accountArrow(rows, { id: vector(new arrow.Utf8(), ["200", "201"]) });
    expectAtomicFailure(engine, () => engine.insert("acct", table), "TYPE_MISMATCH", "main.acct", "id", /Utf8/);
    checkStillWorks(engine, rows);
  });

  it("an Arrow Float64 column with a fraction into an INTEGER column: TYPE_MISMATCH", () => {
    const engine = accountEngine();
    const rows = [account(200), account(201)];
    const table = accountArrow(rows, { id: vector(new arrow.Float64(), [200, 201.5]) });
    expectAtomicFailure(engine, () => engine.insert("acct", table), "TYPE_MISMATCH", "main.acct", "id", "201.5");
    checkStillWorks(engine, rows);
  });

  it("300 into BYTEINT (row objects and Arrow Int32): VALUE_OUT_OF_RANGE", () => {
    const engine = accountEngine();
    const rows = [account(200), account(201)];
    expectAtomicFailure(engine, () => engine.insert("acct", [rows[0], { ...rows[1], tiny: 300 }]), "VALUE_OUT_OF_RANGE", "main.acct", "tiny", "300");
    const table = accountArrow(rows, { tiny: vector(new arrow.Int32(), [1, 300]) });
    expectAtomicFailure(engine, () => engine.insert("acct", table), "VALUE_OUT_OF_RANGE", "main.acct", "tiny", "300");
    checkStillWorks(engine, rows);
  });

  it("too many digits for DECIMAL(5,2) (row objects and Arrow Decimal): VALUE_OUT_OF_RANGE", () => {
    const engine = accountEngine();
    const rows = [account(200), account(201)];
    expectAtomicFailure(engine, () => engine.insert("acct", [rows[0], { ...rows[1], amount: 1234.5 }]), "VALUE_OUT_OF_RANGE", "main.acct", "amount", "1234.5");
    expectAtomicFailure(engine, () => engine.insert("acct", [rows[0], { ...rows[1], amount: "1.234" }]), "VALUE_OUT_OF_RANGE", "main.acct", "amount", "1.234");
    const table = accountArrow(rows, { amount: vector(new arrow.Decimal(2, 5, 128), [bigIntToWords(100n), bigIntToWords(123450n)]) });
    const error = expectAtomicFailure(engine, () => engine.insert("acct", table), "VALUE_OUT_OF_RANGE", "main.acct", "amount");
    expect(String(error.details.value)).toContain("123450");
    checkStillWorks(engine, rows);
  });

  it("a 21-character string into VARCHAR(20) (row objects and Arrow): VALUE_OUT_OF_RANGE", () => {
    const engine = accountEngine();
    const rows = [account(200), account(201)];
    const long = "abcdefghijklmnopqrstu";
    expect(long).toHaveLength(21);
    expectAtomicFailure(engine, () => engine.insert("acct", [rows[0], { ...rows[1], code: long }]), "VALUE_OUT_OF_RANGE", "main.acct", "code", long);
    const table = accountArrow(rows, { code: vector(new arrow.Utf8(), ["ok", long]) });
    expectAtomicFailure(engine, () => engine.insert("acct", table), "VALUE_OUT_OF_RANGE", "main.acct", "code", long);
    // 20 characters, some of them two UTF-8 bytes, fit
    checkStillWorks(engine, [rows[0], { ...rows[1], code: "é".repeat(20) }]);
  });

  it("NULL in a NOT NULL column (row objects and Arrow): NULL_VIOLATION", () => {
    const engine = accountEngine();
    const rows = [account(200), account(201)];
    expectAtomicFailure(engine, () => engine.insert("acct", [rows[0], { ...rows[1], note: null }]), "NULL_VIOLATION", "main.acct", "note");
    const table = accountArrow(rows, { note: vector(new arrow.Utf8(), ["fine", null]) });
    expectAtomicFailure(engine, () => engine.insert("acct", table), "NULL_VIOLATION", "main.acct", "note");
    checkStillWorks(engine, rows);
  });

  it("a missing NOT NULL column (row objects and Arrow): NULL_VIOLATION", () => {
    const engine = accountEngine();
    const rows = [account(200), account(201)];
    const { note: _note, ...withoutNote } = rows[1];
    expectAtomicFailure(engine, () => engine.insert("acct", [rows[0], withoutNote]), "NULL_VIOLATION", "main.acct", "note");
    const table = new arrow.Table({ id: vector(new arrow.Int32(), [200, 201]), email: vector(new arrow.Utf8(), ["a@x", "b@x"]) });
    expectAtomicFailure(engine, () => engine.insert("acct", table), "NULL_VIOLATION", "main.acct", "note");
    checkStillWorks(engine, rows);
  });

  it("an unknown column (row objects and Arrow): NO_SUCH_COLUMN", () => {
    const engine = accountEngine();
    const rows = [account(200), account(201)];
    expectAtomicFailure(engine, () => engine.insert("acct", [rows[0], { ...rows[1], bogus: 1 }]), "NO_SUCH_COLUMN", "main.acct", "bogus");
    const table = accountArrow(rows, { bogus: vector(new arrow.Int32(), [1, 2]) });
    expectAtomicFailure(engine, () => engine.insert("acct", table), "NO_SUCH_COLUMN", "main.acct", "bogus");
    checkStillWorks(engine, rows);
  });

  it("a UPI duplicate inside one batch: DUPLICATE_KEY", () => {
    const engine = accountEngine();
    const rows = [account(200), account(201), { ...account(200), email: "other@example.com" }];
    expectAtomicFailure(engine, () => engine.insert("acct", rows), "DUPLICATE_KEY", "main.acct", "id", "200");
    expectAtomicFailure(engine, () => engine.insert("acct", accountArrow(rows)), "DUPLICATE_KEY", "main.acct", "id", "200");
    checkStillWorks(engine, rows.slice(0, 2));
  });

  it("a UPI duplicate against stored rows: DUPLICATE_KEY naming the AMP that holds it", () => {
    const engine = accountEngine();
    const rows = [account(200), { ...account(5), email: "fresh@example.com" }];
    const amp = engine.ampOf("acct", 5);
    const error = expectAtomicFailure(engine, () => engine.insert("acct", rows), "DUPLICATE_KEY", "main.acct", "id", "5", `AMP ${amp}`);
    expect(error.details.amp).toBe(amp);
    checkStillWorks(engine, [account(200)]);
  });

  it("a USI duplicate inside one batch and against stored rows: DUPLICATE_KEY", () => {
    const engine = accountEngine();
    const rows = [account(200), account(201), { ...account(202), email: account(200).email }];
    expectAtomicFailure(engine, () => engine.insert("acct", rows), "DUPLICATE_KEY", "main.acct", "email", "user200@example.com");
    const stored = [account(200), { ...account(203), email: "user7@example.com" }];
    expectAtomicFailure(engine, () => engine.insert("acct", stored), "DUPLICATE_KEY", "main.acct", "email", "user7@example.com");
    checkStillWorks(engine, [account(200), account(201), account(202)]);
  });

  it("a duplicate row in a SET table, inside a batch and against stored rows: DUPLICATE_ROW", () => {
    const engine = accountEngine();
    expectAtomicFailure(engine, () => engine.insert("pairs", [{ a: 4, b: "q" }, { a: 5, b: "r" }, { a: 4, b: "q" }]), "DUPLICATE_ROW", "main.pairs", '"q"');
    expectAtomicFailure(engine, () => engine.insert("pairs", [{ a: 6, b: "s" }, { a: 1, b: "y" }]), "DUPLICATE_ROW", "main.pairs", '"y"');
    expectAtomicFailure(engine, () => engine.insert("pairs", [{ a: 7, b: "t" }, { a: 2, b: null }]), "DUPLICATE_ROW", "main.pairs", "NULL");
    // rows equal to stored ones except in one column are not duplicates
    expect(engine.insert("pairs", [{ a: 4, b: "q" }, { a: 5, b: "r" }, { a: 1, b: "yy" }, { a: 2, b: "" }])).toBe(4);
    expect(engine.rowCount("pairs")).toBe(8);
  });

  it("permBytesPerAmp exceeded on one AMP: NO_SPACE naming the AMP and the table", () => {
    const probe = accountEngine();
    const used = Math.max(...probe.ampBytes());
    const engine = accountEngine({ permBytesPerAmp: used + 2000 });
    expect(engine.ampBytes()).toEqual(probe.ampBytes());
    // 200 rows of one NUPI value all go to one AMP
    engine.sql("CREATE MULTISET TABLE hot (k INTEGER, pad VARCHAR(100)) PRIMARY INDEX (k)");
    const amp = engine.ampOf("hot", 7);
    const rows = Array.from({ length: 200 }, (_, i) => ({ k: 7, pad: `${i}`.padEnd(60, "x") }));
    const error = expectAtomicFailure(engine, () => engine.insert("hot", rows), "NO_SPACE", `AMP ${amp}`, "main.hot");
    expect(error.details.amp).toBe(amp);
    // a small insert still fits
    expect(engine.insert("hot", rows.slice(0, 2))).toBe(2);
  });

  it("NO_SPACE from an insert-select that redistributes onto one AMP", () => {
    const setUp = (engine: Engine) => {
      engine.sql("CREATE MULTISET TABLE src (k INTEGER, pad VARCHAR(100)) NO PRIMARY INDEX; CREATE MULTISET TABLE dst (k INTEGER, pad VARCHAR(100)) PRIMARY INDEX (k)");
      engine.insert("src", Array.from({ length: 120 }, (_, i) => ({ k: 7, pad: `${i}`.padEnd(40, "y") })));
    };
    const probe = accountEngine();
    setUp(probe);
    // room for what is stored plus a little: the 120 rows spread over 4 AMPs fit, on one AMP they do not
    const engine = accountEngine({ permBytesPerAmp: Math.max(...probe.ampBytes()) + 500 });
    setUp(engine);
    const amp = engine.ampOf("dst", 7);
    expectAtomicFailure(engine, () => engine.insertSelect("dst", "src"), "NO_SPACE", `AMP ${amp}`, "main.dst");
    expectAtomicFailure(engine, () => engine.sql("INSERT INTO dst SELECT * FROM src"), "NO_SPACE", `AMP ${amp}`);
    expect(engine.insertSelect("dst", "src", { where: "pad < '1'" })).toBe(1);
  });
});

describe("other failed statements leave every AMP as it was", () => {
  it("an insert-select with a USI duplicate, a UPI duplicate, or a NULL into NOT NULL", () => {
    const engine = accountEngine();
    engine.sql(`CREATE MULTISET TABLE staging (id INTEGER, tiny BYTEINT, amount DECIMAL(5,2), code VARCHAR(20), note VARCHAR(20), email VARCHAR(40)) PRIMARY INDEX (code)`);
    engine.insert("staging", [account(300), account(301), { ...account(302), email: "user4@example.com" }]);
    expectAtomicFailure(engine, () => engine.insertSelect("acct", "staging"), "DUPLICATE_KEY", "main.acct", "email", "user4@example.com");
    engine.sql("DELETE FROM staging WHERE id = 302");
    engine.insert("staging", [{ ...account(4), email: "new4@example.com" }]);
    expectAtomicFailure(engine, () => engine.insertSelect("acct", "staging"), "DUPLICATE_KEY", "main.acct", "id", "4");
    engine.sql("DELETE FROM staging WHERE id = 4");
    engine.insert("staging", [{ ...account(303), note: null }]);
    expectAtomicFailure(engine, () => engine.insertSelect("acct", "staging"), "NULL_VIOLATION", "main.acct", "note");
    expect(engine.insertSelect("acct", "staging", { where: "note IS NOT NULL" })).toBe(2);
    checkStillWorks(engine, [account(303)]);
  });

  it("CREATE UNIQUE INDEX over duplicate values creates nothing", () => {
    const engine = accountEngine();
    expectAtomicFailure(engine, () => engine.sql("CREATE UNIQUE INDEX (tiny) ON acct"), "DUPLICATE_KEY", "main.acct", "tiny");
    expect(engine.describe("acct").indexes).toHaveLength(2);
    checkStillWorks(engine, [account(200)]);
  });

  it("a multi-statement request whose second statement fails undoes the first (catalog and data)", () => {
    const engine = accountEngine();
    expectAtomicFailure(engine, () => engine.sql(`
      CREATE MULTISET TABLE main.fresh (a INTEGER) PRIMARY INDEX (a);
      INSERT INTO fresh VALUES (1), (2);
      INSERT INTO acct VALUES (5, 1, 1.00, 'c', 'dup id', 'x@example.com')`), "DUPLICATE_KEY", "main.acct", "5");
    expect(engine.hasTable("fresh")).toBe(false);
    expectAtomicFailure(engine, () => engine.sql(`
      INSERT INTO acct VALUES (500, 1, 1.00, 'c', 'fine', 'five@example.com');
      INSERT INTO acct VALUES (501, 1, 1.00, 'c', NULL, 'six@example.com')`), "NULL_VIOLATION", "main.acct", "note");
    expectAtomicFailure(engine, () => engine.sql(`
      DELETE FROM acct;
      INSERT INTO pairs VALUES (1, 'x')`), "DUPLICATE_ROW", "main.pairs");
    expectAtomicFailure(engine, () => engine.sql(`
      DROP TABLE pairs;
      CREATE INDEX (tiny) ON acct;
      INSERT INTO acct VALUES (1, 1, 1.00, 'c', 'dup', 'one@example.com')`), "DUPLICATE_KEY", "main.acct");
    expect(engine.describe("acct").indexes).toHaveLength(2);
    expectAtomicFailure(engine, () => engine.sql(`
      CREATE DATABASE d2;
      DATABASE d2;
      CREATE TABLE t (a INTEGER);
      DROP TABLE nope`), "NO_SUCH_TABLE", "nope");
    // the default database is still main
    engine.sql("CREATE TABLE after (a INTEGER)");
    expect(engine.tables()).toEqual(["main.acct", "main.after", "main.pairs"]);
    checkStillWorks(engine, [account(500)]);
  });

  it("a DELETE with a bad predicate deletes nothing", () => {
    const engine = accountEngine();
    expectAtomicFailure(engine, () => engine.delete("acct", { where: "nope = 1" }), "NO_SUCH_COLUMN", "main.acct", "nope");
    expectAtomicFailure(engine, () => engine.sql("DELETE FROM acct WHERE id = 1; DELETE FROM acct WHERE tiny = 'x'"), "TYPE_MISMATCH", "tiny");
    expectAtomicFailure(engine, () => engine.delete("acct", { key: "1" }), "TYPE_MISMATCH", "id");
  });
});
