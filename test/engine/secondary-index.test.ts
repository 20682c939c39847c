/**
 * Secondary indexes through the public API: USI and NUSI subtables in the
 * reserved `$index` database, created with CREATE TABLE or CREATE INDEX, kept
 * consistent by inserts, insert-selects and deletes, dropped by DROP INDEX and
 * DROP TABLE. A subtable is checked by scanning it: one index row per base row,
 * whose ($base_amp, $base_rowhash, $base_uniqueness) names an existing base row with the same
 * index values; USI rows sit on the AMP of their index value's hash, NUSI rows on
 * the AMP of their base row.
 */
import { describe, it, expect } from "vitest";
import * as arrow from "apache-arrow";
import { AmpsimError, Engine, parsePredicate, rowHash } from "../../engine/index.js";
import type { ColumnType, ErrorCode, SecondaryIndex } from "../../engine/index.js";
import { expectError, formatDecimal, hashInput, wordsToBigInt } from "../helpers/errors.js";

// ---------------------------------------------------------------------------
// Helpers

type Row = Record<string, unknown>;

function plainValue(value: unknown, type: arrow.DataType): unknown {
  if (value === null || value === undefined) return null;
  if (arrow.DataType.isDecimal(type)) return wordsToBigInt(value as Uint32Array);
  if (value instanceof Date) return value.getTime();
  return value;
}

/** Rows as arrays of plain values (subtables have columns named like the rowIds columns). */
function rowArrays(table: arrow.Table): unknown[][] {
  const fields = table.schema.fields;
  const columns = fields.map((_f, i) => table.getChildAt(i)!);
  const rows: unknown[][] = [];
  for (let r = 0; r < table.numRows; r++) rows.push(columns.map((column, i) => plainValue(column.get(r), fields[i].type)));
  return rows;
}

function plainRows(table: arrow.Table): Row[] {
  const names = table.schema.fields.map((f) => f.name);
  return rowArrays(table).map((values) => Object.fromEntries(names.map((n, i) => [n, values[i]])));
}

function vector(type: arrow.DataType, values: unknown[]): arrow.Vector {
  return arrow.vectorFromArray(values as never[], type as never) as arrow.Vector;
}

function subtables(engine: Engine): string[] {
  return engine.allTables().filter((name) => name.startsWith('"$index".'));
}

function sameColumnSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join() === [...b].sort().join();
}

/** The subtable (among `candidates`) that serves `index`. */
function subtableOf(engine: Engine, index: SecondaryIndex, candidates: readonly string[]): string {
  const matching = candidates.filter((sub) => {
    const pi = engine.describe(sub).primaryIndex;
    return pi !== null && pi.unique === index.unique && sameColumnSet(pi.columns, index.columns);
  });
  expect(matching, `subtables for ${JSON.stringify(index)}`).toHaveLength(1);
  return matching[0];
}

/**
 * Checks every index subtable of `base` (found among `candidates`, by default every $index table):
 * one index row per base row, pointing at an existing base row with equal index values; USI rows
 * on the AMP of their value's hash, NUSI rows on their base row's AMP.
 */
