/**
 * The SQL front end: lexer and parser (sql-parser), definition checks
 * (table-validation) and the DDL writer (ddl-writer), including the round trip
 * parse(render(D)) = D on fixed and on generated definitions.
 */
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { AmpsimError } from "../../engine/errors.js";
import { Engine, rowsOf } from "../../engine/index.js";
import type { ErrorCode } from "../../engine/errors.js";
import { types } from "../../engine/catalog/column-type.js";
import type { ColumnType } from "../../engine/catalog/column-type.js";
import type {
  ColumnDefinition, PrimaryIndex, SecondaryIndex, TableDefinition, TableKind,
} from "../../engine/catalog/table-definition.js";
import {
  parseColumnType, parsePredicate, parseQualifiedName, parseSql,
} from "../../engine/catalog/sql-parser.js";
import type { ParsedTableDefinition, Statement } from "../../engine/catalog/sql-parser.js";
import { renderIndexDdl, renderTableDdl } from "../../engine/catalog/ddl-writer.js";
import { validateColumnType, validateTableDefinition } from "../../engine/catalog/table-validation.js";

// ---------------------------------------------------------------------------
// Builders

function column(name: string, type: ColumnType, nullable = true): ColumnDefinition {
  return { kind: "column", name, type, nullable };
}

function pi(columns: string[], unique = false, name: string | null = null): PrimaryIndex {
  return { kind: "primary-index", unique, name, columns };
}

function si(columns: string[], unique = false, name: string | null = null): SecondaryIndex {
  return { kind: "secondary-index", unique, name, columns };
}

function table(overrides: Partial<TableDefinition> = {}): TableDefinition {
  return {
    kind: "table",
    database: "main",
    name: "orders",
    tableKind: "permanent",
    setness: "multiset",
    columns: [column("id", types.int32, false), column("cust", types.int32), column("note", types.varchar(20))],
    primaryIndex: pi(["id"], true),
    indexes: [],
    onCommit: null,
    ...overrides,
  };
}

/** The only statement of `sql`, which must be of `kind`. */
function single<K extends Statement["kind"]>(sql: string, kind: K): Extract<Statement, { kind: K }> {
  const statements = parseSql(sql);
  expect(statements).toHaveLength(1);
  expect(statements[0].kind).toBe(kind);
  return statements[0] as Extract<Statement, { kind: K }>;
}

function parseTable(sql: string): ParsedTableDefinition {
  return single(sql, "create table").table;
}

/** Checks parse(render(D)) = D and render(parse(render(D))) = render(D); returns the DDL. */
function expectRoundTrip(def: TableDefinition): string {
  const ddl = renderTableDdl(def);
  const parsed = parseTable(ddl);
  expect(parsed).toEqual(def);
  expect(renderTableDdl({ ...parsed, database: parsed.database ?? "" })).toBe(ddl);
  return ddl;
}

/** The AmpsimError that `action` throws. */
function caught(action: () => unknown): AmpsimError {
  try {
    action();
  } catch (error) {
    if (error instanceof AmpsimError) return error;
    throw error;
  }
  throw new Error("expected an AmpsimError, but nothing was thrown");
}

function expectError(action: () => unknown, code: ErrorCode, ...mentions: string[]): AmpsimError {
  const error = caught(action);
  expect(error.code, error.message).toBe(code);
  for (const mention of mentions) expect(error.message).toContain(mention);
  return error;
}

function expectSyntaxError(sql: string, line: number, columnNumber: number, expected: string, found: string): void {
  const error = expectError(() => parseSql(sql), "SQL_SYNTAX", `line ${line}, column ${columnNumber}:`, `expected ${expected}`, `but found ${found}`);
  expect(error.details.line).toBe(line);
  expect(error.details.position).toBe(columnNumber);
}

const ALL_TYPES: readonly [string, ColumnType][] = [
  ["a", types.int8], ["b", types.int16], ["c", types.int32], ["d", types.int64],
  ["e", types.float32], ["f", types.float64], ["g", types.decimal(12, 2)], ["h", types.decimal(38, 38)],
  ["i", types.decimal(1, 0)], ["j", types.bool], ["k", types.utf8], ["l", types.varchar(1)],
  ["m", types.varchar(64000)], ["n", types.char(1)], ["o", types.char(64000)], ["p", types.date],
  ["q", types.timestamp],
];

// ---------------------------------------------------------------------------
// DDL writer and round trip

