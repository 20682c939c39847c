/**
 * The storage medium: intermediate storage in a directory. Each stream is one
 * file `t{table}-s{stream}.arrows` that is a valid Arrow IPC stream (schema
 * message, batch messages, end-of-stream marker), so plain apache-arrow opens
 * it; `manifest.json` lists every table and stream with the offset, length,
 * rows and CRC-32 of each batch message. The layout is in
 * docs/ARCHIVE_FORMAT.md.
 *
 * Owns: the archive directory, its stream files and its manifest — writing
 * them (each file to a temp name, fsync, rename: a file or manifest is either
 * complete or absent) and reading them back, in this process or another.
 *
 * Faults it must survive, reading: a missing or unparsable manifest, a
 * manifest naming files outside the directory (`../x`, absolute paths, NUL
 * bytes), a stream file missing, truncated, extended, with a flipped byte,
 * with batches reordered, or taken from another stream or archive — each
 * ARCHIVE_CORRUPT naming the stream, the batch and the file. Writing: frames
 * out of order or damaged (ARCHIVE_CORRUPT where written), a stream aborted
 * or closed before its end frame (its temp file is removed, it is left out of
 * the manifest), a full disk or failed write (MEDIUM_FAILED).
 */
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import * as path from "node:path";
import { AmpsimError, isAmpsimError } from "../../engine/errors.js";
import {
  END_OF_STREAM_MARKER, StreamVerifier, corrupt, hex, readMessageHeader, streamLabel, verifyFrames,
} from "../archive-format.js";
import { crc32 } from "../crc32.js";
import type { Frame, FrameSink, FrameSource, StreamChannel, StreamId, TransferMedium } from "./transfer-medium.js";

export const MANIFEST_FILE = "manifest.json";
export const ARCHIVE_FORMAT = "ampsim-archive";
export const ARCHIVE_VERSION = 1;
const STREAM_FILE_PATTERN = /^t(\d+)-s(\d+)\.arrows$/;
const TEMP_SUFFIX = ".tmp";

/** Where one IPC message lies in a stream file, and the CRC-32 of exactly those bytes. */
export interface ArchiveRegion {
  readonly offset: number;
  readonly length: number;
  readonly crc: number;
}

export interface ArchiveBatch extends ArchiveRegion {
  readonly seq: number;
  readonly rows: number;
}

export interface ArchiveStream {
  readonly stream: number;
  /** `t{table}-s{stream}.arrows`, in the archive directory. */
  readonly file: string;
  /** File size: schema message + batch messages + the 8-byte end-of-stream marker. */
  readonly bytes: number;
  readonly rows: number;
  readonly schema: ArchiveRegion;
  readonly batches: readonly ArchiveBatch[];
}

export interface ArchiveTable {
  readonly ordinal: number;
  readonly name: string;
  readonly ddl?: string;
  readonly streams: readonly ArchiveStream[];
  /** Whatever else the writer gave in `setTableInfo`. */
  readonly [key: string]: unknown;
}

export interface ArchiveManifest {
  readonly format: typeof ARCHIVE_FORMAT;
  readonly version: typeof ARCHIVE_VERSION;
  readonly tables: readonly ArchiveTable[];
}

/** What the manifest records about a table beyond its streams. */
export interface TableInfo {
  readonly name: string;
  readonly ddl: string;
  readonly [key: string]: unknown;
}

export interface StorageMediumOptions {
  /** The archive directory; created if missing. */
  readonly dir: string;
  /** Replace an archive already in `dir` (default: refuse with BAD_ARGUMENT). */
  readonly overwrite?: boolean;
}

/**
 * The stream file name of a table ordinal and stream number.
 * @example streamFileName(0, 2) // "t0-s2.arrows"
 */
export function streamFileName(table: number, stream: number): string {
  return `t${table}-s${stream}.arrows`;
}

/** Proof that a manifest was read and validated (only this module makes one). */
class OpenedArchive {
  constructor(readonly manifest: ArchiveManifest) {}
}

/**
 * Intermediate storage: writes each stream to a file of its own and a
 * manifest, or reads an archive written earlier (by any process).
 *
 * @example
 * // archive
 * const medium = new StorageMedium({ dir: "./archive" });
 * medium.setTableInfo(0, { name: "main.orders", ddl: engine.showTable("main.orders") });
 * const channel = await medium.open({ table: 0, stream: 0, tableName: "main.orders" });
 * await archive.run(channel.sink);
 * await medium.close(); // writes manifest.json
 * // restore, later
 * const archived = await StorageMedium.openArchive("./archive");
 * const again = await archived.open({ table: 0, stream: 0, tableName: "main.orders" });
 * await restore.run(again.source);
 */