function checkIndexes(engine: Engine, base: string, candidates: readonly string[] = subtables(engine)): void {
  const definition = engine.describe(base);
  const baseRows = plainRows(engine.scan(base, { rowIds: true }));
  const byId = new Map(baseRows.map((row) => [`${row.$amp}:${row.$rowhash}:${row.$uniqueness}`, row]));
  expect(byId.size).toBe(baseRows.length);
  expect(candidates).toHaveLength(definition.indexes.length);
  for (const index of definition.indexes) {
    const sub = subtableOf(engine, index, candidates);
    const subDefinition = engine.describe(sub);
    expect(subDefinition.database).toBe("$index");
    expect(subDefinition.columns.map((c) => c.name)).toEqual([...index.columns, "$base_amp", "$base_rowhash", "$base_uniqueness"]);
    const types = index.columns.map((name) => definition.columns.find((c) => c.name === name)!.type);
    const n = index.columns.length;
    const seen = new Set<string>();
    for (let amp = 0; amp < engine.amps; amp++) {
      for (const row of rowArrays(engine.scan(sub, { amp }))) {
        const id = `${row[n]}:${Number(row[n + 1])}:${Number(row[n + 2])}`;
        const baseRow = byId.get(id);
        expect(baseRow, `${sub}: index row ${JSON.stringify(row, (_k, v) => (typeof v === "bigint" ? String(v) : v))} names no row of ${base}`).toBeDefined();
        expect(seen.has(id), `${sub}: two index rows name base row ${id}`).toBe(false);
        seen.add(id);
        index.columns.forEach((column, k) => expect(row[k]).toEqual(baseRow![column]));
        if (index.unique) {
          const values = index.columns.map((_c, k) => hashInput(row[k], types[k]));
          expect(amp, `${sub}: USI row not on the AMP of its value's hash`).toBe(engine.hashMap.ampOfHash(rowHash(values, types)));
        } else {
          expect(amp, `${sub}: NUSI row not on its base row's AMP`).toBe(row[n]);
        }
      }
    }
    expect(seen.size, `${sub} should hold one index row per row of ${base}`).toBe(baseRows.length);
    expect(engine.rowCount(sub)).toBe(baseRows.length);
  }
}

// ---------------------------------------------------------------------------
// The table

const EMPLOYEE_COLUMNS = `(
  id INTEGER NOT NULL,
  email VARCHAR(40),
  dept SMALLINT,
  city VARCHAR(10),
  salary DECIMAL(9,2),
  hired DATE
)`;
const EMPLOYEE_DDL = `CREATE MULTISET TABLE main.emp ${EMPLOYEE_COLUMNS}
UNIQUE PRIMARY INDEX (id)
UNIQUE INDEX by_email (email)
INDEX by_dept (dept)
INDEX (city, hired)`;

function employee(i: number): Row {
  return {
    id: i,
    email: i === 0 ? null : `e${i}@example.org`,
    dept: i % 11 === 0 ? null : i % 5,
    city: i % 7 === 0 ? null : ["Oslo", "Rome", "Lima"][i % 3],
    salary: formatDecimal(BigInt(i * 1999 + 100000), 2),
    hired: i % 13 === 0 ? null : new Date(Date.UTC(2010, 0, 1 + (i % 9))),
  };
}

function employees(from: number, to: number): Row[] {
  return Array.from({ length: to - from }, (_, k) => employee(from + k));
}

function employeeArrow(rows: Row[]): arrow.Table {
  return new arrow.Table({
    id: vector(new arrow.Int32(), rows.map((r) => r.id)),
    email: vector(new arrow.Utf8(), rows.map((r) => r.email)),
    dept: vector(new arrow.Int16(), rows.map((r) => r.dept)),
    city: vector(new arrow.Utf8(), rows.map((r) => r.city)),
    hired: vector(new arrow.DateDay(), rows.map((r) => (r.hired === null ? null : (r.hired as Date).getTime()))),
  });
}

function employeeEngine(amps = 4): Engine {
  const engine = new Engine({ amps });
  engine.sql(EMPLOYEE_DDL);
  engine.insert("emp", employees(0, 60));
  engine.insert("emp", employeeArrow(employees(60, 90)));
  engine.insert("emp", employeeArrow(employees(85, 130)).slice(5, 45));
  return engine;
}

// ---------------------------------------------------------------------------

