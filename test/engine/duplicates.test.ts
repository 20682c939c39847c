/**
 * The two ways a UPI check finds equal rows — the sorted merge-walk and the hash
 * table for large new runs — must find a duplicate exactly when there is one,
 * also when different values share a row hash (forced collisions here).
 */
import * as arrow from "apache-arrow";
import { describe, expect, it } from "vitest";
import { duplicatesWasm, findDuplicate, findDuplicateAmong } from "../../engine/steps/duplicates.js";
import { makeRun, type Run } from "../../engine/storage/run.js";
import { Prng, replayHint } from "../../sim/index.js";
import { Engine } from "../../engine/index.js";
import { expectError } from "../helpers/errors.js";

const seed = Number(process.env.AMPSIM_SEED ?? 7);

function run(keys: Int32Array, hashes: Uint32Array): Run {
  const schema = new arrow.Schema([new arrow.Field("k", new arrow.Int32(), false)]);
  const data = arrow.makeData({ type: new arrow.Int32(), length: keys.length, nullCount: 0, data: keys });
  const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length: keys.length, nullCount: 0, children: [data] });
  return makeRun(new arrow.RecordBatch(schema, struct), hashes, Uint32Array.from(keys, (_k, i) => i));
}

/** Keys drawn from `range` values; the hash keeps only `hashValues` distinct values, so unequal keys collide. */
function randomRun(prng: Prng, rows: number, range: number, hashValues: number, base = 0): Run {
  const keys = new Int32Array(rows);
  const seen = new Set<number>();
  for (let i = 0; i < rows; i++) {
    let k = base + prng.int(0, range - 1);
    while (range >= rows * 4 && seen.has(k)) k = base + prng.int(0, range - 1); // mostly distinct when the range is wide
    seen.add(k); keys[i] = k;
  }
  return run(keys, Uint32Array.from(keys, (k) => ((k % hashValues) * 2654435761) >>> 0));
}

function hasEqualKeys(fresh: Run, stored: readonly Run[]): boolean {
  const keysOf = (r: Run) => r.batch.data.children[0].values as Int32Array;
  const seen = new Set<number>();
  for (const r of stored) for (const k of keysOf(r)) seen.add(k);
  for (const k of keysOf(fresh)) { if (seen.has(k)) return true; seen.add(k); }
  return false;
}

