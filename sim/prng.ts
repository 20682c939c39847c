/**
 * The one seeded pseudo-random number generator of ampsim. Every random choice
 * in the simulator, the data generators, the fault plans and the tests goes
 * through a `Prng` that is passed in; nothing calls `Math.random`.
 *
 * Generator: xoshiro128** (Blackman and Vigna, 2018; 128-bit state, period
 * 2^128 − 1, passes BigCrush), its state filled by splitmix32 from 64 bits of
 * seed material. A number seed gives its low and high 32-bit words; a string
 * seed gives the two 32-bit lanes of the cyrb53 string hash.
 *
 * Streams are split by name, not by position: `fork(label)` is a generator
 * seeded with `${seed}/${label}`, so a child's numbers do not depend on how many
 * numbers its parent drew before it, and `new Prng(child.seed)` replays it.
 * Probabilities are ratios of integers (`chance(1, 8)`), so a run is the same
 * on every machine.
 */
import { AmpsimError, showValue } from "../engine/index.js";

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

/** A seed as callers give it: an integer (safe range) or any string. */
export type Seed = number | string;

/**
 * A seeded, forkable pseudo-random number generator (xoshiro128**).
 *
 * @example
 * const prng = new Prng(42);
 * prng.int(1, 6);            // a die roll, the same on every run with seed 42
 * prng.chance(1, 10);        // true one time in ten
 * const faults = prng.fork("faults"); // an independent stream, the same whatever prng drew before
 */
export class Prng {
  /** The seed this generator started from (for a fork: `${parent.seed}/${label}`). */
  readonly seed: Seed;
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;

  constructor(seed: Seed) {
    this.seed = seed;
    const [low, high] = seedWords(seed);
    [this.#s0, this.#s1, this.#s2, this.#s3] = initialState(low, high);
  }

  /**
   * The next 32 random bits as an unsigned integer in [0, 2^32).
   *
   * @example
   * const word = new Prng(42).nextUint32(); // 0 <= word <= 0xffffffff
   */
  nextUint32(): number {
    const s1 = this.#s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.#s2 ^= this.#s0;
    this.#s3 ^= s1;
    this.#s1 ^= this.#s2;
    this.#s0 ^= this.#s3;
    this.#s2 ^= t;
    this.#s3 = rotl(this.#s3, 11);
    return result;
  }

  /**
   * A float in [0, 1) with 53 random bits.
   *
   * @example
   * const x = new Prng(7).next(); // 0 <= x < 1
   */
  next(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / TWO_POW_53;
  }

  /**
   * A uniformly distributed integer in [min, maxInclusive] (unbiased: rejection sampling).
   *
   * @example
   * new Prng(1).int(0, 9); // one of 0..9
   */
  int(min: number, maxInclusive: number): number {
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(maxInclusive) || maxInclusive < min) {
      throw badArgument(`int(min, maxInclusive) expects safe integers with min <= maxInclusive, but found ${showValue(min)}, ${showValue(maxInclusive)}`);
    }
    const range = maxInclusive - min + 1;
    if (!Number.isSafeInteger(range)) throw badArgument(`int(${min}, ${maxInclusive}) spans more than 2^53 values`);
    if (range <= TWO_POW_32) {
      const limit = TWO_POW_32 - (TWO_POW_32 % range);
      let x = this.nextUint32();
      while (x >= limit) x = this.nextUint32();
      return min + (x % range);
    }
    const limit = TWO_POW_53 - (TWO_POW_53 % range);
    let x = this.#nextUint53();
    while (x >= limit) x = this.#nextUint53();
    return min + (x % range);
  }

  /**
   * True with probability numerator / denominator (exact: integer arithmetic).
   *
   * @example
   * new Prng(3).chance(1, 4); // true one time in four
   */
  chance(numerator: number, denominator: number): boolean {
    checkRatio(numerator, denominator, "chance");
    if (numerator === 0) return false;
    if (numerator === denominator) return true;
    return this.int(0, denominator - 1) < numerator;
  }

  /**
   * One element of a non-empty array, each equally likely.
   *
   * @example
   * new Prng(5).pick(["pipe", "network", "memory"]);
   */
  pick<T>(array: readonly T[]): T {
    if (array.length === 0) throw badArgument("pick() needs a non-empty array, but found an empty one");
    return array[this.int(0, array.length - 1)];
  }

