/**
 * Fault points: named sites in the migrator where a fault plan (sim/FaultPlan)
 * may crash, fail, delay or damage. Outside simulation no plan is set and a
 * fault point costs one optional call.
 *
 * A crash is an InjectedCrash: not an AmpsimError, so nothing catches it as an
 * operating error; it stands for the process (or a module) dying on the spot,
 * and a later `migrate({ resume: true })` picks up from the checkpoint.
 */

export type FaultPointName =
  | "dictionary.copy" | "staging.create" | "archive.batch" | "medium.send" | "medium.receive"
  | "restore.batch" | "insert-select.table" | "verify.table" | "cleanup";

export interface FaultSite {
  readonly point: FaultPointName;
  readonly table?: string;
  readonly stream?: number;
  readonly batch?: number;
}

export interface FaultHooks {
  /** Called at a fault point before its action; may throw, or return a promise to delay it. */
  at(site: FaultSite): void | Promise<void>;
}

/** A simulated crash at a fault point. */
export class InjectedCrash extends Error {
  override readonly name = "InjectedCrash";
  readonly site: FaultSite;

  constructor(site: FaultSite) {
    super(`injected crash at ${site.point}${site.table ? ` (${site.table}${site.stream === undefined ? "" : ` stream ${site.stream}`}${site.batch === undefined ? "" : ` batch ${site.batch}`})` : ""}`);
    this.site = site;
  }
}