describe("findDuplicate", () => {
  it("finds a pair exactly when equal keys exist, by hash table and by merge-walk, despite hash collisions", () => {
    const prng = new Prng(`duplicates/${seed}`);
    const hint = replayHint(seed, "npx vitest run test/engine/duplicates.test.ts");
    for (let trial = 0; trial < 300; trial++) {
      const rows = prng.int(1, 3000);
      const wide = prng.int(0, 1) === 1;
      const hashValues = prng.int(1, 5) === 1 ? 7 : 1 << 20; // one hash function for all runs: equal keys, equal hashes
      const fresh = randomRun(prng, rows, wide ? rows * 8 : rows * 2, hashValues);
      // Stored runs hold distinct keys; small (hash table) or large (merge-walk) against the new run.
      const storedRows = prng.int(0, 1) === 1 ? prng.int(0, rows) : prng.int(3 * rows, 4 * rows);
      const stored = storedRows === 0 ? [] : [randomRun(prng, storedRows, storedRows * 8, hashValues, prng.int(0, 1) === 1 ? 0 : 1 << 28)];
      const storedKeys = stored.flatMap((r) => [...(r.batch.data.children[0].values as Int32Array)]);
      if (new Set(storedKeys).size !== storedKeys.length) continue; // stored rows are distinct in a real table
      const pair = findDuplicate(fresh, stored, [0], null);
      const context = `trial ${trial}: ${rows} new rows, ${storedRows} stored\n${hint}`;
      expect(pair !== null, context).toBe(hasEqualKeys(fresh, stored));
      if (pair) {
        const keys = fresh.batch.data.children[0].values as Int32Array;
        const other = pair.other.stored ? stored[0].batch.data.children[0].values as Int32Array : keys;
        expect(keys[pair.row], context).toBe(other[pair.other.row]);
        if (!pair.other.stored) expect(pair.other.row, context).not.toBe(pair.row);
      }
    }
  });

  it("names the later of two equal new rows and the earlier one it repeats", () => {
    const keys = Int32Array.from({ length: 500 }, (_v, i) => i);
    keys[400] = 123;
    const fresh = run(keys, Uint32Array.from(keys, (k) => k * 7));
    expect(findDuplicate(fresh, [], [0], null)).toEqual({ row: 400, other: { stored: false, run: 0, row: 123 } });
  });

  it("among several new runs (one statement's pieces on an AMP): a pair exactly when equal keys exist, naming the runs", () => {
    const prng = new Prng(`duplicates-among/${seed}`);
    const hint = replayHint(seed, "npx vitest run test/engine/duplicates.test.ts");
    const keysOf = (r: Run) => r.batch.data.children[0].values as Int32Array;
    for (let trial = 0; trial < 200; trial++) {
      const hashValues = prng.int(1, 4) === 1 ? 5 : 1 << 20;
      // Up to 40 pieces and 3 stored runs: a row's run is found by searching the runs' starts.
      const many = prng.int(0, 1) === 1;
      const pieces = Array.from({ length: prng.int(1, many ? 40 : 4) }, () => randomRun(prng, prng.int(1, many ? 150 : 800), 6000, hashValues));
      const storedRows = prng.int(0, 1) === 1 ? 0 : prng.int(1, 3000);
      const stored = storedRows === 0 ? [] : Array.from({ length: prng.int(1, 3) }, (_r, k) => randomRun(prng, storedRows, storedRows * 8, hashValues, (1 << 27) + k * (1 << 24)));
      if (stored.some((r) => new Set(keysOf(r)).size !== storedRows)) continue;
      const all = [...pieces.flatMap((p) => [...keysOf(p)]), ...stored.flatMap((r) => [...keysOf(r)])];
      const context = `trial ${trial}: pieces ${pieces.map((p) => p.rowCount).join("+")}, ${storedRows} stored\n${hint}`;
      const pair = findDuplicateAmong(pieces, stored, [0], null);
      expect(pair !== null, context).toBe(new Set(all).size !== all.length);
      if (pair) {
        const other = pair.other.stored ? stored[pair.other.run] : pieces[pair.other.run];
        expect(keysOf(pieces[pair.run])[pair.row], context).toBe(keysOf(other)[pair.other.row]);
        expect(pair.other.stored || pair.other.run !== pair.run || pair.other.row !== pair.row, context).toBe(true);
      }
    }
  });
});

describe("findDuplicateAmong over many runs", () => {
  const keysOf = (r: Run) => r.batch.data.children[0].values as Int32Array;
  const distinct = (runs: number, rows: number, base: number) =>
    Array.from({ length: runs }, (_r, k) => Int32Array.from({ length: rows }, (_v, i) => base + k * rows + i));
  const asRun = (keys: Int32Array) => run(keys, Uint32Array.from(keys, (k) => Math.imul(k, 2654435761) >>> 0));

  it("names the right runs and rows for equal keys at the first and last rows of runs", () => {
    const fresh = distinct(30, 50, 0);
    fresh[17][0] = fresh[3][49];
    expect(findDuplicateAmong(fresh.map(asRun), [], [0], null)).toEqual({ run: 17, row: 0, other: { stored: false, run: 3, row: 49 } });
    const again = distinct(30, 50, 0);
    const stored = distinct(3, 40, 100_000).map(asRun);
    again[29][49] = keysOf(stored[2])[0];
    expect(findDuplicateAmong(again.map(asRun), stored, [0], null)).toEqual({ run: 29, row: 49, other: { stored: true, run: 2, row: 0 } });
    expect(findDuplicateAmong(distinct(30, 50, 0).map(asRun), stored, [0], null)).toBeNull();
  });
});