export class StorageMedium implements TransferMedium {
  readonly kind = "storage";
  readonly dir: string;
  /** "write": a new archive being written; "read": an archive opened with `openArchive`. */
  readonly mode: "write" | "read";
  readonly #opened: ArchiveManifest | null;
  readonly #tableInfo = new Map<number, TableInfo>();
  readonly #tableNames = new Map<number, string>();
  readonly #writers = new Map<string, StreamFileWriter>();
  #closed = false;

  constructor(options: StorageMediumOptions, opened?: OpenedArchive) {
    if (typeof options?.dir !== "string" || options.dir.length === 0) {
      throw new AmpsimError("BAD_ARGUMENT", `storage medium: dir must be a directory path but is ${String(options?.dir)}`);
    }
    this.dir = path.resolve(options.dir);
    if (opened instanceof OpenedArchive) {
      this.mode = "read";
      this.#opened = opened.manifest;
      return;
    }
    this.mode = "write";
    this.#opened = null;
    prepareDirectory(this.dir, options.overwrite === true);
  }

  /**
   * Opens an archive written earlier: reads and validates its manifest.
   * ARCHIVE_CORRUPT if the manifest is missing, unparsable or inconsistent.
   *
   * @example
   * const medium = await StorageMedium.openArchive("./archive");
   * for (const table of medium.manifest.tables) console.log(table.name, table.streams.length);
   */
  static async openArchive(dir: string): Promise<StorageMedium> {
    const manifestPath = path.join(path.resolve(dir), MANIFEST_FILE);
    let text: string;
    try {
      text = await fsp.readFile(manifestPath, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") {
        throw new AmpsimError("ARCHIVE_CORRUPT", `${manifestPath} does not exist: ${dir} is not an archive, or its writing never finished`, { file: manifestPath }, { cause: error });
      }
      throw new AmpsimError("MEDIUM_FAILED", `could not read ${manifestPath}: ${(error as Error).message}`, { file: manifestPath }, { cause: error });
    }
    return new StorageMedium({ dir }, new OpenedArchive(parseManifest(text, manifestPath)));
  }

  /** The manifest: as read (read mode), or as it would be written now (write mode). */
  get manifest(): ArchiveManifest {
    return this.#opened ?? this.#buildManifest();
  }

  /** The streams the archive holds (read mode) or has completed (write mode). */
  streamIds(): StreamId[] {
    return this.manifest.tables.flatMap((t) => t.streams.map((s) => ({ table: t.ordinal, stream: s.stream, tableName: t.name })));
  }

  /**
   * Records what the manifest says about table `table` besides its streams:
   * its name, DDL and any other JSON values.
   *
   * @example medium.setTableInfo(0, { name: "main.orders", ddl, rowsAtStart: 1000 });
   */
  setTableInfo(table: number, info: TableInfo): void {
    this.#requireWriteMode("setTableInfo");
    checkOrdinal(table, "table");
    if (typeof info?.name !== "string" || typeof info.ddl !== "string") {
      throw new AmpsimError("BAD_ARGUMENT", `setTableInfo(${table}): name and ddl must be strings`);
    }
    for (const reserved of ["ordinal", "streams"]) {
      if (reserved in info) throw new AmpsimError("BAD_ARGUMENT", `setTableInfo(${table}): "${reserved}" is set by the medium`);
    }
    let copy: TableInfo;
    try {
      copy = JSON.parse(JSON.stringify(info)) as TableInfo;
    } catch (error) {
      throw new AmpsimError("BAD_ARGUMENT", `setTableInfo(${table}): info must be plain JSON: ${(error as Error).message}`, {}, { cause: error });
    }
    this.#tableInfo.set(table, copy);
  }

