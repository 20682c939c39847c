/**
 * Load tables (reserved tables such as a migration's staging tables) store each AMP's rows in
 * tails: the runs of consecutive statements lie end to end, so the AMP-local insert-select that
 * empties them joins those runs as views instead of copying. These tests check that the views
 * hold exactly the rows a copy would (every column kind, NULLs, empty strings), that a failed
 * statement's rows never show, that tails grow, and where views must not be used (shared storage).
 */
import * as arrow from "apache-arrow";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Engine, rowsOf } from "../../engine/index.js";
import { FIRST_TAIL_BYTES } from "../../engine/storage/tail.js";
import { Prng, replayHint } from "../../sim/index.js";
import { expectError } from "../helpers/errors.js";

const seed = Number(process.env.AMPSIM_SEED ?? 11);
const hint = replayHint(seed, "npx vitest run test/engine/tail.test.ts");
const STAGING = '"$staging".s';
const COLUMNS = "id BIGINT NOT NULL, n INTEGER, d DECIMAL(12,2), f FLOAT, b BOOLEAN, s VARCHAR(30), c CHAR(4), day DATE, small SMALLINT, tiny BYTEINT";

function system(options: ConstructorParameters<typeof Engine>[0] = {}): Engine {
  const engine = new Engine({ amps: 3, ...options });
  engine.sql(`CREATE DATABASE db; CREATE MULTISET TABLE db.t (${COLUMNS}) PRIMARY INDEX (id); CREATE MULTISET TABLE db.u (${COLUMNS}) PRIMARY INDEX (id);`);
  engine.sqlInternal(`CREATE MULTISET TABLE ${STAGING} (${COLUMNS}) PRIMARY INDEX (id);`);
  return engine;
}

/** `count` rows from `first` on, every column NULL now and then, strings sometimes empty. */
function rows(prng: Prng, first: number, count: number, longStrings = false): Record<string, unknown>[] {
  return Array.from({ length: count }, (_v, i) => {
    const id = first + i;
    const maybe = <T>(value: T): T | null => (prng.int(0, 6) === 0 ? null : value);
    return {
      id: BigInt(id), n: maybe(prng.int(-1e6, 1e6)), d: maybe(`${prng.int(-99999, 99999)}.${String(prng.int(0, 99)).padStart(2, "0")}`),
      f: maybe(prng.int(-1e6, 1e6) / 7), b: maybe(prng.int(0, 1) === 1), s: maybe(longStrings ? "w".repeat(prng.int(20, 30)) : "x".repeat(prng.int(0, 12))),
      c: maybe("ab"), day: maybe(new Date(Date.UTC(2020, 0, 1 + prng.int(0, 900)))), small: maybe(prng.int(-3000, 3000)), tiny: maybe(prng.int(-100, 100)),
    };
  });
}

const byId = (list: Record<string, unknown>[]) => [...list].sort((a, b) => Number(a.id) - Number(b.id));
const partsOf = (engine: Engine, table: string, amp: number) => engine.readAmp(table, amp).parts;
const insertSelect = (engine: Engine, target: string, source: string) => engine.sqlInternal(`INSERT INTO ${target} SELECT * FROM ${source};`).rows;

/**
 * How many stretches of runs lying end to end in memory an AMP's stored runs of a table form
 * (column `k`'s values, or string offsets, one after the other in one buffer).
 */
function stretches(engine: Engine, table: string, amp: number, k = 0): number {
  let count = 0; let end: { buffer: ArrayBufferLike; at: number } | null = null;
  for (const part of partsOf(engine, table, amp)) {
    const data = part.batch.data.children[k];
    // Strings: the offsets lie end to end, sharing the entry between runs (all index one byte buffer).
    const view = (data.valueOffsets ?? data.values) as Uint8Array;
    const length = data.valueOffsets ? 4 * data.length : view.byteLength;
    if (end === null || end.buffer !== view.buffer || end.at !== view.byteOffset) count++;
    end = { buffer: view.buffer, at: view.byteOffset + length };
  }
  return count;
}

