/**
 * Stored arrays that are not zeroed (a scatter's outputs: filledStorageArray; a load table's
 * tails: TailMemory) must never show a byte that was not written. Here every such allocation
 * hands back memory filled with 0x11 (Buffer.allocUnsafeSlow spied on), as an allocator may
 * hand back anything, and the rows must read exactly as written: values, strings (a string
 * column's first offset is 0, not left over), NULLs, an 8-byte column right after a string
 * column in a tail. Seeded; a failure prints its replay.
 */
import * as arrow from "apache-arrow";
import { constants as bufferConstants } from "node:buffer";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Engine, rowsOf } from "../../engine/index.js";
import { countGroups, scatterDataMany } from "../../engine/storage/scatter.js";
import { unzeroedBuffer } from "../../engine/storage/shared-storage.js";
import { Prng, replayHint } from "../../sim/index.js";

const seed = Number(process.env.AMPSIM_SEED ?? 11);
const hint = replayHint(seed, "npx vitest run test/engine/unzeroed-memory.test.ts");
const POISON = 0x11;
const COLUMNS = "id BIGINT NOT NULL, s VARCHAR(20), big BIGINT, f FLOAT, n INTEGER, t VARCHAR(8), b BOOLEAN, cust INTEGER";

let poisoned = 0;
beforeEach(() => {
  poisoned = 0;
  const allocate = Buffer.allocUnsafeSlow;
  vi.spyOn(Buffer, "allocUnsafeSlow").mockImplementation((size: number) => {
    poisoned++;
    return allocate(size).fill(POISON);
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});

function rows(prng: Prng, count: number): Record<string, unknown>[] {
  const maybe = <T>(value: T): T | null => (prng.chance(1, 6) ? null : value);
  return Array.from({ length: count }, (_v, i) => ({
    id: BigInt(i), s: maybe("é".repeat(prng.int(0, 3)) + "s".repeat(prng.int(0, 14))), big: maybe(BigInt(prng.int(-1e9, 1e9)) * 4099n),
    f: maybe(prng.next() * 1e6), n: maybe(prng.int(-1e6, 1e6)), t: maybe("t".repeat(prng.int(0, 8))), b: maybe(prng.chance(1, 2)), cust: prng.int(0, 40),
  }));
}

const byId = (list: Record<string, unknown>[]) => [...list].sort((a, b) => Number(a.id) - Number(b.id));

describe("storage that is not zeroed shows only what was written", () => {
  it("a redistributing insert-select and a load table's tails read back every row exactly over poisoned memory (seeded)", () => {
    const prng = new Prng(seed).fork("engine");
    const engine = new Engine({ amps: 5 });
    engine.sql(`CREATE DATABASE db; CREATE MULTISET TABLE db.t (${COLUMNS}) PRIMARY INDEX (id); CREATE MULTISET TABLE db.by_cust (${COLUMNS}) PRIMARY INDEX (cust); CREATE MULTISET TABLE db.target (${COLUMNS}) PRIMARY INDEX (id);`);
    engine.sqlInternal(`CREATE MULTISET TABLE "$staging".s (${COLUMNS}) PRIMARY INDEX (id);`);
    const all = rows(prng, 3000);
    // Statements of several sizes, so that tails fill, grow and are joined.
    for (let at = 0; at < all.length; at += 700) engine.insert("db.t", all.slice(at, at + 700));
    for (let at = 0; at < all.length; at += 300) engine.insert('"$staging".s', all.slice(at, at + 300));
    const before = poisoned;
    engine.insertSelect("db.by_cust", "db.t");
    expect(poisoned - before, "the redistribute's outputs came from the poisoned allocator").toBeGreaterThan(0);
    engine.sqlInternal('INSERT INTO db.target SELECT * FROM "$staging".s;');
    const expected = byId(all);
    expect(byId(rowsOf(engine.scan("db.by_cust"))), hint).toEqual(expected);
    expect(byId(rowsOf(engine.scan("db.target"))), hint).toEqual(expected);
    for (let amp = 0; amp < engine.amps; amp++) {
      for (const part of engine.readAmp("db.by_cust", amp).parts) {
        for (const column of part.batch.data.children) if (column.valueOffsets) expect(column.valueOffsets[0], `AMP ${amp}: a scattered string column's first offset`).toBe(0);
      }
    }
  });

  it("scattering several sliced string inputs starts every group's offsets at 0 (seeded)", () => {
    const prng = new Prng(seed).fork("strings");
    const inputs = [5, 0, 33, 200].map((n) => arrow.vectorFromArray(Array.from({ length: n + 2 }, () => (prng.chance(1, 5) ? null : "v".repeat(prng.int(0, 20)))), new arrow.Utf8()).data[0].slice(2, n));
    const groupOfs = inputs.map((d) => Uint16Array.from({ length: d.length }, () => prng.int(0, 3)));
    const counts = new Uint32Array(4);
    groupOfs.forEach((g) => countGroups(g, 4).forEach((n, k) => { counts[k] += n; }));
    const parts = scatterDataMany(inputs, groupOfs, counts);
    const expected: (string | null)[][] = [[], [], [], []];
    inputs.forEach((data, k) => { const vector = arrow.makeVector(data); groupOfs[k].forEach((g, i) => expected[g].push(vector.get(i))); });
    expect(poisoned).toBeGreaterThan(0);
    parts.forEach((part, g) => {
      expect(part?.valueOffsets[0] ?? 0, `group ${g}; ${hint}`).toBe(0);
      expect(part === null ? [] : [...arrow.makeVector(part)], `group ${g}; ${hint}`).toEqual(expected[g]);
    });
  });

  it("a buffer larger than a Buffer may be (4 GiB on Node 20) is still made, as an ArrayBuffer (its pages are only reserved)", () => {
    const bytes = bufferConstants.MAX_LENGTH + 8;
    const buffer = unzeroedBuffer(bytes);
    expect(buffer.byteLength).toBe(bytes);
    expect(poisoned, "too large for Buffer.allocUnsafeSlow").toBe(0);
    expect(new Uint8Array(unzeroedBuffer(16))[3]).toBe(POISON);
  });
});
