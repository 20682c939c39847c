/**
 * The SQL front end of the catalog: a hand-written lexer and a recursive-descent
 * parser for the Teradata subset ampsim speaks (CREATE/DROP DATABASE, DATABASE,
 * CREATE/DROP TABLE, CREATE/DROP INDEX, INSERT … SELECT, INSERT … VALUES, DELETE)
 * and for WHERE-clause predicates.
 *
 * It owns turning text into frozen statement objects, and must survive any text:
 * every malformed input (unterminated strings, quoted names or comments, unknown
 * characters, wrong tokens) becomes an `AmpsimError("SQL_SYNTAX")` whose message
 * says line, column, what was expected and what was found. Definitions that parse
 * but cannot exist (a SET table without PI, an unknown PI column …) are BAD_DDL or
 * NO_SUCH_COLUMN, checked by table-validation.
 */
import { AmpsimError } from "../errors.js";
import { types } from "./column-type.js";
import type { ColumnType } from "./column-type.js";
import { RESERVED_WORDS, quoteIdentifierIfNeeded } from "./table-definition.js";
import type {
  ColumnDefinition, OnCommit, PrimaryIndex, SecondaryIndex, Setness, TableDefinition, TableKind,
} from "./table-definition.js";
import type { CompareOperator, Literal, NumberText, Predicate } from "../steps/predicate.js";
import { checkIndexColumnList, validateColumnType, validateTableDefinition } from "./table-validation.js";

/** A table or database name as written: `sales.orders` or `orders` (database null). */
export interface QualifiedName {
  readonly database: string | null;
  readonly name: string;
}

/** A table definition as CREATE TABLE states it; `database` is null when the name is unqualified. */
export type ParsedTableDefinition = Omit<TableDefinition, "database"> & { readonly database: string | null };

/** One `SELECT * FROM source [WHERE …]` of an INSERT … SELECT. */
export interface SelectSource { readonly source: QualifiedName; readonly where: Predicate | null }

export type Statement =
  | { readonly kind: "create database"; readonly name: string }
  | { readonly kind: "drop database"; readonly name: string }
  | { readonly kind: "database"; readonly name: string }
  | { readonly kind: "create table"; readonly table: ParsedTableDefinition }
  | { readonly kind: "create index"; readonly table: QualifiedName; readonly index: SecondaryIndex }
  | { readonly kind: "drop index"; readonly table: QualifiedName; readonly name: string | null; readonly columns: readonly string[] | null }
  | { readonly kind: "drop table"; readonly table: QualifiedName }
  | { readonly kind: "insert select"; readonly target: QualifiedName; readonly selects: readonly SelectSource[] }
  | { readonly kind: "insert values"; readonly target: QualifiedName; readonly columns: readonly string[] | null; readonly rows: readonly (readonly Literal[])[] }
  | { readonly kind: "delete"; readonly table: QualifiedName; readonly where: Predicate | null };

/**
 * Parses one or more `;`-separated statements.
 *
 * @example
 * const [create] = parseSql("CREATE MULTISET TABLE sales.orders (id INTEGER NOT NULL) UNIQUE PRIMARY INDEX (id);");
 * // create.kind === "create table", create.table.primaryIndex.unique === true
 */
export function parseSql(text: string): Statement[] {
  const parser = new SqlParser(tokenize(text));
  const statements: Statement[] = [];
  for (;;) {
    while (parser.acceptSymbol(";"));
    if (parser.atEnd()) break;
    statements.push(deepFreeze(parser.statement()));
    if (!parser.atEnd() && !parser.acceptSymbol(";")) parser.fail(`";" or end of input`);
  }
  return statements;
}

/**
 * Parses a WHERE-clause expression. Precedence is NOT > AND > OR; a literal on the
 * left of a comparison is moved to the right (`5 < x` becomes `x > 5`).
 *
 * @example
 * parsePredicate("cust = 5 AND amount > 10.5")
 * // { kind: "and", operands: [{ kind: "compare", column: "cust", op: "=", value: 5 }, …] }
 */
export function parsePredicate(text: string): Predicate {
  const parser = new SqlParser(tokenize(text));
  const predicate = parser.predicate();
  parser.expectEnd();
  return deepFreeze(predicate);
}

/**
 * Parses an API table name: `sales.orders`, `orders`, `"My DB"."T"`.
 *
 * @example
 * parseQualifiedName('"My DB".Orders') // { database: "My DB", name: "orders" }
 */
export function parseQualifiedName(text: string): QualifiedName {
  const parser = new SqlParser(tokenize(text));
  const name = parser.qualifiedName("a table name");
  parser.expectEnd();
  return name;
}