describe("renderTableDdl", () => {
  it("writes the Teradata layout", () => {
    const def = table({ indexes: [si(["cust"]), si(["note"], true, "by_note")] });
    expect(renderTableDdl(def)).toBe(
      [
        "CREATE MULTISET TABLE main.orders (",
        "  id INTEGER NOT NULL,",
        "  cust INTEGER,",
        "  note VARCHAR(20)",
        ") UNIQUE PRIMARY INDEX (id)",
        "INDEX (cust)",
        "UNIQUE INDEX by_note (note);",
      ].join("\n"),
    );
    expectRoundTrip(def);
  });

  it("round-trips every column type, nullable and NOT NULL", () => {
    const columns = ALL_TYPES.flatMap(([name, type]) => [column(name, type), column(`${name}_nn`, type, false)]);
    const ddl = expectRoundTrip(table({ columns, primaryIndex: pi(["a"]) }));
    for (const text of ["BYTEINT", "SMALLINT", "INTEGER", "BIGINT", "REAL", "FLOAT", "DECIMAL(12,2)", "BOOLEAN",
      "LONG VARCHAR", "VARCHAR(64000)", "CHAR(1)", "DATE", "TIMESTAMP"]) {
      expect(ddl).toContain(` ${text}`);
    }
  });

  it("round-trips every primary index kind", () => {
    const columns = [column("a", types.int32), column("b", types.date), column("c", types.utf8)];
    const cases: [PrimaryIndex | null, string][] = [
      [pi(["a"], true), ") UNIQUE PRIMARY INDEX (a)"],
      [pi(["a"], false), ") PRIMARY INDEX (a)"],
      [null, ") NO PRIMARY INDEX"],
      [pi(["b", "a"], true, "pi_name"), ") UNIQUE PRIMARY INDEX pi_name (b, a)"],
      [pi(["a", "b", "c"], false, "Mixed Name"), ') PRIMARY INDEX "Mixed Name" (a, b, c)'],
    ];
    for (const [primaryIndex, clause] of cases) {
      expect(expectRoundTrip(table({ columns, primaryIndex }))).toContain(clause);
    }
  });

  it("round-trips USIs and NUSIs, named and unnamed, one per line", () => {
    const columns = [column("a", types.int32), column("b", types.int64), column("c", types.char(3))];
    const indexes = [si(["b"]), si(["c"], true), si(["b", "c"], false, "nusi_bc"), si(["a", "c"], true, "usi_ac")];
    const ddl = expectRoundTrip(table({ columns, primaryIndex: pi(["a"]), indexes }));
    expect(ddl.split("\n").slice(-4)).toEqual([
      "INDEX (b)", "UNIQUE INDEX (c)", "INDEX nusi_bc (b, c)", "UNIQUE INDEX usi_ac (a, c);",
    ]);
  });

  it("round-trips SET and MULTISET tables of every kind with every ON COMMIT", () => {
    const cases: [TableKind, TableDefinition["onCommit"], string][] = [
      ["permanent", null, "CREATE SET TABLE main.orders ("],
      ["global temporary", "delete rows", "CREATE GLOBAL TEMPORARY SET TABLE main.orders ("],
      ["global temporary", "preserve rows", "CREATE GLOBAL TEMPORARY SET TABLE main.orders ("],
      ["volatile", "delete rows", "CREATE VOLATILE SET TABLE main.orders ("],
      ["volatile", "preserve rows", "CREATE VOLATILE SET TABLE main.orders ("],
    ];
    for (const [tableKind, onCommit, head] of cases) {
      for (const setness of ["set", "multiset"] as const) {
        const ddl = expectRoundTrip(table({ tableKind, onCommit, setness }));
        expect(ddl.startsWith(setness === "set" ? head : head.replace("SET", "MULTISET"))).toBe(true);
        const lastLine = ddl.split("\n").at(-1);
        if (onCommit === null) expect(ddl).not.toContain("ON COMMIT");
        else expect(lastLine).toBe(`ON COMMIT ${onCommit.toUpperCase()};`);
      }
    }
  });

  it("quoted names that differ only in case are two columns: INSERT VALUES, scan and lookup keep them apart", () => {
    const engine = new Engine({ amps: 2 });
    engine.sql('CREATE MULTISET TABLE p ("a" INTEGER, "A" INTEGER) PRIMARY INDEX ("a")');
    engine.sql("INSERT INTO p VALUES (1, 2)");
    expect(rowsOf(engine.scan("p", { columns: ["a", "A"] }))).toEqual([{ a: 1, A: 2 }]);
    expect(rowsOf(engine.scan("p", { columns: ["A"] }))).toEqual([{ A: 2 }]);
    expect(rowsOf(engine.lookup("p", 1))).toEqual([{ a: 1, A: 2 }]);
    expect(() => engine.sql('INSERT INTO p ("a", "a") VALUES (1, 2)')).toThrow(/BAD_ARGUMENT: INSERT INTO main\.p: column a is listed twice/);
  });

  it("quotes names with spaces, quotes, capitals, reserved words and other characters", () => {
    const names = ["My DB", 'say "hi"', "Select", "select", "date", "index", "Ünïcode", "1st", "$x", "a-b", "tab\there", "two\nlines"];
    const columns = names.map((name) => column(name, types.int32));
    const def = table({ database: "My DB", name: 'we"ird', columns, primaryIndex: pi([names[1]], true, "index") });
    const ddl = expectRoundTrip({ ...def, indexes: [si(["select", "date"], false, "Sel Idx")] });
    expect(ddl).toContain('CREATE MULTISET TABLE "My DB"."we""ird" (');
    expect(ddl).toContain('UNIQUE PRIMARY INDEX "index" ("say ""hi""")');
    expect(ddl).toContain('INDEX "Sel Idx" ("select", "date")');
    expect(ddl).toContain("  \"Select\" INTEGER,\n  \"select\" INTEGER,");
  });

  it("leaves plain names unquoted", () => {
    const def = table({ name: "t_1$#", columns: [column("x_2", types.int8), column("title", types.int8)], primaryIndex: pi(["x_2"]) });
    expect(expectRoundTrip(def)).toContain("CREATE MULTISET TABLE main.t_1$# (\n  x_2 BYTEINT,\n  title BYTEINT\n)");
  });
});

describe("renderIndexDdl", () => {
  it("writes CREATE INDEX statements that parse back", () => {
    const cases: [SecondaryIndex, string][] = [
      [si(["a", "b"], true, "by_ab"), "CREATE UNIQUE INDEX by_ab (a, b) ON main.orders;"],
      [si(["a"]), "CREATE INDEX (a) ON main.orders;"],
      [si(["Mixed"], false, "the index"), 'CREATE INDEX "the index" ("Mixed") ON main.orders;'],
    ];
    for (const [index, text] of cases) {
      const ddl = renderIndexDdl({ database: "main", name: "orders" }, index);
      expect(ddl).toBe(text);
      expect(single(ddl, "create index")).toEqual({ kind: "create index", table: { database: "main", name: "orders" }, index });
    }
    expect(renderIndexDdl({ database: null, name: "t" }, si(["a"]))).toBe("CREATE INDEX (a) ON t;");
  });
});

// ---------------------------------------------------------------------------
// CREATE TABLE parsing