describe("index subtables", () => {
  it("CREATE TABLE creates one $index subtable per secondary index, listed by allTables only", () => {
    const engine = new Engine();
    engine.sql(EMPLOYEE_DDL);
    expect(engine.tables()).toEqual(["main.emp"]);
    expect(engine.databases()).toEqual(["main"]);
    const subs = subtables(engine);
    expect(subs).toHaveLength(3);
    expect(engine.allTables()).toEqual([...subs, "main.emp"].sort());
    for (const sub of subs) {
      expect(engine.scan(sub).numRows).toBe(0);
      expect(engine.describe(sub).setness).toBe("multiset");
    }
    checkIndexes(engine, "emp");
    expect(engine.describe("emp").indexes.map((i) => [i.name, i.unique])).toEqual([["by_email", true], ["by_dept", false], [null, false]]);
  });

  it("inserts (row objects, Arrow, sliced Arrow) fill every subtable consistently", () => {
    for (const amps of [1, 4, 7]) {
      const engine = employeeEngine(amps);
      expect(engine.rowCount("emp")).toBe(130);
      checkIndexes(engine, "emp");
    }
  });

  it("CREATE INDEX on a filled table builds the subtable from the stored rows", () => {
    const engine = new Engine({ amps: 5 });
    engine.sql(`CREATE MULTISET TABLE main.emp ${EMPLOYEE_COLUMNS} UNIQUE PRIMARY INDEX (id)`);
    engine.insert("emp", employees(0, 70));
    engine.insert("emp", employees(70, 100));
    expect(subtables(engine)).toHaveLength(0);
    const before = engine.trace.steps.length;
    engine.sql("CREATE UNIQUE INDEX by_email (email) ON emp");
    expect(engine.trace.steps.length).toBe(before + 1);
    const step = engine.trace.steps[engine.trace.steps.length - 1];
    expect(step.step).toBe("create-index");
    expect(step.rows).toBe(100);
    engine.sql("CREATE INDEX (dept) ON emp; CREATE INDEX (city, hired) ON emp");
    expect(subtables(engine)).toHaveLength(3);
    checkIndexes(engine, "emp");
    // and they are maintained afterwards
    engine.insert("emp", employees(100, 140));
    engine.delete("emp", { where: "dept = 2" });
    checkIndexes(engine, "emp");
  });

  it("a subtable can be scanned with rowIds like any table", () => {
    const engine = employeeEngine();
    for (const sub of subtables(engine)) {
      let result: arrow.Table | undefined;
      try {
        result = engine.scan(sub, { rowIds: true });
      } catch (error) {
        // refusing is acceptable, but only as an AmpsimError that says why
        expect(error, `scan(${sub}, { rowIds: true }) threw a non-AmpsimError: ${String(error)}`).toBeInstanceOf(AmpsimError);
        continue;
      }
      expect(result.numRows).toBe(130);
    }
  });
});