/**
 * Parses a Teradata column type and checks its bounds (BAD_DDL when out of range).
 *
 * @example
 * parseColumnType("DECIMAL(12,2)") // { kind: "decimal", precision: 12, scale: 2 }
 */
export function parseColumnType(text: string): ColumnType {
  const parser = new SqlParser(tokenize(text));
  const type = parser.columnType();
  parser.expectEnd();
  validateColumnType(type);
  return type;
}

// ---------------------------------------------------------------------------
// Lexer

type TokenKind = "word" | "quoted" | "number" | "string" | "symbol" | "end";

interface Token {
  readonly kind: TokenKind;
  /** word: lower-cased; quoted and string: unescaped; number and symbol: as written. */
  readonly value: string;
  /** The token as written, for messages. */
  readonly text: string;
  readonly line: number;
  readonly column: number;
}

const WORD = /[\p{L}_$#][\p{L}0-9_$#]*/uy;
const NUMBER = /(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/y;
const SYMBOLS_TWO = ["<>", "<=", ">=", "!="];
const SYMBOLS_ONE = "(),;.=<>*+-";

function tokenize(text: string): Token[] {
  return new Lexer(text).run();
}

class Lexer {
  private offset = 0;
  private readonly lineStarts: number[] = [0];
  private readonly tokens: Token[] = [];

  constructor(private readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (ch === "\n" || (ch === "\r" && text[i + 1] !== "\n")) this.lineStarts.push(i + 1);
    }
  }

  run(): Token[] {
    for (;;) {
      this.skipTrivia();
      if (this.offset >= this.text.length) break;
      this.tokens.push(this.readToken());
    }
    this.tokens.push(this.token("end", "", this.offset, this.offset));
    return this.tokens;
  }

  private skipTrivia(): void {
    const text = this.text;
    while (this.offset < text.length) {
      const ch = text[this.offset];
      if (ch === " " || ch === "\t" || ch === "\n" || ch === "\r" || ch === "\f" || ch === "\v") this.offset++;
      else if (text.startsWith("--", this.offset)) {
        const end = text.slice(this.offset).search(/[\r\n]/);
        this.offset = end < 0 ? text.length : this.offset + end;
      } else if (text.startsWith("/*", this.offset)) {
        const end = text.indexOf("*/", this.offset + 2);
        if (end < 0) this.unterminated(this.offset, `"*/" closing the comment that starts here`);
        this.offset = end + 2;
      } else break;
    }
  }

  private readToken(): Token {
    const start = this.offset;
    const ch = this.text[start];
    if (ch === "'") return this.readQuoted(start, "'", "string");
    if (ch === '"') return this.readQuoted(start, '"', "quoted");
    const word = this.match(WORD);
    if (word !== null) return this.token("word", word.toLowerCase(), start, this.offset);
    const number = this.match(NUMBER);
    if (number !== null) return this.token("number", number, start, this.offset);
    const two = this.text.slice(start, start + 2);
    if (SYMBOLS_TWO.includes(two)) {
      this.offset += 2;
      return this.token("symbol", two, start, this.offset);
    }
    if (SYMBOLS_ONE.includes(ch)) {
      this.offset += 1;
      return this.token("symbol", ch, start, this.offset);
    }
    const { line, column } = this.positionOf(start);
    const found = String.fromCodePoint(this.text.codePointAt(start) ?? 0);
    throw syntaxError(line, column, "a name, number, string or symbol", JSON.stringify(found));
  }

  private match(pattern: RegExp): string | null {
    pattern.lastIndex = this.offset;
    const match = pattern.exec(this.text);
    if (match === null) return null;
    this.offset = pattern.lastIndex;
    return match[0];
  }

  /** Reads 'string' or "quoted name"; a doubled quote stands for one quote. */
  private readQuoted(start: number, quote: string, kind: "string" | "quoted"): Token {
    let value = "";
    let from = start + 1;
    for (;;) {
      const end = this.text.indexOf(quote, from);
      if (end < 0) {
        const what = kind === "string" ? "string" : "quoted name";
        this.unterminated(start, `the closing ${quote} of the ${what} that starts here`);
      }
      value += this.text.slice(from, end);
      if (this.text[end + 1] !== quote) {
        this.offset = end + 1;
        return this.token(kind, value, start, this.offset);
      }
      value += quote;
      from = end + 2;
    }
  }

  private unterminated(start: number, expected: string): never {
    const { line, column } = this.positionOf(start);
    throw syntaxError(line, column, expected, "end of input");
  }

  private token(kind: TokenKind, value: string, start: number, end: number): Token {
    const { line, column } = this.positionOf(start);
    return { kind, value, text: this.text.slice(start, end), line, column };
  }

  private positionOf(offset: number): { line: number; column: number } {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.lineStarts[middle] <= offset) low = middle;
      else high = middle - 1;
    }
    return { line: low + 1, column: offset - this.lineStarts[low] + 1 };
  }
}

