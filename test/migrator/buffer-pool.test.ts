/**
 * Recycled batch buffers (migrator/buffer-pool.ts): an archive module encodes into buffers a
 * restore module gave back. A recycled buffer must give byte-for-byte the message a fresh one
 * gives, only the pool's own buffers may come back, each once, and the rows must arrive intact.
 */
import * as arrow from "apache-arrow";
import { describe, expect, it } from "vitest";
import { Engine, rowsOf } from "../../engine/index.js";
import { ArchiveModule, BufferPool, crc32, MemoryMedium, NetworkMedium, PipeMedium, RestoreModule, migrate } from "../../migrator/index.js";
import { encodeBatchMessage } from "../../migrator/archive-format.js";
import { STAGING_DATABASE } from "../../migrator/staging.js";

describe("BufferPool", () => {
  it("hands a given-back buffer out again, of a fitting size only, and ignores buffers it did not make or already holds", () => {
    const pool = new BufferPool(1 << 20);
    const a = pool.take(100_000);
    expect(a.byteLength).toBe(100_000);
    pool.give(a);
    pool.give(a); // twice: still one free buffer
    const b = pool.take(90_000);
    expect(b.buffer).toBe(a.buffer);
    expect(pool.reused).toBe(1);
    expect(pool.take(90_000).buffer).not.toBe(a.buffer); // it was taken: a new one
    pool.give(new Uint8Array(100_000)); // not the pool's
    expect(pool.take(100_000).buffer).not.toBe(a.buffer);
    expect(pool.reused).toBe(1);
    pool.give(b);
    expect(pool.take(10_000).buffer).not.toBe(b.buffer); // far smaller: not worth a large buffer
    expect(pool.take(100_000).buffer).toBe(b.buffer);
  });

  it("keeps at most maxBytes of free buffers, and never a detached one", () => {
    const pool = new BufferPool(3000);
    const taken = [pool.take(1000), pool.take(1000), pool.take(1000)];
    for (const t of taken) pool.give(t);
    let reused = 0;
    for (let i = 0; i < 3; i++) {
      const got = pool.take(1000);
      if (taken.some((t) => t.buffer === got.buffer)) reused++;
    }
    expect(reused).toBe(2); // each buffer is 1000 + 62 bytes: two fit under 3,000
    const moved = pool.take(500);
    structuredClone(moved.buffer, { transfer: [moved.buffer as ArrayBuffer] });
    pool.give(moved);
    expect(pool.take(500).byteLength).toBe(500);
  });

  it("a payload in a buffer the pool handed out moves to a worker as it is; any other is copied first", () => {
    const pool = new BufferPool();
    const mine = pool.take(1000);
    expect(pool.movable(mine)).toBe(mine); // its whole buffer is the payload's, though a little larger
    const foreign = new Uint8Array(new ArrayBuffer(2000), 0, 1000);
    const moved = pool.movable(foreign);
    expect(moved.buffer).not.toBe(foreign.buffer);
    expect(moved.byteLength).toBe(1000);
    pool.give(mine);
    expect(pool.movable(mine).buffer).not.toBe(mine.buffer); // free in the pool: another take may get it
  });

  it("a batch encoded into a used buffer is the same bytes as into a new one (padding cleared)", () => {
    const batch = new arrow.Table({
      id: arrow.vectorFromArray([1, 2, 3], new arrow.Int32()),
      s: arrow.vectorFromArray(["a", null, "ccc"], new arrow.Utf8()),
      f: arrow.vectorFromArray([1.5, 2.5, null], new arrow.Float64()),
    }).batches[0];
    const fresh = encodeBatchMessage(batch);
    const dirty = encodeBatchMessage(batch, (bytes) => new Uint8Array(bytes).fill(0xab));
    expect(Buffer.from(dirty).equals(Buffer.from(fresh))).toBe(true);
  });
});

