/**
 * A storage module: the storage one AMP alone owns. Per table, one fragment.
 *
 * Nothing writes a fragment here directly: statements collect new fragments in a
 * Transaction, which checks space and then commits them on every AMP together.
 */
import { EMPTY_FRAGMENT, type Fragment } from "./fragment.js";

export class StorageModule {
  readonly amp: number;
  readonly #fragments = new Map<number, Fragment>();
  #bytesUsed = 0;

  constructor(amp: number) {
    this.amp = amp;
  }

  fragment(tableId: number): Fragment {
    return this.#fragments.get(tableId) ?? EMPTY_FRAGMENT;
  }

  /** Bytes of every fragment on this AMP (permanent space in use). */
  get bytesUsed(): number {
    return this.#bytesUsed;
  }

  tableIds(): number[] {
    return [...this.#fragments.keys()];
  }

  /** Only Transaction.commit calls this. */
  replace(tableId: number, fragment: Fragment | null): void {
    this.#bytesUsed -= this.fragment(tableId).bytes;
    if (fragment === null || (fragment.rowCount === 0 && fragment.nextUniqueness === 0)) this.#fragments.delete(tableId);
    else this.#fragments.set(tableId, fragment);
    this.#bytesUsed += fragment?.bytes ?? 0;
  }
}