function syntaxError(line: number, column: number, expected: string, found: string): AmpsimError {
  return new AmpsimError("SQL_SYNTAX", `line ${line}, column ${column}: expected ${expected} but found ${found}`, {
    line,
    position: column,
  });
}

function describeToken(token: Token): string {
  if (token.kind === "end") return "end of input";
  if (token.kind === "symbol") return `"${token.text}"`;
  const text = token.text.length > 40 ? `${token.text.slice(0, 37)}...` : token.text;
  return /[\u0000-\u001f\u007f]/.test(text) ? JSON.stringify(text) : text;
}

// ---------------------------------------------------------------------------
// Parser

const COLUMN_TYPE_EXPECTED =
  "a column type (BYTEINT, SMALLINT, INTEGER, BIGINT, REAL, FLOAT, DECIMAL(p,s), CHAR(n), VARCHAR(n), LONG VARCHAR, DATE, TIMESTAMP, BOOLEAN)";
const LITERAL_EXPECTED = "a literal (number, 'string', DATE '…', TIMESTAMP '…', TRUE, FALSE or NULL)";
const STATEMENT_EXPECTED = "a statement (CREATE, DROP, DATABASE, INSERT, DELETE)";
const COLUMN_END_EXPECTED =
  `a column attribute (NOT NULL, NULL, CHARACTER SET, [NOT] CASESPECIFIC, FORMAT, TITLE, COMPRESS), "," or ")"`;
const TABLE_CLAUSE_EXPECTED =
  `UNIQUE PRIMARY INDEX, PRIMARY INDEX, NO PRIMARY INDEX, UNIQUE INDEX, INDEX, ON COMMIT, ";" or end of input`;
const COMPARE_OPERATORS: ReadonlyMap<string, CompareOperator> = new Map([
  ["=", "="], ["<>", "<>"], ["!=", "<>"], ["<", "<"], ["<=", "<="], [">", ">"], [">=", ">="],
]);
const MIRRORED: Readonly<Record<CompareOperator, CompareOperator>> = {
  "=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<=",
};

/** What the clauses after the column list of CREATE TABLE said; undefined = not stated. */
interface TableClauses {
  primaryIndex: PrimaryIndex | null | undefined;
  indexes: SecondaryIndex[];
  onCommit: OnCommit | undefined;
}

class SqlParser {
  private index = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  // --- token cursor --------------------------------------------------------

  peek(ahead = 0): Token {
    return this.tokens[Math.min(this.index + ahead, this.tokens.length - 1)];
  }

  next(): Token {
    const token = this.peek();
    if (this.index < this.tokens.length - 1) this.index++;
    return token;
  }

  atEnd(): boolean {
    return this.peek().kind === "end";
  }

  atKeyword(word: string, ahead = 0): boolean {
    const token = this.peek(ahead);
    return token.kind === "word" && token.value === word;
  }

  acceptKeyword(...words: string[]): boolean {
    if (!words.some((word) => this.atKeyword(word))) return false;
    this.next();
    return true;
  }

  expectKeyword(word: string, expected = word.toUpperCase()): void {
    if (!this.acceptKeyword(word)) this.fail(expected);
  }

  atSymbol(symbol: string): boolean {
    const token = this.peek();
    return token.kind === "symbol" && token.value === symbol;
  }

  acceptSymbol(symbol: string): boolean {
    if (!this.atSymbol(symbol)) return false;
    this.next();
    return true;
  }

  expectSymbol(symbol: string, expected = `"${symbol}"`): void {
    if (!this.acceptSymbol(symbol)) this.fail(expected);
  }

  expectEnd(): void {
    if (!this.atEnd()) this.fail("end of input");
  }

  atStatementEnd(): boolean {
    return this.atEnd() || this.atSymbol(";");
  }

  fail(expected: string, token: Token = this.peek()): never {
    throw syntaxError(token.line, token.column, expected, describeToken(token));
  }

  // --- names ---------------------------------------------------------------

  atIdentifier(): boolean {
    const token = this.peek();
    return (token.kind === "word" && !RESERVED_WORDS.has(token.value)) || token.kind === "quoted";
  }