describe("USI uniqueness", () => {
  it("is enforced on insert, inside a batch and against stored rows", () => {
    const engine = employeeEngine();
    expectError(() => engine.insert("emp", [employee(500), { ...employee(501), email: "e500@example.org" }]), "DUPLICATE_KEY", "main.emp", "email", "e500@example.org");
    expectError(() => engine.insert("emp", [employee(502), { ...employee(503), email: "e7@example.org" }]), "DUPLICATE_KEY", "main.emp", "email", "e7@example.org");
    expectError(() => engine.insert("emp", employeeArrow([employee(504), { ...employee(505), email: "e8@example.org" }])), "DUPLICATE_KEY", "email");
    expect(engine.rowCount("emp")).toBe(130);
    checkIndexes(engine, "emp");
    // values in other columns may repeat freely (NUSIs)
    expect(engine.insert("emp", [{ ...employee(500), dept: 1, city: "Oslo" }, { ...employee(501), dept: 1, city: "Oslo" }])).toBe(2);
    checkIndexes(engine, "emp");
  });

  it("is enforced on insert-select, AMP-local and redistributing", () => {
    const engine = employeeEngine();
    engine.sql(`CREATE MULTISET TABLE same_pi ${EMPLOYEE_COLUMNS} PRIMARY INDEX (id);
      CREATE MULTISET TABLE other_pi ${EMPLOYEE_COLUMNS} PRIMARY INDEX (city)`);
    for (const staging of ["same_pi", "other_pi"]) {
      engine.insert(staging, [employee(600), employee(601), { ...employee(602), email: "e33@example.org" }]);
      expectError(() => engine.insertSelect("emp", staging), "DUPLICATE_KEY", "main.emp", "email", "e33@example.org");
      expectError(() => engine.sql(`INSERT INTO emp SELECT * FROM ${staging}`), "DUPLICATE_KEY", "email");
      expect(engine.rowCount("emp")).toBe(130);
      checkIndexes(engine, "emp");
      engine.delete(staging, { where: "id = 602" });
    }
    // disjoint rows go in through both paths
    engine.sql("DELETE FROM other_pi; DELETE FROM same_pi");
    engine.insert("same_pi", employees(700, 740));
    engine.insert("other_pi", employees(740, 790));
    expect(engine.insertSelect("emp", "same_pi")).toBe(40);
    // The base rows stay on their AMPs: only the USI's rows travel, to the AMPs of their values.
    const usi = subtables(engine).find((name) => engine.describe(name).primaryIndex!.unique)!;
    const travelling = employees(700, 740).filter((e) => engine.ampOf("emp", [e.id]) !== engine.ampOf(usi, [e.email])).length;
    expect((lastTransfers(engine) as { rows: number }[]).reduce((n, t) => n + t.rows, 0)).toBe(travelling);
    expect(engine.insertSelect("emp", "other_pi")).toBe(50);
    expect(engine.rowCount("emp")).toBe(220);
    checkIndexes(engine, "emp");
    // an insert-select of the same rows again violates the UPI first or the USI: either way nothing changes
    const error = expectError(() => engine.insertSelect("emp", "same_pi"), "DUPLICATE_KEY", "main.emp");
    expect(["id", "email"]).toContain(error.details.column);
    checkIndexes(engine, "emp");
  });

  it("a deleted value can be inserted again", () => {
    const engine = employeeEngine();
    engine.delete("emp", { key: 40 });
    expect(engine.insert("emp", [{ ...employee(900), email: "e40@example.org" }])).toBe(1);
    engine.delete("emp", { where: "dept = 3" });
    const freed = employees(0, 130).filter((r) => r.dept === 3).map((r) => r.email);
    expect(engine.insert("emp", freed.map((email, k) => ({ ...employee(1000 + k), email })))).toBe(freed.length);
    checkIndexes(engine, "emp");
  });
});

function lastTransfers(engine: Engine): readonly unknown[] {
  return engine.trace.steps[engine.trace.steps.length - 1].transfers;
}

describe("deletes keep the subtables consistent", () => {
  it("by key", () => {
    const engine = employeeEngine();
    for (const id of [0, 7, 13, 129, 64]) expect(engine.delete("emp", { key: id })).toBe(1);
    expect(engine.delete("emp", { key: 7 })).toBe(0);
    expect(engine.rowCount("emp")).toBe(125);
    checkIndexes(engine, "emp");
  });

  it("by where (text, object, SQL) and all rows", () => {
    const engine = employeeEngine();
    expect(engine.delete("emp", { where: "city = 'Rome' OR dept IS NULL" })).toBeGreaterThan(0);
    checkIndexes(engine, "emp");
    engine.delete("emp", { where: parsePredicate("hired BETWEEN DATE '2010-01-02' AND DATE '2010-01-04'") });
    checkIndexes(engine, "emp");
    engine.sql("DELETE FROM emp WHERE id < 20");
    checkIndexes(engine, "emp");
    const left = engine.rowCount("emp");
    expect(left).toBeGreaterThan(0);
    expect(engine.delete("emp")).toBe(left);
    checkIndexes(engine, "emp");
    for (const sub of subtables(engine)) expect(engine.rowCount(sub)).toBe(0);
  });

  it("across many statements (many runs, merged along the way)", () => {
    const engine = employeeEngine(3);
    for (let s = 0; s < 30; s++) {
      engine.insert("emp", employees(1000 + s * 10, 1000 + s * 10 + 10));
      if (s % 4 === 0) engine.delete("emp", { key: 1000 + s * 10 + 3 });
      if (s % 7 === 0) engine.delete("emp", { where: `id >= ${1000 + s * 10 + 7} AND id < ${1000 + s * 10 + 9}` });
    }
    checkIndexes(engine, "emp");
  });
});

