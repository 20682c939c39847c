/**
 * The pipe medium: each stream is a real OS pipe (a FIFO made with mkfifo)
 * carrying binary frames (archive-format.ts) from the archive module to the
 * restore module.
 *
 * Owns: the FIFOs and their temp directory, and — shared with the network
 * medium, which also moves frames over a `net.Socket` — the socket sink
 * (`SocketFrameSink`) and the socket reader (`socketFrames`).
 *
 * Both ends of a FIFO are opened O_NONBLOCK and wrapped in `net.Socket`, so
 * libuv polls them with epoll like any socket. Plain fs streams on FIFOs would
 * each hold one of libuv's 4 thread-pool threads in a blocking read or write,
 * and 16 concurrent streams would deadlock; here no thread is held.
 *
 * Faults it must survive: a reader that goes away (the writer's pending and
 * later writes reject with MEDIUM_FAILED on EPIPE instead of hanging), a
 * writer that dies mid-frame (the reader sees end of file inside a frame and
 * throws ARCHIVE_CORRUPT "truncated"), damaged bytes (ARCHIVE_CORRUPT from
 * the frame decoder or verifyFrames), and a medium closed with streams open.
 */
import { execFile, spawn, type ChildProcessByStdio } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import type { DuplexOptions, Readable, Writable } from "node:stream";
import { setImmediate as nextTurn } from "node:timers/promises";
import { promisify } from "node:util";
import { AmpsimError, isAmpsimError } from "../../engine/errors.js";
import { FrameDecoder, checkWrittenFrame, encodeFrame, streamLabel, verifyFrames } from "../archive-format.js";
import type { Frame, FrameSink, OpenOptions, StreamChannel, StreamId, TransferMedium } from "./transfer-medium.js";
import type { BufferPool } from "../buffer-pool.js";

/**
 * A fault point of the byte media: sees the encoded bytes of each frame before
 * they are written and returns the bytes to write instead (damaged, cut
 * short, doubled, none). Absent outside fault simulation.
 */
export type FrameBytesHook = (bytes: Uint8Array[], frame: Frame, id: StreamId) => Uint8Array[];

export interface PipeMediumOptions {
  /** Directory for the FIFOs; default a new `os.tmpdir()/ampsim-pipes-XXXXXX`, removed by `close()`. */
  readonly dir?: string;
  /** Bytes buffered in the process on each side beyond the kernel's pipe buffer; default 1 MiB. */
  readonly capacityBytes?: number;
  /** Fault point: rewrites each frame's bytes before they are written. */
  readonly onFrameBytes?: FrameBytesHook;
}

const CAPACITY_BYTES_DEFAULT = 1024 * 1024;
const execFileAsync = promisify(execFile);

/**
 * A transfer medium of OS pipes, one FIFO per stream.
 *
 * @example
 * const medium = new PipeMedium();
 * const channel = await medium.open({ table: 0, stream: 1, tableName: "main.orders" });
 * await Promise.all([archive.run(channel.sink), restore.run(channel.source)]);
 * await medium.close(); // removes the FIFOs and the temp directory
 */
export class PipeMedium implements TransferMedium {
  readonly kind = "pipe";
  readonly capacityBytes: number;
  readonly #options: PipeMediumOptions;
  #dir: Promise<string> | null = null;
  readonly #sockets = new Set<net.Socket>();
  readonly #fifoMaker = new FifoMaker();
  /** FIFOs made but not yet opened and removed. */
  readonly #opening = new Set<string>();
  #closed = false;

  constructor(options: PipeMediumOptions = {}) {
    this.capacityBytes = checkCapacity(options.capacityBytes ?? CAPACITY_BYTES_DEFAULT, "pipe");
    this.#options = options;
  }

  /**
   * The helper process that makes this process's FIFOs (a diagnostic; see FifoHelper): how many
   * were spawned so far (one serves them all unless it dies), and the live one's pid, if any.
   */
  static get fifoHelper(): { readonly spawns: number; readonly pid: number | null } {
    return { spawns: FIFO_HELPER.spawns, pid: FIFO_HELPER.pid };
  }