  /**
   * Opens stream `id`. Write mode: the sink writes its file; the source waits
   * until the sink has closed, then reads the file back. Read mode: the
   * source reads the file by the manifest; the sink rejects with BAD_ARGUMENT.
   */
  async open(id: StreamId): Promise<StreamChannel> {
    if (this.#closed) throw new AmpsimError("BAD_ARGUMENT", `${streamLabel(id)}: open on a closed storage medium`);
    checkOrdinal(id.table, "table");
    checkOrdinal(id.stream, "stream");
    return this.#opened === null ? this.#openForWriting(id) : this.#openForReading(id, this.#opened);
  }

  /**
   * Writes `manifest.json` (temp file, fsync, rename) listing every stream
   * whose sink closed. BAD_ARGUMENT while a sink is still writing.
   */
  async writeManifest(): Promise<void> {
    this.#requireWriteMode("writeManifest");
    const writing = [...this.#writers.values()].filter((w) => w.state === "open");
    if (writing.length > 0) {
      throw new AmpsimError("BAD_ARGUMENT", `writeManifest: ${writing.map((w) => streamLabel(w.id)).join(", ")} still being written`);
    }
    const text = `${JSON.stringify(this.#buildManifest(), null, 2)}\n`;
    await writeFileAtomically(path.join(this.dir, MANIFEST_FILE), new TextEncoder().encode(text));
  }

  /**
   * Write mode: aborts sinks still open, waits for the others, and writes the manifest (of the
   * streams that closed), unless `complete: false`: archive() and migrate() pass that when they
   * failed, since a directory with a manifest must hold every table they were asked for (restore
   * refuses one without: "its writing never finished").
   */
  async close(options: { readonly complete?: boolean } = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.mode === "read") return;
    for (const writer of this.#writers.values()) {
      if (writer.state === "open") writer.abort(new AmpsimError("MEDIUM_FAILED", "the storage medium was closed before the stream was"));
    }
    await Promise.all([...this.#writers.values()].map((w) => w.settled));
    if (options.complete === false) return;
    await this.writeManifest();
  }

  async #openForWriting(id: StreamId): Promise<StreamChannel> {
    const key = `${id.table}:${id.stream}`;
    if (this.#writers.has(key)) throw new AmpsimError("BAD_ARGUMENT", `${streamLabel(id)} was already opened on this storage medium`);
    const name = this.#tableNames.get(id.table);
    if (name !== undefined && name !== id.tableName) {
      throw new AmpsimError("BAD_ARGUMENT", `${streamLabel(id)}: table ${id.table} of this archive is ${name}`);
    }
    this.#tableNames.set(id.table, id.tableName);
    const writer = await StreamFileWriter.create(id, path.join(this.dir, streamFileName(id.table, id.stream)));
    this.#writers.set(key, writer);
    let bytesRead = 0;
    const read = async function* (): AsyncGenerator<Frame, void, undefined> {
      const entry = await writer.done;
      yield* readStreamFile(id, writer.path, entry, (n) => { bytesRead += n; });
    };
    return {
      id,
      sink: writer,
      source: verifyStored(id, writer.path, read()),
      bytesTransferred: () => Math.max(writer.bytesWritten, bytesRead),
    };
  }

  async #openForReading(id: StreamId, manifest: ArchiveManifest): Promise<StreamChannel> {
    const manifestPath = path.join(this.dir, MANIFEST_FILE);
    const table = manifest.tables.find((t) => t.ordinal === id.table);
    if (table === undefined) throw corrupt(id, `manifest ${manifestPath}`, null, `the archive has no table ${id.table}`, { file: manifestPath });
    if (table.name !== id.tableName) {
      throw new AmpsimError("BAD_ARGUMENT", `${streamLabel(id)}: table ${id.table} of the archive in ${this.dir} is ${table.name}`, { table: id.tableName });
    }
    const entry = table.streams.find((s) => s.stream === id.stream);
    if (entry === undefined) throw corrupt(id, `manifest ${manifestPath}`, null, "the archive has no such stream", { file: manifestPath });
    const filePath = path.join(this.dir, entry.file);
    let bytesRead = 0;
    return {
      id,
      sink: new ReadOnlySink(id, this.dir),
      source: verifyStored(id, filePath, readStreamFile(id, filePath, entry, (n) => { bytesRead += n; })),
      bytesTransferred: () => bytesRead,
    };
  }

  #buildManifest(): ArchiveManifest {
    const streams = new Map<number, ArchiveStream[]>();
    for (const writer of this.#writers.values()) {
      if (writer.entry === null) continue;
      const list = streams.get(writer.id.table) ?? [];
      list.push(writer.entry);
      streams.set(writer.id.table, list);
    }
    const ordinals = [...new Set([...this.#tableInfo.keys(), ...streams.keys()])].sort((a, b) => a - b);
    const tables = ordinals.map((ordinal): ArchiveTable => {
      const info = this.#tableInfo.get(ordinal);
      const name = info?.name ?? this.#tableNames.get(ordinal) ?? "";
      const list = (streams.get(ordinal) ?? []).sort((a, b) => a.stream - b.stream);
      return { ordinal, ...info, name, streams: list };
    });
    return { format: ARCHIVE_FORMAT, version: ARCHIVE_VERSION, tables };
  }

  #requireWriteMode(what: string): void {
    if (this.mode !== "write") throw new AmpsimError("BAD_ARGUMENT", `${what}: the archive in ${this.dir} was opened for reading`);
  }
}

function verifyStored(id: StreamId, filePath: string, frames: AsyncIterable<Frame>): FrameSource {
  return verifyFrames(id, frames, `file ${filePath}`, { file: filePath, crcFrom: "the manifest" });
}

function checkOrdinal(value: number, what: string): void {
  if (!(Number.isInteger(value) && value >= 0 && value <= 0xffffffff)) {
    throw new AmpsimError("BAD_ARGUMENT", `storage medium: ${what} ${value} is not a number from 0 to 2^32-1`);
  }
}

/** Creates `dir`; refuses one holding an archive unless `overwrite`, which removes the old archive's files. */
function prepareDirectory(dir: string, overwrite: boolean): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new AmpsimError("BAD_ARGUMENT", `cannot use ${dir} as the archive directory: ${(error as Error).message}`, { file: dir }, { cause: error });
  }
  if (!fs.statSync(dir).isDirectory()) throw new AmpsimError("BAD_ARGUMENT", `${dir} is not a directory; the storage medium needs a directory`, { file: dir });
  const manifestPath = path.join(dir, MANIFEST_FILE);
  if (fs.existsSync(manifestPath) && !overwrite) {
    throw new AmpsimError("BAD_ARGUMENT", `${dir} already holds an archive (${MANIFEST_FILE}); pass overwrite: true to replace it`, { file: manifestPath });
  }
  if (!overwrite) return;
  // The manifest goes first, so a crash part-way never leaves it naming new files.
  fs.rmSync(manifestPath, { force: true });
  for (const name of fs.readdirSync(dir)) {
    const base = name.startsWith(".") && name.endsWith(TEMP_SUFFIX) ? name.slice(1, -TEMP_SUFFIX.length) : name;
    if (STREAM_FILE_PATTERN.test(base) || base === MANIFEST_FILE) fs.rmSync(path.join(dir, name), { force: true });
  }
}

/** Writes `bytes` to `target` through a temp file in the same directory: fsync, rename, fsync the directory. */
async function writeFileAtomically(target: string, bytes: Uint8Array): Promise<void> {
  const temp = tempPathOf(target);
  const handle = await fsp.open(temp, "w");
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fsp.rename(temp, target);
  await syncDirectory(path.dirname(target));
}

function tempPathOf(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}${TEMP_SUFFIX}`);
}

/** Makes a rename durable. Some file systems cannot fsync a directory; that is not an error here. */
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | null = null;
  try {
    handle = await fsp.open(dir, "r");
    await handle.sync();
  } catch {
    // best effort
  } finally {
    await handle?.close();
  }
}

// ---------------------------------------------------------------------------
// Writing one stream file

/**
 * The sink of one stream: checks the stream rules on each frame, appends its
 * IPC message to the temp file, and on close fsyncs and renames it into place.
 */
class StreamFileWriter implements FrameSink {
  bytesWritten = 0;
  state: "open" | "closing" | "closed" | "aborted" = "open";
  /** The manifest entry, once the file is in place. */
  entry: ArchiveStream | null = null;
  /** Resolves with the entry when the file is in place; rejects when the stream failed. */
  readonly done: Promise<ArchiveStream>;
  /** Resolves when the writer is finished either way. */
  readonly settled: Promise<void>;
  readonly #handle: FileHandle;
  readonly #rules: StreamVerifier;
  readonly #where: string;
  #schema: ArchiveRegion | null = null;
  readonly #batches: ArchiveBatch[] = [];
  #rows = 0;
  #failure: AmpsimError | null = null;
  /** The failed writer's cleanup (its file handle closed, its temp file removed). */
  #cleanup: Promise<void> | null = null;
  #tail: Promise<void> = Promise.resolve();
  #resolve!: (entry: ArchiveStream) => void;
  #reject!: (error: Error) => void;

  readonly id: StreamId;
  /** Where the file ends up; it is written to a temp name beside it first. */
  readonly path: string;

  private constructor(id: StreamId, filePath: string, handle: FileHandle) {
    this.id = id;
    this.path = filePath;
    this.#handle = handle;
    this.#where = `file ${filePath}`;
    this.#rules = new StreamVerifier(id, this.#where, { file: filePath });
    this.done = new Promise<ArchiveStream>((resolve, reject) => { this.#resolve = resolve; this.#reject = reject; });
    this.done.catch(() => {}); // the source awaits it; no one else has to
    // A failed writer is settled once its temp file is gone: a medium closed and opened again on
    // the same directory (a resumed migration) must not have the old removal hit its new file.
    this.settled = this.done.then(() => {}, () => this.#cleanup ?? undefined);
  }

  static async create(id: StreamId, filePath: string): Promise<StreamFileWriter> {
    try {
      return new StreamFileWriter(id, filePath, await fsp.open(tempPathOf(filePath), "w"));
    } catch (error) {
      throw mediumFailed(id, filePath, `could not create ${tempPathOf(filePath)}`, error);
    }
  }

  write(frame: Frame): Promise<void> {
    // Writes are chained so that overlapping calls still land in order.
    const result = this.#tail.then(() => this.#append(frame));
    this.#tail = result.catch(() => {});
    return result;
  }

  async #append(frame: Frame): Promise<void> {
    if (this.#failure !== null) throw this.#failure;
    if (this.state !== "open") throw new AmpsimError("BAD_ARGUMENT", `${streamLabel(this.id)}: write after the stream was ${this.state} (${this.#where})`);
    try {
      this.#rules.check(frame);
      if (frame.kind !== "end") this.#checkMessage(frame);
    } catch (error) {
      await this.#fail(error as AmpsimError);
      throw error;
    }
    const bytes = frame.kind === "end" ? END_OF_STREAM_MARKER : frame.payload;
    const region = { offset: this.bytesWritten, length: bytes.byteLength };
    if (frame.kind === "schema") this.#schema = { ...region, crc: crc32(bytes) };
    if (frame.kind === "batch") {
      this.#batches.push({ seq: frame.seq, rows: frame.rows, ...region, crc: frame.crc });
      this.#rows += frame.rows;
    }
    await this.#writeBytes(bytes);
  }

  /** The payload must be an IPC message of the right kind, or the file would not open as Arrow. */
  #checkMessage(frame: Extract<Frame, { kind: "schema" | "batch" }>): void {
    const what = frame.kind === "schema" ? `the schema message of ${streamLabel(this.id)}` : `batch ${frame.seq} of ${streamLabel(this.id)}`;
    const message = readMessageHeader(frame.payload, what);
    if (frame.kind === "schema" ? !message.isSchema() : !message.isRecordBatch()) {
      throw this.#rules.fail(frame.kind === "batch" ? frame.seq : null, `the ${frame.kind} frame holds another kind of IPC message`);
    }
  }

