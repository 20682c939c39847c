/**
 * MurmurHash3, x86 32-bit variant (Austin Appleby's `MurmurHash3_x86_32`),
 * over bytes, plus the word-level steps it is made of so that the columnar
 * row hash can feed 4-byte blocks without first copying them into a buffer.
 *
 * Owns: the exact bit-level definition of the hash. It must agree with the
 * reference implementation on every input (the row hash is a public
 * contract); `test/engine/hash.test.ts` pins the published vectors.
 * All arithmetic is int32 with `Math.imul`; results are uint32.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/**
 * Scrambles one 4-byte block `k` (little-endian word) before it is XORed into
 * the state; also the whole treatment of the 1..3-byte tail.
 *
 * @example
 * murmur3Finalize(seed ^ murmur3ScrambleBlock(0x61), 1) // === murmur3(utf8("a"), 0, 1, seed)
 */
export function murmur3ScrambleBlock(k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, C2);
}

/**
 * Mixes one full 4-byte block `k` (the little-endian word of bytes
 * `b0 | b1 << 8 | b2 << 16 | b3 << 24`) into the running state `h`; int32 result.
 *
 * @example
 * let h = seed;
 * h = murmur3MixBlock(h, 8); h = murmur3MixBlock(h, 0); // the 8 bytes of int64 8
 * murmur3Finalize(h, 8)
 */
export function murmur3MixBlock(h: number, k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, C2);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/**
 * Ends a hash: XORs the total input length in bytes, then the avalanche
 * (`fmix32`). The tail, if any, must already be XORed into `h` as
 * `h ^ murmur3ScrambleBlock(tail)`. Returns a uint32.
 *
 * @example
 * murmur3Finalize(0, 0) // === 0, the hash of no bytes with seed 0
 */
export function murmur3Finalize(h: number, length: number): number {
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * MurmurHash3 x86 32-bit of `bytes[start, end)` with `seed`; a uint32.
 *
 * @example
 * murmur3(new TextEncoder().encode("hello")) // === 0x248bfa47
 */
export function murmur3(bytes: Uint8Array, start = 0, end = bytes.length, seed = 0): number {
  let h = seed | 0;
  const blocksEnd = start + ((end - start) & ~3);
  let p = start;
  for (; p < blocksEnd; p += 4) {
    h = murmur3MixBlock(h, bytes[p] | (bytes[p + 1] << 8) | (bytes[p + 2] << 16) | (bytes[p + 3] << 24));
  }
  const tailLength = end - p;
  if (tailLength > 0) {
    let k = bytes[p];
    if (tailLength > 1) k |= bytes[p + 1] << 8;
    if (tailLength > 2) k |= bytes[p + 2] << 16;
    h ^= murmur3ScrambleBlock(k);
  }
  return murmur3Finalize(h, end - start);
}
