/**
 * Reading a durable engine's directory at open: CURRENT, the configuration, the
 * catalog, then every AMP's manifest and segments, each checked (format, CRC-32,
 * size, shape, consistency with the catalog) before anything is used; then the
 * garbage of interrupted commits is deleted.
 *
 * Faults it must survive: a file that CURRENT reaches being missing, truncated,
 * damaged, foreign or inconsistent with the others → STORAGE_CORRUPT naming the
 * file, with nothing deleted (never silent loss); the leftovers of a commit that
 * never reached its commit point (segments, manifests and catalogs that CURRENT
 * does not name, CURRENT.tmp) → deleted.
 */
import { existsSync, mkdirSync, readdirSync, statSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import type { Catalog, TableEntry } from "../catalog/catalog.js";
import { catalogFromJson } from "../catalog/catalog-json.js";
import { AmpsimError, isAmpsimError } from "../errors.js";
import { HashMap } from "../hash/hash-map.js";
import { crc32, decodeJsonFile, readStored, storageCorrupt } from "./durable-files.js";
import {
  AMP_FILE_PATTERN, CONFIG_FILE, CURRENT_FILE, FORMATS, TOP_FILE_PATTERN, ampDirectory, catalogFile, manifestFile,
  type ConfigBody, type CurrentBody, type ManifestBody, type SegmentRef, type StoredFragment,
} from "./durable-layout.js";
import { fragmentOf, type Fragment } from "./fragment.js";
import type { Run } from "./run.js";
import { decodeSegment } from "./segment-file.js";

export interface StoredConfig {
  readonly name: string;
  readonly amps: number;
  readonly hashBits: number;
  readonly hashMap: HashMap;
  readonly permBytesPerAmp: number;
}

/** One AMP's committed storage as read. */
export interface StoredAmp {
  readonly version: number | null;
  readonly tables: ReadonlyMap<number, StoredFragment>;
  /** The fragments as the storage module holds them. */
  readonly fragments: ReadonlyMap<number, Fragment>;
  /** Every loaded run with the segment it came from. */
  readonly segments: readonly (readonly [Run, SegmentRef])[];
}

export interface StoredSystem {
  readonly sequence: number;
  readonly config: StoredConfig;
  readonly catalog: Catalog;
  readonly catalogVersion: number;
  readonly amps: readonly StoredAmp[];
}

/** Reads and checks the system in `dir`, then deletes the garbage of interrupted commits. */
export function readSystem(dir: string): StoredSystem {
  checkSystemDirectory(dir);
  const currentPath = join(dir, CURRENT_FILE);
  const current = readCurrent(currentPath);
  const config = readConfig(join(dir, CONFIG_FILE));
  if (current.manifests.length !== config.amps) {
    throw storageCorrupt(currentPath, `expected a manifest version for each of the ${config.amps} AMPs of ${CONFIG_FILE}, but found ${current.manifests.length}`);
  }
  const catalog = readCatalog(join(dir, catalogFile(current.catalog)));
  const entries = new Map(catalog.entries().map((entry) => [String(entry.id), entry]));
  const amps = current.manifests.map((version, amp) => readAmp(join(dir, ampDirectory(amp)), amp, version, entries));
  removeGarbage(dir, current, amps);
  return { sequence: current.sequence, config, catalog, catalogVersion: current.catalog, amps };
}

function checkSystemDirectory(dir: string): void {
  let isDirectory: boolean;
  try { isDirectory = statSync(dir).isDirectory(); } catch { isDirectory = false; }
  const create = "create a system there with new Engine({ dir })";
  if (!isDirectory) throw new AmpsimError("BAD_CONFIG", `${dir} is not a directory; ${create}`, { file: dir });
  if (existsSync(join(dir, CURRENT_FILE))) return;
  if (existsSync(join(dir, CONFIG_FILE))) throw storageCorrupt(join(dir, CURRENT_FILE), "the file is missing (the system's commit point)");
  throw new AmpsimError("BAD_CONFIG", `${dir} holds no ampsim system (no ${CURRENT_FILE} file); ${create}`, { file: dir });
}

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/** The commit sequence CURRENT holds now (STORAGE_CORRUPT when it is unreadable). */
export function currentSequence(dir: string): number {
  return readCurrent(join(dir, CURRENT_FILE)).sequence;
}

function readCurrent(file: string): CurrentBody {
  const body = decodeJsonFile(readStored(file), FORMATS.current, file) as CurrentBody;
  const ok = isCount(body?.sequence) && isCount(body.catalog) && body.catalog <= body.sequence && Array.isArray(body.manifests)
    && body.manifests.every((v) => v === null || (isCount(v) && v <= body.sequence));
  if (!ok) throw storageCorrupt(file, "expected { sequence, catalog, manifests } with versions up to the sequence");
  return body;
}

function readConfig(file: string): StoredConfig {
  const body = decodeJsonFile(readStored(file), FORMATS.config, file) as ConfigBody;
  let hashMap: HashMap;
  try {
    hashMap = HashMap.fromJSON(body?.hashMap);
  } catch (error) {
    if (!isAmpsimError(error)) throw error;
    throw storageCorrupt(file, `expected a valid hash map, but ${error.message}`, error);
  }
  const ok = typeof body.name === "string" && body.name.length > 0 && body.amps === hashMap.amps && body.hashBits === hashMap.hashBits
    && (body.permBytesPerAmp === null || (typeof body.permBytesPerAmp === "number" && body.permBytesPerAmp > 0));
  if (!ok) throw storageCorrupt(file, "expected { name, amps, hashBits, hashMap, permBytesPerAmp } that agree with each other");
  return { name: body.name, amps: body.amps, hashBits: body.hashBits, hashMap, permBytesPerAmp: body.permBytesPerAmp ?? Number.POSITIVE_INFINITY };
}

function readCatalog(file: string): Catalog {
  const body = decodeJsonFile(readStored(file), FORMATS.catalog, file);
  try {
    return catalogFromJson(body);
  } catch (error) {
    throw storageCorrupt(file, (error as Error).message, error);
  }
}

function readAmp(directory: string, amp: number, version: number | null, entries: ReadonlyMap<string, TableEntry>): StoredAmp {
  const tables = new Map<number, StoredFragment>();
  const fragments = new Map<number, Fragment>();
  const segments: [Run, SegmentRef][] = [];
  if (version === null) return { version, tables, fragments, segments };
  const file = join(directory, manifestFile(version));
  const body = decodeJsonFile(readStored(file), FORMATS.manifest, file) as ManifestBody;
  if (body?.amp !== amp || body.version !== version || typeof body.tables !== "object" || body.tables === null) {
    throw storageCorrupt(file, `expected the manifest of AMP ${amp}, version ${version}, but found AMP ${String(body?.amp)}, version ${String(body?.version)}`);
  }
  for (const [id, stored] of Object.entries(body.tables)) {
    const entry = entries.get(id);
    if (entry === undefined) throw storageCorrupt(file, `lists table #${id}, which the catalog does not hold`);
    checkStoredFragment(stored, file, id);
    const runs = stored.runs.map((ref) => {
      const run = readSegment(directory, ref, entry);
      segments.push([run, ref]);
      return run;
    });
    tables.set(entry.id, stored);
    fragments.set(entry.id, fragmentOf(runs, stored.nextUniqueness));
  }
  return { version, tables, fragments, segments };
}

function checkStoredFragment(stored: StoredFragment, file: string, id: string): void {
  const ok = isCount(stored?.nextUniqueness) && Array.isArray(stored.runs) && stored.runs.every((ref) =>
    typeof ref?.file === "string" && AMP_FILE_PATTERN.test(ref.file) && ref.file.endsWith(".arrow")
    && isCount(ref.rows) && ref.rows > 0 && isCount(ref.bytes) && isCount(ref.fileBytes) && isCount(ref.crc32));
  if (!ok) throw storageCorrupt(file, `expected table #${id} as { nextUniqueness, runs: [{ file, rows, bytes, fileBytes, crc32 }] }`);
}

function readSegment(directory: string, ref: SegmentRef, entry: TableEntry): Run {
  const file = join(directory, ref.file);
  const bytes = readStored(file);
  if (bytes.byteLength !== ref.fileBytes) throw storageCorrupt(file, `expected ${ref.fileBytes} bytes, but the file holds ${bytes.byteLength}`);
  const actual = crc32(bytes);
  if (actual !== ref.crc32) throw storageCorrupt(file, `expected CRC-32 ${ref.crc32}, but computed ${actual}`);
  const run = decodeSegment(bytes, entry, ref.rows, file);
  if (run.bufferBytes !== ref.bytes) throw storageCorrupt(file, `expected a run of ${ref.bytes} bytes, but its columns hold ${run.bufferBytes}`);
  return run;
}

/** Deletes files of the engine's names that the committed state does not reach; makes missing empty AMP directories. */
function removeGarbage(dir: string, current: CurrentBody, amps: readonly StoredAmp[]): void {
  const keepTop = new Set([catalogFile(current.catalog)]);
  for (const name of readdirSync(dir)) {
    if (TOP_FILE_PATTERN.test(name) && !keepTop.has(name)) unlinkSync(join(dir, name));
  }
  amps.forEach((stored, amp) => {
    const directory = join(dir, ampDirectory(amp));
    if (stored.version === null) mkdirSync(directory, { recursive: true });
    const keep = new Set(stored.segments.map(([, ref]) => ref.file));
    if (stored.version !== null) keep.add(manifestFile(stored.version));
    for (const name of readdirSync(directory)) {
      if (AMP_FILE_PATTERN.test(name) && !keep.has(name)) unlinkSync(join(directory, name));
    }
  });
}
