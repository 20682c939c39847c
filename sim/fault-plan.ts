/**
 * Seeded fault plans for the migrator's fault points (migrator/faults.ts): at
 * chosen or random visits of a point, crash (InjectedCrash: the process dies),
 * break the medium (MEDIUM_FAILED), corrupt what arrives (ARCHIVE_CORRUPT), or
 * delay. Probabilities are ratios of integers. Whether a visit of a site fires,
 * and what, depends only on the seed and the site (point, table, stream, batch,
 * and how often that site was visited before), never on the order in which
 * concurrent streams reach their sites — so the same seed makes the same faults
 * over a pipe or a socket too. Only `maxFaults` counts in the order faults fire,
 * and `at` names the n-th visit of a point across all streams.
 */
import { AmpsimError, checkOptionNames, showValue } from "../engine/index.js";
import { InjectedCrash, type FaultHooks, type FaultPointName, type FaultSite } from "../migrator/index.js";
import type { Ratio } from "./data-generator.js";
import { Prng } from "./prng.js";

export type FaultKind = "crash" | "medium" | "corrupt" | "delay";

export const FAULT_KINDS: readonly FaultKind[] = Object.freeze(["crash", "medium", "corrupt", "delay"]);

export const FAULT_POINTS: readonly FaultPointName[] = Object.freeze([
  "dictionary.copy", "staging.create", "archive.batch", "medium.send", "medium.receive", "restore.batch", "insert-select.table", "verify.table", "cleanup",
]);

export interface FaultPlanOptions {
  /** Chance that a visit of a fault point fires a fault (default 1/20; 0 when `at` alone chooses the faults, without kinds, points or maxFaults). */
  readonly rate?: Ratio;
  /** Kinds to choose from at random (default crash, medium, corrupt, delay; medium and corrupt only fire at medium points). */
  readonly kinds?: readonly FaultKind[];
  /** Points that may fire (default all). */
  readonly points?: readonly FaultPointName[];
  /** Faults this plan fires at most (default 1). */
  readonly maxFaults?: number;
  /** Explicit faults: the `visit`-th visit (from 1) of `point`. */
  readonly at?: readonly { readonly point: FaultPointName; readonly visit: number; readonly kind: FaultKind }[];
}

export interface InjectedFault extends FaultSite {
  readonly kind: FaultKind;
  readonly visit: number;
}

const MEDIUM_POINTS: ReadonlySet<FaultPointName> = new Set(["medium.send", "medium.receive"]);

/**
 * A seeded fault plan; pass it as `migrate({ faults })`.
 *
 * @example
 * const faults = new FaultPlan(7, { rate: { numerator: 1, denominator: 10 } });
 * await migrate({ source, target, checkpointDir, faults }).catch(() => migrate({ source, target, checkpointDir, resume: true }));
 */
export class FaultPlan implements FaultHooks {
  readonly seed: number | string;
  readonly injected: InjectedFault[] = [];
  readonly #options: Required<Omit<FaultPlanOptions, "at">> & Pick<FaultPlanOptions, "at">;
  readonly #visits = new Map<FaultPointName, number>();
  readonly #siteVisits = new Map<string, number>();