  /** A name: an unquoted word that is not reserved (folded to lower case) or a non-empty "quoted name". */
  identifier(expected: string): string {
    const token = this.peek();
    if (!this.atIdentifier()) this.fail(expected);
    if (token.value === "") this.fail(`${expected} (a quoted name may not be empty)`);
    this.next();
    return token.value;
  }

  qualifiedName(expected: string): QualifiedName {
    const first = this.identifier(expected);
    if (!this.acceptSymbol(".")) return Object.freeze({ database: null, name: first });
    return Object.freeze({ database: first, name: this.identifier(expected) });
  }

  /** `( name, name … )` */
  nameList(expected: string): string[] {
    this.expectSymbol("(");
    const names = [this.identifier(expected)];
    while (this.acceptSymbol(",")) names.push(this.identifier(expected));
    this.expectSymbol(")", `"," or ")"`);
    return names;
  }

  // --- statements ----------------------------------------------------------

  statement(): Statement {
    if (this.acceptKeyword("create")) return this.createStatement();
    if (this.acceptKeyword("drop")) return this.dropStatement();
    if (this.acceptKeyword("database")) return { kind: "database", name: this.identifier("a database name") };
    if (this.acceptKeyword("insert", "ins")) return this.insertStatement();
    if (this.acceptKeyword("delete", "del")) return this.deleteStatement();
    return this.fail(STATEMENT_EXPECTED);
  }

  private createStatement(): Statement {
    if (this.acceptKeyword("database")) return this.createDatabase();
    if (this.atKeyword("unique") || this.atKeyword("index")) return this.createIndex();
    if (["set", "multiset", "global", "volatile", "table"].some((word) => this.atKeyword(word))) return this.createTable();
    return this.fail("DATABASE, TABLE, SET TABLE, MULTISET TABLE, GLOBAL TEMPORARY, VOLATILE, INDEX or UNIQUE INDEX after CREATE");
  }

  /** `CREATE DATABASE name [FROM parent] [AS PERM = n, …]`; space options are ignored. */
  private createDatabase(): Statement {
    const name = this.identifier("a database name");
    if (this.acceptKeyword("from")) this.identifier("a parent database name");
    if (this.acceptKeyword("as")) {
      while (!this.atStatementEnd()) this.next();
    }
    return { kind: "create database", name };
  }

  /** `CREATE [UNIQUE] INDEX [name] (cols) ON table` */
  private createIndex(): Statement {
    const unique = this.acceptKeyword("unique");
    this.expectKeyword("index");
    const index = this.indexSpecification(unique);
    this.expectKeyword("on");
    const table = this.qualifiedName("a table name");
    checkIndexColumnList(displayName(table), index);
    return { kind: "create index", table, index };
  }

  private dropStatement(): Statement {
    if (this.acceptKeyword("database")) return { kind: "drop database", name: this.identifier("a database name") };
    if (this.acceptKeyword("table")) return { kind: "drop table", table: this.qualifiedName("a table name") };
    if (this.acceptKeyword("index")) return this.dropIndex();
    return this.fail("DATABASE, TABLE or INDEX after DROP");
  }

  /** `DROP INDEX name ON table` or `DROP INDEX (cols) ON table` */
  private dropIndex(): Statement {
    let name: string | null = null;
    let columns: string[] | null = null;
    if (this.atSymbol("(")) columns = this.nameList("a column name");
    else name = this.identifier(`an index name or "(" and its columns`);
    this.expectKeyword("on");
    return { kind: "drop index", table: this.qualifiedName("a table name"), name, columns };
  }

  /**
   * `INSERT [INTO] t SELECT * FROM s [WHERE p] [UNION ALL SELECT * FROM s2 [WHERE p2] …]`
   * or `INSERT [INTO] t [(cols)] VALUES (…), (…)`
   */
  private insertStatement(): Statement {
    this.acceptKeyword("into");
    const target = this.qualifiedName("a table name");
    if (this.acceptKeyword("select", "sel")) {
      const selects = [this.selectSource()];
      while (this.acceptKeyword("union")) {
        this.expectKeyword("all", "ALL (only UNION ALL is supported)");
        if (!this.acceptKeyword("select", "sel")) this.fail("SELECT");
        selects.push(this.selectSource());
      }
      return { kind: "insert select", target, selects };
    }
    const columns = this.atSymbol("(") ? this.nameList("a column name") : null;
    if (columns === null) this.expectKeyword("values", `VALUES, SELECT or "(" and a column list`);
    else this.expectKeyword("values");
    const rows = [this.valuesRow(columns)];
    while (this.acceptSymbol(",")) rows.push(this.valuesRow(columns));
    return { kind: "insert values", target, columns, rows };
  }

