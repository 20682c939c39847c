/**
 * Executors: the same kernel inline and on a piscina pool (TypeScript workers
 * under vitest), buffers moved rather than cloned, AmpsimErrors carried back
 * with their code and details, clear errors for bad options.
 */
import { afterAll, describe, expect, it } from "vitest";
import * as arrow from "apache-arrow";
import { createExecutor, Engine, INLINE, isAmpsimError, packData, unpackData, type Executor } from "../../engine/index.js";
import { expectError } from "../helpers/errors.js";
import { HELPER_KERNELS } from "../helpers/kernels.js";

const pool = createExecutor({ kind: "pool", threads: 2 });
afterAll(() => pool.close());

const kernel = (name: string) => ({ module: HELPER_KERNELS, name });

describe.each([["inline", INLINE], ["pool", pool]] as [string, Executor][])("the %s executor", (kind, executor) => {
  it("runs a kernel and returns what it computed", async () => {
    const values = Float64Array.from({ length: 1000 }, (_v, i) => i);
    const result = await executor.run<{ values: Float64Array }, { values: Float64Array; sum: number }>(kernel("double"), { values }, [values.buffer]);
    expect(result.sum).toBe(999 * 1000);
    expect(result.values[999]).toBe(1998);
    // On the pool the input moved to the worker (this thread's view is detached), inline it was used in place.
    expect(values.byteLength).toBe(kind === "pool" ? 0 : 8000);
  });

  it("carries an AmpsimError back with its code, message and details; other errors keep their message", async () => {
    const error = await executor.run(kernel("failTyped"), { table: "d.t" }).catch((e: unknown) => e);
    expect(isAmpsimError(error, "TYPE_MISMATCH")).toBe(true);
    expect(String(error)).toContain("column x of d.t is not what the kernel expected");
    expect((error as { details: unknown }).details).toMatchObject({ table: "d.t", column: "x" });
    await expect(executor.run(kernel("failPlain"), {})).rejects.toThrow("out of range in a kernel");
  });

  it("shares SharedArrayBuffers instead of copying them", async () => {
    const shared = new Int32Array(new SharedArrayBuffer(64));
    expect(await executor.run(kernel("bumpShared"), { shared })).toBe(16);
    expect([...shared]).toEqual(new Array(16).fill(1));
  });

  it("names a kernel that is not there (BAD_ARGUMENT)", async () => {
    const error = await executor.run(kernel("nope"), {}).catch((e: unknown) => e);
    expect(isAmpsimError(error, "BAD_ARGUMENT")).toBe(true);
    expect(String(error)).toContain("kernel nope is not a function exported by");
  });
});

describe("createExecutor", () => {
  it("refuses impossible options with BAD_CONFIG", () => {
    expectError(() => createExecutor("threads" as never), "BAD_CONFIG", "executor must be");
    expectError(() => createExecutor({ kind: "pool", threads: 0 }), "BAD_CONFIG", "threads", "0");
    expectError(() => createExecutor({ kind: "pool", threads: 1.5 }), "BAD_CONFIG", "1.5");
    expectError(() => new Engine({ executor: { kind: "inline" } as never }), "BAD_CONFIG", "executor must be");
  });

  it("a closed pool refuses work; the engine's default is inline", async () => {
    const small = createExecutor({ kind: "pool", threads: 1 });
    await small.close();
    const error = await small.run(kernel("double"), { values: new Float64Array(1) }).catch((e: unknown) => e);
    expect(isAmpsimError(error, "BAD_ARGUMENT")).toBe(true);
    expect(String(error)).toContain("closed");
    expect(new Engine().executor.kind).toBe("inline");
  });
});

describe("packData / unpackData", () => {
  it("round-trips columns of every layout over the same memory, listing buffers to move", () => {
    const columns = [
      arrow.vectorFromArray([1, null, 3], new arrow.Int32()),
      arrow.vectorFromArray(["a", null, "ccc"], new arrow.Utf8()),
      arrow.vectorFromArray([true, false, null], new arrow.Bool()),
      arrow.vectorFromArray([1n, 2n, 3n], new arrow.Int64()),
    ].map((v) => v.data[0]);
    for (const data of columns) {
      const transfer: ArrayBuffer[] = [];
      const packed = packData(data, transfer);
      expect(transfer.length).toBeGreaterThan(0);
      const back = unpackData(data.type, packed);
      expect(arrow.makeVector(back as arrow.Data).toArray()).toEqual(arrow.makeVector(data as arrow.Data).toArray());
      expect((back.values as Uint8Array).buffer).toBe((data.values as Uint8Array).buffer); // no copy
    }
  });
});