describe("parseSql: CREATE TABLE", () => {
  it("applies Teradata's defaults", () => {
    expect(parseTable("create table t (a integer, b date)")).toEqual({
      kind: "table", database: null, name: "t", tableKind: "permanent", setness: "set",
      columns: [column("a", types.int32), column("b", types.date)],
      primaryIndex: pi(["a"]), indexes: [], onCommit: null,
    });
    const noPi = parseTable("CREATE TABLE t (a INTEGER) NO PRIMARY INDEX");
    expect([noPi.setness, noPi.primaryIndex]).toEqual(["multiset", null]);
    expect(parseTable("CREATE GLOBAL TEMPORARY TABLE t (a INTEGER)").onCommit).toBe("delete rows");
    expect(parseTable("CREATE VOLATILE TABLE t (a INTEGER)").onCommit).toBe("delete rows");
  });

  it("accepts SET / MULTISET before or after GLOBAL TEMPORARY and VOLATILE", () => {
    const cases: [string, string, TableKind][] = [
      ["CREATE SET TABLE", "set", "permanent"],
      ["CREATE MULTISET TABLE", "multiset", "permanent"],
      ["CREATE MULTISET GLOBAL TEMPORARY TABLE", "multiset", "global temporary"],
      ["CREATE GLOBAL TEMPORARY MULTISET TABLE", "multiset", "global temporary"],
      ["CREATE SET VOLATILE TABLE", "set", "volatile"],
      ["create volatile multiset table", "multiset", "volatile"],
      ["CREATE VOLATILE TABLE", "set", "volatile"],
    ];
    for (const [head, setness, tableKind] of cases) {
      const def = parseTable(`${head} d.t (a INTEGER)`);
      expect([def.setness, def.tableKind, def.database]).toEqual([setness, tableKind, "d"]);
    }
  });

  it("reads the clauses after the column list in any order, with or without commas", () => {
    const def = parseTable(`CREATE GLOBAL TEMPORARY TABLE t (a INT, b INT, c INT)
      ON COMMIT PRESERVE ROWS INDEX (b), UNIQUE INDEX uc (c) PRIMARY INDEX pa (a) INDEX (b, c)`);
    expect(def.onCommit).toBe("preserve rows");
    expect(def.primaryIndex).toEqual(pi(["a"], false, "pa"));
    expect(def.indexes).toEqual([si(["b"]), si(["c"], true, "uc"), si(["b", "c"])]);
  });

  it("ignores Teradata table options and column attributes", () => {
    const def = parseTable(`CREATE MULTISET TABLE sales.orders, NO FALLBACK, NO BEFORE JOURNAL,
        NO AFTER JOURNAL, CHECKSUM = DEFAULT, DEFAULT MERGEBLOCKRATIO, MAP = TD_MAP1, FALLBACK PROTECTION (
      id INTEGER NOT NULL FORMAT '-(10)9' TITLE 'Order id',
      note VARCHAR(20) CHARACTER SET UNICODE NOT CASESPECIFIC COMPRESS ('', 'n/a'),
      code CHAR(2) CHARACTER SET LATIN CASESPECIFIC NULL COMPRESS,
      flag BYTEINT COMPRESS 0 UPPERCASE,
      amount DECIMAL(12,2) NOT NULL COMPRESS NULL
    ) UNIQUE PRIMARY INDEX (id)`);
    expect(def).toEqual({
      kind: "table", database: "sales", name: "orders", tableKind: "permanent", setness: "multiset",
      columns: [
        column("id", types.int32, false), column("note", types.varchar(20)), column("code", types.char(2)),
        column("flag", types.int8), column("amount", types.decimal(12, 2), false),
      ],
      primaryIndex: pi(["id"], true), indexes: [], onCommit: null,
    });
  });

  it("folds unquoted names to lower case and keeps quoted names as written", () => {
    const def = parseTable('CREATE TABLE Sales."Order Lines" (Id INT, "Qty ""x""" INT, t#$_1 INT) PRIMARY INDEX (ID)');
    expect([def.database, def.name]).toEqual(["sales", "Order Lines"]);
    expect(def.columns.map((c) => c.name)).toEqual(["id", 'Qty "x"', "t#$_1"]);
    expect(def.primaryIndex?.columns).toEqual(["id"]);
  });

  it("returns frozen statements", () => {
    const def = parseTable("CREATE TABLE t (a INTEGER, b INTEGER) INDEX (b)");
    expect(Object.isFrozen(def)).toBe(true);
    expect(Object.isFrozen(def.columns)).toBe(true);
    expect(Object.isFrozen(def.columns[0])).toBe(true);
    expect(Object.isFrozen(def.indexes[0].columns)).toBe(true);
  });
});

describe("parseColumnType", () => {
  it("reads every spelling", () => {
    const cases: [string, ColumnType][] = [
      ["BYTEINT", types.int8], ["SMALLINT", types.int16], ["INTEGER", types.int32], ["int", types.int32],
      ["BIGINT", types.int64], ["REAL", types.float32], ["FLOAT", types.float64], ["DOUBLE PRECISION", types.float64],
      ["DECIMAL", types.decimal(5, 0)], ["DECIMAL(7)", types.decimal(7, 0)], ["decimal(12, 2)", types.decimal(12, 2)],
      ["NUMERIC(38,0)", types.decimal(38, 0)], ["NUMERIC", types.decimal(5, 0)],
      ["CHAR", types.char(1)], ["CHARACTER(10)", types.char(10)], ["CHAR(64000)", types.char(64000)],
      ["VARCHAR(20)", types.varchar(20)], ["CHARACTER VARYING(30)", types.varchar(30)], ["CHAR VARYING(1)", types.varchar(1)],
      ["LONG VARCHAR", types.utf8], ["DATE", types.date], ["TIMESTAMP", types.timestamp], ["TIMESTAMP(6)", types.timestamp],
      ["TIMESTAMP(0)", types.timestamp], ["BOOLEAN", types.bool],
    ];
    for (const [text, type] of cases) expect(parseColumnType(text), text).toEqual(type);
  });

  it("rejects types out of bounds with BAD_DDL", () => {
    for (const [text, mention] of [
      ["DECIMAL(0)", "precision 0"], ["DECIMAL(39,0)", "precision 39"], ["DECIMAL(5,6)", "scale 6"],
      ["VARCHAR(0)", "length 0"], ["VARCHAR(64001)", "length 64001"], ["CHAR(0)", "length 0"], ["CHAR(100000)", "length 100000"],
    ]) {
      expectError(() => parseColumnType(text), "BAD_DDL", mention);
    }
  });

  it("rejects unknown types with SQL_SYNTAX", () => {
    expectError(() => parseColumnType("TEXT"), "SQL_SYNTAX", "a column type (BYTEINT", "found TEXT");
    expectError(() => parseColumnType("VARCHAR"), "SQL_SYNTAX", 'expected "("', "found end of input");
    expectError(() => parseColumnType("INTEGER NOT NULL"), "SQL_SYNTAX", "expected end of input", "found NOT");
  });
});

// ---------------------------------------------------------------------------
// Other statements, names, comments

