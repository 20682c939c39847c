/**
 * Durable engines (`new Engine({ dir })`, `Engine.open(dir)`): a reopened system
 * equals the one that was closed and an in-memory twin that ran the same
 * statements, down to every row's ID; failed statements leave the directory as it
 * was; damaged or missing files are STORAGE_CORRUPT naming the file; fault points
 * fail a statement cleanly. The kill -9 test is durable-crash.test.ts.
 *
 * Durable insert speed and open time are measured in `npm run bench` (insert suite).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Engine, rowsOf } from "../../engine/index.js";
import type { StorageFaults } from "../../engine/index.js";
import { expectError } from "../helpers/errors.js";
import { allTypesDdl, allTypesRows, removeTempDirs, tempDir } from "../helpers/fixtures.js";

afterAll(removeTempDirs);

// ---------------------------------------------------------------------------
// Helpers

/** Everything observable about a system: configuration, catalog, every table's rows with their IDs. */
function snapshot(engine: Engine): Record<string, unknown> {
  const tables: Record<string, unknown> = {};
  for (const name of engine.allTables()) {
    // A scan with rowIds cannot add $rowhash next to a user column of that name: such tables are read AMP by AMP.
    const clash = engine.describe(name).columns.some((c) => ["$amp", "$rowhash", "$uniqueness"].includes(c.name));
    const rows = clash
      ? Array.from({ length: engine.amps }, (_, amp) => rowsOf(engine.scan(name, { amp })).map((row) => ({ amp, ...row }))).flat()
      : rowsOf(engine.scan(name, { rowIds: true }));
    tables[name] = {
      definition: engine.describe(name),
      ddl: engine.showTable(name),
      counts: engine.ampRowCounts(name),
      bytes: engine.ampBytes(name),
      rows,
    };
  }
  return {
    config: { name: engine.name, amps: engine.amps, hashBits: engine.hashBits, hashMap: engine.hashMap.toJSON(), permBytesPerAmp: engine.permBytesPerAmp },
    tables: engine.tables(), allTables: engine.allTables(), databases: engine.databases(), ampBytes: engine.ampBytes(), perTable: tables,
  };
}

/** Every file under `dir` with its size and CRC of content, sorted by path. */
function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (at: string): void => {
    for (const entry of fs.readdirSync(at, { withFileTypes: true })) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.push(`${path.relative(dir, full)} ${fs.readFileSync(full).toString("base64").length}:${hashText(fs.readFileSync(full))}`);
    }
  };
  walk(dir);
  return out.sort();
}

function hashText(bytes: Buffer): number {
  let h = 0;
  for (let i = 0; i < bytes.length; i++) h = (Math.imul(h, 31) + bytes[i]) | 0;
  return h;
}

function files(dir: string, pattern: RegExp): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { recursive: true }) as string[]) if (pattern.test(path.basename(entry))) out.push(path.join(dir, entry));
  return out.sort();
}