/** What every stored row reads as, with its row ID, AMP by AMP in stored order. */
function stored(engine: Engine, table: string): Record<string, unknown>[] {
  return rowsOf(engine.scan(table, { rowIds: true }));
}

describe("load tables store into tails", () => {
  it("consecutive statements' runs lie end to end; the insert-select joins them as views with exactly the rows a copy gives", () => {
    const prng = new Prng(`tail/${seed}`);
    const engine = system();
    const copy = system(); // the same statements into a user table: its runs are copied by the insert-select
    const all: Record<string, unknown>[] = [];
    for (let k = 0; k < 40; k++) {
      const batch = rows(prng, all.length, k === 0 ? 3000 : prng.int(0, 2) === 0 ? 1 : prng.int(1, 900));
      all.push(...batch);
      engine.insert(STAGING, batch);
      copy.insert("db.t", batch);
    }
    for (let amp = 0; amp < 3; amp++) {
      expect(partsOf(engine, STAGING, amp).length, hint).toBeGreaterThan(20);
      // The first tail holds 8 × the first statement's rows: enough for the 39 statements of at most 900 rows after it.
      for (const k of [0, 1, 3, 5, 7]) expect(`column ${k}: ${stretches(engine, STAGING, amp, k)}`, hint).toBe(`column ${k}: 1`);
      expect(stretches(copy, "db.t", amp), hint).toBeGreaterThan(1); // a user table: each statement copies into runs of its own
    }
    expect(byId(rowsOf(engine.scan(STAGING))), hint).toEqual(byId(all));
    expect(insertSelect(engine, "db.t", STAGING)).toBe(all.length);
    expect(copy.insertSelect("db.u", "db.t")).toBe(all.length);
    expect(stored(engine, "db.t"), hint).toEqual(stored(copy, "db.u"));
    for (let amp = 0; amp < 3; amp++) {
      const target = partsOf(engine, "db.t", amp);
      expect(target, hint).toHaveLength(1);
      const staged = partsOf(engine, STAGING, amp);
      // A view: the target's values are the staging table's tail, not a copy.
      expect(target[0].batch.data.children[0].values.buffer, hint).toBe(staged[0].batch.data.children[0].values.buffer);
      expect(target[0].batch.data.children[5].values.buffer, hint).toBe(staged[0].batch.data.children[5].values.buffer);
    }
    engine.sqlInternal(`DROP TABLE ${STAGING};`);
    expect(engine.allTables()).not.toContain(STAGING);
    expect(stored(engine, "db.t"), hint).toEqual(stored(copy, "db.u"));
  });

  it("starts a new, larger tail when rows or string bytes do not fit, and joins each tail's stretch", () => {
    const prng = new Prng(`tail-grow/${seed}`);
    const engine = new Engine({ amps: 1 });
    engine.sql("CREATE DATABASE db; CREATE MULTISET TABLE db.t (id BIGINT NOT NULL, s VARCHAR(30)) PRIMARY INDEX (id);");
    engine.sqlInternal(`CREATE MULTISET TABLE ${STAGING} (id BIGINT NOT NULL, s VARCHAR(30)) PRIMARY INDEX (id);`);
    const all: Record<string, unknown>[] = [];
    const add = (batch: Record<string, unknown>[]) => { all.push(...batch); engine.insert(STAGING, batch); };
    // Short strings first (the first tail reserves string bytes for them), then long ones: bytes run out before rows do.
    for (let k = 0; k < 8; k++) add(rows(prng, all.length, 1000).map((r) => ({ id: r.id, s: r.s })));
    for (let k = 0; k < 8; k++) add(rows(prng, all.length, 1000, true).map((r) => ({ id: r.id, s: r.s })));
    // Then more rows than the first tail holds (at most FIRST_TAIL_BYTES of rows: 8 + 4 + about 10 bytes a row with the row hash).
    for (let k = 0; k < 5; k++) add(rows(prng, all.length, Math.ceil(FIRST_TAIL_BYTES / 22 / 2)).map((r) => ({ id: r.id, s: r.s })));
    const groups = stretches(engine, STAGING, 0, 1);
    expect(groups, hint).toBeGreaterThan(2);
    expect(groups, hint).toBeLessThan(9);
    expect(insertSelect(engine, "db.t", STAGING)).toBe(all.length);
    expect(partsOf(engine, "db.t", 0).length, hint).toBeLessThanOrEqual(groups);
    const scanned = rowsOf(engine.scan("db.t", { rowIds: true }));
    expect(scanned.map((r) => [r.id, r.s]), hint).toEqual(all.map((r) => [r.id, r.s]));
    expect(scanned.map((r) => r.$uniqueness), hint).toEqual(all.map((_r, i) => i));
  });

  it("reserves about what the rows need: a few rows of long strings, or a few rows on many AMPs, do not reserve much more", () => {
    const engine = new Engine({ amps: 8 });
    engine.sql("CREATE DATABASE db; CREATE MULTISET TABLE db.t (id INTEGER NOT NULL, s VARCHAR(64000)) PRIMARY INDEX (id);");
    engine.sqlInternal(`CREATE MULTISET TABLE ${STAGING} (id INTEGER NOT NULL, s VARCHAR(64000)) PRIMARY INDEX (id);`);
    const before = process.memoryUsage().arrayBuffers;
    for (let k = 0; k < 3; k++) engine.insert(STAGING, Array.from({ length: 8 }, (_v, i) => ({ id: k * 8 + i, s: "x".repeat(60_000) })));
    engine.insert(STAGING, [{ id: 100, s: "y" }]);
    // 25 rows of about 60 kB: 1.5 MB. Tails as large as the first statement's rows × 8 at most, doubling after.
    const grown = process.memoryUsage().arrayBuffers - before;
    expect(grown).toBeLessThan(48 * 2 ** 20);
    expect(insertSelect(engine, "db.t", STAGING)).toBe(25);
    expect(rowsOf(engine.lookup("db.t", 100))).toEqual([{ id: 100, s: "y" }]);
    expect(rowsOf(engine.lookup("db.t", 17))[0].s).toBe("x".repeat(60_000));
  });

  it("the target takes a view only of a tail at least a quarter full: one statement's rows in a tail 8× their size are copied", () => {
    const prng = new Prng(`tail-fill/${seed}`);
    const bufferOf = (engine: Engine, table: string) => (partsOf(engine, table, 0)[0].batch.data.children[0].values as Uint8Array).buffer;
    const once = system({ amps: 1 });
    const all = rows(prng, 0, 1_500); // about 100 kB: a first tail of 8× that
    once.insert(STAGING, all);
    expect(insertSelect(once, "db.t", STAGING)).toBe(1_500);
    expect(bufferOf(once, "db.t")).not.toBe(bufferOf(once, STAGING));
    expect(bufferOf(once, "db.t").byteLength).toBeLessThan(2 * 8 * 1_500);
    expect(byId(rowsOf(once.scan("db.t")))).toEqual(byId(all));
    const often = system({ amps: 1 });
    for (let k = 0; k < 8; k++) often.insert(STAGING, all.slice(k * 187, k === 7 ? 1_500 : (k + 1) * 187)); // 8 statements fill it
    expect(insertSelect(often, "db.t", STAGING)).toBe(1_500);
    expect(bufferOf(often, "db.t")).toBe(bufferOf(often, STAGING));
    expect(byId(rowsOf(often.scan("db.t")))).toEqual(byId(all));
  });

  it("a statement that fails after writing its rows into a tail shows none of them, and the next statement's rows are right", () => {
    const prng = new Prng(`tail-fail/${seed}`);
    const engine = system({ amps: 1, permBytesPerAmp: 200_000 });
    const first = rows(prng, 0, 500);
    engine.insert(STAGING, first);
    const used = engine.ampBytes()[0];
    // 3,000 rows: they fit the first tail (8 × the first statement's rows), so they are written there before the statement fails.
    expectError(() => engine.insert(STAGING, rows(prng, 500, 3000)), "NO_SPACE");
    expect(engine.ampBytes()[0]).toBe(used);
    const next = rows(prng, 10_000, 300);
    engine.insert(STAGING, next);
    expect(partsOf(engine, STAGING, 0), hint).toHaveLength(2);
    expect(stretches(engine, STAGING, 0), hint).toBe(2); // the failed rows sit between them: no view may span them
    expect(byId(rowsOf(engine.scan(STAGING))).map((r) => r.id), hint).toEqual([...first, ...next].map((r) => r.id));
    expect(insertSelect(engine, "db.t", STAGING)).toBe(800);
    expect(rowsOf(engine.scan("db.t")).map((r) => [r.id, r.s]), hint).toEqual([...first, ...next].map((r) => [r.id, r.s]));
  });

  it("with shared storage the tails are shared memory, and the target's runs are views of them (pool workers read them in place)", () => {
    const prng = new Prng(`tail-shared/${seed}`);
    const engine = system({ sharedStorage: true });
    const all = rows(prng, 0, 3000);
    for (let k = 0; k < 8; k++) engine.insert(STAGING, all.slice(k * 375, (k + 1) * 375)); // 8 statements fill the first tails
    insertSelect(engine, "db.t", STAGING);
    let views = 0;
    for (let amp = 0; amp < 3; amp++) {
      const tails = new Set(partsOf(engine, STAGING, amp).map((p) => p.batch.data.children[0].values.buffer));
      for (const run of partsOf(engine, "db.t", amp)) {
        for (const column of run.batch.data.children) expect((column.valueOffsets ?? column.values).buffer instanceof SharedArrayBuffer).toBe(true);
        expect(run.rowHash.buffer instanceof SharedArrayBuffer).toBe(true);
        if (tails.has(run.batch.data.children[0].values.buffer)) views++;
      }
    }
    expect(views, hint).toBeGreaterThan(0);
    expect(byId(rowsOf(engine.scan("db.t"))).map((r) => r.id)).toEqual(all.map((r) => r.id));
  });
});