  async #writeBytes(bytes: Uint8Array): Promise<void> {
    try {
      let written = 0;
      while (written < bytes.byteLength) {
        const { bytesWritten } = await this.#handle.write(bytes, written, bytes.byteLength - written, this.bytesWritten);
        written += bytesWritten;
        this.bytesWritten += bytesWritten;
      }
    } catch (error) {
      const failure = mediumFailed(this.id, this.path, "could not write", error);
      await this.#fail(failure);
      throw failure;
    }
  }

  close(): Promise<void> {
    const result = this.#tail.then(() => this.#finish());
    this.#tail = result.catch(() => {});
    return result;
  }

  async #finish(): Promise<void> {
    if (this.#failure !== null) throw this.#failure;
    if (this.state !== "open") return;
    if (!this.#rules.ended) {
      const failure = this.#rules.fail(null, `the stream ended after ${this.#rules.describeProgress()} without an end frame (truncated): its sink was closed first`);
      await this.#fail(failure);
      throw failure;
    }
    this.state = "closing";
    try {
      await this.#handle.sync();
      await this.#handle.close();
      await fsp.rename(tempPathOf(this.path), this.path);
      await syncDirectory(path.dirname(this.path));
    } catch (error) {
      const failure = mediumFailed(this.id, this.path, "could not finish", error);
      await this.#fail(failure);
      throw failure;
    }
    this.state = "closed";
    this.entry = {
      stream: this.id.stream, file: path.basename(this.path), bytes: this.bytesWritten, rows: this.#rows,
      schema: this.#schema as ArchiveRegion, batches: this.#batches,
    };
    this.#resolve(this.entry);
  }

  abort(reason: Error): void {
    if (this.state === "closed" || this.state === "aborted" || this.#failure !== null) return;
    void this.#fail(new AmpsimError("MEDIUM_FAILED", `${streamLabel(this.id)}: the stream was aborted: ${reason.message} (${this.#where})`,
      { stream: this.id.stream, table: this.id.tableName, file: this.path }, { cause: reason }));
  }

  /** Poisons the stream, removes its temp file and fails the source waiting for it. */
  async #fail(failure: AmpsimError): Promise<void> {
    if (this.#failure !== null) return;
    this.#failure = failure;
    this.state = "aborted";
    this.#cleanup = (async () => {
      await this.#handle.close().catch(() => {});
      await fsp.rm(tempPathOf(this.path), { force: true }).catch(() => {});
    })();
    this.#reject(failure);
    await this.#cleanup;
  }
}