/** The statements of the round-trip test: every type, every index and table kind, every statement. */
function firstStatements(engine: Engine): void {
  engine.sql("CREATE DATABASE shop;");
  engine.sql(allTypesDdl("shop.every", { pi: "UNIQUE PRIMARY INDEX (id)", setness: "SET", indexes: "UNIQUE INDEX by_id_s (id, s)\nINDEX (dt)" }));
  engine.sql(allTypesDdl("shop.nupi", { pi: "PRIMARY INDEX (c)" }));
  engine.sql(allTypesDdl("shop.nopi", { pi: "NO PRIMARY INDEX" }));
  engine.sql(allTypesDdl("shop.gone", { pi: "PRIMARY INDEX (big)" }));
  engine.sql("CREATE VOLATILE MULTISET TABLE main.vol (a INTEGER, b BIGINT) PRIMARY INDEX (b) ON COMMIT PRESERVE ROWS;");
  engine.sql("CREATE GLOBAL TEMPORARY SET TABLE main.gt (a INTEGER NOT NULL, b REAL) UNIQUE PRIMARY INDEX (a) ON COMMIT DELETE ROWS;");
  engine.sql('CREATE TABLE main."Odd Name" ("$rowhash" INTEGER, x VARCHAR(3)) PRIMARY INDEX ("$rowhash");');
  engine.insert("shop.every", allTypesRows("durable-1", 300));
  engine.sql("INSERT INTO shop.nupi SELECT * FROM shop.every WHERE id > 40;");
  engine.sql("INSERT INTO shop.nopi SELECT * FROM shop.every;");
  engine.sql("INSERT INTO shop.gone SELECT * FROM shop.every;");
  engine.sql("DELETE FROM shop.every WHERE id < 20 OR s > 1000;");
  engine.delete("shop.nupi", { key: "a" });
  engine.sql("CREATE INDEX by_big (big) ON shop.nupi; DROP INDEX (dt) ON shop.every;");
  engine.sql("DROP TABLE shop.gone;");
  for (let k = 0; k < 30; k++) engine.insert("main.vol", [{ a: k, b: k % 7 }, { a: -k, b: null }]); // more runs than RUNS_MAX: merged
  engine.sql("INSERT INTO main.gt VALUES (1, 1.5); INSERT INTO main.gt VALUES (2, NULL);");
  engine.sql(`INSERT INTO main."Odd Name" VALUES (7, 'abc');`);
  engine.createTable({ ...engine.describe("shop.every"), database: "$staging", name: "every_1", indexes: [] }, { internal: true });
  engine.insertSelect("$staging.every_1", "shop.every");
  engine.sql("DATABASE shop;");
}

/** Statements after reopening: uniqueness must continue where it stopped. */
function laterStatements(engine: Engine): void {
  engine.insert("shop.every", allTypesRows("durable-2", 60).map((row, k) => ({ ...row, id: 1000 + k })));
  engine.sql("INSERT INTO nupi SELECT * FROM every WHERE id >= 1000;");
  engine.sql("INSERT INTO nopi SELECT * FROM every WHERE id >= 1030;");
  engine.sql("DELETE FROM main.vol WHERE a < 0;");
  engine.insert("main.vol", [{ a: 99, b: 3 }]);
  engine.dropTable("$staging.every_1", { internal: true });
  engine.sql("CREATE TABLE later (k INTEGER NOT NULL, v VARCHAR(5)) PRIMARY INDEX (k) UNIQUE INDEX (v); INSERT INTO later VALUES (1, 'x');");
}

// ---------------------------------------------------------------------------