describe("float values compare as SQL does", () => {
  it("-0 equals +0 and NaN equals NaN, in SET rows and in UPI keys, whether in one insert or against stored rows", () => {
    for (const ddl of ["CREATE SET TABLE f (x FLOAT, y INTEGER) PRIMARY INDEX (x)", "CREATE TABLE f (x FLOAT, y INTEGER) UNIQUE PRIMARY INDEX (x)"]) {
      const code = ddl.includes("SET") ? "DUPLICATE_ROW" : "DUPLICATE_KEY";
      const engine = new Engine({ amps: 3 });
      engine.sql(ddl);
      expectError(() => engine.insert("f", [{ x: 0, y: 1 }, { x: -0, y: 1 }]), code, "main.f");
      expectError(() => engine.insert("f", [{ x: NaN, y: 1 }, { x: NaN, y: 1 }]), code, "main.f");
      expect(engine.rowCount("f")).toBe(0);
      engine.insert("f", [{ x: -0, y: 1 }, { x: NaN, y: 1 }, { x: 1.5, y: 1 }]);
      expectError(() => engine.insert("f", [{ x: 0, y: 1 }]), code, "main.f");
      expectError(() => engine.insert("f", [{ x: NaN, y: 1 }]), code, "main.f");
      engine.insert("f", [{ x: 2.5, y: 1 }]);
      expect(engine.rowCount("f")).toBe(4);
    }
  });

  it("a predicate on a float column: NaN is equal only to NaN and above every number", () => {
    const engine = new Engine({ amps: 3 });
    engine.sql("CREATE TABLE f (x FLOAT, y INTEGER) PRIMARY INDEX (y)");
    engine.insert("f", [{ x: -0, y: 1 }, { x: NaN, y: 2 }, { x: 5, y: 3 }, { x: null, y: 4 }]);
    const ys = (where: string) => [...engine.scan("f", { where }).getChild("y")!.toArray()].map(Number).sort();
    expect(ys("x = 0")).toEqual([1]);
    expect(ys("x <> 0")).toEqual([2, 3]);
    expect(ys("x < 1")).toEqual([1]);
    expect(ys("x > 1")).toEqual([2, 3]);
    expect(ys("x >= 5")).toEqual([2, 3]);
  });
});

describe("duplicate errors show values as they were inserted", () => {
  it("decimals as text, DATEs as days, TIMESTAMPs in ISO form, NULL as NULL", () => {
    const engine = new Engine({ amps: 2 });
    engine.sql("CREATE TABLE ud (d DECIMAL(5,2)) UNIQUE PRIMARY INDEX (d)");
    expectError(() => engine.insert("ud", [{ d: "1.50" }, { d: "1.5" }]), "DUPLICATE_KEY", "value (1.50) of input row 1");
    engine.insert("ud", [{ d: "-0.25" }]);
    expectError(() => engine.insert("ud", [{ d: -0.25 }]), "DUPLICATE_KEY", "value (-0.25) of input row 0 is already stored");
    engine.sql("CREATE TABLE ut (t TIMESTAMP, k INTEGER) UNIQUE PRIMARY INDEX (t, k)");
    expectError(() => engine.insert("ut", [{ t: new Date(Date.UTC(2024, 1, 29, 12)), k: null }, { t: new Date(Date.UTC(2024, 1, 29, 12)), k: null }]),
      "DUPLICATE_KEY", "value (2024-02-29T12:00:00.000Z, NULL)");
    engine.sql("CREATE TABLE udt (k INTEGER, d DATE) UNIQUE PRIMARY INDEX (k) UNIQUE INDEX (d)");
    expectError(() => engine.insert("udt", [{ k: 1, d: "2024-01-01" }, { k: 2, d: "2024-01-01" }]), "DUPLICATE_KEY", "value (2024-01-01) of input row 1 appears twice in the input");
    engine.insert("udt", [{ k: 3, d: "2024-02-02" }]);
    expectError(() => engine.insert("udt", [{ k: 4, d: "2024-03-03" }, { k: 5, d: "2024-02-02" }]), "DUPLICATE_KEY", "value (2024-02-02) of input row 1 is already in the table");
    // Two rows of one statement whose base rows go to different AMPs: the USI is checked once for the statement, so it is not "already in the table".
    const [k1, k2] = [10, ...Array.from({ length: 40 }, (_v, i) => 11 + i)].filter((k, i, all) => i === 0 || engine.ampOf("udt", [k]) !== engine.ampOf("udt", [all[0]]));
    expect(engine.ampOf("udt", [k1])).not.toBe(engine.ampOf("udt", [k2]));
    expectError(() => engine.insert("udt", [{ k: k1, d: "2024-04-04" }, { k: k2, d: "2024-04-04" }]), "DUPLICATE_KEY", "value (2024-04-04) of input row ", "appears twice in the input");
    expect(engine.rowCount("udt")).toBe(1);
    engine.sql("CREATE SET TABLE sd (d DECIMAL(5,2), k INTEGER, s VARCHAR(3)) PRIMARY INDEX (k)");
    expectError(() => engine.insert("sd", [{ d: "1.50", k: 0, s: "x" }, { d: "1.5", k: 0, s: "x" }]), "DUPLICATE_ROW", `input row 1 (1.50, 0, "x")`);
  });
});