function mediumFailed(id: StreamId, filePath: string, text: string, cause: unknown): AmpsimError {
  return new AmpsimError("MEDIUM_FAILED", `${streamLabel(id)}: ${text} ${filePath}: ${(cause as Error).message}`,
    { stream: id.stream, table: id.tableName, file: filePath }, { cause });
}

/** The sink of a stream of an archive opened for reading. */
class ReadOnlySink implements FrameSink {
  constructor(readonly id: StreamId, readonly dir: string) {}
  async write(): Promise<void> { throw this.#refuse(); }
  async close(): Promise<void> { throw this.#refuse(); }
  abort(): void {}
  #refuse(): AmpsimError {
    return new AmpsimError("BAD_ARGUMENT", `${streamLabel(this.id)}: the archive in ${this.dir} was opened for reading; its streams cannot be written`,
      { stream: this.id.stream, table: this.id.tableName });
  }
}

// ---------------------------------------------------------------------------
// Reading one stream file

/**
 * The frames of one stream file, read by its manifest entry: checks the file
 * size, the schema message's CRC and the end-of-stream marker here; batch
 * CRCs and the stream rules are checked by `verifyFrames` around it. Reads
 * one batch ahead of the consumer.
 */
async function* readStreamFile(id: StreamId, filePath: string, entry: ArchiveStream, onBytes: (bytes: number) => void): AsyncGenerator<Frame, void, undefined> {
  const where = `file ${filePath}`;
  const handle = await openStreamFile(id, filePath);
  let ahead: Promise<Uint8Array> | null = null;
  try {
    await checkFileSize(id, filePath, handle, entry);
    const schema = await readRegion(id, filePath, handle, entry.schema, "the schema message", null);
    const schemaCrc = crc32(schema);
    if (schemaCrc !== entry.schema.crc) {
      throw corrupt(id, where, null, `the schema message's CRC-32 is ${hex(schemaCrc)} but the manifest says ${hex(entry.schema.crc)}`, { file: filePath });
    }
    onBytes(schema.byteLength);
    yield { kind: "schema", stream: id.stream, table: id.table, payload: schema };
    const { batches } = entry;
    const readBatch = (i: number): Promise<Uint8Array> => readRegion(id, filePath, handle, batches[i], `batch ${batches[i].seq}`, batches[i].seq);
    ahead = batches.length > 0 ? readBatch(0) : null;
    for (let i = 0; i < batches.length; i++) {
      const payload: Uint8Array = await (ahead as Promise<Uint8Array>);
      ahead = i + 1 < batches.length ? readBatch(i + 1) : null;
      ahead?.catch(() => {}); // awaited next turn, unless the consumer stops first
      onBytes(payload.byteLength);
      const { seq, rows, crc } = batches[i];
      yield { kind: "batch", stream: id.stream, table: id.table, seq, rows, payload, crc };
    }
    await checkEndMarker(id, filePath, handle, entry);
    // A resumed stream's file holds the batches from id.resume on; the end frame counts the whole stream.
    yield { kind: "end", stream: id.stream, table: id.table, batches: (id.resume?.batches ?? 0) + batches.length, rows: (id.resume?.rows ?? 0) + entry.rows };
  } finally {
    await ahead?.catch(() => {});
    await handle.close();
  }
}

async function openStreamFile(id: StreamId, filePath: string): Promise<FileHandle> {
  try {
    return await fsp.open(filePath, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw corrupt(id, `file ${filePath}`, null, "the stream file is missing", { file: filePath });
    }
    throw mediumFailed(id, filePath, "could not open", error);
  }
}

/** A file shorter than the manifest says fails naming the first message cut off. */
async function checkFileSize(id: StreamId, filePath: string, handle: FileHandle, entry: ArchiveStream): Promise<void> {
  const { size } = await handle.stat();
  if (size === entry.bytes) return;
  const where = `file ${filePath}`;
  if (size > entry.bytes) {
    throw corrupt(id, where, null, `the file is ${size} bytes but the manifest says ${entry.bytes}: ${size - entry.bytes} bytes follow the end-of-stream marker`, { file: filePath });
  }
  const regions: { what: string; batch: number | null; region: { offset: number; length: number } }[] = [
    { what: "the schema message", batch: null, region: entry.schema },
    ...entry.batches.map((b) => ({ what: `batch ${b.seq}`, batch: b.seq, region: b })),
    { what: "the end-of-stream marker", batch: null, region: { offset: entry.bytes - END_OF_STREAM_MARKER.byteLength, length: END_OF_STREAM_MARKER.byteLength } },
  ];
  const cut = regions.find((r) => r.region.offset + r.region.length > size);
  if (cut === undefined) throw corrupt(id, where, null, `the file is ${size} bytes but the manifest says ${entry.bytes}`, { file: filePath });
  const read = Math.max(0, size - cut.region.offset);
  throw corrupt(id, where, cut.batch,
    `Expected to read ${cut.region.length} bytes for ${cut.what} of stream ${id.stream} from ${filePath}, but only read ${read} (truncated)`, { file: filePath });
}

/** Reads one region into a new buffer of its exact size (8-byte aligned, as Arrow needs). */
async function readRegion(id: StreamId, filePath: string, handle: FileHandle, region: { offset: number; length: number }, what: string, batch: number | null): Promise<Uint8Array> {
  const bytes = new Uint8Array(region.length);
  let filled = 0;
  try {
    while (filled < region.length) {
      const { bytesRead } = await handle.read(bytes, filled, region.length - filled, region.offset + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
  } catch (error) {
    if (isAmpsimError(error)) throw error;
    throw mediumFailed(id, filePath, "could not read", error);
  }
  if (filled < region.length) {
    throw corrupt(id, `file ${filePath}`, batch,
      `Expected to read ${region.length} bytes for ${what} of stream ${id.stream} from ${filePath}, but only read ${filled} (truncated)`, { file: filePath });
  }
  return bytes;
}

async function checkEndMarker(id: StreamId, filePath: string, handle: FileHandle, entry: ArchiveStream): Promise<void> {
  const length = END_OF_STREAM_MARKER.byteLength;
  const marker = await readRegion(id, filePath, handle, { offset: entry.bytes - length, length }, "the end-of-stream marker", null);
  if (!marker.every((byte, i) => byte === END_OF_STREAM_MARKER[i])) {
    throw corrupt(id, `file ${filePath}`, null, `the file does not end with the end-of-stream marker FFFFFFFF00000000 but with ${Buffer.from(marker).toString("hex").toUpperCase()}`, { file: filePath });
  }
}

// ---------------------------------------------------------------------------
// Manifest validation

/**
 * Parses and checks a manifest; ARCHIVE_CORRUPT naming the manifest and the
 * offending entry otherwise (e.g. "tables[0].streams[1].file "../x" is not a
 * plain t<N>-s<N>.arrows file name").
 *
 * @example
 * const manifest = parseManifest(await fsp.readFile(file, "utf8"), file);
 */
export function parseManifest(text: string, manifestPath: string): ArchiveManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new AmpsimError("ARCHIVE_CORRUPT", `${manifestPath} is not valid JSON: ${(error as Error).message}`, { file: manifestPath }, { cause: error });
  }
  const check = new ManifestCheck(manifestPath);
  const root = check.object(value, "the manifest");
  if (root.format !== ARCHIVE_FORMAT) throw check.fail(`format is ${JSON.stringify(root.format)}, not "${ARCHIVE_FORMAT}"`);
  if (root.version !== ARCHIVE_VERSION) throw check.fail(`version ${JSON.stringify(root.version)} is not supported (expected ${ARCHIVE_VERSION})`);
  const tables = check.array(root.tables, "tables").map((t, i) => check.table(t, `tables[${i}]`));
  const ordinals = new Set(tables.map((t) => t.ordinal));
  if (ordinals.size !== tables.length) throw check.fail("two tables have the same ordinal");
  return { format: ARCHIVE_FORMAT, version: ARCHIVE_VERSION, tables };
}

type Json = Record<string, unknown>;

class ManifestCheck {
  constructor(readonly manifestPath: string) {}

