/**
 * DurableStore: one system's committed state in a directory (layout in
 * durable-layout.ts and docs/STORAGE_FORMAT.md), and the commit of each statement
 * to it. Everything is synchronous, so a commit is atomic with respect to the
 * other statements of the process.
 *
 * Commit protocol:
 *   1. for each AMP whose tables changed: a segment file per new run (write, fsync),
 *      a new manifest version (write, fsync), fsync of the AMP's directory;
 *   2. a new catalog version if the catalog changed (write, fsync);
 *   3. CURRENT.tmp naming the new state (write, fsync), fsync of the directory, then
 *      rename over CURRENT: the commit point; fsync of the directory;
 *   4. the statement applied in memory, then the files the new state no longer
 *      reaches (old manifests, catalogs, segments) deleted.
 * Steps 1–2 write only names that no committed state reaches, so nothing visible is
 * ever overwritten and versioned files need no rename of their own; CURRENT is the
 * one file replaced, by temp + fsync + rename.
 *
 * Faults it must survive: a crash (kill -9, power loss) at any point — before the
 * rename the previous state is intact and the new files are garbage the next open
 * deletes, after it the new state is complete; an error before the commit point (a
 * full disk, an injected fault) — the files written so far are deleted and the
 * statement fails with nothing changed in memory or on disk.
 */