describe("DROP INDEX and DROP TABLE", () => {
  it("DROP INDEX by name and by columns removes exactly that subtable", () => {
    const engine = employeeEngine();
    const subs = subtables(engine);
    const emailSub = subtableOf(engine, engine.describe("emp").indexes[0], subs);
    engine.sql("DROP INDEX by_email ON emp");
    expect(subtables(engine)).toEqual(subs.filter((s) => s !== emailSub));
    expectError(() => engine.scan(emailSub), "NO_SUCH_TABLE");
    checkIndexes(engine, "emp");
    // without the USI, emails may repeat
    expect(engine.insert("emp", [{ ...employee(800), email: "e5@example.org" }])).toBe(1);
    engine.sql("DROP INDEX (city, hired) ON emp");
    expect(subtables(engine)).toHaveLength(1);
    expect(engine.describe("emp").indexes.map((i) => i.name)).toEqual(["by_dept"]);
    checkIndexes(engine, "emp");
    expect(engine.showTable("emp")).not.toContain("city, hired");
    expectError(() => engine.sql("DROP INDEX by_email ON emp"), "NO_SUCH_INDEX", "by_email");
  });

  it("DROP INDEX by columns matches the index whatever the column order", () => {
    // CREATE TABLE treats INDEX (a, b) and INDEX (b, a) as the same index, so DROP INDEX should too.
    const engine = employeeEngine();
    engine.sql("DROP INDEX (hired, city) ON emp");
    expect(engine.describe("emp").indexes.map((i) => i.name)).toEqual(["by_email", "by_dept"]);
    expect(subtables(engine)).toHaveLength(2);
  });

  it("DROP TABLE removes every subtable of that table and no other", () => {
    const engine = employeeEngine();
    const empSubs = subtables(engine);
    engine.sql("CREATE MULTISET TABLE other (a INTEGER, b VARCHAR(5)) PRIMARY INDEX (a) UNIQUE INDEX (b)");
    engine.insert("other", [{ a: 1, b: "x" }, { a: 2, b: "y" }]);
    const otherSubs = subtables(engine).filter((s) => !empSubs.includes(s));
    expect(otherSubs).toHaveLength(1);
    engine.sql("DROP TABLE emp");
    expect(subtables(engine)).toEqual(otherSubs);
    for (const sub of empSubs) expectError(() => engine.scan(sub), "NO_SUCH_TABLE");
    checkIndexes(engine, "other", otherSubs);
    engine.dropTable("other");
    expect(engine.allTables()).toEqual([]);
    expect(engine.ampBytes()).toEqual([0, 0, 0, 0]);
    // a new table of the same name starts with empty subtables
    engine.sql(EMPLOYEE_DDL);
    for (const sub of subtables(engine)) expect(engine.rowCount(sub)).toBe(0);
    engine.insert("emp", employees(0, 10));
    checkIndexes(engine, "emp");
  });
});