  constructor(seed: number | string, options: FaultPlanOptions = {}) {
    if (!((typeof seed === "number" && Number.isFinite(seed)) || typeof seed === "string")) {
      throw new AmpsimError("BAD_CONFIG", `a fault plan's seed is a finite number or a string, but found ${showValue(seed)}`, { option: "seed" });
    }
    if (options === null || typeof options !== "object") throw new AmpsimError("BAD_CONFIG", `fault plan options must be an object, but found ${showValue(options)}`, { option: "options" });
    this.seed = seed;
    for (const name of ["kinds", "points", "at"] as const) {
      if (options[name] !== undefined && !Array.isArray(options[name])) throw new AmpsimError("BAD_CONFIG", `${name} must be a list, but found ${showValue(options[name])}`, { option: name });
    }
    checkOptionNames(options, ["rate", "kinds", "points", "maxFaults", "at"], "FaultPlan options");
    // Chosen faults alone (`at` and nothing that shapes random ones), else 1 in 20 visits unless a rate is given.
    const chosenOnly = Array.isArray(options.at) && options.at.length > 0 && options.kinds === undefined && options.points === undefined && options.maxFaults === undefined;
    const rate = options.rate ?? (chosenOnly ? { numerator: 0, denominator: 1 } : { numerator: 1, denominator: 20 });
    const isRatio = typeof rate === "object" && rate !== null && "numerator" in rate && "denominator" in rate;
    if (!isRatio || !Number.isInteger(rate.numerator) || !Number.isInteger(rate.denominator) || rate.numerator < 0 || rate.denominator < 1 || rate.numerator > rate.denominator) {
      const found = isRatio ? `${showValue(rate.numerator)}/${showValue(rate.denominator)}` : showValue(rate);
      throw new AmpsimError("BAD_CONFIG", `a fault rate is a ratio of integers { numerator, denominator } with 0 ≤ numerator ≤ denominator (e.g. { numerator: 1, denominator: 20 }), but found ${found}`, { option: "rate" });
    }
    const unknown = (options.points ?? []).filter((p) => !FAULT_POINTS.includes(p));
    if (unknown.length > 0) throw new AmpsimError("BAD_CONFIG", `unknown fault point(s) ${unknown.join(", ")}; points: ${FAULT_POINTS.join(", ")}`, { option: "points" });
    const badKinds = (options.kinds ?? []).filter((k) => !FAULT_KINDS.includes(k));
    if (badKinds.length > 0 || (options.kinds !== undefined && options.kinds.length === 0)) {
      throw new AmpsimError("BAD_CONFIG", `fault kinds must be a non-empty list of ${FAULT_KINDS.join(", ")}, but found ${showValue(options.kinds)}`, { option: "kinds" });
    }
    if (options.maxFaults !== undefined && !(Number.isInteger(options.maxFaults) && options.maxFaults >= 0)) {
      throw new AmpsimError("BAD_CONFIG", `maxFaults must be a non-negative integer, but found ${showValue(options.maxFaults)}`, { option: "maxFaults" });
    }
    (options.at ?? []).forEach((f, i) => {
      const problem = !FAULT_POINTS.includes(f?.point) ? `point ${showValue(f?.point)} (points: ${FAULT_POINTS.join(", ")})`
        : !(Number.isInteger(f.visit) && f.visit >= 1) ? `visit ${showValue(f.visit)} (visits count from 1)`
          : !FAULT_KINDS.includes(f.kind) ? `kind ${showValue(f.kind)} (kinds: ${FAULT_KINDS.join(", ")})` : null;
      if (problem !== null) throw new AmpsimError("BAD_CONFIG", `at[${i}] has an unknown ${problem}`, { option: "at" });
    });
    this.#options = { rate, kinds: options.kinds ?? ["crash", "medium", "corrupt", "delay"], points: options.points ?? FAULT_POINTS, maxFaults: options.maxFaults ?? 1, at: options.at };
  }

  at(site: FaultSite): void | Promise<void> {
    const visit = (this.#visits.get(site.point) ?? 0) + 1;
    this.#visits.set(site.point, visit);
    const key = `${site.point}|${site.table ?? ""}|${site.stream ?? ""}|${site.batch ?? ""}`;
    const siteVisit = (this.#siteVisits.get(key) ?? 0) + 1;
    this.#siteVisits.set(key, siteVisit);
    const kind = this.#choose(site, visit, new Prng(`faults/${this.seed}/${key}/${siteVisit}`));
    if (kind === null) return;
    this.injected.push({ ...site, kind, visit });
    return fire(kind, site);
  }

  /** `prng` is this site visit's own generator: the choice does not depend on other streams' visits. */
  #choose(site: FaultSite, visit: number, prng: Prng): FaultKind | null {
    const explicit = this.#options.at?.find((f) => f.point === site.point && f.visit === visit);
    if (explicit) return explicit.kind;
    if (this.injected.length >= this.#options.maxFaults || !this.#options.points.includes(site.point)) return null;
    if (!prng.chance(this.#options.rate.numerator, this.#options.rate.denominator)) return null;
    const kinds = this.#options.kinds.filter((k) => (k === "medium" ? MEDIUM_POINTS.has(site.point) : k === "corrupt" ? site.point === "medium.receive" : true));
    return kinds.length === 0 ? null : prng.pick(kinds);
  }
}

function where(site: FaultSite): string {
  return `${site.point}${site.table ? ` of ${site.table}` : ""}${site.stream === undefined ? "" : ` stream ${site.stream}`}${site.batch === undefined ? "" : ` batch ${site.batch}`}`;
}

function fire(kind: FaultKind, site: FaultSite): void | Promise<void> {
  switch (kind) {
    case "crash": throw new InjectedCrash(site);
    case "medium": throw new AmpsimError("MEDIUM_FAILED", `injected fault: the medium broke at ${where(site)}`, { table: site.table, stream: site.stream, batch: site.batch });
    case "corrupt": throw new AmpsimError("ARCHIVE_CORRUPT", `injected fault: a damaged batch arrived at ${where(site)}`, { table: site.table, stream: site.stream, batch: site.batch });
    case "delay": return new Promise((resolve) => setTimeout(resolve, 1));
  }
}