describe("parseSql: statements", () => {
  it("reads every statement kind", () => {
    const statements = parseSql(`
      CREATE DATABASE sales AS PERM = 1e9, SPOOL = 2E9;
      CREATE DATABASE other FROM dbc AS PERM = 100;
      create database bare;
      DROP DATABASE sales;
      DATABASE sales;
      CREATE UNIQUE INDEX by_id (id) ON sales.orders;
      CREATE INDEX (a, b) ON orders;
      DROP INDEX by_id ON sales.orders;
      DROP INDEX (a, b) ON orders;
      DROP TABLE sales.orders;
      INSERT INTO t SELECT * FROM s;
      INS t SEL * FROM d.s WHERE a > 1;
      INSERT INTO t SELECT * FROM s WHERE a > 1 UNION ALL SEL * FROM d.s UNION ALL SELECT * FROM s2;
      INSERT INTO t VALUES (1, 'x'), (2, NULL);
      INSERT t (a, b) VALUES (1, 'x');
      DELETE FROM t WHERE a = 1;
      DEL t;
      DELETE d.t ALL;
      DELETE FROM t ALL
    `);
    const t = { database: null, name: "t" };
    expect(statements).toEqual([
      { kind: "create database", name: "sales" },
      { kind: "create database", name: "other" },
      { kind: "create database", name: "bare" },
      { kind: "drop database", name: "sales" },
      { kind: "database", name: "sales" },
      { kind: "create index", table: { database: "sales", name: "orders" }, index: si(["id"], true, "by_id") },
      { kind: "create index", table: { database: null, name: "orders" }, index: si(["a", "b"]) },
      { kind: "drop index", table: { database: "sales", name: "orders" }, name: "by_id", columns: null },
      { kind: "drop index", table: { database: null, name: "orders" }, name: null, columns: ["a", "b"] },
      { kind: "drop table", table: { database: "sales", name: "orders" } },
      { kind: "insert select", target: t, selects: [{ source: { database: null, name: "s" }, where: null }] },
      { kind: "insert select", target: t, selects: [{ source: { database: "d", name: "s" }, where: { kind: "compare", column: "a", op: ">", value: 1 } }] },
      { kind: "insert select", target: t, selects: [
        { source: { database: null, name: "s" }, where: { kind: "compare", column: "a", op: ">", value: 1 } },
        { source: { database: "d", name: "s" }, where: null },
        { source: { database: null, name: "s2" }, where: null },
      ] },
      { kind: "insert values", target: t, columns: null, rows: [[1, "x"], [2, null]] },
      { kind: "insert values", target: t, columns: ["a", "b"], rows: [[1, "x"]] },
      { kind: "delete", table: t, where: { kind: "compare", column: "a", op: "=", value: 1 } },
      { kind: "delete", table: t, where: null },
      { kind: "delete", table: { database: "d", name: "t" }, where: null },
      { kind: "delete", table: t, where: null },
    ]);
  });

  it("skips comments and empty statements; the last ';' is optional", () => {
    const sql = `-- a line comment
      /* a block comment
         over lines */ DROP TABLE a; -- after
      ;; DROP /* inside */ TABLE b --
      ;/**/`;
    expect(parseSql(sql)).toEqual([
      { kind: "drop table", table: { database: null, name: "a" } },
      { kind: "drop table", table: { database: null, name: "b" } },
    ]);
    expect(parseSql("")).toEqual([]);
    expect(parseSql("  -- nothing\n")).toEqual([]);
    expect(parseSql("DROP TABLE a;DROP TABLE b;")).toHaveLength(2);
  });

  it("treats keywords case-insensitively", () => {
    expect(parseSql("dRoP tAbLe X")).toEqual([{ kind: "drop table", table: { database: null, name: "x" } }]);
  });
});

describe("parseQualifiedName", () => {
  it("reads plain, qualified and quoted names", () => {
    expect(parseQualifiedName("orders")).toEqual({ database: null, name: "orders" });
    expect(parseQualifiedName("Sales.Orders")).toEqual({ database: "sales", name: "orders" });
    expect(parseQualifiedName(' "My DB" . "T" ')).toEqual({ database: "My DB", name: "T" });
    expect(parseQualifiedName('"a.b"')).toEqual({ database: null, name: "a.b" });
  });

  it("rejects anything else", () => {
    expectError(() => parseQualifiedName("a.b.c"), "SQL_SYNTAX", "column 4", "expected end of input", 'found "."');
    expectError(() => parseQualifiedName(""), "SQL_SYNTAX", "expected a table name", "found end of input");
    expectError(() => parseQualifiedName("select"), "SQL_SYNTAX", "expected a table name", "found select");
    expectError(() => parseQualifiedName('""'), "SQL_SYNTAX", "may not be empty");
  });
});

// ---------------------------------------------------------------------------
// Predicates and literals