describe("a durable engine", () => {
  it("reopens with the same configuration, catalog and rows, and equals an in-memory twin", () => {
    const dir = path.join(tempDir("ampsim-durable"), "sys");
    const options = { amps: 5, hashBits: 12, name: "durable-sys", permBytesPerAmp: 50_000_000 };
    const durable = new Engine({ ...options, dir });
    const twin = new Engine(options);
    expect(durable.dir).toBe(dir);
    expect(twin.dir).toBe(null);
    firstStatements(durable);
    firstStatements(twin);
    const first = snapshot(twin);
    expect(snapshot(durable)).toEqual(first);

    const reopened = Engine.open(dir);
    expect(reopened.dir).toBe(dir);
    expect(reopened.trace.steps).toHaveLength(0);
    expect(snapshot(reopened)).toEqual(first);
    for (const id of [25, 26, 150, 300]) expect(rowsOf(reopened.lookup("shop.every", id))).toEqual(rowsOf(twin.lookup("shop.every", id)));
    expect(rowsOf(reopened.lookup("shop.nupi", "bb"))).toEqual(rowsOf(twin.lookup("shop.nupi", "bb")));
    expect(reopened.ampOf("shop.every", 77)).toBe(twin.ampOf("shop.every", 77));

    laterStatements(reopened);
    laterStatements(twin);
    expect(snapshot(reopened)).toEqual(snapshot(twin));
    expectError(() => reopened.insert("shop.every", [{ id: 150 }]), "DUPLICATE_KEY", "shop.every");
    expectError(() => reopened.insert("shop.every", [{ id: 5000, s: 4 }, { id: 5000, s: 5 }]), "DUPLICATE_KEY");
    expect(snapshot(Engine.open(dir))).toEqual(snapshot(twin));
  });

  it("writes segments that any Arrow reader reads, with the hidden columns last", async () => {
    const dir = tempDir("ampsim-durable");
    const engine = new Engine({ amps: 2, dir });
    engine.sql("CREATE TABLE t (id INTEGER NOT NULL, note VARCHAR(10)) UNIQUE PRIMARY INDEX (id);");
    engine.insert("t", [{ id: 1, note: "one" }, { id: 2, note: null }, { id: 3, note: "three" }]);
    const arrow = await import("apache-arrow");
    const segments = files(dir, /^seg-.*\.arrow$/);
    const tables = segments.map((file) => arrow.tableFromIPC(fs.readFileSync(file)));
    expect(tables.map((t) => t.schema.fields.map((f) => `${f.name}:${f.type}`))).toEqual(tables.map(() => ["id:Int32", "note:Utf8", "$rowhash:Uint32", "$uniqueness:Uint32"]));
    const rows = tables.flatMap((t) => t.toArray().map((r) => r.toJSON()));
    const expected = rowsOf(engine.scan("t", { rowIds: true })).map(({ $amp: _amp, ...row }) => row);
    expect(rows.sort((a, b) => (a.id as number) - (b.id as number))).toEqual(expected.sort((a, b) => (a.id as number) - (b.id as number)));
  });

  it("leaves the directory as it was when a statement fails (DUPLICATE_KEY, NO_SPACE, NULL_VIOLATION)", () => {
    const dir = tempDir("ampsim-durable");
    const engine = new Engine({ amps: 3, dir, permBytesPerAmp: 20_000 });
    engine.sql("CREATE TABLE t (id INTEGER NOT NULL, note VARCHAR(100)) UNIQUE PRIMARY INDEX (id) INDEX (note);");
    engine.insert("t", Array.from({ length: 50 }, (_, k) => ({ id: k, note: `note ${k}` })));
    const before = snapshot(engine);
    const files = listing(dir);
    expectError(() => engine.insert("t", [{ id: 100, note: "x" }, { id: 7, note: "dup" }]), "DUPLICATE_KEY", "main.t");
    expectError(() => engine.insert("t", Array.from({ length: 2000 }, (_, k) => ({ id: 1000 + k, note: "n".repeat(90) }))), "NO_SPACE");
    expectError(() => engine.sql("CREATE TABLE u (a INTEGER); INSERT INTO t VALUES (NULL, 'x');"), "NULL_VIOLATION");
    expect(listing(dir)).toEqual(files);
    expect(snapshot(engine)).toEqual(before);
    expect(snapshot(Engine.open(dir))).toEqual(before);
    expect(listing(dir)).toEqual(files);
  });

  it("deletes the files a commit no longer references, and the leftovers of an interrupted commit at open", () => {
    const dir = tempDir("ampsim-durable");
    const engine = new Engine({ amps: 2, dir });
    engine.sql("CREATE TABLE t (id INTEGER NOT NULL) UNIQUE PRIMARY INDEX (id);");
    engine.insert("t", [{ id: 1 }, { id: 2 }, { id: 3 }]);
    engine.sql("DELETE FROM t;");
    engine.sql("DROP TABLE t;");
    expect(files(dir, /^seg-/)).toEqual([]);
    for (const amp of ["amp-0000", "amp-0001"]) expect(files(path.join(dir, amp), /^manifest-/).length).toBeLessThanOrEqual(1);
    expect(files(dir, /^catalog-/)).toHaveLength(1);
    const stray = [path.join(dir, "amp-0000", "seg-000000000099-0000.arrow"), path.join(dir, "amp-0001", "manifest-000000000099.json"),
      path.join(dir, "catalog-000000000099.json"), path.join(dir, "CURRENT.tmp")];
    for (const file of stray) fs.writeFileSync(file, "half written");
    fs.writeFileSync(path.join(dir, "notes.txt"), "not ours: kept");
    Engine.open(dir);
    for (const file of stray) expect(fs.existsSync(file), file).toBe(false);
    expect(fs.existsSync(path.join(dir, "notes.txt"))).toBe(true);
  });

  it("a file system error in a commit is STORAGE_FAILED naming the file; nothing commits and the directory stays as it was", () => {
    const dir = tempDir("ampsim-durable");
    const engine = new Engine({ amps: 2, dir });
    engine.sql("CREATE TABLE t (id INTEGER) PRIMARY INDEX (id);");
    engine.insert("t", [{ id: 1 }, { id: 2 }, { id: 3 }]);
    const amp1 = path.join(dir, "amp-0001");
    fs.rmSync(amp1, { recursive: true });
    fs.writeFileSync(amp1, "a file where AMP 1's directory was");
    const files = listing(dir);
    expectError(() => engine.insert("t", Array.from({ length: 20 }, (_, i) => ({ id: 10 + i }))), "STORAGE_FAILED", "amp-0001", "ENOTDIR", "did not commit");
    expect(engine.rowCount("t")).toBe(3);
    expect(listing(dir)).toEqual(files);
    expectError(() => new Engine({ dir: path.join(amp1, "under-a-file") }), "BAD_CONFIG", "cannot hold a new system");
  });

  it("two engines on one directory: only the one that committed last may write; the other gets STORAGE_CONFLICT and writes nothing", () => {
    const dir = tempDir("ampsim-durable");
    const a = new Engine({ amps: 2, dir });
    a.sql("CREATE TABLE t (id INTEGER NOT NULL) UNIQUE PRIMARY INDEX (id);");
    a.insert("t", [{ id: 1 }, { id: 2 }]);
    const b = Engine.open(dir);
    expect(b.rowCount("t")).toBe(2);
    b.insert("t", [{ id: 3 }]);
    const files = listing(dir);
    expectError(() => a.insert("t", [{ id: 3 }]), "STORAGE_CONFLICT", dir, "Engine.open");
    expectError(() => a.sql("DROP TABLE t;"), "STORAGE_CONFLICT");
    expect(listing(dir)).toEqual(files);
    expect(a.rowCount("t")).toBe(2);
    expectError(() => b.insert("t", [{ id: 1 }]), "DUPLICATE_KEY", "main.t");
    b.insert("t", [{ id: 4 }]);
    const reopened = Engine.open(dir);
    expect([...reopened.scan("t").getChild("id")!.toArray()].sort()).toEqual([1, 2, 3, 4]);
    reopened.insert("t", [{ id: 5 }]);
    expectError(() => b.insert("t", [{ id: 6 }]), "STORAGE_CONFLICT");
    expect(Engine.open(dir).rowCount("t")).toBe(5);
  });
});