  /** `* FROM s [WHERE p]`, after SELECT. */
  private selectSource(): SelectSource {
    this.expectSymbol("*", `"*" (only SELECT * FROM table is supported)`);
    this.expectKeyword("from");
    const source = this.qualifiedName("a table name");
    return { source, where: this.optionalWhere() };
  }

  private valuesRow(columns: readonly string[] | null): Literal[] {
    this.expectSymbol("(");
    const open = this.peek(-1);
    const values = [this.literal()];
    while (this.acceptSymbol(",")) values.push(this.literal());
    this.expectSymbol(")", `"," or ")"`);
    if (columns !== null && values.length !== columns.length) {
      const expected = `${columns.length} values (one per listed column) in this row`;
      throw syntaxError(open.line, open.column, expected, `${values.length}`);
    }
    return values;
  }

  /** `DELETE [FROM] t [WHERE p | ALL]` */
  private deleteStatement(): Statement {
    this.acceptKeyword("from");
    const table = this.qualifiedName("a table name");
    if (this.acceptKeyword("all")) return { kind: "delete", table, where: null };
    return { kind: "delete", table, where: this.optionalWhere() };
  }

  private optionalWhere(): Predicate | null {
    return this.acceptKeyword("where") ? this.predicate() : null;
  }

  // --- CREATE TABLE --------------------------------------------------------

  private createTable(): Statement {
    const { setness, tableKind } = this.tableHead();
    const name = this.qualifiedName("a table name");
    this.tableOptions();
    const columns = this.columnDefinitions();
    const clauses = this.tableClauses(displayName(name), tableKind);
    const primaryIndex =
      clauses.primaryIndex === undefined
        ? { kind: "primary-index" as const, unique: false, name: null, columns: [columns[0].name] }
        : clauses.primaryIndex;
    const table: ParsedTableDefinition = {
      kind: "table",
      database: name.database,
      name: name.name,
      tableKind,
      setness: setness ?? (primaryIndex === null ? "multiset" : "set"),
      columns,
      primaryIndex,
      indexes: clauses.indexes,
      onCommit: tableKind === "permanent" ? null : (clauses.onCommit ?? "delete rows"),
    };
    validateTableDefinition(table);
    return { kind: "create table", table };
  }

  /** `[SET|MULTISET] [GLOBAL TEMPORARY | VOLATILE] [SET|MULTISET] TABLE` */
  private tableHead(): { setness: Setness | null; tableKind: TableKind } {
    let setness = this.setness();
    let tableKind: TableKind = "permanent";
    if (this.acceptKeyword("global")) {
      this.expectKeyword("temporary");
      tableKind = "global temporary";
    } else if (this.acceptKeyword("volatile")) tableKind = "volatile";
    if (tableKind !== "permanent" && setness === null) setness = this.setness();
    if (tableKind === "permanent" && setness !== null) this.expectKeyword("table", "GLOBAL TEMPORARY, VOLATILE or TABLE");
    else if (setness === null) this.expectKeyword("table", "SET, MULTISET or TABLE");
    else this.expectKeyword("table");
    return { setness, tableKind };
  }

  private setness(): Setness | null {
    if (this.acceptKeyword("set")) return "set";
    if (this.acceptKeyword("multiset")) return "multiset";
    return null;
  }

  /** `, NO FALLBACK, NO BEFORE JOURNAL, CHECKSUM = DEFAULT, MAP = TD_MAP1 …`: accepted and ignored. */
  private tableOptions(): void {
    while (this.acceptSymbol(",")) {
      if (this.peek().kind !== "word") this.fail("a table option (NO FALLBACK, NO BEFORE JOURNAL, CHECKSUM = DEFAULT, MAP = …)");
      while (!this.atSymbol(",") && !this.atSymbol("(") && !this.atStatementEnd()) this.next();
    }
  }

  private columnDefinitions(): ColumnDefinition[] {
    this.expectSymbol("(", `"(" and the column definitions`);
    const columns = [this.columnDefinition()];
    while (this.acceptSymbol(",")) columns.push(this.columnDefinition());
    this.expectSymbol(")", COLUMN_END_EXPECTED);
    return columns;
  }