describe("other base tables", () => {
  it("a NoPI table with a USI and a NUSI", () => {
    const engine = new Engine({ amps: 6 });
    engine.sql(`CREATE MULTISET TABLE events (ts TIMESTAMP NOT NULL, kind VARCHAR(8), amount DECIMAL(12,3)) NO PRIMARY INDEX UNIQUE INDEX (ts) INDEX (kind)`);
    const rows = Array.from({ length: 90 }, (_, i) => ({ ts: new Date(Date.UTC(2024, 0, 1) + i * 1000), kind: i % 5 === 0 ? null : `k${i % 4}`, amount: `${i}.125` }));
    engine.insert("events", rows.slice(0, 50));
    engine.insert("events", rows.slice(50));
    checkIndexes(engine, "events");
    expectError(() => engine.insert("events", [{ ts: rows[3].ts, kind: "dup" }]), "DUPLICATE_KEY", "main.events", "ts");
    engine.delete("events", { where: "kind = 'k1'" });
    checkIndexes(engine, "events");
  });

  it("a USI over two columns of several types", () => {
    const engine = new Engine({ amps: 3 });
    engine.sql(`CREATE SET TABLE acct (id BIGINT NOT NULL, branch CHAR(4), opened DATE, amount DECIMAL(20,4)) PRIMARY INDEX (id) UNIQUE INDEX (branch, amount) INDEX (opened, amount)`);
    const rows = Array.from({ length: 60 }, (_, i) => ({ id: BigInt(i % 20) * (1n << 40n), branch: `B${i % 6}  `, opened: `2021-0${1 + (i % 9)}-15`, amount: `${i}.5` }));
    engine.insert("acct", rows);
    checkIndexes(engine, "acct");
    expectError(() => engine.insert("acct", [{ id: 99n, branch: "B3", opened: "2021-01-01", amount: "3.5000" }]), "DUPLICATE_KEY", "main.acct", "branch, amount");
    engine.delete("acct", { key: 0n });
    engine.delete("acct", { key: 1n << 40n });
    checkIndexes(engine, "acct");
  });
});

describe("index subtables are the engine's own", () => {
  it("insert and delete refuse them (BAD_ARGUMENT), so a unique secondary index stays unique", () => {
    const e = new Engine({ amps: 4 });
    e.sql("CREATE MULTISET TABLE t (id INTEGER, v INTEGER) PRIMARY INDEX (id) UNIQUE INDEX (v)");
    e.insert("t", [{ id: 1, v: 1 }]);
    const subtable = e.allTables().find((name) => name.startsWith('"$index"'))!;
    expect(subtable).toBeDefined();
    expectError(() => e.delete(subtable), "BAD_ARGUMENT", subtable, "secondary index's subtable");
    expectError(() => e.insert(subtable, [{ v: 2 }]), "BAD_ARGUMENT", subtable);
    expectError(() => e.insert("t", [{ id: 2, v: 1 }]), "DUPLICATE_KEY", "unique secondary index (v)");
    expect(e.rowCount("t")).toBe(1);
  });
});

describe("index maintenance in the trace", () => {
  it("an insert's and an insert-select's step count every index row written, and USI rows sent from their base rows' AMPs", () => {
    const engine = new Engine({ amps: 5 });
    engine.sql(`CREATE MULTISET TABLE plain (k INTEGER NOT NULL, sku VARCHAR(12), g INTEGER) PRIMARY INDEX (k);
      CREATE MULTISET TABLE indexed (k INTEGER NOT NULL, sku VARCHAR(12), g INTEGER) PRIMARY INDEX (k) UNIQUE INDEX (sku) INDEX (g);
      CREATE MULTISET TABLE src (k INTEGER NOT NULL, sku VARCHAR(12), g INTEGER) PRIMARY INDEX (g);`);
    const rows = Array.from({ length: 300 }, (_, i) => ({ k: i, sku: `sku-${i * 7}`, g: i % 11 }));
    const [usi, nusi] = engine.allTables().filter((name) => name.startsWith('"$index".')).sort((a, b) => (engine.describe(a).primaryIndex!.unique ? -1 : 1) - (engine.describe(b).primaryIndex!.unique ? -1 : 1));
    expect(engine.describe(usi).primaryIndex!.unique).toBe(true);
    const stepOf = (run: () => unknown) => { const mark = engine.trace.mark(); run(); return engine.trace.since(mark).at(-1)!; };
    // Rows an AMP must send: those whose sku hashes to another AMP than their base row, with their subtable row's bytes (the string's offset and bytes, then the base row's AMP, row hash and uniqueness: 4 + 8 + 8).
    const sent = new Map<string, { rows: number; bytes: number }>();
    for (const row of rows) {
      const from = engine.ampOf("indexed", [row.k]); const to = engine.ampOf(usi, [row.sku]);
      if (from === to) continue;
      const t = sent.get(`${from}>${to}`) ?? { rows: 0, bytes: 0 };
      t.rows++; t.bytes += (4 + row.sku.length) + 4 + 8 + 8;
      sent.set(`${from}>${to}`, t);
    }
    expect(sent.size).toBeGreaterThan(0);
    const check = (withIndexes: ReturnType<typeof stepOf>, without: ReturnType<typeof stepOf>) => {
      const indexBytes = [usi, nusi].map((name) => engine.ampBytes(name));
      const indexRows = [usi, nusi].map((name) => engine.ampRowCounts(name));
      for (let amp = 0; amp < 5; amp++) {
        expect(withIndexes.amps[amp].bytesWritten - without.amps[amp].bytesWritten).toBe(indexBytes[0][amp] + indexBytes[1][amp]);
        expect(withIndexes.amps[amp].rowsWritten - without.amps[amp].rowsWritten).toBe(indexRows[0][amp] + indexRows[1][amp]);
      }
      // The index rows' transfers are kept apart from the table rows', which are those of the table without indexes.
      const usiTransfers = withIndexes.transfers.filter((t) => t.index === true).map((t) => [`${t.from}>${t.to}`, { rows: t.rows, bytes: t.bytes }] as const);
      expect(new Map(usiTransfers)).toEqual(sent);
      expect(withIndexes.transfers.filter((t) => t.index !== true)).toEqual(without.transfers);
    };
    check(stepOf(() => engine.insert("indexed", rows)), stepOf(() => engine.insert("plain", rows)));
    engine.insert("src", rows);
    engine.sql("DELETE FROM indexed; DELETE FROM plain;");
    check(stepOf(() => engine.insertSelect("indexed", "src")), stepOf(() => engine.insertSelect("plain", "src")));
  });
});

