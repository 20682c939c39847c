/** Kernels for the executor tests: they run inline and on pool workers. */
import { AmpsimError, defineKernel, transferResult } from "../../engine/index.js";

export const HELPER_KERNELS = import.meta.url;

/** Doubles every value in place and sends the array back moved. */
export const double = defineKernel((input: { values: Float64Array }) => {
  for (let i = 0; i < input.values.length; i++) input.values[i] *= 2;
  return transferResult({ values: input.values, sum: input.values.reduce((a, b) => a + b, 0) }, [input.values.buffer as ArrayBuffer]);
});

export const failTyped = defineKernel((input: { table: string }) => {
  throw new AmpsimError("TYPE_MISMATCH", `column x of ${input.table} is not what the kernel expected`, { table: input.table, column: "x" });
});

export const failPlain = defineKernel(() => {
  throw new RangeError("out of range in a kernel");
});

/** Adds 1 to each element of a shared array (SharedArrayBuffer: seen, not copied). */
export const bumpShared = defineKernel((input: { shared: Int32Array }) => {
  for (let i = 0; i < input.shared.length; i++) Atomics.add(input.shared, i, 1);
  return input.shared.length;
});
