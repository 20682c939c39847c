/**
 * Executors: the same kernel inline and on a piscina pool (TypeScript workers
 * under vitest), buffers moved rather than cloned, AmpsimErrors carried back
 * with their code and details, clear errors for bad options.
 */
import { afterAll, describe, expect, it } from "vitest";
import * as arrow from "apache-arrow";
import { createExecutor, Engine, INLINE, isAmpsimError, packData, packedProblem, TaskWindow, unpackData, type Executor } from "../../engine/index.js";
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
    // The same message both ways: the code once, then the kernel's words.
    expect((error as Error).message).toBe("TYPE_MISMATCH: column x of d.t is not what the kernel expected");
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

describe("TaskWindow", () => {
  const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 1));

  it("keeps at most `width` tasks in flight and runs them all", async () => {
    const window = new TaskWindow(3);
    let running = 0; let most = 0; let done = 0;
    for (let i = 0; i < 20; i++) {
      expect(await window.add(async () => { running++; most = Math.max(most, running); await tick(); running--; done++; })).toBe(true);
    }
    await window.drain();
    expect([most, done, running]).toEqual([3, 20, 0]);
  });

  it("after a failure refuses new tasks, lets started ones finish, and drain throws the first failure", async () => {
    const window = new TaskWindow(2);
    let finished = 0;
    await window.add(async () => { await tick(); throw new Error("first"); });
    await window.add(async () => { await tick(); await tick(); finished++; });
    // Waits for room, sees the failure, starts nothing.
    let started = 0;
    expect(await window.add(async () => { started++; })).toBe(false);
    expect(window.failed).toBe(true);
    await expect(window.drain()).rejects.toThrow("first");
    expect([finished, started]).toEqual([1, 0]);
  });

  it("a later failure while nobody waits is caught, not an unhandled rejection", async () => {
    const window = new TaskWindow(4);
    await window.add(() => Promise.reject(new Error("one")));
    await window.add(() => Promise.reject(new Error("two")));
    await tick();
    await expect(window.drain()).rejects.toThrow("one");
  });

  it("refuses a width that is not a positive integer", () => {
    expectError(() => new TaskWindow(0), "BAD_ARGUMENT", "positive integer");
    expectError(() => new TaskWindow(1.5), "BAD_ARGUMENT", "1.5");
  });
});

describe("createExecutor", () => {
  it("refuses impossible options with BAD_CONFIG", () => {
    expectError(() => createExecutor("threads" as never), "BAD_CONFIG", "executor must be");
    expectError(() => createExecutor({ kind: "pool", threads: 0 }), "BAD_CONFIG", "threads", "0");
    expectError(() => createExecutor({ kind: "pool", threads: 1.5 }), "BAD_CONFIG", "1.5");
    expectError(() => new Engine({ executor: { kind: "inline" } as never }), "BAD_CONFIG", "executor must be");
    expectError(() => createExecutor(null as never), "BAD_CONFIG", "found NULL");
    expectError(() => new Engine({ executor: null as never }), "BAD_CONFIG", "executor must be");
    expectError(() => createExecutor((() => 1) as never), "BAD_CONFIG", "found a function");
    expectError(() => createExecutor({ kind: "pool", threads: "2" as never }), "BAD_CONFIG", 'found "2"');
    expectError(() => createExecutor({ kind: "pool", threads: null as never }), "BAD_CONFIG", "found NULL");
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
      expect(packedProblem(data.type, packed)).toBeNull();
    }
  });

  it("packedProblem names what does not fit the type", () => {
    const ints = packData(arrow.vectorFromArray([1, null, 3], new arrow.Int32()).data[0]);
    expect(packedProblem(new arrow.Int32(), { ...ints, values: (ints.values as Int32Array).subarray(0, 2) })).toContain("values hold 2 elements, 3 needed");
    expect(packedProblem(new arrow.Int32(), { ...ints, nullCount: 4 })).toContain("null count 4");
    expect(packedProblem(new arrow.Int32(), { ...ints, nullBitmap: null })).toContain("validity bitmap");
    expect(packedProblem(new arrow.Int64(), ints)).toContain("BigInt64Array");
    expect(packedProblem(new arrow.Int32(), { ...ints, length: -1 })).toContain("integers ≥ 0");
    const bools = packData(arrow.vectorFromArray(Array.from({ length: 9 }, (_v, i) => i % 2 === 0), new arrow.Bool()).data[0]);
    expect(packedProblem(new arrow.Bool(), bools)).toBeNull();
    expect(packedProblem(new arrow.Bool(), { ...bools, values: (bools.values as Uint8Array).subarray(0, 1) })).toContain("2 needed");
    expect(packedProblem(new arrow.Utf8(), { ...ints, values: new Uint8Array(4) })).toContain("value offsets");
  });
});