describe("parsePredicate", () => {
  const compare = (column: string, op: string, value: unknown): unknown => ({ kind: "compare", column, op, value });

  it("reads comparisons and turns literal-first comparisons around", () => {
    for (const [text, expected] of [
      ["a = 1", compare("a", "=", 1)], ["a <> 1", compare("a", "<>", 1)], ["a != 1", compare("a", "<>", 1)],
      ["a < 1", compare("a", "<", 1)], ["a <= 1", compare("a", "<=", 1)], ["a > 1", compare("a", ">", 1)],
      ["a >= 1", compare("a", ">=", 1)], ["5 < x", compare("x", ">", 5)], ["5 <= x", compare("x", ">=", 5)],
      ["5 > x", compare("x", "<", 5)], ["5 >= x", compare("x", "<=", 5)], ["5 = x", compare("x", "=", 5)],
      ["'a' <> x", compare("x", "<>", "a")], ['"My Col">=-2', compare("My Col", ">=", -2)],
    ] as const) {
      expect(parsePredicate(text), text).toEqual(expected);
    }
  });

  it("reads IS [NOT] NULL, [NOT] IN and [NOT] BETWEEN", () => {
    expect(parsePredicate("a IS NULL")).toEqual({ kind: "is null", column: "a", negated: false });
    expect(parsePredicate("a is not null")).toEqual({ kind: "is null", column: "a", negated: true });
    expect(parsePredicate("a IN (1, 'x', NULL)")).toEqual({ kind: "in", column: "a", values: [1, "x", null], negated: false });
    expect(parsePredicate("a NOT IN (2)")).toEqual({ kind: "in", column: "a", values: [2], negated: true });
    expect(parsePredicate("a BETWEEN 1 AND 10")).toEqual({ kind: "between", column: "a", low: 1, high: 10, negated: false });
    expect(parsePredicate("a NOT BETWEEN -1 AND 1")).toEqual({ kind: "between", column: "a", low: -1, high: 1, negated: true });
  });

  it("binds NOT tighter than AND, and AND tighter than OR", () => {
    const [a, b, c, d] = ["a", "b", "c", "d"].map((name) => compare(name, "=", 1));
    expect(parsePredicate("a = 1 OR b = 1 AND c = 1")).toEqual({ kind: "or", operands: [a, { kind: "and", operands: [b, c] }] });
    expect(parsePredicate("a = 1 AND b = 1 OR c = 1 AND d = 1")).toEqual({
      kind: "or", operands: [{ kind: "and", operands: [a, b] }, { kind: "and", operands: [c, d] }],
    });
    expect(parsePredicate("NOT a = 1 AND b = 1")).toEqual({ kind: "and", operands: [{ kind: "not", operand: a }, b] });
    expect(parsePredicate("NOT (a = 1 OR b = 1)")).toEqual({ kind: "not", operand: { kind: "or", operands: [a, b] } });
    expect(parsePredicate("(a = 1 OR b = 1) AND c = 1")).toEqual({ kind: "and", operands: [{ kind: "or", operands: [a, b] }, c] });
    expect(parsePredicate("a = 1 AND b = 1 AND c = 1")).toEqual({ kind: "and", operands: [a, b, c] });
    expect(parsePredicate("NOT NOT ((a = 1))")).toEqual({ kind: "not", operand: { kind: "not", operand: a } });
    expect(parsePredicate("x BETWEEN 1 AND 2 AND a = 1")).toEqual({
      kind: "and", operands: [{ kind: "between", column: "x", low: 1, high: 2, negated: false }, a],
    });
  });

  it("reads literals of every kind", () => {
    const value = (text: string): unknown => (parsePredicate(`x = ${text}`) as { value: unknown }).value;
    expect(value("42")).toBe(42);
    expect(value("007")).toBe(7);
    expect(value("-42")).toBe(-42);
    expect(value("- 42")).toBe(-42);
    expect(value("+42")).toBe(42);
    expect(value("9007199254740991")).toBe(9007199254740991);
    expect(value("9007199254740992")).toBe(9007199254740992n);
    expect(value("-9223372036854775808")).toBe(-9223372036854775808n);
    expect(value("1.5")).toBe(1.5);
    expect(value(".5")).toBe(0.5);
    expect(value("-2.25")).toBe(-2.25);
    expect(value("1e3")).toBe(1000);
    expect(value("1.5E-2")).toBe(0.015);
    expect(value("'it''s'")).toBe("it's");
    expect(value("''")).toBe("");
    expect(value("'two\nlines'")).toBe("two\nlines");
    expect(value("TRUE")).toBe(true);
    expect(value("false")).toBe(false);
    expect(value("NULL")).toBe(null);
    expect(value("DATE '2024-01-31'")).toEqual(new Date(Date.UTC(2024, 0, 31)));
    expect(value("DATE '0001-01-01'")).toEqual(new Date("0001-01-01T00:00:00Z"));
    expect(value("TIMESTAMP '2024-01-31 12:34:56.789'")).toEqual(new Date(Date.UTC(2024, 0, 31, 12, 34, 56, 789)));
    expect(value("TIMESTAMP '2024-02-29 23:59:59'")).toEqual(new Date(Date.UTC(2024, 1, 29, 23, 59, 59)));
    expect(value("TIMESTAMP '2024-01-31T00:00:00.123456'")).toEqual(new Date(Date.UTC(2024, 0, 31, 0, 0, 0, 123)));
    expect(value("TIMESTAMP '2024-01-31 00:00:00.5'")).toEqual(new Date(Date.UTC(2024, 0, 31, 0, 0, 0, 500)));
  });

  it("reports malformed predicates with what it expected", () => {
    const cases: [string, string, string][] = [
      ["a = b", "expected a literal", "found b"],
      ["a", "a comparison operator", "found end of input"],
      ["(a = 1", `AND, OR or ")"`, "found end of input"],
      ["5 = 6", "a column name", "found 6"],
      ["a NOT = 1", "IN or BETWEEN after NOT", 'found "="'],
      ["a IS 1", "NULL or NOT NULL", "found 1"],
      ["a IN ()", "a literal", 'found ")"'],
      ["a BETWEEN 1 OR 2", "expected AND", "found OR"],
      ["a = DATE '2024-02-30'", "a date 'YYYY-MM-DD'", "found '2024-02-30'"],
      ["a = DATE '24-01-01'", "a date 'YYYY-MM-DD'", "found '24-01-01'"],
      ["a = TIMESTAMP '2024-01-01'", "a timestamp 'YYYY-MM-DD HH:MI:SS[.ffffff]'", "found '2024-01-01'"],
      ["a = TIMESTAMP '2024-01-01 24:00:00'", "a timestamp", "found '2024-01-01 24:00:00'"],
      ["a = -'x'", `a number after "-"`, "found 'x'"],
      ["a = 1 b = 2", "expected end of input", "found b"],
      ["", "a column name, a literal", "found end of input"],
    ];
    for (const [text, expected, found] of cases) {
      expectError(() => parsePredicate(text), "SQL_SYNTAX", "line 1, column", expected, found);
    }
  });
});

// ---------------------------------------------------------------------------
// Syntax errors