describe("the search for equal row hashes in WebAssembly", () => {
  it("is there on this Node", () => {
    expect(duplicatesWasm()).toBe(true);
  });

  it("finds the very pair the JavaScript finds: none, one, the first of several, past hash collisions, with stored runs, and past its limit of pairs", () => {
    const prng = new Prng(`duplicates-wasm/${seed}`);
    const hint = replayHint(seed, "npx vitest run test/engine/duplicates.test.ts");
    let pairs = 0; let collided = 0;
    try {
      for (let trial = 0; trial < 40; trial++) {
        const rows = prng.int(4_096, 40_000);
        // Collisions: a few (unequal keys on one hash), many (more pairs than the module reports), or none to speak of.
        const hashValues = [rows >> 3, 61, 1 << 30][prng.int(0, 2)];
        const pieces = prng.int(1, 4);
        // Distinct keys in every run (disjoint ranges), then equal keys planted now and then: in a
        // piece, across pieces, or from the stored run.
        const fresh = Array.from({ length: pieces }, (_v, k) => randomRun(prng, Math.ceil(rows / pieces), rows * 40, hashValues, k * rows * 64));
        const stored = prng.int(0, 1) === 1 ? [randomRun(prng, prng.int(1, rows), rows * 40, hashValues, pieces * rows * 64)] : [];
        const plants = prng.int(0, 3);
        for (let p = 0; p < plants; p++) {
          const sources = [...fresh, ...stored];
          const from = sources[prng.int(0, sources.length - 1)]; const to = fresh[prng.int(0, pieces - 1)];
          const keysFrom = from.batch.data.children[0].values as Int32Array; const keysTo = to.batch.data.children[0].values as Int32Array;
          const i = prng.int(0, keysFrom.length - 1); const j = prng.int(0, keysTo.length - 1);
          keysTo[j] = keysFrom[i]; to.rowHash[j] = from.rowHash[i];
        }
        duplicatesWasm(false);
        const js = findDuplicateAmong(fresh, stored, [0], null);
        duplicatesWasm(true);
        const wasm = findDuplicateAmong(fresh, stored, [0], null);
        expect(wasm, `trial ${trial}: ${rows} rows in ${pieces} pieces, ${hashValues} hash values, ${plants} planted\n${hint}`).toEqual(js);
        if (js) pairs++;
        if (hashValues === 61) collided++;
      }
    } finally {
      duplicatesWasm(true);
    }
    expect(pairs).toBeGreaterThan(5); // both outcomes were seen
    expect(pairs).toBeLessThan(40);
    expect(collided).toBeGreaterThan(3);
  });

  it("gives the same DUPLICATE_KEY error through the engine either way", () => {
    const messages: string[] = [];
    try {
      for (const on of [false, true]) {
        duplicatesWasm(on);
        const engine = new Engine({ amps: 3 });
        engine.sql("CREATE TABLE src (k INTEGER, v INTEGER) PRIMARY INDEX (v); CREATE TABLE u (k INTEGER, v INTEGER) UNIQUE PRIMARY INDEX (k);");
        engine.insert("src", Array.from({ length: 30_000 }, (_v, i) => ({ k: i === 29_000 ? 12_345 : i, v: i % 97 })));
        messages.push(String(expectError(() => engine.insertSelect("u", "src"), "DUPLICATE_KEY").message));
        expect(engine.rowCount("u")).toBe(0);
      }
    } finally {
      duplicatesWasm(true);
    }
    expect(messages[1]).toBe(messages[0]);
    expect(messages[0]).toContain("12345");
  });
});