  fail(text: string): AmpsimError {
    return new AmpsimError("ARCHIVE_CORRUPT", `manifest ${this.manifestPath}: ${text}`, { file: this.manifestPath });
  }

  object(value: unknown, what: string): Json {
    if (value === null || typeof value !== "object" || Array.isArray(value)) throw this.fail(`${what} is not an object`);
    return value as Json;
  }

  array(value: unknown, what: string): unknown[] {
    if (!Array.isArray(value)) throw this.fail(`${what} is not an array`);
    return value;
  }

  integer(value: unknown, what: string, max = Number.MAX_SAFE_INTEGER): number {
    if (!(typeof value === "number" && Number.isSafeInteger(value) && value >= 0 && value <= max)) {
      throw this.fail(`${what} is ${JSON.stringify(value)}, not an integer from 0 to ${max}`);
    }
    return value;
  }

  table(value: unknown, what: string): ArchiveTable {
    const table = this.object(value, what);
    const ordinal = this.integer(table.ordinal, `${what}.ordinal`, 0xffffffff);
    if (typeof table.name !== "string") throw this.fail(`${what}.name is not a string`);
    if (table.ddl !== undefined && typeof table.ddl !== "string") throw this.fail(`${what}.ddl is not a string`);
    const streams = this.array(table.streams, `${what}.streams`).map((s, i) => this.stream(s, `${what}.streams[${i}]`, ordinal));
    if (new Set(streams.map((s) => s.stream)).size !== streams.length) throw this.fail(`${what} lists a stream twice`);
    return { ...table, ordinal, name: table.name, streams } as ArchiveTable;
  }