import { mkdirSync, readdirSync, renameSync, unlinkSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { Catalog } from "../catalog/catalog.js";
import { catalogToJson } from "../catalog/catalog-json.js";
import { AmpsimError } from "../errors.js";
import { crc32, encodeJsonFile, fsyncDirectory, replaceDurable, writeDurable } from "./durable-files.js";
import {
  CONFIG_FILE, CURRENT_FILE, FORMATS, ampDirectory, catalogFile, manifestFile, segmentFile,
  type ConfigBody, type CurrentBody, type ManifestBody, type SegmentRef, type StoredFragment,
} from "./durable-layout.js";
import { currentSequence, readSystem, type StoredConfig, type StoredSystem } from "./durable-reader.js";
import type { Fragment } from "./fragment.js";
import type { Run } from "./run.js";
import { encodeSegment } from "./segment-file.js";

/** The named points of a durable engine's writes, in commit order. */
export type StorageFaultPoint = "segment write" | "manifest write" | "catalog write" | "commit" | "cleanup";

/**
 * A fault plan's hook into a durable engine's writes. Absent, the points cost nothing.
 *
 * @example
 * // fail the third segment write of the process, as a full disk would
 * let writes = 0;
 * const faults = { before(point: string) { if (point === "segment write" && ++writes === 3) throw new Error("ENOSPC") } };
 * const engine = new Engine({ dir, faults });
 */
export interface StorageFaults {
  /**
   * Called just before the named act; throwing makes the act fail as an I/O error would
   * (before "commit", the statement then fails with nothing changed). At "segment write",
   * `details.bytes` are the file's bytes after their CRC was taken: changing them simulates
   * a torn or corrupt write that the next open reports.
   */
  before(point: StorageFaultPoint, details: object): void;
}

/** The statement's staged fragments per AMP and table id (null: dropped), as Transaction holds them. */
export type PendingFragments = ReadonlyMap<number, ReadonlyMap<number, Fragment | null>>;

interface AmpState {
  readonly version: number | null;
  readonly tables: ReadonlyMap<number, StoredFragment>;
  /** Segment files the tables reference. */
  readonly files: ReadonlySet<string>;
}

/** What one commit wrote for one AMP. */
interface AmpWrite extends AmpState {
  readonly version: number;
  readonly segments: ReadonlyMap<Run, SegmentRef>;
}

export class DurableStore {
  readonly dir: string;
  readonly #faults: StorageFaults | undefined;
  /** The last commit sequence used, committed or attempted: new files never reuse a name. */
  #sequence: number;
  /** The sequence in CURRENT as this store last read or wrote it: a different one on disk means another Engine committed. */
  #committed: number;
  #catalogVersion: number;
  #catalogText: string;
  readonly #amps: AmpState[];
  /** Per AMP: the segment each stored run came from or went to (valid while its file is in `files`). */
  readonly #segments: WeakMap<Run, SegmentRef>[];
  #obsolete: string[] = [];

  private constructor(dir: string, faults: StorageFaults | undefined, stored: { sequence: number; catalogVersion: number; catalog: Catalog; amps: AmpState[] }) {
    this.dir = dir;
    this.#faults = faults;
    this.#sequence = stored.sequence;
    this.#committed = stored.sequence;
    this.#catalogVersion = stored.catalogVersion;
    this.#catalogText = JSON.stringify(catalogToJson(stored.catalog));
    this.#amps = stored.amps;
    this.#segments = stored.amps.map(() => new WeakMap());
  }

  /** Creates an empty system in `dir` (missing or empty); BAD_CONFIG when `dir` holds anything. */
  static create(dir: string, config: StoredConfig, faults?: StorageFaults): DurableStore {
    prepareDirectory(dir);
    for (let amp = 0; amp < config.amps; amp++) mkdirSync(join(dir, ampDirectory(amp)));
    const body: ConfigBody = {
      name: config.name, amps: config.amps, hashBits: config.hashBits, hashMap: config.hashMap.toJSON(),
      permBytesPerAmp: Number.isFinite(config.permBytesPerAmp) ? config.permBytesPerAmp : null,
    };
    writeDurable(join(dir, CONFIG_FILE), encodeJsonFile(FORMATS.config, JSON.stringify(body)));
    const catalog = new Catalog();
    writeDurable(join(dir, catalogFile(0)), encodeJsonFile(FORMATS.catalog, JSON.stringify(catalogToJson(catalog))));
    fsyncDirectory(dir);
    const current: CurrentBody = { sequence: 0, catalog: 0, manifests: new Array<null>(config.amps).fill(null) };
    replaceDurable(join(dir, CURRENT_FILE), encodeJsonFile(FORMATS.current, JSON.stringify(current)));
    fsyncDirectory(dirname(resolve(dir)));
    const amps = Array.from({ length: config.amps }, (): AmpState => ({ version: null, tables: new Map(), files: new Set() }));
    return new DurableStore(dir, faults, { sequence: 0, catalogVersion: 0, catalog, amps });
  }

  /** Reads and checks the system in `dir` (STORAGE_CORRUPT naming a bad file). */
  static open(dir: string, faults?: StorageFaults): { store: DurableStore; system: StoredSystem } {
    const system = readSystem(dir);
    const amps = system.amps.map((a): AmpState => ({ version: a.version, tables: a.tables, files: new Set(a.segments.map(([, ref]) => ref.file)) }));
    const store = new DurableStore(dir, faults, { ...system, amps });
    system.amps.forEach((a, amp) => { for (const [run, ref] of a.segments) store.#segments[amp].set(run, ref); });
    return { store, system };
  }

  /**
   * Makes a statement durable: writes its new segments, manifests and catalog, renames
   * CURRENT (the commit point), calls `apply` to change the in-memory state, then deletes
   * what the new state no longer reaches. Throws with nothing changed if anything before
   * the commit point fails.
   */
  commit(pending: PendingFragments, catalog: Catalog, apply: () => void): void {
    const onDisk = currentSequence(this.dir);
    if (onDisk !== this.#committed) {
      throw new AmpsimError("STORAGE_CONFLICT", `${this.dir}: another Engine has committed to this directory since this one opened it (CURRENT is at sequence ${onDisk}, this engine's last is ${this.#committed}); nothing was written, reopen it with Engine.open`, { file: this.dir });
    }
    const sequence = ++this.#sequence;
    const written: string[] = [];
    const catalogText = JSON.stringify(catalogToJson(catalog));
    const catalogChanged = catalogText !== this.#catalogText;
    let writes: Map<number, AmpWrite>;
    try {
      writes = this.#writeAmps(pending, sequence, written);
      if (writes.size > 0 || catalogChanged) {
        if (catalogChanged) this.#writeCatalog(sequence, catalogText, written);
        this.#writeCurrent(sequence, writes, catalogChanged ? sequence : this.#catalogVersion, written);
      }
    } catch (error) {
      removeQuietly(written);
      throw storageFailed(error, this.dir);
    }
    this.#adopt(sequence, writes, catalogChanged ? catalogText : null);
    apply();
    if (writes.size === 0 && !catalogChanged) return;
    // The statement has committed: tidying up may not fail it (leftovers are removed at the next open).
    try {
      fsyncDirectory(this.dir);
      this.#collectGarbage();
    } catch {
      // Unreferenced files stay until Engine.open collects them.
    }
  }

  #writeAmps(pending: PendingFragments, sequence: number, written: string[]): Map<number, AmpWrite> {
    const writes = new Map<number, AmpWrite>();
    for (const [amp, changes] of pending) {
      const write = this.#writeAmp(amp, changes, sequence, written);
      if (write !== null) writes.set(amp, write);
    }
    return writes;
  }

  /** The AMP's new segments and manifest; null when its tables did not change. */
  #writeAmp(amp: number, changes: ReadonlyMap<number, Fragment | null>, sequence: number, written: string[]): AmpWrite | null {
    const state = this.#amps[amp];
    const directory = join(this.dir, ampDirectory(amp));
    const tables = new Map(state.tables);
    const segments = new Map<Run, SegmentRef>();
    for (const [tableId, fragment] of changes) {
      // Mirrors StorageModule.replace: an empty fragment that never held a row is no fragment.
      if (fragment === null || (fragment.rowCount === 0 && fragment.nextUniqueness === 0)) { tables.delete(tableId); continue; }
      const runs = fragment.runs.map((run) => {
        const stored = this.#segments[amp].get(run);
        if (stored !== undefined && state.files.has(stored.file)) return stored;
        let ref = segments.get(run);
        if (ref === undefined) {
          ref = this.#writeSegment({ amp, tableId, directory, run, file: segmentFile(sequence, segments.size) }, written);
          segments.set(run, ref);
        }
        return ref;
      });
      tables.set(tableId, { nextUniqueness: fragment.nextUniqueness, runs });
    }
    if (sameTables(state.tables, tables)) return null;
    const body: ManifestBody = { amp, version: sequence, tables: Object.fromEntries([...tables].sort((a, b) => a[0] - b[0])) };
    const file = join(directory, manifestFile(sequence));
    this.#faults?.before("manifest write", { amp, file });
    written.push(file);
    writeDurable(file, encodeJsonFile(FORMATS.manifest, JSON.stringify(body)));
    fsyncDirectory(directory);
    return { version: sequence, tables, files: referencedFiles(tables), segments };
  }

  #writeSegment(at: { amp: number; tableId: number; directory: string; run: Run; file: string }, written: string[]): SegmentRef {
    const bytes = encodeSegment(at.run);
    const ref: SegmentRef = { file: at.file, rows: at.run.rowCount, bytes: at.run.bufferBytes, fileBytes: bytes.byteLength, crc32: crc32(bytes) };
    const file = join(at.directory, at.file);
    this.#faults?.before("segment write", { amp: at.amp, tableId: at.tableId, file, rows: at.run.rowCount, bytes });
    written.push(file);
    writeDurable(file, bytes);
    return ref;
  }

  #writeCatalog(sequence: number, catalogText: string, written: string[]): void {
    const file = join(this.dir, catalogFile(sequence));
    this.#faults?.before("catalog write", { file });
    written.push(file);
    writeDurable(file, encodeJsonFile(FORMATS.catalog, catalogText));
  }

  /** Writes CURRENT.tmp and renames it over CURRENT: the commit point. */
  #writeCurrent(sequence: number, writes: ReadonlyMap<number, AmpWrite>, catalogVersion: number, written: string[]): void {
    const manifests = this.#amps.map((state, amp) => writes.get(amp)?.version ?? state.version);
    const body: CurrentBody = { sequence, catalog: catalogVersion, manifests };
    const temp = join(this.dir, `${CURRENT_FILE}.tmp`);
    written.push(temp);
    writeDurable(temp, encodeJsonFile(FORMATS.current, JSON.stringify(body)));
    fsyncDirectory(this.dir);
    const file = join(this.dir, CURRENT_FILE);
    this.#faults?.before("commit", { sequence, file });
    renameSync(temp, file);
    this.#committed = sequence;
  }

  /** The committed state becomes the store's; what the old state alone reached becomes obsolete. */
  #adopt(sequence: number, writes: ReadonlyMap<number, AmpWrite>, catalogText: string | null): void {
    for (const [amp, write] of writes) {
      const old = this.#amps[amp];
      const directory = join(this.dir, ampDirectory(amp));
      for (const file of old.files) if (!write.files.has(file)) this.#obsolete.push(join(directory, file));
      if (old.version !== null) this.#obsolete.push(join(directory, manifestFile(old.version)));
      this.#amps[amp] = { version: write.version, tables: write.tables, files: write.files };
      for (const [run, ref] of write.segments) this.#segments[amp].set(run, ref);
    }
    if (catalogText !== null) {
      this.#obsolete.push(join(this.dir, catalogFile(this.#catalogVersion)));
      this.#catalogVersion = sequence;
      this.#catalogText = catalogText;
    }
  }

  #collectGarbage(): void {
    const files = this.#obsolete;
    this.#obsolete = [];
    if (files.length === 0) return;
    this.#faults?.before("cleanup", { files });
    removeQuietly(files);
  }
}

