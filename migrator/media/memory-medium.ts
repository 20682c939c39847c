/**
 * The memory medium: each stream is a bounded in-process queue of frame
 * objects between its archive module and its restore module. Frames pass by
 * reference, payloads are never copied.
 *
 * Owns: the queue per stream and its backpressure (a write waits while the
 * queue holds `capacityBytes` of payload or more).
 *
 * Faults it must survive: an archive side that aborts (the reader throws
 * MEDIUM_FAILED with the reason as cause), a restore side that stops reading
 * (pending and later writes reject with MEDIUM_FAILED instead of waiting
 * forever), a payload changed after its CRC was taken, before or after it was
 * queued (verifyFrames on the read side reports ARCHIVE_CORRUPT: the one CRC
 * pass of this medium, as no bytes are copied where a frame is written), and a
 * medium closed with streams still open.
 */
import { AmpsimError } from "../../engine/errors.js";
import { frameByteLength, streamLabel, verifyFrames } from "../archive-format.js";
import type { Frame, FrameSink, StreamChannel, StreamId, TransferMedium } from "./transfer-medium.js";

export interface MemoryMediumOptions {
  /** Payload bytes a stream's queue holds before `write` waits; default 16 MiB. */
  readonly capacityBytes?: number;
}

const CAPACITY_BYTES_DEFAULT = 16 * 1024 * 1024;
const WHERE = "memory medium";

/**
 * An in-process transfer medium: one bounded queue per stream.
 *
 * @example
 * const medium = new MemoryMedium({ capacityBytes: 1 << 20 });
 * const channel = await medium.open({ table: 0, stream: 0, tableName: "main.orders" });
 * await Promise.all([archive.run(channel.sink), restore.run(channel.source)]);
 * await medium.close();
 */
export class MemoryMedium implements TransferMedium {
  readonly kind = "memory";
  readonly capacityBytes: number;
  readonly #queues = new Set<FrameQueue>();

  constructor(options: MemoryMediumOptions = {}) {
    const capacity = options.capacityBytes ?? CAPACITY_BYTES_DEFAULT;
    if (!(Number.isSafeInteger(capacity) && capacity > 0)) {
      throw new AmpsimError("BAD_CONFIG", `memory medium: capacityBytes must be a positive integer but is ${capacity}`, { option: "capacityBytes" });
    }
    this.capacityBytes = capacity;
  }

  /** Opens stream `id`: a queue whose sink and source are ready to use concurrently. */
  async open(id: StreamId): Promise<StreamChannel> {
    const queue = new FrameQueue(id, this.capacityBytes);
    this.#queues.add(queue);
    return {
      id,
      sink: queue,
      source: verifyFrames(id, queue.frames(), WHERE),
      bytesTransferred: () => queue.bytesWritten,
    };
  }

  /** Aborts every stream whose sink is still open; the medium holds nothing else. */
  async close(): Promise<void> {
    for (const queue of this.#queues) {
      queue.abort(new AmpsimError("MEDIUM_FAILED", "the memory medium was closed while the stream was open"));
    }
    this.#queues.clear();
  }
}

/** Wakes everyone waiting on it; each `wait()` waits for the next `notify()`. */
class Signal {
  #waiters: (() => void)[] = [];

  wait(): Promise<void> {
    return new Promise((resolve) => { this.#waiters.push(resolve); });
  }

  notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** One stream: the archive side writes into it, the restore side iterates `frames()`. */
class FrameQueue implements FrameSink {
  /** Bytes written so far, counted as a byte medium would frame them (headers included). */
  bytesWritten = 0;
  readonly #id: StreamId;
  readonly #capacityBytes: number;
  #frames: Frame[] = [];
  #head = 0;
  #queuedBytes = 0;
  #state: "open" | "closed" | "aborted" = "open";
  #abortReason: Error | null = null;
  #readerGone = false;
  readonly #space = new Signal();
  readonly #data = new Signal();

  constructor(id: StreamId, capacityBytes: number) {
    this.#id = id;
    this.#capacityBytes = capacityBytes;
  }

  async write(frame: Frame): Promise<void> {
    if (this.#state !== "open") {
      throw new AmpsimError(this.#state === "aborted" ? "MEDIUM_FAILED" : "BAD_ARGUMENT",
        `${streamLabel(this.#id)}: write after the stream was ${this.#state} (${WHERE})`, this.#details(), { cause: this.#abortReason ?? undefined });
    }
    while (this.#queuedBytes >= this.#capacityBytes && !this.#readerGone && this.#stateNow() === "open") await this.#space.wait();
    if (this.#readerGone) {
      throw new AmpsimError("MEDIUM_FAILED", `${streamLabel(this.#id)}: the restore side stopped reading (${WHERE})`, this.#details());
    }
    if (this.#stateNow() === "aborted") {
      throw new AmpsimError("MEDIUM_FAILED", `${streamLabel(this.#id)}: the stream was aborted (${WHERE})`, this.#details(), { cause: this.#abortReason });
    }
    this.#frames.push(frame);
    this.#queuedBytes += payloadBytes(frame);
    this.bytesWritten += frameByteLength(frame);
    this.#data.notify();
  }

  async close(): Promise<void> {
    if (this.#state !== "open") return;
    this.#state = "closed";
    this.#data.notify();
  }

  abort(reason: Error): void {
    if (this.#state !== "open") return;
    this.#state = "aborted";
    this.#abortReason = reason;
    this.#frames = [];
    this.#head = 0;
    this.#queuedBytes = 0;
    this.#data.notify();
    this.#space.notify();
  }

  /** The frames in order, as written; ends when the sink closes, throws MEDIUM_FAILED when it aborts. */
  async *frames(): AsyncGenerator<Frame, void, undefined> {
    try {
      for (;;) {
        if (this.#state === "aborted") {
          throw new AmpsimError("MEDIUM_FAILED", `${streamLabel(this.#id)}: the archive side aborted the stream: ${this.#abortReason?.message} (${WHERE})`,
            this.#details(), { cause: this.#abortReason });
        }
        if (this.#head < this.#frames.length) {
          yield this.#take();
          continue;
        }
        if (this.#state === "closed") return;
        await this.#data.wait();
      }
    } finally {
      this.#readerGone = true;
      this.#space.notify();
    }
  }

  #take(): Frame {
    const frame = this.#frames[this.#head++];
    if (this.#head === this.#frames.length) {
      this.#frames = [];
      this.#head = 0;
    }
    this.#queuedBytes -= payloadBytes(frame);
    if (this.#queuedBytes < this.#capacityBytes) this.#space.notify();
    return frame;
  }

  /** The state as it is now (TypeScript keeps a field's narrowing across `await`). */
  #stateNow(): "open" | "closed" | "aborted" {
    return this.#state;
  }

  #details(): { stream: number; table: string } {
    return { stream: this.#id.stream, table: this.#id.tableName };
  }
}

function payloadBytes(frame: Frame): number {
  return frame.kind === "end" ? 0 : frame.payload.byteLength;
}