  /**
   * Shuffles `array` in place (Fisher–Yates) and returns it.
   *
   * @example
   * new Prng(9).shuffle([1, 2, 3, 4]); // e.g. [3, 1, 4, 2]
   */
  shuffle<T>(array: T[]): T[] {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      const swap = array[i];
      array[i] = array[j];
      array[j] = swap;
    }
    return array;
  }

  /**
   * An independent child generator named `label`, seeded with `${seed}/${label}`:
   * the same parent seed and label give the same child, whatever the parent drew.
   *
   * @example
   * const root = new Prng(42);
   * const amounts = root.fork("column:amount"); // same as new Prng("42/column:amount")
   */
  fork(label: string): Prng {
    if (typeof label !== "string") throw badArgument(`fork() expects a string label, but found ${showValue(label)}`);
    return new Prng(`${this.seed}/${label}`);
  }

  #nextUint53(): number {
    return (this.nextUint32() >>> 11) * TWO_POW_32 + this.nextUint32();
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

function badArgument(message: string): AmpsimError {
  return new AmpsimError("BAD_ARGUMENT", message);
}

/** Checks a probability given as numerator / denominator: integers, 0 <= numerator <= denominator, denominator > 0. */
export function checkRatio(numerator: number, denominator: number, what: string): void {
  if (!Number.isSafeInteger(numerator) || !Number.isSafeInteger(denominator) || denominator <= 0 || numerator < 0 || numerator > denominator) {
    throw badArgument(`${what} expects integers 0 <= numerator <= denominator, denominator > 0, but found ${showValue(numerator)} / ${showValue(denominator)}`);
  }
}

/** 64 bits of seed material as two unsigned 32-bit words. */
function seedWords(seed: Seed): [number, number] {
  if (typeof seed === "string") return cyrb53(seed);
  if (typeof seed !== "number" || !Number.isSafeInteger(seed)) {
    throw badArgument(`a seed must be a safe integer or a string, but found ${showValue(seed)}`);
  }
  return [seed >>> 0, Math.floor(seed / TWO_POW_32) >>> 0];
}

/** cyrb53 (bryc, public domain): a fast string hash with two 32-bit lanes. */
function cyrb53(text: string): [number, number] {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return [h1 >>> 0, h2 >>> 0];
}

/** One splitmix32 output for counter `x` (the counter is advanced by the caller). */
function splitmix32(x: number): number {
  let t = x ^ (x >>> 16);
  t = Math.imul(t, 0x21f0aaad);
  t ^= t >>> 15;
  t = Math.imul(t, 0x735a2d97);
  return (t ^ (t >>> 15)) >>> 0;
}

/** Four state words from two splitmix32 sequences, one per seed word; never all zero. */
function initialState(low: number, high: number): [number, number, number, number] {
  const state: [number, number, number, number] = [0, 0, 0, 0];
  let a = low | 0;
  let b = (high ^ 0x5bd1e995) | 0;
  for (let k = 0; k < 4; k++) {
    a = (a + 0x9e3779b9) | 0;
    b = (b + 0x6a09e667) | 0;
    state[k] = (splitmix32(a) ^ rotl(splitmix32(b), 16)) | 0;
  }
  if ((state[0] | state[1] | state[2] | state[3]) === 0) state[0] = 1;
  return state;
}

/**
 * The seed for a seeded test: the integer in environment variable `name` when it is set,
 * else `fallback`. Set the variable to replay a failure or to explore other seeds.
 *
 * @example
 * const seed = seedFromEnv("AMPSIM_SEED", 42);
 * // AMPSIM_SEED=7 npx vitest run test/sim   → seed 7
 */
export function seedFromEnv(name = "AMPSIM_SEED", fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text.trim() === "") {
    if (!Number.isSafeInteger(fallback)) throw badArgument(`seedFromEnv: the fallback seed must be a safe integer, but found ${showValue(fallback)}`);
    return fallback;
  }
  const seed = Number(text.trim());
  if (!/^\s*-?\d+\s*$/.test(text) || !Number.isSafeInteger(seed)) {
    throw new AmpsimError("BAD_CONFIG", `environment variable ${name} must hold an integer seed, but holds ${JSON.stringify(text)}`);
  }
  return seed;
}

/**
 * A one-line instruction that replays a seeded run.
 *
 * @example
 * replayHint(7, "npx vitest run test/sim/prng.test.ts");
 * // "seed 7 — replay with: AMPSIM_SEED=7 npx vitest run test/sim/prng.test.ts"
 */
export function replayHint(seed: Seed, command: string, variable = "AMPSIM_SEED"): string {
  const text = String(seed);
  const quoted = /^[\w./:-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
  return `seed ${text} — replay with: ${variable}=${quoted} ${command}`;
}