  /** `name type [CHARACTER SET x] [[NOT] CASESPECIFIC] [[NOT] NULL] [FORMAT '…'] [TITLE '…'] [COMPRESS …]` */
  private columnDefinition(): ColumnDefinition {
    const name = this.identifier("a column name");
    const type = this.columnType();
    let nullable: boolean | null = null;
    for (;;) {
      const start = this.peek();
      let stated: boolean | null = null;
      if (this.acceptKeyword("not")) {
        if (this.acceptKeyword("null")) stated = false;
        else if (!this.acceptKeyword("casespecific", "cs")) this.fail("NULL or CASESPECIFIC after NOT");
      } else if (this.acceptKeyword("null")) stated = true;
      else if (!this.ignoredColumnAttribute()) break;
      if (stated === null) continue;
      if (nullable !== null && nullable !== stated) {
        const where = `line ${start.line}, column ${start.column}`;
        const message = `column ${quoteIdentifierIfNeeded(name)} is declared both NULL and NOT NULL (${where})`;
        throw new AmpsimError("BAD_DDL", message, { column: name, line: start.line, position: start.column });
      }
      nullable = stated;
    }
    return { kind: "column", name, type, nullable: nullable ?? true };
  }

  /** Consumes one attribute that does not change ampsim's behaviour; false when none is next. */
  private ignoredColumnAttribute(): boolean {
    if ((this.atKeyword("character") || this.atKeyword("char")) && this.atKeyword("set", 1)) {
      this.next();
      this.next();
      this.identifier("a character set name (LATIN, UNICODE)");
    } else if (this.acceptKeyword("format", "title")) {
      if (this.peek().kind !== "string") this.fail("a 'string'");
      this.next();
    } else if (this.acceptKeyword("compress")) {
      if (this.atSymbol("(")) this.literalList();
      else if (this.atLiteral()) this.literal();
    } else if (!this.acceptKeyword("casespecific", "cs", "uppercase", "uc")) return false;
    return true;
  }

  /** After the column list: PI clauses, secondary indexes and ON COMMIT, in any order. */
  private tableClauses(table: string, tableKind: TableKind): TableClauses {
    const clauses: TableClauses = { primaryIndex: undefined, indexes: [], onCommit: undefined };
    let first = true;
    while (!this.atStatementEnd()) {
      if (!first) this.acceptSymbol(",");
      first = false;
      const start = this.peek();
      if (this.acceptKeyword("on")) this.onCommitClause(table, tableKind, clauses, start);
      else this.indexClause(table, clauses, start);
    }
    return clauses;
  }

  private indexClause(table: string, clauses: TableClauses, start: Token): void {
    const setPrimaryIndex = (primaryIndex: PrimaryIndex | null): void => {
      if (clauses.primaryIndex !== undefined) throw badDdl(table, "has more than one primary index clause", start);
      clauses.primaryIndex = primaryIndex;
    };
    if (this.acceptKeyword("unique")) {
      if (this.acceptKeyword("primary")) {
        this.expectKeyword("index");
        setPrimaryIndex(toPrimaryIndex(this.indexSpecification(true)));
      } else {
        this.expectKeyword("index", "PRIMARY INDEX or INDEX after UNIQUE");
        clauses.indexes.push(this.indexSpecification(true));
      }
    } else if (this.acceptKeyword("primary")) {
      this.expectKeyword("index");
      setPrimaryIndex(toPrimaryIndex(this.indexSpecification(false)));
    } else if (this.acceptKeyword("no")) {
      this.expectKeyword("primary");
      this.expectKeyword("index");
      setPrimaryIndex(null);
    } else if (this.acceptKeyword("index")) clauses.indexes.push(this.indexSpecification(false));
    else this.fail(TABLE_CLAUSE_EXPECTED);
  }

  private onCommitClause(table: string, tableKind: TableKind, clauses: TableClauses, start: Token): void {
    this.expectKeyword("commit");
    let onCommit: OnCommit;
    if (this.acceptKeyword("delete")) onCommit = "delete rows";
    else if (this.acceptKeyword("preserve")) onCommit = "preserve rows";
    else this.fail("DELETE or PRESERVE after ON COMMIT");
    this.expectKeyword("rows");
    if (tableKind === "permanent") {
      throw badDdl(table, "is a permanent table; ON COMMIT is only for GLOBAL TEMPORARY and VOLATILE tables", start);
    }
    if (clauses.onCommit !== undefined) throw badDdl(table, "has more than one ON COMMIT clause", start);
    clauses.onCommit = onCommit;
  }

  /** `[name] (cols)` after INDEX. */
  private indexSpecification(unique: boolean): SecondaryIndex {
    const name = this.atSymbol("(") ? null : this.identifier(`an index name or "(" and the index columns`);
    const columns = this.nameList("a column name");
    return { kind: "secondary-index", unique, name, columns };
  }

  // --- column types --------------------------------------------------------