  stream(value: unknown, what: string, table: number): ArchiveStream {
    const entry = this.object(value, what);
    const stream = this.integer(entry.stream, `${what}.stream`, 0xffffffff);
    const file = entry.file;
    if (typeof file !== "string" || !STREAM_FILE_PATTERN.test(file)) {
      throw this.fail(`${what}.file ${JSON.stringify(file)} is not a plain t<N>-s<N>.arrows file name`);
    }
    if (file !== streamFileName(table, stream)) {
      throw this.fail(`${what}.file is ${file} but table ${table} stream ${stream} is stored in ${streamFileName(table, stream)}`);
    }
    const schema = this.region(entry.schema, `${what}.schema`);
    const batches = this.array(entry.batches, `${what}.batches`).map((b, i) => this.batch(b, `${what}.batches[${i}]`));
    const parsed: ArchiveStream = {
      stream, file, schema, batches, bytes: this.integer(entry.bytes, `${what}.bytes`), rows: this.integer(entry.rows, `${what}.rows`),
    };
    this.layout(parsed, what);
    return parsed;
  }

  region(value: unknown, what: string): ArchiveRegion {
    const region = this.object(value, what);
    return {
      offset: this.integer(region.offset, `${what}.offset`),
      length: this.integer(region.length, `${what}.length`),
      crc: this.integer(region.crc, `${what}.crc`, 0xffffffff),
    };
  }

