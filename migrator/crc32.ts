/**
 * CRC-32 (ISO-HDLC: reflected polynomial 0xEDB88320, initial value and final
 * XOR 0xFFFFFFFF — the CRC of zlib, gzip, PNG and Ethernet) for the checksums
 * of archive frames, batch messages and archive files.
 *
 * Owns: the one checksum function of the migrator. It must survive any byte
 * range of any view (unaligned offsets, empty ranges, chained calls), and give
 * the same answer on every Node version: the table-driven JavaScript path is
 * the reference, Node's native `zlib.crc32` (Node ≥ 20.15, several times
 * faster here) is used for ranges long enough to pay for the native call.
 */
import * as zlib from "node:zlib";
import { endianness } from "node:os";

/** `zlib.crc32` where this Node has it (20.15+), else null. */
const nativeCrc32: ((data: Uint8Array, value?: number) => number) | null =
  typeof (zlib as { crc32?: unknown }).crc32 === "function" ? zlib.crc32 : null;

/** Below this many bytes the JavaScript loop beats the cost of a native call. */
const NATIVE_MIN_BYTES = 256;

/**
 * Slicing-by-8 tables: `TABLES[k * 256 + n]` is the CRC of byte `n` followed by
 * `k` zero bytes, so eight table lookups advance the CRC by eight bytes.
 */
const TABLES = buildTables();

function buildTables(): Int32Array {
  const tables = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    tables[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = tables[n];
    for (let k = 1; k < 8; k++) {
      c = tables[c & 0xff] ^ (c >>> 8);
      tables[k * 256 + n] = c;
    }
  }
  return tables;
}

// The word loop reads little-endian 32-bit words through an Int32Array view.
const LITTLE_ENDIAN = endianness() === "LE";

/**
 * CRC-32 of `bytes[start, end)`. `seed` is the CRC of the bytes before, so
 * checksums chain: `crc32(b, 0, b.length, crc32(a)) === crc32(concat(a, b))`.
 * Result is an unsigned 32-bit integer.
 *
 * @example
 * crc32(new TextEncoder().encode("123456789")) // 0xCBF43926
 * crc32(message, 8, message.length)             // the bytes after an 8-byte prefix
 */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length, seed = 0): number {
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= bytes.length)) {
    throw new RangeError(`crc32: range [${start}, ${end}) is outside 0 … ${bytes.length}`);
  }
  if (nativeCrc32 !== null && end - start >= NATIVE_MIN_BYTES) {
    return nativeCrc32(bytes.subarray(start, end), seed >>> 0) >>> 0;
  }
  return crc32Tables(bytes, start, end, seed);
}

/** The table-driven CRC-32 (slicing-by-8), the reference `crc32` falls back to. */
export function crc32Tables(bytes: Uint8Array, start = 0, end = bytes.length, seed = 0): number {
  const t = TABLES;
  let c = ~seed | 0;
  let i = start;
  // Bytes up to the first 4-byte aligned address, so the words can be read as an Int32Array.
  while (i < end && ((bytes.byteOffset + i) & 3) !== 0) c = t[(c ^ bytes[i++]) & 0xff] ^ (c >>> 8);
  const wordCount = ((end - i) >>> 3) << 1;
  if (LITTLE_ENDIAN && wordCount > 0) {
    const words = new Int32Array(bytes.buffer, bytes.byteOffset + i, wordCount);
    for (let w = 0; w < wordCount; w += 2) {
      const a = words[w] ^ c;
      const b = words[w + 1];
      c = t[1792 + (a & 0xff)] ^ t[1536 + ((a >>> 8) & 0xff)] ^ t[1280 + ((a >>> 16) & 0xff)] ^ t[1024 + (a >>> 24)]
        ^ t[768 + (b & 0xff)] ^ t[512 + ((b >>> 8) & 0xff)] ^ t[256 + ((b >>> 16) & 0xff)] ^ t[b >>> 24];
    }
    i += wordCount << 2;
  }
  while (i < end) c = t[(c ^ bytes[i++]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