describe("index maintenance of deletes in the trace", () => {
  it("a delete's step counts every index row it removes, and a USI row's removal sent from its base row's AMP", () => {
    const engine = new Engine({ amps: 5 });
    engine.sql("CREATE MULTISET TABLE t (k INTEGER NOT NULL, sku VARCHAR(12), g INTEGER) PRIMARY INDEX (k) UNIQUE INDEX (sku) INDEX (g);");
    const rows = Array.from({ length: 200 }, (_, i) => ({ k: i, sku: `sku-${i * 7}`, g: i % 11 }));
    engine.insert("t", rows);
    const usi = engine.allTables().find((name) => name.startsWith('"$index".') && engine.describe(name).primaryIndex!.unique)!;
    const stepOf = (run: () => unknown) => { const mark = engine.trace.mark(); run(); return engine.trace.since(mark).at(-1)!; };
    // By key: the base row's AMP, and the AMP of its USI row.
    const one = rows[17];
    const [base, index] = [engine.ampOf("t", [one.k]), engine.ampOf(usi, [one.sku])];
    expect(base).not.toBe(index);
    const byKey = stepOf(() => engine.delete("t", { key: one.k }));
    expect(byKey.scope).toBe("two-amp");
    expect(byKey.amps.map((a) => a.amp).sort()).toEqual([base, index].sort());
    expect(byKey.amps.find((a) => a.amp === base)!.rowsWritten).toBe(2); // the row and its NUSI row
    expect(byKey.amps.find((a) => a.amp === index)!.rowsWritten).toBe(1); // its USI row
    expect(byKey.transfers.map((t) => [t.from, t.to, t.rows])).toEqual([[base, index, 1]]);
    // By a condition: every removed row, its NUSI row and its USI row are written; USI rows elsewhere sent.
    const gone = rows.filter((r) => r.g === 3);
    const where = stepOf(() => engine.delete("t", { where: "g = 3" }));
    expect(where.amps.reduce((n, a) => n + a.rowsWritten, 0)).toBe(3 * gone.length);
    const sent = gone.filter((r) => engine.ampOf("t", [r.k]) !== engine.ampOf(usi, [r.sku])).length;
    expect(where.transfers.reduce((n, t) => n + t.rows, 0)).toBe(sent);
  });
});
