/**
 * A statement's pending changes. Reads see the pending fragments; nothing reaches
 * a storage module until commit, and commit first checks every AMP's space, so a
 * failed statement leaves every AMP as it was.
 */
import { AmpsimError } from "../errors.js";
import { EMPTY_FRAGMENT, type Fragment } from "./fragment.js";
import type { StorageModule } from "./storage-module.js";

export class Transaction {
  readonly #modules: readonly StorageModule[];
  readonly #pending = new Map<number, Map<number, Fragment | null>>();
  readonly #tableNames = new Map<number, string>();

  constructor(modules: readonly StorageModule[]) {
    this.#modules = modules;
  }

  fragment(amp: number, tableId: number): Fragment {
    const pending = this.#pending.get(amp)?.get(tableId);
    if (pending !== undefined) return pending ?? EMPTY_FRAGMENT;
    return this.#modules[amp].fragment(tableId);
  }

  /** Stages `fragment` as the table's new fragment on `amp`; `tableName` names it in a NO_SPACE error. */
  put(amp: number, tableId: number, fragment: Fragment, tableName: string): void {
    let forAmp = this.#pending.get(amp);
    if (!forAmp) { forAmp = new Map(); this.#pending.set(amp, forAmp); }
    forAmp.set(tableId, fragment);
    this.#tableNames.set(tableId, tableName);
  }

  /** Stages dropping the table's fragments on every AMP. */
  dropTable(tableId: number): void {
    for (let amp = 0; amp < this.#modules.length; amp++) {
      let forAmp = this.#pending.get(amp);
      if (!forAmp) { forAmp = new Map(); this.#pending.set(amp, forAmp); }
      forAmp.set(tableId, null);
    }
  }

  /** The staged fragments per AMP and table id (null: dropped), for a durable engine to write before commit. */
  pending(): ReadonlyMap<number, ReadonlyMap<number, Fragment | null>> {
    return this.#pending;
  }

  /** Bytes `amp` would use after commit. */
  bytesUsedAfter(amp: number): number {
    const module = this.#modules[amp];
    let bytes = module.bytesUsed;
    for (const [tableId, fragment] of this.#pending.get(amp) ?? []) bytes += (fragment?.bytes ?? 0) - module.fragment(tableId).bytes;
    return bytes;
  }

  /** Throws NO_SPACE (changing nothing) when an AMP would exceed `permBytesPerAmp`. */
  checkSpace(permBytesPerAmp: number): void {
    if (!Number.isFinite(permBytesPerAmp)) return;
    for (const [amp, forAmp] of this.#pending) {
      const after = this.bytesUsedAfter(amp);
      if (after <= permBytesPerAmp || after <= this.#modules[amp].bytesUsed) continue;
      const growing = [...forAmp].find(([tableId, f]) => (f?.bytes ?? 0) > this.#modules[amp].fragment(tableId).bytes);
      const table = growing ? this.#tableNames.get(growing[0]) ?? "?" : "?";
      throw new AmpsimError("NO_SPACE",
        `AMP ${amp} would hold ${after} bytes, over its permanent space of ${permBytesPerAmp} bytes, while writing ${table}`,
        { amp, table, bytesNeeded: after, permBytesPerAmp });
    }
  }

  commit(permBytesPerAmp: number): void {
    this.checkSpace(permBytesPerAmp);
    for (const [amp, forAmp] of this.#pending) {
      for (const [tableId, fragment] of forAmp) this.#modules[amp].replace(tableId, fragment);
    }
    this.#pending.clear();
  }
}