  /** Makes a FIFO for stream `id` and opens both of its ends. */
  async open(id: StreamId, options: OpenOptions = {}): Promise<StreamChannel> {
    if (this.#closed) throw new AmpsimError("BAD_ARGUMENT", `${streamLabel(id)}: open on a closed pipe medium`);
    const fifo = path.join(await this.#directory(), `t${id.table}-s${id.stream}.fifo`);
    if (this.#opening.has(fifo)) throw new AmpsimError("BAD_ARGUMENT", `${streamLabel(id)} is already being opened on this pipe medium`);
    this.#opening.add(fifo);
    const where = `pipe ${fifo}`;
    const direct = new DirectReads(id, where, options.buffers);
    let ends: [net.Socket, net.Socket];
    try {
      await this.#fifoMaker.make(id, fifo);
      ends = openFifoEnds(fifo, this.capacityBytes, direct);
    } finally {
      // Both ends are open (or opening failed): the name is no longer needed, and nothing is left behind on a crash.
      await fs.promises.rm(fifo, { force: true });
      this.#opening.delete(fifo);
    }
    const [reader, writer] = ends;
    for (const socket of ends) {
      // Errors are reported through the sink and the source; this keeps an early one from being unhandled.
      socket.on("error", () => {});
      this.#sockets.add(socket);
      socket.once("close", () => this.#sockets.delete(socket));
    }
    const sink = new SocketFrameSink(id, writer, where, { onFrameBytes: this.#options.onFrameBytes, buffers: options.buffers });
    return {
      id,
      sink,
      source: verifyFrames(id, socketFrames(id, reader, where, this.capacityBytes, direct), where),
      bytesTransferred: () => sink.bytesWritten,
    };
  }

  /** Closes every pipe still open and removes the temp directory it made. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    if (this.#dir !== null && this.#options.dir === undefined) {
      const dir = await this.#dir.catch(() => null);
      if (dir !== null) await fs.promises.rm(dir, { recursive: true, force: true });
    }
  }

  /** The directory of this medium's FIFOs, made at the first open; MEDIUM_FAILED naming it when it cannot be. */
  #directory(): Promise<string> {
    const where = this.#options.dir ?? path.join(os.tmpdir(), "ampsim-pipes-XXXXXX");
    this.#dir ??= (this.#options.dir === undefined
      ? fs.promises.mkdtemp(path.join(os.tmpdir(), "ampsim-pipes-"))
      : fs.promises.mkdir(this.#options.dir, { recursive: true }).then(() => this.#options.dir as string)
    ).catch((error: Error) => {
      throw new AmpsimError("MEDIUM_FAILED", `pipe medium: cannot make the directory of its FIFOs, ${where}: ${error.message}`, { file: where }, { cause: error });
    });
    return this.#dir;
  }
}

/**
 * Makes FIFOs for the streams opened in one turn of the event loop together (a migration
 * opens its streams all at once): through the process's FifoHelper, and with one `mkfifo`
 * process for any it could not make, whose error says why.
 */
class FifoMaker {
  #batch: { readonly paths: string[]; readonly done: Promise<string> } | null = null;

  /** Resolves once `fifo` exists as a FIFO; MEDIUM_FAILED otherwise. */
  async make(id: StreamId, fifo: string): Promise<void> {
    if (this.#batch === null) {
      const paths: string[] = [];
      const done = nextTurn().then(async () => {
        this.#batch = null;
        const made = await FIFO_HELPER.make(paths);
        const left = paths.filter((_p, i) => !made[i]);
        if (left.length === 0) return "";
        return execFileAsync("mkfifo", ["-m", "600", "--", ...left]).then(() => "", (error: Error) => describeMkfifoError(error));
      });
      this.#batch = { paths, done };
    }
    this.#batch.paths.push(fifo);
    const failure = await this.#batch.done;
    const isFifo = await fs.promises.lstat(fifo).then((stat) => stat.isFIFO(), () => false);
    if (!isFifo) {
      throw new AmpsimError("MEDIUM_FAILED", `${streamLabel(id)}: could not make the FIFO ${fifo}: ${failure || "it is not a FIFO"}`,
        { stream: id.stream, table: id.tableName, file: fifo });
    }
  }
}

/**
 * One long-lived `sh` per process that makes FIFOs on request (a path a line in, "1" or "0" a
 * line out), spawned at the first one. Spawning forks this process, and a fork copies its page
 * tables: 250–290 ms of main-thread time once it holds 5 GB (a source system's tables), for
 * every migration that spawned `mkfifo` itself. The helper's own forks are small. It holds the
 * event loop only while requests wait, and ends when this process does (its input closes),
 * however that happens; if it dies, the next request spawns another, and FifoMaker makes what a
 * failed request did not with `mkfifo` directly.
 */
class FifoHelper {
  #child: ChildProcessByStdio<Writable, Readable, null> | null = null;
  readonly #waiting: ((made: boolean) => void)[] = [];
  #received = "";
  spawns = 0;

  get pid(): number | null {
    return this.#child?.pid ?? null;
  }

  /** Whether each of `paths` was made (false for any the helper could not make, or take). */
  make(paths: readonly string[]): Promise<boolean[]> {
    if (paths.length === 0 || paths.some((p) => p.includes("\n"))) return Promise.resolve(paths.map(() => false));
    const child = this.#ensure();
    if (child === null) return Promise.resolve(paths.map(() => false));
    const answers = paths.map(() => new Promise<boolean>((resolve) => this.#waiting.push(resolve)));
    (child.stdout as unknown as net.Socket).ref();
    child.stdin.write(paths.map((p) => `${p}\n`).join(""));
    return Promise.all(answers);
  }

  #ensure(): ChildProcessByStdio<Writable, Readable, null> | null {
    if (this.#child !== null) return this.#child;
    let child: ChildProcessByStdio<Writable, Readable, null>;
    try {
      child = spawn("sh", ["-c", 'while IFS= read -r p; do if mkfifo -m 600 -- "$p" 2>/dev/null; then echo 1; else echo 0; fi; done'], { stdio: ["pipe", "pipe", "ignore"] });
    } catch {
      return null;
    }
    this.spawns++;
    this.#child = child;
    child.unref();
    (child.stdin as unknown as { unref?(): void }).unref?.();
    child.stdin.on("error", () => this.#lost(child));
    child.on("error", () => this.#lost(child));
    child.on("exit", () => this.#lost(child));
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (text: string) => {
      this.#received += text;
      let end: number;
      while ((end = this.#received.indexOf("\n")) >= 0) {
        const line = this.#received.slice(0, end);
        this.#received = this.#received.slice(end + 1);
        this.#waiting.shift()?.(line === "1");
      }
      if (this.#waiting.length === 0) (child.stdout as unknown as net.Socket).unref();
    });
    return child;
  }

  /** The helper is gone: whatever waits was not made (FifoMaker makes it another way); the next request spawns a new one. */
  #lost(child: ChildProcessByStdio<Writable, Readable, null>): void {
    if (this.#child !== child) return;
    this.#child = null;
    this.#received = "";
    for (const resolve of this.#waiting.splice(0)) resolve(false);
  }
}

const FIFO_HELPER = new FifoHelper();

function describeMkfifoError(error: Error): string {
  if ((error as NodeJS.ErrnoException).code === "ENOENT") return "mkfifo is not installed";
  const stderr = (error as { stderr?: unknown }).stderr;
  return typeof stderr === "string" && stderr.length > 0 ? stderr.trim() : error.message;
}

/**
 * Opens the read end (first: a non-blocking write open needs a reader) then the write end;
 * the read end reads straight into the frames of `direct`.
 */
function openFifoEnds(fifo: string, capacityBytes: number, direct: DirectReads): [net.Socket, net.Socket] {
  const { O_RDONLY, O_WRONLY, O_NONBLOCK } = fs.constants;
  const readFd = fs.openSync(fifo, O_RDONLY | O_NONBLOCK);
  let writeFd = -1;
  try {
    writeFd = fs.openSync(fifo, O_WRONLY | O_NONBLOCK);
    // net.Socket passes the stream options on to Duplex, and takes `onread` (Node ≥ 12); @types/node 20 lists neither here.
    const readOptions: net.SocketConstructorOpts & DuplexOptions & { onread: DirectReads["onread"] } = { fd: readFd, readable: true, writable: false, onread: direct.onread };
    const writeOptions: net.SocketConstructorOpts & DuplexOptions = { fd: writeFd, readable: false, writable: true, writableHighWaterMark: capacityBytes };
    const reader = new net.Socket(readOptions);
    reader.pause(); // until the stream is read: the writer meanwhile fills the pipe and then waits
    const writer = new net.Socket(writeOptions);
    return [reader, writer];
  } catch (error) {
    fs.closeSync(readFd);
    if (writeFd >= 0) fs.closeSync(writeFd);
    throw new AmpsimError("MEDIUM_FAILED", `could not open the FIFO ${fifo}: ${(error as Error).message}`, { file: fifo }, { cause: error });
  }
}

/** BAD_CONFIG unless `value` is a positive integer (shared with the network medium). */
export function checkCapacity(value: number, medium: string): number {
  if (!(Number.isSafeInteger(value) && value > 0)) {
    throw new AmpsimError("BAD_CONFIG", `${medium} medium: capacityBytes must be a positive integer but is ${value}`, { option: "capacityBytes" });
  }
  return value;
}

// ---------------------------------------------------------------------------
// Frames over a net.Socket (shared with the network medium)

export interface SocketFrameSinkOptions {
  /** Fault point: rewrites each frame's bytes before they are written. */
  readonly onFrameBytes?: FrameBytesHook | undefined;
  /** Abort with a TCP reset (the reader sees MEDIUM_FAILED) rather than a plain close. */
  readonly resetOnAbort?: boolean;
  /** Where a batch's payload goes back once the socket wrote it (not with onFrameBytes, which may write it again). */
  readonly buffers?: BufferPool;
}

/**
 * The archive side of a stream over a connected socket: encodes frames and
 * writes them, header and payload in one `writev`. `write` resolves once the
 * socket's buffer is below its high-water mark (backpressure) and rejects
 * with MEDIUM_FAILED once the socket failed (EPIPE, reset, closed).
 *
 * @example
 * const sink = new SocketFrameSink(id, socket, "TCP 127.0.0.1:4000");
 * await sink.write(frame); await sink.close();
 */
export class SocketFrameSink implements FrameSink {
  /** Bytes handed to the socket, headers included. */
  bytesWritten = 0;
  readonly #id: StreamId;
  readonly #socket: net.Socket;
  readonly #where: string;
  readonly #options: SocketFrameSinkOptions;
  #state: "open" | "closing" | "closed" | "aborted" = "open";
  #failure: AmpsimError | null = null;

  constructor(id: StreamId, socket: net.Socket, where: string, options: SocketFrameSinkOptions = {}) {
    this.#id = id;
    this.#socket = socket;
    this.#where = where;
    this.#options = options;
    socket.on("error", (error) => this.#fail(error));
    socket.on("close", () => { if (this.#state === "open") this.#fail(new Error("the connection closed")); });
  }

  async write(frame: Frame): Promise<void> {
    if (this.#failure !== null) throw this.#failure;
    if (this.#state !== "open") {
      throw new AmpsimError("BAD_ARGUMENT", `${streamLabel(this.#id)}: write after the stream was ${this.#state} (${this.#where})`, this.#details());
    }
    checkWrittenFrame(this.#id, frame, this.#where);
    const encoded = encodeFrame(frame);
    const bytes = this.#options.onFrameBytes?.(encoded, frame, this.#id) ?? encoded;
    const socket = this.#socket;
    const pool = this.#options.onFrameBytes ? undefined : this.#options.buffers;
    const recycled = pool && frame.kind === "batch" ? frame.payload : null;
    let belowHighWaterMark = true;
    socket.cork();
    for (const chunk of bytes) {
      if (chunk.byteLength === 0) continue;
      // A batch's payload goes back to the pool once written (the socket no longer holds it).
      belowHighWaterMark = chunk === recycled ? socket.write(chunk, (error) => { if (!error) pool!.give(chunk); }) : socket.write(chunk);
      this.bytesWritten += chunk.byteLength;
    }
    socket.uncork();
    if (!belowHighWaterMark) await this.#drained();
    if (this.#failure !== null) throw this.#failure;
  }

  async close(): Promise<void> {
    if (this.#state !== "open") {
      if (this.#failure !== null && this.#state !== "aborted") throw this.#failure;
      return;
    }
    this.#state = "closing";
    const socket = this.#socket;
    if (!socket.destroyed) await new Promise<void>((resolve) => {
      const done = (): void => { socket.off("finish", done); socket.off("close", done); resolve(); };
      socket.on("finish", done);
      socket.on("close", done);
      socket.end();
    });
    this.#state = "closed";
    if (this.#failure !== null) throw this.#failure;
  }

  abort(reason: Error): void {
    if (this.#state === "closed" || this.#state === "aborted") return;
    this.#state = "aborted";
    this.#failure ??= new AmpsimError("MEDIUM_FAILED", `${streamLabel(this.#id)}: the stream was aborted: ${reason.message} (${this.#where})`,
      this.#details(), { cause: reason });
    if (this.#options.resetOnAbort === true) this.#socket.resetAndDestroy();
    else this.#socket.destroy();
  }

  /** Resolves on 'drain', or when the socket failed or closed (the caller checks #failure). */
  #drained(): Promise<void> {
    const socket = this.#socket;
    if (socket.destroyed || this.#failure !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        socket.off("drain", done); socket.off("close", done); socket.off("error", done);
        resolve();
      };
      socket.on("drain", done);
      socket.on("close", done);
      socket.on("error", done);
    });
  }

  #fail(error: Error): void {
    if (this.#failure !== null) return;
    const text = describeSocketError(error, "the restore side stopped reading");
    this.#failure = new AmpsimError("MEDIUM_FAILED", `${streamLabel(this.#id)}: ${text} (${this.#where})`, this.#details(), { cause: error });
  }

  #details(): { stream: number; table: string } {
    return { stream: this.#id.stream, table: this.#id.tableName };
  }
}

function describeSocketError(error: Error, brokenPipe: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "EPIPE" || code === "ECONNRESET") return `${brokenPipe} (${code})`;
  return error.message;
}

/**
 * Reading a socket straight into its frames: the socket is made with `onread` (see
 * `openFifoEnds`), whose buffer is always the decoder's read target — the rest of a frame
 * header or of a payload — so no chunk is allocated and no byte is copied out of one. Frames
 * completed before `socketFrames` reads the socket wait here.
 */
export class DirectReads {
  readonly decoder: FrameDecoder;
  /** What arrived before `socketFrames` read the socket. */
  readonly early = new FrameBacklog(Infinity);
  /** Takes the frames (or the decoding failure) of each read; returns false to pause the socket. */
  deliver: (decode: () => Frame[]) => boolean = (decode) => this.early.accept(decode);
  /** The socket's `onread` option. */
  readonly onread: { readonly buffer: () => Uint8Array; readonly callback: (count: number) => boolean };

  constructor(id: StreamId, where: string, buffers?: BufferPool) {
    const decoder = new FrameDecoder(id, where, { checkBatchCrc: false, buffers });
    this.decoder = decoder;
    // Node calls `buffer` outside any try: it must never throw (a failure is already in the backlog, reading stopped).
    const spare = new Uint8Array(64);
    const buffer = (): Uint8Array => { try { return decoder.readTarget(); } catch { return spare; } };
    this.onread = { buffer, callback: (count) => this.deliver(() => decoder.received(count)) };
  }
}

/** Frames decoded and not yet taken, and a decoding failure to report once they are. */
class FrameBacklog {
  frames: Frame[] = [];
  head = 0;
  bytes = 0;
  failure: unknown = null;
  wake: (() => void) | null = null;

  constructor(readonly bytesMax: number) {}

  /** Queues what `decode` completes (never throws: a failure waits behind the frames before it); false once over `bytesMax`. */
  accept(decode: () => Frame[]): boolean {
    if (this.failure !== null) return false;
    try {
      for (const frame of decode()) { this.frames.push(frame); this.bytes += frame.kind === "end" ? 0 : frame.payload.byteLength; }
    } catch (error) {
      this.failure = error;
    }
    this.notify();
    return this.failure === null && this.bytes < this.bytesMax;
  }

  take(): Frame | null {
    if (this.head === this.frames.length) return null;
    const frame = this.frames[this.head++];
    if (this.head === this.frames.length) { this.frames = []; this.head = 0; }
    this.bytes -= frame.kind === "end" ? 0 : frame.payload.byteLength;
    return frame;
  }

  notify(): void {
    const resolve = this.wake;
    this.wake = null;
    resolve?.();
  }
}

/**
 * The frames arriving on a socket, decoded as they arrive (unverified: wrap in
 * `verifyFrames`); the socket pauses while more than `queueBytesMax` payload bytes
 * wait for the consumer. A socket made with `direct.onread` is read straight into its
 * frames; any other in flowing mode, chunk by chunk. End of input inside a frame is
 * ARCHIVE_CORRUPT (truncated); a socket error is MEDIUM_FAILED. Stopping early destroys
 * the socket, which the writer sees as a broken pipe.
 *
 * @example
 * for await (const frame of verifyFrames(id, socketFrames(id, socket, where, 1 << 20), where)) …
 */
export async function* socketFrames(id: StreamId, socket: net.Socket, where: string, queueBytesMax: number, direct?: DirectReads, buffers?: BufferPool): AsyncGenerator<Frame, void, undefined> {
  const decoder = direct?.decoder ?? new FrameDecoder(id, where, { checkBatchCrc: false, buffers });
  const backlog = new FrameBacklog(queueBytesMax);
  let ended = false;
  let failure: Error | null = null;
  // Stopped reading for backpressure (an `onread` callback that returns false stops the handle, not the stream: isPaused() stays false).
  let stopped = false;
  const onData = (chunk: Buffer): void => { if (!backlog.accept(() => decoder.push(chunk))) { stopped = true; socket.pause(); } };
  const onEnd = (): void => { ended = true; backlog.notify(); };
  const onError = (error: Error): void => { failure ??= error; backlog.notify(); };
  const onClose = (): void => { if (!ended) failure ??= new Error("the connection was closed before the end of the stream"); backlog.notify(); };
  // An error before anyone read (the socket then already closed) is not replayed to new listeners.
  if (socket.destroyed) failure = socket.errored ?? new Error("the connection was closed before the stream was read");
  if (direct) {
    const early = direct.early;
    for (let frame = early.take(); frame !== null; frame = early.take()) backlog.accept(() => [frame]);
    backlog.failure = early.failure;
    direct.deliver = (decode) => { const more = backlog.accept(decode); if (!more) stopped = true; return more; };
  } else {
    socket.on("data", onData);
  }
  socket.on("end", onEnd).on("error", onError).on("close", onClose);
  socket.resume(); // a 'data' listener alone does not restart a socket that was paused explicitly
  try {
    for (;;) {
      if (failure !== null) {
        const text = describeSocketError(failure, "the archive side broke off");
        throw new AmpsimError("MEDIUM_FAILED", `${streamLabel(id)}: ${text} (${where})`, { stream: id.stream, table: id.tableName }, { cause: failure });
      }
      const frame = backlog.take();
      if (frame !== null) {
        if (stopped && backlog.bytes < queueBytesMax && backlog.failure === null) { stopped = false; socket.resume(); }
        yield frame;
        continue;
      }
      if (backlog.failure !== null) throw backlog.failure;
      if (ended) { decoder.finish(); return; }
      await new Promise<void>((resolve) => { backlog.wake = resolve; });
    }
  } catch (error) {
    if (isAmpsimError(error)) throw error;
    throw new AmpsimError("MEDIUM_FAILED", `${streamLabel(id)}: ${(error as Error).message} (${where})`, { stream: id.stream, table: id.tableName }, { cause: error });
  } finally {
    socket.off("data", onData).off("end", onEnd).off("error", onError).off("close", onClose);
    if (direct) direct.deliver = () => false;
    // Keep an error listener: a late error on a socket nobody reads must not crash the process.
    socket.on("error", () => {});
    socket.destroy();
  }
}