  batch(value: unknown, what: string): ArchiveBatch {
    const batch = this.object(value, what);
    return { ...this.region(batch, what), seq: this.integer(batch.seq, `${what}.seq`), rows: this.integer(batch.rows, `${what}.rows`) };
  }

  /** Messages back to back from offset 0, batches numbered 0, 1, 2 …, then the marker; rows adding up. */
  layout(entry: ArchiveStream, what: string): void {
    if (entry.schema.offset !== 0 || entry.schema.length === 0) throw this.fail(`${what}.schema does not start the file`);
    let offset = entry.schema.length;
    let rows = 0;
    entry.batches.forEach((batch, i) => {
      if (batch.seq !== i) throw this.fail(`${what}.batches[${i}] is batch ${batch.seq}, expected ${i}`);
      if (batch.offset !== offset) throw this.fail(`${what}.batches[${i}] starts at ${batch.offset}, expected ${offset}`);
      offset += batch.length;
      rows += batch.rows;
    });
    if (entry.bytes !== offset + END_OF_STREAM_MARKER.byteLength) throw this.fail(`${what}.bytes is ${entry.bytes}, expected ${offset + END_OF_STREAM_MARKER.byteLength}`);
    if (entry.rows !== rows) throw this.fail(`${what}.rows is ${entry.rows} but its batches hold ${rows}`);
  }
}
