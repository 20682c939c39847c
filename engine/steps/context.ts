/**
 * The context a step runs in: the system's configuration, the catalog (a clone
 * while DDL is pending), the open transaction, and the trace steps recorded so
 * far. The engine commits all of it together or none of it.
 */
import type { Catalog, TableEntry } from "../catalog/catalog.js";
import { isReservedName } from "../catalog/catalog.js";
import { parseQualifiedName } from "../catalog/sql-parser.js";
import { AmpsimError } from "../errors.js";
import type { HashMap } from "../hash/hash-map.js";
import type { Transaction } from "../storage/transaction.js";
import { StepRecorder, type StepKind, type StepScope, type Trace, type TraceStep } from "../trace.js";
import type { WriteContext } from "./store-rows.js";

export interface SystemInfo {
  readonly name: string;
  readonly amps: number;
  readonly hashMap: HashMap;
  readonly nopiHash: Uint32Array;
  /** AMPs that own at least one hash bucket: NoPI rows go only there, so every row's hash maps to its AMP. */
  readonly nopiAmps: Uint16Array;
  readonly permBytesPerAmp: number;
}

export class StatementContext implements WriteContext {
  readonly steps: TraceStep[] = [];

  constructor(
    readonly system: SystemInfo,
    readonly catalog: Catalog,
    readonly tx: Transaction,
    readonly trace: Trace,
    /** True for the migrator's own statements, which may touch the reserved namespace. */
    readonly internal: boolean,
  ) {}

  get hashMap(): HashMap { return this.system.hashMap; }
  get nopiHash(): Uint32Array { return this.system.nopiHash; }
  get nopiAmps(): Uint16Array { return this.system.nopiAmps; }

  recorder(step: StepKind, scope: StepScope, table: string, source: string | null = null): StepRecorder {
    return new StepRecorder(this.trace, this.system.amps, { step, scope, system: this.system.name, table, source });
  }

  record(step: TraceStep): void {
    this.steps.push(step);
  }

  /** The table named `name` (`db.t`, or `t` in the default database). */
  resolve(name: string): TableEntry {
    if (typeof name !== "string") throw new AmpsimError("BAD_ARGUMENT", `a table name must be a string, but found ${typeof name}`);
    const parsed = parseQualifiedName(name);
    const database = parsed.database ?? this.catalog.defaultDatabase;
    this.checkNamespace(database, `${database}.${parsed.name}`);
    return this.catalog.get(database, parsed.name);
  }

  /** User statements may not name the reserved namespace. */
  checkNamespace(database: string, what: string): void {
    if (!this.internal && isReservedName(database)) {
      throw new AmpsimError("BAD_DDL", `${what} is in the reserved namespace ($…) that ampsim keeps for staging tables and index subtables`, { table: what });
    }
  }
}