  columnType(): ColumnType {
    const token = this.peek();
    if (token.kind !== "word") return this.fail(COLUMN_TYPE_EXPECTED);
    switch (token.value) {
      case "byteint": this.next(); return types.int8;
      case "smallint": this.next(); return types.int16;
      case "integer":
      case "int": this.next(); return types.int32;
      case "bigint": this.next(); return types.int64;
      case "real": this.next(); return types.float32;
      case "float": this.next(); return types.float64;
      case "double": this.next(); this.expectKeyword("precision"); return types.float64;
      case "decimal":
      case "numeric":
      case "dec": this.next(); return this.decimalType();
      case "char":
      case "character": this.next(); return this.charType();
      case "varchar": this.next(); return types.varchar(this.parenthesizedInteger("a VARCHAR length"));
      case "long": this.next(); this.expectKeyword("varchar"); return types.utf8;
      case "date": this.next(); return types.date;
      case "timestamp": this.next(); return this.timestampType();
      case "boolean": this.next(); return types.bool;
      default: return this.fail(COLUMN_TYPE_EXPECTED);
    }
  }

  private decimalType(): ColumnType {
    if (!this.acceptSymbol("(")) return types.decimal(5, 0);
    const precision = this.integer("a DECIMAL precision");
    const scale = this.acceptSymbol(",") ? this.integer("a DECIMAL scale") : 0;
    this.expectSymbol(")", `"," or ")"`);
    return types.decimal(precision, scale);
  }

  /** `CHAR[(n)]`, `CHARACTER[(n)]`, `CHAR VARYING(n)`, `CHARACTER VARYING(n)` */
  private charType(): ColumnType {
    if (this.acceptKeyword("varying")) return types.varchar(this.parenthesizedInteger("a VARCHAR length"));
    if (!this.atSymbol("(")) return types.char(1);
    return types.char(this.parenthesizedInteger("a CHAR length"));
  }

  /** `TIMESTAMP[(n)]`; the fractional precision is accepted and ignored (ampsim stores milliseconds). */
  private timestampType(): ColumnType {
    if (this.atSymbol("(")) this.parenthesizedInteger("a TIMESTAMP precision");
    return types.timestamp;
  }

  private parenthesizedInteger(expected: string): number {
    this.expectSymbol("(");
    const value = this.integer(expected);
    this.expectSymbol(")");
    return value;
  }

  private integer(expected: string): number {
    const token = this.peek();
    if (token.kind !== "number" || !/^[0-9]+$/.test(token.text)) this.fail(expected);
    this.next();
    return Number(token.text);
  }

  // --- predicates ----------------------------------------------------------

  /** OR of ANDs of NOTs of conditions. */
  predicate(): Predicate {
    const operands = [this.conjunction()];
    while (this.acceptKeyword("or")) operands.push(this.conjunction());
    return operands.length === 1 ? operands[0] : { kind: "or", operands };
  }

  private conjunction(): Predicate {
    const operands = [this.negation()];
    while (this.acceptKeyword("and")) operands.push(this.negation());
    return operands.length === 1 ? operands[0] : { kind: "and", operands };
  }

  private negation(): Predicate {
    if (this.acceptKeyword("not")) return { kind: "not", operand: this.negation() };
    if (this.acceptSymbol("(")) {
      const inner = this.predicate();
      this.expectSymbol(")", `AND, OR or ")"`);
      return inner;
    }
    return this.atLiteral() ? this.reversedComparison() : this.condition();
  }

  /** `literal op column`, turned around into `column op' literal`. */
  private reversedComparison(): Predicate {
    const value = this.literal();
    const op = this.compareOperator(`a comparison operator (=, <>, <, <=, >, >=)`);
    const column = this.identifier("a column name (one side of a comparison must be a column)");
    return { kind: "compare", column, op: MIRRORED[op], value };
  }

  private condition(): Predicate {
    const column = this.identifier("a column name, a literal, NOT or \"(\"");
    if (this.acceptKeyword("is")) {
      const negated = this.acceptKeyword("not");
      this.expectKeyword("null", negated ? "NULL" : "NULL or NOT NULL");
      return { kind: "is null", column, negated };
    }
    const negated = this.acceptKeyword("not");
    if (this.acceptKeyword("in")) return { kind: "in", column, values: this.literalList(), negated };
    if (this.acceptKeyword("between")) {
      const low = this.literal();
      this.expectKeyword("and");
      return { kind: "between", column, low, high: this.literal(), negated };
    }
    if (negated) return this.fail("IN or BETWEEN after NOT");
    const op = this.compareOperator("a comparison operator (=, <>, <, <=, >, >=), IS, IN, BETWEEN or NOT");
    return { kind: "compare", column, op, value: this.literal() };
  }