describe("opening a damaged durable system", () => {
  /** A small system, and a fresh copy of it for each damage. */
  const base = (() => {
    let dir: string | null = null;
    return (): string => {
      if (dir !== null) return dir;
      dir = path.join(tempDir("ampsim-durable"), "sys");
      const engine = new Engine({ amps: 3, dir });
      engine.sql("CREATE TABLE t (id INTEGER NOT NULL, v BIGINT) UNIQUE PRIMARY INDEX (id) INDEX (v);");
      engine.insert("t", Array.from({ length: 200 }, (_, k) => ({ id: k, v: k % 9 })));
      return dir;
    };
  })();
  const copy = (): string => {
    const dir = path.join(tempDir("ampsim-durable"), "copy");
    fs.cpSync(base(), dir, { recursive: true });
    return dir;
  };

  it("reports a flipped byte in a segment, naming the file, and deletes nothing", () => {
    const dir = copy();
    const segment = files(dir, /^seg-/)[2];
    const bytes = fs.readFileSync(segment);
    bytes[Math.floor(bytes.length / 2)] ^= 0x10;
    fs.writeFileSync(segment, bytes);
    const before = listing(dir);
    expectError(() => Engine.open(dir), "STORAGE_CORRUPT", segment, "CRC-32");
    expect(listing(dir)).toEqual(before);
  });

  it("reports a missing or truncated segment, naming it", () => {
    const dir = copy();
    const [first, second] = files(dir, /^seg-/);
    fs.rmSync(first);
    const error = expectError(() => Engine.open(dir), "STORAGE_CORRUPT", first, "missing");
    expect(error.details.file).toBe(first);
    const other = copy();
    const truncated = path.join(other, path.relative(dir, second));
    fs.truncateSync(truncated, 100);
    expectError(() => Engine.open(other), "STORAGE_CORRUPT", truncated);
  });

  it.each([
    ["the catalog, truncated", /^catalog-/, (file: string) => fs.truncateSync(file, 30)],
    ["CURRENT, truncated", /^CURRENT$/, (file: string) => fs.truncateSync(file, 10)],
    ["CURRENT, emptied", /^CURRENT$/, (file: string) => fs.writeFileSync(file, "")],
    ["CURRENT, deleted", /^CURRENT$/, (file: string) => fs.rmSync(file)],
    ["a manifest, deleted", /^manifest-/, (file: string) => fs.rmSync(file)],
    ["a manifest, one digit changed", /^manifest-/, (file: string) => fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(/"rows":(\d)/, (_m, d: string) => `"rows":${(Number(d) + 1) % 10}`))],
    ["config.json, edited", /^config\.json$/, (file: string) => fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace('"amps":3', '"amps":4'))],
    ["the catalog, replaced by valid JSON of another format", /^catalog-/, (file: string) => fs.writeFileSync(file, '{"format":"other","crc32":0,"body":null}')],
  ])("reports %s as STORAGE_CORRUPT naming the file", (_what, pattern, damage) => {
    const dir = copy();
    const file = files(dir, pattern)[0];
    damage(file);
    expectError(() => Engine.open(dir), "STORAGE_CORRUPT", path.basename(file));
  });

  it("refuses directories that hold no system, hold one already, or are named with a NUL byte", () => {
    const empty = tempDir("ampsim-durable");
    expectError(() => Engine.open(empty), "BAD_CONFIG", "holds no ampsim system");
    expectError(() => Engine.open(path.join(empty, "missing")), "BAD_CONFIG", "not a directory");
    expectError(() => new Engine({ dir: base() }), "BAD_CONFIG", "Engine.open");
    fs.writeFileSync(path.join(empty, "x.txt"), "something");
    expectError(() => new Engine({ dir: empty }), "BAD_CONFIG", "not empty");
    expectError(() => new Engine({ dir: `${empty}/a\u0000b` }), "BAD_CONFIG", "NUL");
    expectError(() => Engine.open(`${empty}/a\u0000b`), "BAD_CONFIG", "NUL");
    expectError(() => new Engine({ dir: "" }), "BAD_CONFIG", "dir");
    expectError(() => new Engine({ faults: {} as StorageFaults }), "BAD_CONFIG", "faults");
  });
});

