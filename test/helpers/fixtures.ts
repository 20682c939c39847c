/**
 * Test data and small helpers shared by the migrator suites: a table with
 * every column type, rows for it (plain values, NULLs in every column), temp
 * directories, and an assertion for AmpsimErrors.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "vitest";
import { AmpsimError, Engine } from "../../engine/index.js";
import type { ErrorCode } from "../../engine/index.js";
import { Prng } from "../../sim/index.js";

export type Row = Record<string, unknown>;

/** Columns of every type; `pi` picks the primary index clause. */
export function allTypesDdl(name: string, options: { pi?: string; setness?: "SET" | "MULTISET"; indexes?: string } = {}): string {
  return `CREATE ${options.setness ?? "MULTISET"} TABLE ${name} (
  id INTEGER NOT NULL,
  b BYTEINT,
  s SMALLINT,
  i INTEGER,
  big BIGINT,
  r REAL,
  f FLOAT,
  dec DECIMAL(12,2),
  huge DECIMAL(38,10),
  ok BOOLEAN,
  lv LONG VARCHAR,
  vc VARCHAR(12),
  c CHAR(6),
  dt DATE,
  ts TIMESTAMP
) ${options.pi ?? "PRIMARY INDEX (id)"}${options.indexes ? `\n${options.indexes}` : ""};`;
}

const MS_PER_DAY = 86_400_000;
const STRINGS = ["", "a", "hello", "é日本", "x y z", "tab\tnew\nline", "quote'\"", "0123456789"];

/** One value per column of `allTypesDdl`, or NULL one time in `nullOneIn` (never for id). */
export function allTypesRow(prng: Prng, id: number, nullOneIn = 5): Row {
  const maybe = <T>(make: () => T): T | null => (prng.chance(1, nullOneIn) ? null : make());
  const sign = () => (prng.chance(1, 2) ? "-" : "");
  const digits = (n: number) => Array.from({ length: n }, () => prng.int(0, 9)).join("");
  return {
    id,
    b: maybe(() => prng.int(-128, 127)),
    s: maybe(() => prng.int(-32768, 32767)),
    i: maybe(() => prng.int(-2147483648, 2147483647)),
    big: maybe(() => BigInt(prng.int(-(2 ** 51), 2 ** 51)) * BigInt(prng.int(1, 1000))),
    r: maybe(() => Math.fround((prng.next() - 0.5) * 1e6)),
    f: maybe(() => (prng.next() - 0.5) * 1e12),
    dec: maybe(() => `${sign()}${digits(prng.int(1, 10))}.${digits(2)}`),
    huge: maybe(() => `${sign()}${digits(prng.int(1, 28))}.${digits(10)}`),
    ok: maybe(() => prng.chance(1, 2)),
    lv: maybe(() => `${prng.pick(STRINGS)}${prng.int(0, 1e6)}`),
    vc: maybe(() => `${prng.pick(STRINGS)}${prng.int(0, 99)}`.slice(0, 12)),
    c: maybe(() => prng.pick(["a", "bb", "ccc", "dddddd", "é", "z z"])),
    dt: maybe(() => new Date(prng.int(-3000, 30000) * MS_PER_DAY)),
    ts: maybe(() => new Date(prng.int(-1e12, 4e12))),
  };
}

/** A row whose every nullable column is NULL. */
export function allNullRow(id: number): Row {
  return { id, b: null, s: null, i: null, big: null, r: null, f: null, dec: null, huge: null, ok: null, lv: null, vc: null, c: null, dt: null, ts: null };
}

/** `rows` rows of `allTypesDdl` with ids 1..rows, NULLs in every column, and one all-NULL row. */
export function allTypesRows(seed: number | string, rows: number): Row[] {
  const prng = new Prng(seed);
  const out = Array.from({ length: rows }, (_, k) => allTypesRow(prng, k + 1));
  if (rows > 0) out[rows - 1] = allNullRow(rows);
  return out;
}

/** An engine with database `db` and `ddl` created, filled with `rows`. */
export function engineWith(options: ConstructorParameters<typeof Engine>[0], ddl: string | null, rows: readonly Row[] = [], table?: string): Engine {
  const engine = new Engine(options);
  if (ddl !== null) {
    const name = table ?? /TABLE\s+([\w$#".]+)/i.exec(ddl)![1];
    const database = name.slice(0, name.indexOf("."));
    if (!engine.databases().includes(database)) engine.sql(`CREATE DATABASE ${database};`);
    engine.sql(ddl);
    if (rows.length > 0) engine.insert(name, rows as Row[]);
  }
  return engine;
}

const tempDirs: string[] = [];

/** A fresh temp directory, removed by `removeTempDirs`. */
export function tempDir(label = "ampsim-test"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${label}-`));
  tempDirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** The AmpsimError `run` throws or rejects with; checks its code and that the message mentions each of `mentions`. */
export async function expectAmpsimError(run: () => unknown, code: ErrorCode, ...mentions: (string | RegExp)[]): Promise<AmpsimError> {
  let caught: unknown = undefined;
  let returned = false;
  try { await run(); returned = true; } catch (error) { caught = error; }
  expect(returned, `expected ${code}, but the call succeeded`).toBe(false);
  expect(caught, `expected an AmpsimError ${code}, but got ${String(caught)}`).toBeInstanceOf(AmpsimError);
  const error = caught as AmpsimError;
  expect(error.code, `${error.code}: ${error.message}`).toBe(code);
  for (const mention of mentions) {
    if (typeof mention === "string") expect(error.message, `the message names ${mention}`).toContain(mention);
    else expect(error.message).toMatch(mention);
  }
  return error;
}

/** Runs `promise` but fails after `ms` (so a hung pipe or socket fails the test instead of the suite). */
export async function within<T>(ms: number, promise: Promise<T>, what = "the call"): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms); });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