  private compareOperator(expected: string): CompareOperator {
    const token = this.peek();
    const op = token.kind === "symbol" ? COMPARE_OPERATORS.get(token.value) : undefined;
    if (op === undefined) return this.fail(expected);
    this.next();
    return op;
  }

  // --- literals ------------------------------------------------------------

  atLiteral(): boolean {
    const token = this.peek();
    if (token.kind === "number" || token.kind === "string") return true;
    if (token.kind === "symbol") return token.value === "-" || token.value === "+";
    if (token.kind !== "word") return false;
    if (["true", "false", "null"].includes(token.value)) return true;
    return (token.value === "date" || token.value === "timestamp") && this.peek(1).kind === "string";
  }

  private literalList(): Literal[] {
    this.expectSymbol("(");
    const values = [this.literal()];
    while (this.acceptSymbol(",")) values.push(this.literal());
    this.expectSymbol(")", `"," or ")"`);
    return values;
  }

  literal(): Literal {
    const token = this.peek();
    if (!this.atLiteral()) return this.fail(LITERAL_EXPECTED);
    this.next();
    if (token.kind === "number") return numberLiteral(token.text, false);
    if (token.kind === "string") return token.value;
    if (token.kind === "symbol") {
      const number = this.peek();
      if (number.kind !== "number") return this.fail(`a number after "${token.value}"`);
      this.next();
      return numberLiteral(number.text, token.value === "-");
    }
    if (token.value === "true") return true;
    if (token.value === "false") return false;
    if (token.value === "null") return null;
    const text = this.next();
    return token.value === "date" ? dateLiteral(text) : timestampLiteral(text);
  }
}

// ---------------------------------------------------------------------------
// Helpers

/**
 * Integers: number when safe, else bigint. Other numbers: number when at most 15 significant
 * digits (exact as a double), else the literal's text, so DECIMAL(38) values stay exact.
 */
function numberLiteral(text: string, negative: boolean): number | bigint | NumberText {
  if (/[.eE]/.test(text)) {
    const digits = text.replace(/[eE].*$/, "").replace(".", "").replace(/^0+/, "").replace(/0+$/, "");
    if (digits.length > 15) return Object.freeze({ kind: "number-text", text: negative ? `-${text}` : text });
    return negative ? -Number(text) : Number(text);
  }
  const value = negative ? -BigInt(text) : BigInt(text);
  const asNumber = Number(value);
  return Number.isSafeInteger(asNumber) ? asNumber : value;
}

const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP_TEXT = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;

function dateLiteral(token: Token): Date {
  const match = DATE_TEXT.exec(token.value);
  const date = match === null ? null : utcDate(match.slice(1, 4).map(Number), [0, 0, 0, 0]);
  if (date === null) throw syntaxError(token.line, token.column, "a date 'YYYY-MM-DD'", describeToken(token));
  return date;
}

function timestampLiteral(token: Token): Date {
  const match = TIMESTAMP_TEXT.exec(token.value);
  const milliseconds = match === null ? 0 : Number((match[7] ?? "").padEnd(3, "0").slice(0, 3));
  const date = match === null ? null : utcDate(match.slice(1, 4).map(Number), [...match.slice(4, 7).map(Number), milliseconds]);
  if (date === null) {
    throw syntaxError(token.line, token.column, "a timestamp 'YYYY-MM-DD HH:MI:SS[.ffffff]'", describeToken(token));
  }
  return date;
}

/** A UTC Date, or null when a field is out of range (month 13, February 30, hour 24 …). */
function utcDate([year, month, day]: number[], [hour, minute, second, millisecond]: number[]): Date | null {
  if (year < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millisecond);
  const valid = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  return valid ? date : null;
}

function toPrimaryIndex(index: SecondaryIndex): PrimaryIndex {
  return { kind: "primary-index", unique: index.unique, name: index.name, columns: index.columns };
}

function displayName(name: QualifiedName): string {
  const table = quoteIdentifierIfNeeded(name.name);
  return name.database === null ? table : `${quoteIdentifierIfNeeded(name.database)}.${table}`;
}

function badDdl(table: string, problem: string, at: Token): AmpsimError {
  return new AmpsimError("BAD_DDL", `table ${table} ${problem} (line ${at.line}, column ${at.column})`, {
    table,
    line: at.line,
    position: at.column,
  });
}

/** Freezes plain objects and arrays all the way down; Dates are left as they are. */
function deepFreeze<T>(value: T): T {
  if (typeof value !== "object" || value === null || value instanceof Date || Object.isFrozen(value)) return value;
  for (const inner of Object.values(value)) deepFreeze(inner);
  return Object.freeze(value);
}
