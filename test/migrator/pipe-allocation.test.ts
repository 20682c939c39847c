/**
 * The pipe medium reads straight into the frames, and Node calls its read-buffer function
 * outside any try: a payload whose buffer cannot be allocated must fail the stream (an error
 * the restore side sees), never the process. Uint8Array is replaced, in this file only, by one
 * that refuses lengths over 1e9, as an allocation under memory pressure would.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { encodeFrame } from "../../migrator/archive-format.js";
import { PipeMedium, type Frame } from "../../migrator/media/index.js";

class Refusing extends Uint8Array {
  constructor(...args: unknown[]) {
    if (typeof args[0] === "number" && args[0] > 1e9) throw new RangeError("Array buffer allocation failed");
    super(...(args as []));
  }
}

afterEach(() => { vi.unstubAllGlobals(); });

describe("the pipe medium, a payload that cannot be allocated", () => {
  it("fails the stream, not the process", async () => {
    const id = { table: 0, stream: 1, tableName: "main.t" };
    // A valid header announcing a batch of almost 4 GiB, written in place of the schema frame.
    const header = encodeFrame({ kind: "batch", stream: 1, table: 0, seq: 0, rows: 1, payload: { byteLength: 0xffff_fff0 } as Uint8Array, crc: 0 })[0];
    const medium = new PipeMedium({ onFrameBytes: (bytes, frame) => (frame.kind === "schema" ? [header] : bytes) });
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown): void => { uncaught.push(error); };
    process.on("uncaughtException", onUncaught);
    try {
      const channel = await medium.open(id);
      vi.stubGlobal("Uint8Array", Refusing);
      const writing = (async () => {
        await channel.sink.write({ kind: "schema", stream: 1, table: 0, payload: new Uint8Array(8) });
        await channel.sink.close();
      })().catch(() => undefined);
      const frames: Frame[] = [];
      const error = await (async () => { for await (const frame of channel.source) frames.push(frame); })().then(() => null, (e: unknown) => e);
      await writing;
      vi.unstubAllGlobals();
      expect(frames).toEqual([]);
      expect(String(error)).toContain("Array buffer allocation failed");
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(uncaught).toEqual([]);
    } finally {
      vi.unstubAllGlobals();
      process.off("uncaughtException", onUncaught);
      await medium.close();
    }
  });
});