describe("syntax errors", () => {
  it("name line, column, what was expected and what was found", () => {
    const typeList = "a column type (BYTEINT, SMALLINT, INTEGER, BIGINT, REAL, FLOAT, DECIMAL(p,s), CHAR(n), VARCHAR(n), LONG VARCHAR, DATE, TIMESTAMP, BOOLEAN)";
    expectSyntaxError("CREATE TABLE t (a INTEGR)", 1, 19, typeList, "INTEGR");
    expectSyntaxError("CREATE TABLE t (\n  a INTEGER,\n  b VARCHAR\n)", 4, 1, '"("', '")"');
    expectSyntaxError("CREATE TABLE t (a INTEGER", 1, 26, "a column attribute", "end of input");
    expectSyntaxError("CREATE TABLE t (a INTEGER b INTEGER)", 1, 27, `a column attribute (NOT NULL`, "b");
    expectSyntaxError("CREATE TABLE (a INTEGER)", 1, 14, "a table name", '"("');
    expectSyntaxError("CREATE TABLE select (a INTEGER)", 1, 14, "a table name", "select");
    expectSyntaxError("CREATE TABLE t ()", 1, 17, "a column name", '")"');
    expectSyntaxError("CREATE TABLE t (a INTEGER) PRIMARY INDEX a", 1, 43, '"("', "end of input");
    expectSyntaxError("CREATE TABLE t (a INTEGER) PRIMARY INDEX ,", 1, 42, `an index name or "(" and the index columns`, '","');
    expectSyntaxError("CREATE TABLE t (a INTEGER) PRIMARY INDEX (a", 1, 44, `"," or ")"`, "end of input");
    expectSyntaxError("CREATE TABLE t (a INTEGER) PARTITION BY a", 1, 28, "UNIQUE PRIMARY INDEX, PRIMARY INDEX, NO PRIMARY INDEX", "PARTITION");
    expectSyntaxError("CREATE TABLE t (a INTEGER) UNIQUE KEY (a)", 1, 35, "PRIMARY INDEX or INDEX after UNIQUE", "KEY");
    expectSyntaxError("CREATE TABLE t (a INTEGER) ON COMMIT KEEP ROWS", 1, 38, "DELETE or PRESERVE after ON COMMIT", "KEEP");
    expectSyntaxError("CREATE TABLE t (a DECIMAL(1.5))", 1, 27, "a DECIMAL precision", "1.5");
    expectSyntaxError("CREATE TABLE t (a INTEGER NOT CASE)", 1, 31, "NULL or CASESPECIFIC after NOT", "CASE");
    expectSyntaxError("CREATE TABLE t (a INTEGER TITLE x)", 1, 33, "a 'string'", "x");
    expectSyntaxError("CREATE TABLE t, (a INTEGER)", 1, 17, "a table option", '"("');
    expectSyntaxError("CREATE GLOBAL TABLE t (a INTEGER)", 1, 15, "TEMPORARY", "TABLE");
    expectSyntaxError("CREATE SET MULTISET TABLE t (a INTEGER)", 1, 12, "GLOBAL TEMPORARY, VOLATILE or TABLE", "MULTISET");
    expectSyntaxError("CREATE VIEW v", 1, 8, "DATABASE, TABLE, SET TABLE", "VIEW");
    expectSyntaxError("SELECT * FROM t", 1, 1, "a statement (CREATE, DROP, DATABASE, INSERT, DELETE)", "SELECT");
    expectSyntaxError("DROP VIEW v", 1, 6, "DATABASE, TABLE or INDEX after DROP", "VIEW");
    expectSyntaxError("DROP TABLE t DROP TABLE u", 1, 14, `";" or end of input`, "DROP");
    expectSyntaxError("DROP INDEX i", 1, 13, "ON", "end of input");
    expectSyntaxError("INSERT INTO t (a, b) VALUES (1, 2), (3)", 1, 37, "2 values (one per listed column) in this row", "1");
    expectSyntaxError("INSERT INTO t SELECT a FROM s", 1, 22, `"*" (only SELECT * FROM table is supported)`, "a");
    expectSyntaxError("INSERT INTO t SELECT * FROM s UNION SELECT * FROM u", 1, 37, "ALL (only UNION ALL is supported)", "SELECT");
    expectSyntaxError("INSERT INTO t SELECT * FROM s UNION ALL s2", 1, 41, "SELECT", "s2");
    expectSyntaxError("INSERT INTO t WHERE", 1, 15, `VALUES, SELECT or "(" and a column list`, "WHERE");
    expectSyntaxError("INSERT INTO t VALUES (1,)", 1, 25, "a literal", '")"');
    expectSyntaxError("DELETE FROM t WHERE", 1, 20, "a column name, a literal", "end of input");
  });

  it("count lines across CRLF, CR and comments", () => {
    expectSyntaxError("DROP TABLE t;\r\nDROP TABLE ;", 2, 12, "a table name", '";"');
    expectSyntaxError("DROP TABLE t;\rDROP TABLE ;", 2, 12, "a table name", '";"');
    expectSyntaxError("/* one\ntwo */ DROP\n\tTABLE 'x'", 3, 8, "a table name", "'x'");
    expectSyntaxError("INSERT t VALUES ('a\nb', 'c\nd', ?)", 3, 5, "a name, number, string or symbol", '"?"');
  });

  it("report unterminated strings, quoted names and comments where they start", () => {
    expectSyntaxError("INSERT INTO t VALUES ('abc)", 1, 23, "the closing ' of the string that starts here", "end of input");
    expectSyntaxError('DROP TABLE\n  "abc', 2, 3, 'the closing " of the quoted name that starts here', "end of input");
    expectSyntaxError("DROP TABLE t; /* no end", 1, 15, '"*/" closing the comment that starts here', "end of input");
  });

  it("report unknown characters and empty quoted names", () => {
    expectSyntaxError("DROP TABLE t @", 1, 14, "a name, number, string or symbol", '"@"');
    expectSyntaxError('DROP TABLE ""', 1, 12, "a table name (a quoted name may not be empty)", '""');
  });
});

// ---------------------------------------------------------------------------
// Validation