describe("storage fault points", () => {
  class Fault extends Error {}

  /** A durable engine whose `point` throws once armed. */
  function faulty(point: string): { engine: Engine; dir: string; arm: () => void; calls: string[] } {
    const dir = tempDir("ampsim-durable");
    let armed = false;
    const calls: string[] = [];
    const faults: StorageFaults = {
      before(at) {
        calls.push(at);
        if (armed && at === point) throw new Fault(`injected at ${at}`);
      },
    };
    const engine = new Engine({ amps: 3, dir, faults });
    engine.sql("CREATE TABLE t (id INTEGER NOT NULL, v INTEGER) UNIQUE PRIMARY INDEX (id) INDEX (v);");
    engine.insert("t", Array.from({ length: 100 }, (_, k) => ({ id: k, v: k % 4 })));
    return { engine, dir, arm: () => { armed = true; }, calls };
  }

  it.each(["segment write", "manifest write", "catalog write", "commit"])("a failure at %s fails the statement with nothing changed", (point) => {
    const { engine, dir, arm, calls } = faulty(point);
    const before = snapshot(engine);
    const files = listing(dir);
    arm();
    expect(() => engine.sql("CREATE TABLE u (a INTEGER); INSERT INTO t VALUES (500, 1); DELETE FROM t WHERE id < 10;")).toThrow(Fault);
    expect(calls).toContain(point);
    expect(snapshot(engine)).toEqual(before);
    expect(listing(dir)).toEqual(files);
    expect(snapshot(Engine.open(dir))).toEqual(before);
  });

  it("a failure at cleanup comes after the commit point: the statement succeeds and is durable, the garbage goes at the next open", () => {
    const { engine, dir, arm } = faulty("cleanup");
    arm();
    expect(engine.sql("DELETE FROM t WHERE id < 10;").rows).toBe(10);
    expect(engine.rowCount("t")).toBe(90);
    const reopened = Engine.open(dir);
    expect(snapshot(reopened)).toEqual(snapshot(engine));
    expect(files(dir, /^manifest-/)).toHaveLength(3);
  });

  it("a crash at any point of a commit leaves the state before the statement, or after it once past the commit point", () => {
    const dir = tempDir("ampsim-durable");
    const crashes: { point: string; dir: string }[] = [];
    let recording = false;
    // At each point, the directory as a crash there would leave it.
    const engine = new Engine({ amps: 3, dir, faults: { before(point) {
      if (!recording) return;
      const copy = path.join(tempDir("ampsim-durable"), "crash");
      fs.cpSync(dir, copy, { recursive: true });
      crashes.push({ point, dir: copy });
    } } });
    engine.sql("CREATE TABLE t (id INTEGER NOT NULL, v INTEGER) UNIQUE PRIMARY INDEX (id) INDEX (v);");
    engine.insert("t", Array.from({ length: 100 }, (_, k) => ({ id: k, v: k % 4 })));
    const before = snapshot(engine);
    recording = true;
    engine.sql("CREATE TABLE u (a INTEGER); INSERT INTO u VALUES (1); INSERT INTO t VALUES (500, 1); DELETE FROM t WHERE id < 10;");
    recording = false;
    const after = snapshot(engine);
    expect(new Set(crashes.map((c) => c.point))).toEqual(new Set(["segment write", "manifest write", "catalog write", "commit", "cleanup"]));
    for (const crash of crashes) expect(snapshot(Engine.open(crash.dir)), crash.point).toEqual(crash.point === "cleanup" ? after : before);
  });

  it("Engine.open takes the fault hook too", () => {
    const { engine, dir } = faulty("none");
    const reopened = Engine.open(dir, { faults: { before(point) { if (point === "segment write") throw new Fault(point); } } });
    expect(() => reopened.insert("t", [{ id: 1000, v: 1 }])).toThrow(Fault);
    expect(snapshot(reopened)).toEqual(snapshot(engine));
  });

  it("bytes corrupted at segment write (after their CRC) are reported at open", () => {
    const dir = tempDir("ampsim-durable");
    let target = "";
    const engine = new Engine({ amps: 2, dir, faults: {
      before(point, details) {
        const { bytes, file } = details as { bytes?: Uint8Array; file: string };
        if (point === "segment write" && bytes !== undefined && target === "") { bytes[bytes.length >> 1] ^= 1; target = file; }
      },
    } });
    engine.sql("CREATE TABLE t (id INTEGER NOT NULL) UNIQUE PRIMARY INDEX (id);");
    engine.insert("t", Array.from({ length: 100 }, (_, k) => ({ id: k })));
    expectError(() => Engine.open(dir), "STORAGE_CORRUPT", target);
  });
});

