/**
 * The hash map: which AMP owns each hash bucket. A row lives on
 * `buckets[rowHash >>> (32 - hashBits)]`.
 *
 * Owns: validation of hash-map configurations (reported as BAD_CONFIG with
 * what was expected and what was found) and reconfiguration, the mapping of a
 * system grown or shrunk to another AMP count that moves the fewest buckets
 * while keeping every AMP within one bucket of the others.
 * A HashMap is immutable: the object is frozen and its `buckets` must not be
 * written (a typed array cannot be frozen); every factory copies its input.
 */
import { AmpsimError, assert, showValue } from "../errors.js";

/** Hash bits allowed: 16 and 20 are the sizes Teradata uses; up to 24 for experiments. */
export const HASH_BITS_MIN = 1;
export const HASH_BITS_MAX = 24;
/** AMP numbers are stored in a Uint16Array. */
export const AMPS_MAX = 65535;

/** The JSON form: `buckets` is the bucket → AMP array as base64 of little-endian uint16s. */
export interface HashMapJson {
  readonly kind: "hash-map";
  readonly hashBits: number;
  readonly amps: number;
  readonly buckets: string;
}

/**
 * Bucket → AMP map of a system of `amps` AMPs with 2^hashBits buckets.
 *
 * @example
 * const map = HashMap.uniform(6, 16);
 * map.ampOfHash(rowHash([42])) // the AMP that owns INTEGER 42
 * const grown = HashMap.rebalance(map, 8); // moves the fewest buckets
 */
export class HashMap {
  readonly hashBits: number;
  readonly amps: number;
  readonly buckets: Uint16Array;

  private constructor(hashBits: number, amps: number, buckets: Uint16Array) {
    this.hashBits = hashBits;
    this.amps = amps;
    this.buckets = buckets;
    Object.freeze(this);
  }

  /**
   * A map from an explicit bucket → AMP array (copied), validated.
   *
   * @example
   * HashMap.fromBuckets(2, 2, [0, 1, 0, 1])
   */
  static fromBuckets(hashBits: number, amps: number, buckets: ArrayLike<number>): HashMap {
    const bucketCount = checkHashBits(hashBits);
    checkAmps(amps, hashBits);
    if (buckets === null || typeof buckets !== "object" || typeof buckets.length !== "number") {
      throw new AmpsimError("BAD_CONFIG", `Expected an array of ${bucketCount} bucket entries, but found ${showValue(buckets)}`);
    }
    if (buckets.length !== bucketCount) {
      throw new AmpsimError("BAD_CONFIG", `Expected ${bucketCount} bucket entries for hashBits ${hashBits}, but found ${buckets.length}`);
    }
    const copy = new Uint16Array(bucketCount);
    for (let bucket = 0; bucket < bucketCount; bucket++) {
      const amp = buckets[bucket];
      if (!Number.isInteger(amp) || amp < 0 || amp >= amps) {
        throw new AmpsimError("BAD_CONFIG", `Expected every bucket entry to be an AMP number in 0..${amps - 1}, but bucket ${bucket} holds ${showValue(amp)}`, { bucket });
      }
      copy[bucket] = amp;
    }
    return new HashMap(hashBits, amps, copy);
  }

  /**
   * The map of a new system: bucket b → AMP b % amps, so AMPs differ by at most one bucket.
   *
   * @example
   * HashMap.uniform(4, 16).bucketCounts() // [16384, 16384, 16384, 16384]
   */
  static uniform(amps: number, hashBits = 16): HashMap {
    const bucketCount = checkHashBits(hashBits);
    checkAmps(amps, hashBits);
    const buckets = new Uint16Array(bucketCount);
    for (let bucket = 0, amp = 0; bucket < bucketCount; bucket++) {
      buckets[bucket] = amp;
      if (++amp === amps) amp = 0;
    }
    return new HashMap(hashBits, amps, buckets);
  }