describe("validation of CREATE TABLE", () => {
  it("rejects types out of bounds, naming table and column", () => {
    for (const [type, mention] of [
      ["VARCHAR(0)", "VARCHAR length 0 is out of range 1..64000"], ["VARCHAR(64001)", "VARCHAR length 64001"],
      ["CHAR(0)", "CHAR length 0"], ["DECIMAL(0)", "DECIMAL precision 0 is out of range 1..38"],
      ["DECIMAL(39,2)", "DECIMAL precision 39"], ["DECIMAL(5,6)", "DECIMAL scale 6 is out of range 0..5"],
    ]) {
      const error = expectError(() => parseSql(`CREATE TABLE d.t (a INTEGER, "Big Col" ${type})`), "BAD_DDL", "table d.t", 'column "Big Col"', mention);
      expect(error.details).toMatchObject({ table: "d.t", column: "Big Col" });
    }
  });

  it("rejects impossible definitions with BAD_DDL", () => {
    const cases: [string, ...string[]][] = [
      ["CREATE TABLE t (a INT, b INT, A INT)", "table t", "column a is defined twice"],
      ["CREATE TABLE t (a INT, b INT) PRIMARY INDEX (a, b, a)", "table t", "column a appears twice in PRIMARY INDEX (a, b, a)"],
      ["CREATE TABLE t (a INT, b INT) INDEX (b, b)", "table t", "column b appears twice in INDEX (b, b)"],
      ["CREATE SET TABLE t (a INT) NO PRIMARY INDEX", "table t is a SET table without a primary index"],
      ["CREATE TABLE t (a INT, b INT, c INT) INDEX (b, c) INDEX x (c, b)", "table t", "INDEX (b, c) and INDEX x (c, b) cover the same columns"],
      ["CREATE TABLE t (a INT, b INT) UNIQUE PRIMARY INDEX (a, b) UNIQUE INDEX (b, a)", "table t", "UNIQUE INDEX (b, a) repeats the UNIQUE PRIMARY INDEX (a, b)"],
      ["CREATE TABLE t (a INT) PRIMARY INDEX (a) INDEX (a)", "table t", "INDEX (a) repeats the PRIMARY INDEX (a)"],
      ["CREATE TABLE t (a INT, b INT) PRIMARY INDEX i (a) INDEX i (b)", "table t", "two indexes are named i"],
      ["CREATE TABLE t (a INT) ON COMMIT PRESERVE ROWS", "table t is a permanent table; ON COMMIT is only for", "line 1, column 24"],
      ["CREATE TABLE t (a INT) PRIMARY INDEX (a) NO PRIMARY INDEX", "table t has more than one primary index clause", "line 1, column 42"],
      ["CREATE VOLATILE TABLE t (a INT) ON COMMIT DELETE ROWS ON COMMIT DELETE ROWS", "table t has more than one ON COMMIT clause"],
      ["CREATE TABLE t (a INT NOT NULL NULL)", "column a is declared both NULL and NOT NULL"],
      ["CREATE INDEX (a, b, a) ON d.t", "table d.t", "column a appears twice in INDEX (a, b, a)"],
    ];
    for (const [sql, ...mentions] of cases) expectError(() => parseSql(sql), "BAD_DDL", ...mentions);
  });

  it("accepts a USI on the columns of a NUPI and a NUSI on the columns of a UPI", () => {
    expect(parseTable("CREATE TABLE t (a INT) PRIMARY INDEX (a) UNIQUE INDEX (a)").indexes).toEqual([si(["a"], true)]);
    expect(parseTable("CREATE TABLE t (a INT) UNIQUE PRIMARY INDEX (a) INDEX (a)").indexes).toEqual([si(["a"])]);
  });

  it("rejects index columns the table lacks with NO_SUCH_COLUMN", () => {
    const error = expectError(() => parseSql("CREATE TABLE s.t (a INT, b INT) PRIMARY INDEX (a, c)"), "NO_SUCH_COLUMN", "table s.t", "column c", "columns: a, b");
    expect(error.details).toMatchObject({ table: "s.t", column: "c" });
    expectError(() => parseSql('CREATE TABLE t (a INT) UNIQUE INDEX u ("A")'), "NO_SUCH_COLUMN", "table t", 'column "A"');
  });
});

describe("validateTableDefinition", () => {
  it("accepts valid definitions", () => {
    expect(() => validateTableDefinition(table({ indexes: [si(["cust"]), si(["note"], true, "n")] }))).not.toThrow();
  });

  it("rejects what the grammar cannot express", () => {
    const manyColumns = Array.from({ length: 2049 }, (_, i) => column(`c${i}`, types.int8));
    const cases: [Partial<TableDefinition>, ErrorCode, ...string[]][] = [
      [{ columns: [], primaryIndex: null }, "BAD_DDL", "table main.orders has no columns"],
      [{ columns: manyColumns, primaryIndex: pi(["c0"]) }, "BAD_DDL", "has 2049 columns but at most 2048"],
      [{ columns: manyColumns.slice(0, 65), primaryIndex: pi(manyColumns.slice(0, 65).map((c) => c.name)) }, "BAD_DDL", "has 65 columns but at most 64"],
      [{ primaryIndex: pi([]) }, "BAD_DDL", "PRIMARY INDEX () has no columns"],
      [{ columns: [column("", types.int8)], primaryIndex: null }, "BAD_DDL", "has an empty column name"],
      [{ name: "" }, "BAD_DDL", "has an empty table name"],
      [{ tableKind: "volatile", onCommit: null }, "BAD_DDL", "is a VOLATILE table and needs ON COMMIT"],
      [{ onCommit: "delete rows" }, "BAD_DDL", "is a permanent table"],
      [{ indexes: Array.from({ length: 33 }, (_, i) => si(["cust"], false, `i${i}`)) }, "BAD_DDL", "33 secondary indexes"],
      [{ columns: [column("a", { kind: "text" } as unknown as ColumnType)], primaryIndex: null }, "BAD_DDL", "column a", "unknown column type"],
      [{ columns: [column("a", types.decimal(10.5, 2))], primaryIndex: null }, "BAD_DDL", "DECIMAL precision 10.5"],
      [{ indexes: [si(["nope"])] }, "NO_SUCH_COLUMN", "table main.orders", "INDEX (nope) names column nope"],
    ];
    for (const [overrides, code, ...mentions] of cases) expectError(() => validateTableDefinition(table(overrides)), code, ...mentions);
  });

  it("validateColumnType names table and column when given", () => {
    expectError(() => validateColumnType(types.varchar(0), { table: "t", column: "Note" }), "BAD_DDL", 'table t, column "Note": VARCHAR length 0');
    expect(() => validateColumnType(types.decimal(38, 0))).not.toThrow();
  });
});

// ---------------------------------------------------------------------------
// Generated definitions

const SEED = Number(process.env.SQL_PROPERTY_SEED ?? 20240131);

/** Runs a fast-check property with a fixed seed and names the seed and a replay command on failure. */
function assertProperty<T>(arbitrary: fc.Arbitrary<T>, check: (value: T) => void, numRuns = 200): void {
  try {
    fc.assert(fc.property(arbitrary, check), { seed: SEED, numRuns });
  } catch (error) {
    const replay = `SQL_PROPERTY_SEED=${SEED} npx vitest run test/engine/sql.test.ts`;
    throw new Error(`property failed with seed ${SEED}; replay: ${replay}\n${String(error)}`, { cause: error });
  }
}

