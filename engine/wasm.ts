/**
 * The project's WebAssembly modules (SIMD), instantiated once per thread from the bytes
 * `npm run build:wasm` embeds (scripts/build-wasm.mjs): the verification's whole-row hash
 * (migrator/row-checksum.wat), the UPI check's search for equal row hashes
 * (steps/duplicates.wat) and the row hash of one-column integer keys (hash/row-hash.wat).
 * A caller keeps a JavaScript path with the same results for a Node
 * without WebAssembly SIMD.
 *
 * Tried and left out: the scatter of rows to their AMPs (count, lay out, move) in WebAssembly
 * ran at 0.8–1.3× the JavaScript loops with the copies into and out of its memory (fresh
 * output buffers' page faults dominate both), and strings alone into preallocated tails at 1.1×.
 */

import { assert } from "./errors.js";

/** What this file uses of the WebAssembly global (the project's lib has no DOM types). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
  CompileError: new () => Error;
}

/**
 * A module's exports and views of its memory. `ensure` grows the memory to hold at least
 * `bytes` (false when it cannot); growing replaces the views, so read them after it.
 */
export interface WasmInstance<F> {
  readonly exports: F;
  readonly bytes: Uint8Array;
  readonly words: Int32Array;
  readonly uwords: Uint32Array;
  ensure(bytes: number): boolean;
}

/**
 * An instance of the module in `base64` with at least `minBytes` of memory, or null where this
 * Node cannot compile it (no WebAssembly, or no SIMD).
 */
export function instantiateWasm<F>(base64: string, minBytes: number, name: string): WasmInstance<F> | null {
  const api = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  if (api === undefined) return null;
  let exports: Record<string, unknown>;
  try {
    exports = new api.Instance(new api.Module(Buffer.from(base64, "base64"))).exports;
  } catch (error) {
    if (error instanceof api.CompileError) return null;
    throw error;
  }
  const memory = exports.memory as { buffer: ArrayBuffer; grow(pages: number): number };
  assert(memory.buffer.byteLength >= minBytes, `${name}'s memory holds ${memory.buffer.byteLength} bytes, not the ${minBytes} its caller lays out`);
  const instance = {
    exports: exports as F, bytes: new Uint8Array(memory.buffer), words: new Int32Array(memory.buffer), uwords: new Uint32Array(memory.buffer),
    ensure(bytes: number): boolean {
      const have = memory.buffer.byteLength;
      if (have >= bytes) return true;
      try {
        memory.grow(Math.ceil((bytes - have) / 65_536));
      } catch {
        return false; // past the module's maximum or out of memory: the caller's JavaScript way
      }
      instance.bytes = new Uint8Array(memory.buffer); instance.words = new Int32Array(memory.buffer); instance.uwords = new Uint32Array(memory.buffer);
      return true;
    },
  };
  return instance;
}