describe("tails in a durable engine", () => {
  const dirs: string[] = [];
  afterEach(() => { for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true }); });

  it("each statement's run is written as its own segment and reads back the same after reopening", () => {
    const prng = new Prng(`tail-durable/${seed}`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ampsim-tail-"));
    dirs.push(dir);
    const engine = system({ dir });
    const all: Record<string, unknown>[] = [];
    for (let k = 0; k < 6; k++) { const batch = rows(prng, all.length, 400); all.push(...batch); engine.insert(STAGING, batch); }
    const before = stored(engine, STAGING);
    const reopened = Engine.open(dir);
    expect(stored(reopened, STAGING), hint).toEqual(before);
    const more = rows(prng, all.length, 100);
    reopened.insert(STAGING, more);
    expect(insertSelect(reopened, "db.t", STAGING)).toBe(all.length + 100);
    expect(byId(rowsOf(Engine.open(dir).scan("db.t"))).map((r) => r.id), hint).toEqual([...all, ...more].map((r) => r.id));
  });
});

describe("the tail arrays hold what Arrow expects", () => {
  it("string views index the tail's bytes from a non-zero first offset, as an Arrow slice does", () => {
    const engine = system({ amps: 1 });
    engine.insert(STAGING, [{ id: 1n, s: "first" }]);
    engine.insert(STAGING, [{ id: 2n, s: "second" }]);
    const second = partsOf(engine, STAGING, 0)[1].batch;
    const s = second.data.children[5];
    expect((s.valueOffsets as Int32Array)[0]).toBe(5);
    expect(second.getChild("s")!.get(0)).toBe("second");
    const ipc = arrow.tableFromIPC(arrow.tableToIPC(new arrow.Table(second)));
    expect(ipc.getChild("s")!.get(0)).toBe("second");
  });
});