  /**
   * The map after growing or shrinking the system to `amps` AMPs (same hashBits)
   * that moves the fewest buckets: every AMP ends with floor(B/amps) or
   * ceil(B/amps) of the B buckets; buckets of removed AMPs (number ≥ amps) all
   * move; AMPs over their quota release their excess, picked evenly across their
   * buckets; AMPs under quota receive them, dealt round-robin in bucket order.
   * Deterministic: the same input gives the same map.
   *
   * @example
   * const grown = HashMap.rebalance(HashMap.uniform(4), 6);
   * movedBuckets(HashMap.uniform(4), grown) // 21844, a third of 65536 (within rounding)
   */
  static rebalance(previous: HashMap, amps: number): HashMap {
    if (!(previous instanceof HashMap)) throw new AmpsimError("BAD_CONFIG", `HashMap.rebalance(previous, amps): previous must be a HashMap (e.g. HashMap.uniform(4) or an engine's hashMap), but found ${showValue(previous)}`);
    checkAmps(amps, previous.hashBits);
    const counts = previous.bucketCounts();
    const quotas = quotasFor(counts, amps, previous.buckets.length);
    const releases = counts.map((count, amp) => (amp >= amps ? count : Math.max(0, count - quotas[amp])));
    const pool = releasedBuckets(previous.buckets, counts, releases);
    const buckets = Uint16Array.from(previous.buckets);
    const needs = quotas.map((quota, amp) => (amp < previous.amps ? Math.max(0, quota - counts[amp]) : quota));
    dealRoundRobin(pool, needs, buckets);
    const next = new HashMap(previous.hashBits, amps, buckets);
    assert(next.bucketCounts().every((count, amp) => count === quotas[amp]), "rebalance meets every quota");
    return next;
  }

  /**
   * A map from its JSON form (`toJSON`), validated; `buckets` may also be a plain number array.
   *
   * @example
   * HashMap.fromJSON(JSON.parse(JSON.stringify(map))).equals(map) // true
   */
  static fromJSON(json: unknown): HashMap {
    if (json === null || typeof json !== "object") {
      throw new AmpsimError("BAD_CONFIG", `Expected a hash map object { kind: "hash-map", hashBits, amps, buckets }, but found ${showValue(json)}`);
    }
    const { kind, hashBits, amps, buckets } = json as Record<string, unknown>;
    if (kind !== "hash-map") {
      throw new AmpsimError("BAD_CONFIG", `Expected kind "hash-map", but found ${showValue(kind)}`);
    }
    if (typeof buckets === "string") {
      const bytes = Buffer.from(buckets, "base64");
      if (bytes.length % 2 !== 0) {
        throw new AmpsimError("BAD_CONFIG", `Expected base64 of uint16 bucket entries (an even byte count), but found ${bytes.length} bytes`);
      }
      const entries = new Uint16Array(bytes.length / 2);
      for (let bucket = 0; bucket < entries.length; bucket++) entries[bucket] = bytes.readUInt16LE(2 * bucket);
      return HashMap.fromBuckets(hashBits as number, amps as number, entries);
    }
    if (!Array.isArray(buckets)) {
      throw new AmpsimError("BAD_CONFIG", `Expected buckets as a base64 string or a number array, but found ${showValue(buckets)}`);
    }
    return HashMap.fromBuckets(hashBits as number, amps as number, buckets as number[]);
  }

  /**
   * The AMP that owns a row hash.
   *
   * @example
   * HashMap.uniform(4).ampOfHash(0x248bfa47) // bucket 0x248b = 9355 → AMP 3
   */
  ampOfHash(hash: number): number {
    return this.buckets[hash >>> (32 - this.hashBits)];
  }

  /**
   * Buckets owned by each AMP, indexed by AMP number.
   *
   * @example
   * HashMap.uniform(3, 2).bucketCounts() // [2, 1, 1]
   */
  bucketCounts(): number[] {
    const counts = new Array<number>(this.amps).fill(0);
    for (const amp of this.buckets) counts[amp] += 1;
    return counts;
  }

  /**
   * True when both maps have the same hashBits, AMP count and bucket → AMP entries.
   *
   * @example
   * HashMap.uniform(4).equals(HashMap.uniform(4)) // true
   */
  equals(other: HashMap): boolean {
    if (this.hashBits !== other.hashBits || this.amps !== other.amps) return false;
    for (let bucket = 0; bucket < this.buckets.length; bucket++) {
      if (this.buckets[bucket] !== other.buckets[bucket]) return false;
    }
    return true;
  }

  /**
   * The JSON form, with the buckets as base64 of little-endian uint16s (compact at 20 bits).
   *
   * @example
   * HashMap.uniform(2, 1).toJSON() // { kind: "hash-map", hashBits: 1, amps: 2, buckets: "AAABAA==" }
   */
  toJSON(): HashMapJson {
    const bytes = Buffer.alloc(this.buckets.length * 2);
    for (let bucket = 0; bucket < this.buckets.length; bucket++) bytes.writeUInt16LE(this.buckets[bucket], 2 * bucket);
    return { kind: "hash-map", hashBits: this.hashBits, amps: this.amps, buckets: bytes.toString("base64") };
  }
}

/**
 * Buckets owned by different AMPs in `a` and `b` (AMP numbers compared as they are).
 *
 * @example
 * movedBuckets(HashMap.uniform(4), HashMap.rebalance(HashMap.uniform(4), 6)) // 21844
 */