describe("archive and restore modules sharing a pool", () => {
  async function run(mediumKind: "memory" | "pipe" | "network", openWithPool = false): Promise<{ pool: BufferPool; source: Engine; target: Engine }> {
    const source = new Engine({ amps: 2 });
    source.sql("CREATE DATABASE db; CREATE MULTISET TABLE db.t (id BIGINT NOT NULL, s VARCHAR(20), f FLOAT) PRIMARY INDEX (id);");
    source.insert("db.t", Array.from({ length: 20_000 }, (_v, i) => ({ id: BigInt(i), s: i % 7 === 0 ? null : `row ${i}`, f: i / 3 })));
    const target = new Engine({ amps: 3 });
    target.sql("CREATE DATABASE db;");
    target.sqlInternal(`CREATE DATABASE "${STAGING_DATABASE}"; CREATE MULTISET TABLE "${STAGING_DATABASE}".s (id BIGINT NOT NULL, s VARCHAR(20), f FLOAT) PRIMARY INDEX (id);`);
    const pool = new BufferPool();
    const medium = mediumKind === "memory" ? new MemoryMedium() : mediumKind === "pipe" ? new PipeMedium() : new NetworkMedium();
    try {
      const id = { stream: 0, table: 0, tableName: "db.t" };
      const channel = await medium.open(id, openWithPool ? { buffers: pool } : {});
      const archive = new ArchiveModule(source, id, [0, 1], { batchRows: 1_000, batchBytes: null, verifyBits: 0, buffers: pool }).run(channel.sink);
      const restore = new RestoreModule(target, id, `"${STAGING_DATABASE}".s`, undefined, undefined, undefined, pool).run(channel.source);
      await Promise.all([archive, restore]);
    } finally {
      await medium.close();
    }
    return { pool, source, target };
  }
  const sorted = (engine: Engine, table: string) => rowsOf(engine.scan(table)).sort((a, b) => Number(a.id) - Number(b.id));

  it("over memory, batches are encoded into buffers given back, and every row arrives intact", async () => {
    const { pool, source, target } = await run("memory");
    expect(pool.reused).toBeGreaterThan(10); // 20 batches
    expect(sorted(target, `"${STAGING_DATABASE}".s`)).toEqual(sorted(source, "db.t"));
  });

  it("over a pipe opened without the pool, payloads decoded from the pipe are not the pool's and never come back", async () => {
    const { pool, source, target } = await run("pipe");
    expect(pool.reused).toBe(0);
    expect(sorted(target, `"${STAGING_DATABASE}".s`)).toEqual(sorted(source, "db.t"));
  });

  for (const kind of ["pipe", "network"] as const) {
    it(`over ${kind === "pipe" ? "a pipe" : "the network"} opened with the pool, written payloads and decoded ones are recycled, and every row arrives intact`, async () => {
      const { pool, source, target } = await run(kind, true);
      expect(pool.reused).toBeGreaterThan(kind === "pipe" ? 10 : 0); // 20 batches; a socket's chunk that holds a whole frame is decoded in place
      expect(sorted(target, `"${STAGING_DATABASE}".s`)).toEqual(sorted(source, "db.t"));
    });
  }

  it("a socket sink gives a written batch payload back, but not with a fault hook (which may write it twice)", async () => {
    class CountingPool extends BufferPool { gives = 0; override give(payload: Uint8Array): void { this.gives++; super.give(payload); } }
    const writeOne = async (hook: boolean): Promise<number> => {
      const pool = new CountingPool();
      const medium = new PipeMedium(hook ? { onFrameBytes: (bytes) => bytes } : {});
      try {
        const id = { stream: 0, table: 0, tableName: "db.t" };
        const channel = await medium.open(id, { buffers: pool });
        const reading = (async () => { let n = 0; for await (const _frame of channel.source) n++; return n; })();
        const payload = pool.take(64).fill(7);
        await channel.sink.write({ kind: "schema", stream: 0, table: 0, payload: new Uint8Array(8) });
        await channel.sink.write({ kind: "batch", stream: 0, table: 0, seq: 0, rows: 1, payload, crc: crc32(payload) });
        await channel.sink.write({ kind: "end", stream: 0, table: 0, batches: 1, rows: 1 });
        await channel.sink.close();
        expect(await reading).toBe(3);
        return pool.gives;
      } finally {
        await medium.close();
      }
    };
    expect(await writeOne(false)).toBe(1);
    expect(await writeOne(true)).toBe(0);
  });

  for (const medium of ["memory", "pipe", "network"] as const) it(`a migration over ${medium} with many batches is verified and its target equals the source`, async () => {
    const source = new Engine({ amps: 4 });
    source.sql("CREATE DATABASE db; CREATE MULTISET TABLE db.t (id BIGINT NOT NULL, s VARCHAR(20)) PRIMARY INDEX (id);");
    source.insert("db.t", Array.from({ length: 30_000 }, (_v, i) => ({ id: BigInt(i), s: i % 5 === 0 ? null : "x".repeat(i % 19) })));
    const target = new Engine({ amps: 6 });
    const report = await migrate({ source, target, streams: 3, medium, batchRows: 500 });
    expect(report.tables.every((t) => t.verified)).toBe(true);
    expect(sorted(target, "db.t")).toEqual(sorted(source, "db.t"));
  });
});