const nameArbitrary: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("a", "id", "cust_no", "x$1", "t#2", "Name", "select", "date", "index", "title", "my col", 'we"ird', "ünï", "1abc", "$x", "--", "/*"),
  fc.stringMatching(/^[a-z_][a-z0-9_$#]{0,8}$/),
  fc.string({ minLength: 1, maxLength: 8, unit: "grapheme" }),
  fc.string({ minLength: 1, maxLength: 8, unit: "binary" }),
);

const typeArbitrary: fc.Arbitrary<ColumnType> = fc.oneof(
  fc.constantFrom(types.int8, types.int16, types.int32, types.int64, types.float32, types.float64, types.bool, types.utf8, types.date, types.timestamp),
  fc.integer({ min: 1, max: 38 }).chain((precision) => fc.integer({ min: 0, max: precision }).map((scale) => types.decimal(precision, scale))),
  fc.integer({ min: 1, max: 64000 }).map((length) => types.varchar(length)),
  fc.integer({ min: 1, max: 64000 }).map((length) => types.char(length)),
);

interface IndexDraft { unique: boolean; name: string | null; columns: string[] }

/** Keeps the secondary indexes that a valid table may have; drops clashing names. */
function usableIndexes(primaryIndex: PrimaryIndex | null, drafts: readonly IndexDraft[]): SecondaryIndex[] {
  const key = (columns: readonly string[]): string => JSON.stringify([...columns].sort());
  const names = new Set(primaryIndex?.name === null || primaryIndex === null ? [] : [primaryIndex.name]);
  const seen = new Set<string>();
  const indexes: SecondaryIndex[] = [];
  for (const draft of drafts) {
    const columnsKey = key(draft.columns);
    if (seen.has(columnsKey)) continue;
    if (primaryIndex !== null && primaryIndex.unique === draft.unique && key(primaryIndex.columns) === columnsKey) continue;
    seen.add(columnsKey);
    const name = draft.name !== null && names.has(draft.name) ? null : draft.name;
    if (name !== null) names.add(name);
    indexes.push(si(draft.columns, draft.unique, name));
  }
  return indexes;
}

const tableArbitrary: fc.Arbitrary<TableDefinition> = fc
  .uniqueArray(fc.record({ name: nameArbitrary, type: typeArbitrary, nullable: fc.boolean() }), {
    selector: (c) => c.name, minLength: 1, maxLength: 8,
  })
  .chain((drafts) => {
    const columns = drafts.map((c) => column(c.name, c.type, c.nullable));
    const names = columns.map((c) => c.name);
    const index: fc.Arbitrary<IndexDraft> = fc.record({
      unique: fc.boolean(), name: fc.option(nameArbitrary, { nil: null }), columns: fc.shuffledSubarray(names, { minLength: 1 }),
    });
    return fc.record({
      database: nameArbitrary, name: nameArbitrary,
      tableKind: fc.constantFrom<TableKind>("permanent", "global temporary", "volatile"),
      setness: fc.constantFrom("set" as const, "multiset" as const),
      primaryIndex: fc.option(index, { nil: null }),
      indexes: fc.array(index, { maxLength: 4 }),
      preserve: fc.boolean(),
    }).map((draft): TableDefinition => {
      const primaryIndex = draft.primaryIndex === null ? null : pi(draft.primaryIndex.columns, draft.primaryIndex.unique, draft.primaryIndex.name);
      return {
        kind: "table", database: draft.database, name: draft.name, tableKind: draft.tableKind,
        setness: primaryIndex === null ? "multiset" : draft.setness,
        columns, primaryIndex, indexes: usableIndexes(primaryIndex, draft.indexes),
        onCommit: draft.tableKind === "permanent" ? null : draft.preserve ? "preserve rows" : "delete rows",
      };
    });
  });

describe("generated definitions", () => {
  it("round-trip through renderTableDdl and parseSql", () => {
    assertProperty(tableArbitrary, (def) => {
      validateTableDefinition(def);
      expectRoundTrip(def);
      for (const index of def.indexes) {
        const statement = single(renderIndexDdl(def, index), "create index");
        expect(statement.index).toEqual(index);
        expect(statement.table).toEqual({ database: def.database, name: def.name });
      }
    });
  });

  it("fail only with AmpsimErrors when cut short", () => {
    const cut = tableArbitrary.chain((def) => {
      const ddl = renderTableDdl(def);
      return fc.integer({ min: 0, max: ddl.length - 2 }).map((end) => ddl.slice(0, end));
    });
    assertProperty(cut, (text) => {
      try {
        parseSql(text);
      } catch (error) {
        expect(error).toBeInstanceOf(AmpsimError);
        expect(["SQL_SYNTAX", "BAD_DDL", "NO_SUCH_COLUMN"]).toContain((error as AmpsimError).code);
      }
    });
  });

  it("never crash on arbitrary text", () => {
    const words = fc.constantFrom("CREATE", "TABLE", "(", ")", ",", ";", "a", "INTEGER", "'s", '"q', "--", "/*", "*/", "=", "-", "1.5e", ".", "NOT", "NULL", "DATE", "PRIMARY", "INDEX");
    const text = fc.oneof(fc.string({ maxLength: 40 }), fc.array(words, { maxLength: 20 }).map((parts) => parts.join(" ")));
    assertProperty(text, (sql) => {
      for (const parse of [parseSql, parsePredicate, parseQualifiedName, parseColumnType]) {
        try {
          parse(sql);
        } catch (error) {
          expect(error).toBeInstanceOf(AmpsimError);
        }
      }
    }, 500);
  });
});

describe("INSERT … VALUES checks its rows against the table", () => {
  it("a row with too many or too few values, or a column listed twice, is BAD_ARGUMENT and stores nothing", () => {
    const engine = new Engine({ amps: 2 });
    engine.sql("CREATE TABLE t (id INTEGER, s VARCHAR(3), v DECIMAL(5,2)) PRIMARY INDEX (id)");
    expectError(() => engine.sql("INSERT INTO t VALUES (1, 'a', 1, 'extra', 99)"), "BAD_ARGUMENT", "main.t", "row 1 holds 5 value(s)", "3 column(s)");
    expectError(() => engine.sql("INSERT INTO t VALUES (2, 'b', 2), (3, 'c')"), "BAD_ARGUMENT", "row 2 holds 2 value(s)");
    expectError(() => engine.sql("INSERT INTO t VALUES (6)"), "BAD_ARGUMENT", "row 1 holds 1 value(s)");
    expectError(() => engine.sql("INSERT INTO t (id, id, v) VALUES (7, 8, 1)"), "BAD_ARGUMENT", "column id is listed twice");
    expect(engine.rowCount("t")).toBe(0);
    expect(engine.sql("INSERT INTO t VALUES (4, NULL, 4), (5, 'e', 5.5)").rows).toBe(2);
  });
});