export function movedBuckets(a: HashMap, b: HashMap): number {
  if (a.hashBits !== b.hashBits) {
    throw new AmpsimError("BAD_CONFIG", `Expected hash maps with the same hashBits, but found ${a.hashBits} and ${b.hashBits}`);
  }
  let moved = 0;
  for (let bucket = 0; bucket < a.buckets.length; bucket++) if (a.buckets[bucket] !== b.buckets[bucket]) moved += 1;
  return moved;
}

/**
 * The fewest buckets any balanced map of `amps` AMPs must move from `previous`
 * (`HashMap.rebalance` achieves it): the buckets of removed AMPs plus, with the
 * +1 quotas on the fullest surviving AMPs, each surviving AMP's excess.
 *
 * @example
 * minimalMoves(HashMap.uniform(4), 6) // 21844
 */
export function minimalMoves(previous: HashMap, amps: number): number {
  checkAmps(amps, previous.hashBits);
  const counts = previous.bucketCounts();
  const quotas = quotasFor(counts, amps, previous.buckets.length);
  return counts.reduce((sum, count, amp) => sum + (amp >= amps ? count : Math.max(0, count - quotas[amp])), 0);
}

/** Returns 2^hashBits. */
function checkHashBits(hashBits: number): number {
  if (!Number.isInteger(hashBits) || hashBits < HASH_BITS_MIN || hashBits > HASH_BITS_MAX) {
    throw new AmpsimError("BAD_CONFIG", `Expected hashBits to be an integer in ${HASH_BITS_MIN}..${HASH_BITS_MAX} (16 and 20 are the Teradata sizes), but found ${showValue(hashBits)}`);
  }
  return 2 ** hashBits;
}

function checkAmps(amps: number, hashBits: number): void {
  if (!Number.isInteger(amps) || amps < 1 || amps > AMPS_MAX) {
    throw new AmpsimError("BAD_CONFIG", `Expected amps to be an integer in 1..${AMPS_MAX}, but found ${showValue(amps)}`);
  }
  if (amps > 2 ** hashBits) {
    throw new AmpsimError("BAD_CONFIG", `Expected at most ${2 ** hashBits} AMPs for ${hashBits} hash bits (one bucket per AMP at least), but found ${amps}`);
  }
}

/**
 * Buckets each of `amps` AMPs ends with: floor(B/amps), plus one for the B % amps
 * surviving AMPs that hold the most (ties: lower AMP number), then new AMPs.
 */
function quotasFor(counts: readonly number[], amps: number, bucketCount: number): number[] {
  const quotas = new Array<number>(amps).fill(Math.floor(bucketCount / amps));
  const survivors = Array.from({ length: Math.min(amps, counts.length) }, (_, amp) => amp);
  survivors.sort((x, y) => counts[y] - counts[x] || x - y);
  const newcomers = Array.from({ length: amps - survivors.length }, (_, index) => survivors.length + index);
  const order = survivors.concat(newcomers);
  for (let index = 0; index < bucketCount % amps; index++) quotas[order[index]] += 1;
  return quotas;
}

/**
 * The buckets AMPs give up, in ascending bucket order: of AMP a's c buckets
 * (ascending), releasing r takes the ones at positions floor((2j + 1) c / 2r),
 * j < r, so a release is spread across the AMP's range.
 */
function releasedBuckets(buckets: Uint16Array, counts: readonly number[], releases: readonly number[]): Int32Array {
  const pool = new Int32Array(releases.reduce((sum, release) => sum + release, 0));
  const seen = new Int32Array(counts.length);
  const released = new Int32Array(counts.length);
  let poolSize = 0;
  for (let bucket = 0; bucket < buckets.length; bucket++) {
    const amp = buckets[bucket];
    const release = releases[amp];
    const j = released[amp];
    if (j < release && seen[amp] === Math.floor(((2 * j + 1) * counts[amp]) / (2 * release))) {
      pool[poolSize++] = bucket;
      released[amp] = j + 1;
    }
    seen[amp] += 1;
  }
  assert(poolSize === pool.length, "every release is taken");
  return pool;
}

/** Deals the pool in bucket order to AMPs that need buckets, one each per round. */
function dealRoundRobin(pool: Int32Array, needs: number[], buckets: Uint16Array): void {
  const active = needs.flatMap((need, amp) => (need > 0 ? [amp] : []));
  let activeCount = active.length;
  let poolIndex = 0;
  while (poolIndex < pool.length) {
    assert(activeCount > 0, "released buckets equal the needs");
    let kept = 0;
    for (let index = 0; index < activeCount && poolIndex < pool.length; index++) {
      const amp = active[index];
      buckets[pool[poolIndex++]] = amp;
      if (--needs[amp] > 0) active[kept++] = amp;
    }
    activeCount = kept;
  }
}
