/**
 * Seeded fault plans for the migrator's fault points (migrator/faults.ts): at
 * chosen or random visits of a point, crash (InjectedCrash: the process dies),
 * break the medium (MEDIUM_FAILED), corrupt what arrives (ARCHIVE_CORRUPT), or
 * delay. Probabilities are ratios of integers; the same seed makes the same
 * faults at the same visits.
 */
import { AmpsimError } from "../engine/index.js";
import { InjectedCrash, type FaultHooks, type FaultPointName, type FaultSite } from "../migrator/index.js";
import type { Ratio } from "./data-generator.js";
import { Prng } from "./prng.js";

export type FaultKind = "crash" | "medium" | "corrupt" | "delay";

export const FAULT_POINTS: readonly FaultPointName[] = Object.freeze([
  "dictionary.copy", "staging.create", "archive.batch", "medium.send", "medium.receive", "restore.batch", "insert-select.table", "verify.table", "cleanup",
]);

export interface FaultPlanOptions {
  /** Chance that a visit of a fault point fires a fault (default 1/20). */
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
  readonly #prng: Prng;
  readonly #options: Required<Omit<FaultPlanOptions, "at">> & Pick<FaultPlanOptions, "at">;
  readonly #visits = new Map<FaultPointName, number>();

  constructor(seed: number | string, options: FaultPlanOptions = {}) {
    this.seed = seed;
    this.#prng = new Prng(`faults/${seed}`);
    const rate = options.rate ?? { numerator: 1, denominator: 20 };
    if (!Number.isInteger(rate.numerator) || !Number.isInteger(rate.denominator) || rate.numerator < 0 || rate.denominator < 1 || rate.numerator > rate.denominator) {
      throw new AmpsimError("BAD_CONFIG", `a fault rate is a ratio of integers 0 ≤ numerator ≤ denominator, but found ${rate.numerator}/${rate.denominator}`, { option: "rate" });
    }
    const unknown = (options.points ?? []).filter((p) => !FAULT_POINTS.includes(p));
    if (unknown.length > 0) throw new AmpsimError("BAD_CONFIG", `unknown fault point(s) ${unknown.join(", ")}; points: ${FAULT_POINTS.join(", ")}`, { option: "points" });
    this.#options = { rate, kinds: options.kinds ?? ["crash", "medium", "corrupt", "delay"], points: options.points ?? FAULT_POINTS, maxFaults: options.maxFaults ?? 1, at: options.at };
  }

  at(site: FaultSite): void | Promise<void> {
    const visit = (this.#visits.get(site.point) ?? 0) + 1;
    this.#visits.set(site.point, visit);
    const kind = this.#choose(site, visit);
    if (kind === null) return;
    this.injected.push({ ...site, kind, visit });
    return fire(kind, site);
  }

  #choose(site: FaultSite, visit: number): FaultKind | null {
    const explicit = this.#options.at?.find((f) => f.point === site.point && f.visit === visit);
    if (explicit) return explicit.kind;
    if (this.injected.length >= this.#options.maxFaults || !this.#options.points.includes(site.point)) return null;
    if (!this.#prng.chance(this.#options.rate.numerator, this.#options.rate.denominator)) return null;
    const kinds = this.#options.kinds.filter((k) => (k === "medium" ? MEDIUM_POINTS.has(site.point) : k === "corrupt" ? site.point === "medium.receive" : true));
    return kinds.length === 0 ? null : this.#prng.pick(kinds);
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
