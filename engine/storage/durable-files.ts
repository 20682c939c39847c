/**
 * File primitives of the durable engine, all synchronous so that a statement's
 * commit is atomic with respect to other statements of the process: write and
 * fsync, atomic replace (temp file, fsync, rename, fsync of the directory),
 * CRC-32, and self-checking JSON files.
 *
 * Faults it must survive: a crash between any two system calls (a file is then
 * absent, complete under a temp name, or complete under its final name, and
 * only files that CURRENT names matter), and a damaged, truncated, missing or
 * foreign file, which reading reports as STORAGE_CORRUPT naming the file.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { crc32 } from "node:zlib";
import { AmpsimError } from "../errors.js";

export { crc32 };

/** The error for a damaged or missing file; `problem` says what was expected and what was found. */
export function storageCorrupt(file: string, problem: string, cause?: unknown): AmpsimError {
  return new AmpsimError("STORAGE_CORRUPT", `${file}: ${problem}`, { file }, cause === undefined ? undefined : { cause });
}

/** Writes `bytes` to `file` (created or truncated) and fsyncs it. */
export function writeDurable(file: string, bytes: Uint8Array): void {
  const fd = openSync(file, "w");
  try {
    let at = 0;
    while (at < bytes.byteLength) at += writeSync(fd, bytes, at, bytes.byteLength - at);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Makes the entries of `directory` (created, renamed, removed files) durable. */
export function fsyncDirectory(directory: string): void {
  const fd = openSync(directory, "r");
  try { fsyncSync(fd); } finally { closeSync(fd); }
}

/** Replaces `file` atomically: a reader sees the old bytes or the new, never a mix. */
export function replaceDurable(file: string, bytes: Uint8Array): void {
  const temp = `${file}.tmp`;
  writeDurable(temp, bytes);
  renameSync(temp, file);
  fsyncDirectory(dirname(file));
}

/** The bytes of `file`; a missing or unreadable file is STORAGE_CORRUPT. */
export function readStored(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw storageCorrupt(file, code === "ENOENT" ? "the file is missing" : `the file cannot be read (${code ?? String(error)})`, error);
  }
}

const encoder = new TextEncoder();

/**
 * A self-checking JSON file: `{"format":…,"crc32":…,"body":…}` where crc32 is the CRC-32
 * of `bodyText` (`JSON.stringify(body)`). Any JSON reader can read it; `decodeJsonFile`
 * checks it by stringifying the parsed body again, which gives the same text.
 */
export function encodeJsonFile(format: string, bodyText: string): Uint8Array {
  return encoder.encode(`{"format":${JSON.stringify(format)},"crc32":${crc32(bodyText)},"body":${bodyText}}\n`);
}

/** The body of a file from `encodeJsonFile`; STORAGE_CORRUPT when it does not parse, is another format or fails its CRC. */
export function decodeJsonFile(bytes: Uint8Array, format: string, file: string): unknown {
  let parsed: { format?: unknown; crc32?: unknown; body?: unknown };
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) as typeof parsed;
  } catch (error) {
    throw storageCorrupt(file, `expected a JSON ${format} file of ${bytes.byteLength} bytes, but it does not parse (${(error as Error).message})`, error);
  }
  if (typeof parsed !== "object" || parsed === null || parsed.format !== format) {
    throw storageCorrupt(file, `expected a ${format} file, but found format ${JSON.stringify((parsed as { format?: unknown } | null)?.format)}`);
  }
  const actual = crc32(JSON.stringify(parsed.body ?? null));
  if (actual !== parsed.crc32) throw storageCorrupt(file, `expected CRC-32 ${String(parsed.crc32)} of the body, but computed ${actual}`);
  return parsed.body;
}