/** A file system error of a commit (ENOSPC, EACCES, ENOTDIR …) as STORAGE_FAILED naming the file; other errors (a fault hook's) as they are. */
function storageFailed(error: unknown, dir: string): unknown {
  const system = error as NodeJS.ErrnoException;
  if (!(error instanceof Error) || typeof system.code !== "string" || typeof system.syscall !== "string") return error;
  const file = system.path ?? dir;
  return new AmpsimError("STORAGE_FAILED", `${file}: ${system.code} (${system.syscall}): the statement did not commit and ${dir} is as it was`, { file }, { cause: error });
}

/** `dir` missing (made here) or empty; BAD_CONFIG otherwise. */
function prepareDirectory(dir: string): void {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      try { mkdirSync(dir, { recursive: true }); } catch (made) {
        throw new AmpsimError("BAD_CONFIG", `dir ${dir} cannot hold a new system: ${(made as NodeJS.ErrnoException).code ?? String(made)} (${(made as Error).message})`, { file: dir }, { cause: made });
      }
      return;
    }
    throw new AmpsimError("BAD_CONFIG", `dir ${dir} cannot hold a new system: ${code === "ENOTDIR" ? "it is not a directory" : String(error)}`, { file: dir });
  }
  if (entries.includes(CURRENT_FILE)) {
    throw new AmpsimError("BAD_CONFIG", `dir ${dir} already holds an ampsim system; reopen it with Engine.open(dir)`, { file: dir });
  }
  if (entries.length > 0) {
    throw new AmpsimError("BAD_CONFIG", `dir ${dir} is not empty (it holds ${entries.length} entries, e.g. ${entries[0]}); a new system needs a missing or empty directory`, { file: dir });
  }
}

function referencedFiles(tables: ReadonlyMap<number, StoredFragment>): Set<string> {
  const files = new Set<string>();
  for (const stored of tables.values()) for (const ref of stored.runs) files.add(ref.file);
  return files;
}

function sameTables(a: ReadonlyMap<number, StoredFragment>, b: ReadonlyMap<number, StoredFragment>): boolean {
  if (a.size !== b.size) return false;
  for (const [tableId, x] of a) {
    const y = b.get(tableId);
    if (y === undefined || y.nextUniqueness !== x.nextUniqueness || y.runs.length !== x.runs.length) return false;
    if (x.runs.some((ref, k) => ref !== y.runs[k])) return false;
  }
  return true;
}

/** Deletes files, ignoring failures: whatever stays behind is garbage the next open deletes. */
function removeQuietly(files: readonly string[]): void {
  for (const file of files) {
    try { unlinkSync(file); } catch { /* deleted at the next open */ }
  }
}
