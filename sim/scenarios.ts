/**
 * Ready-made scenarios: sets of tables (Teradata DDL text plus a seeded data
 * generator and a row count) that the CLI demo, the tests, the benchmarks and
 * the notebooks load into a source system.
 *
 * | scenario  | tables                                   | what it shows                                  |
 * |-----------|------------------------------------------|------------------------------------------------|
 * | orders    | shop.orders (UPI order_id, NUSI customer) | an even UPI table with decimals, dates, NULLs |
 * | events    | shop.events (NUPI user_id, Zipf s = 1.1)  | a skewed NUPI table with timestamps and NULLs  |
 * | dimension | shop.products (UPI, USI on sku)           | a small table with strings and a USI           |
 * | demo      | the three above                          | what `ampsim demo` migrates (≈1 M rows)         |
 * | uniform   | lab.uniform (NUPI account, uniform)       | the even half of a skew comparison             |
 * | skewed    | lab.skewed (NUPI account, hot keys)       | the skewed half: same schema and row count     |
 *
 * `rows` is the row count of the scenario's main table (the first one); the
 * others scale with it (demo: events get 2/3 of it, products stay at 1,000).
 * Each table's data is seeded with `${seed}/${table}` (uniform and skewed
 * share `${seed}/lab`, so only their PI column differs), so a table holds the
 * same rows whichever scenario it appears in.
 */
import { AmpsimError, checkOptionNames, Engine, showValue, types } from "../engine/index.js";
import { DataGenerator, type ColumnSpec } from "./data-generator.js";
import { Prng } from "./prng.js";

/** One table of a scenario. */
export interface TableScenario {
  /** Qualified name, e.g. "shop.orders". */
  readonly name: string;
  /** Teradata CREATE TABLE text (with its indexes) that `engine.sql` accepts. */
  readonly ddl: string;
  readonly generator: DataGenerator;
  readonly rows: number;
}

/** A named set of tables to load into a system. */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly tables: readonly TableScenario[];
}

export const SCENARIO_NAMES = Object.freeze(["orders", "events", "dimension", "demo", "uniform", "skewed"] as const);
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export interface ScenarioOptions {
  /** Rows of the scenario's main table (defaults: demo 600,000, dimension 1,000, others 10,000). */
  readonly rows?: number;
  /** Seed of the data generators (default DEFAULT_SEED). */
  readonly seed?: number;
}

/** The seed scenarios use when none is given (the CLI's default too). */
export const DEFAULT_SEED = 1;

const DEFAULT_ROWS: Readonly<Record<ScenarioName, number>> = Object.freeze({
  orders: 10_000, events: 10_000, dimension: 1_000, demo: 600_000, uniform: 10_000, skewed: 10_000,
});
const PRODUCT_ROWS = 1_000;
const MS_PER_DAY = 86_400_000;
const dayOf = (year: number, month: number, day: number): number => Date.UTC(year, month - 1, day) / MS_PER_DAY;
const ratio = (numerator: number, denominator: number) => ({ numerator, denominator });

function tableScenario(name: string, ddl: string, columns: readonly ColumnSpec[], rows: number, seed: string): TableScenario {
  return Object.freeze({ name, ddl, generator: new DataGenerator(columns, seed), rows });
}

function tableSeed(seed: number, label: string): string {
  return new Prng(seed).fork(label).seed as string;
}

function ordersTable(rows: number, seed: number): TableScenario {
  const ddl = `CREATE MULTISET TABLE shop.orders (
  order_id BIGINT NOT NULL,
  customer INTEGER NOT NULL,
  amount DECIMAL(12,2) NOT NULL,
  status VARCHAR(10),
  order_date DATE NOT NULL
) UNIQUE PRIMARY INDEX (order_id)
INDEX (customer);`;
  return tableScenario("shop.orders", ddl, [
    { name: "order_id", type: types.int64, distribution: { kind: "sequential", start: 1 } },
    { name: "customer", type: types.int32, distribution: { kind: "zipf", n: Math.max(1, Math.ceil(rows / 10)), s: 1 } },
    { name: "amount", type: types.decimal(12, 2), distribution: { kind: "uniform", min: 100, max: 1_000_000 } },
    { name: "status", type: types.varchar(10), distribution: { kind: "zipf", n: 5, s: 1.2 }, stringLength: { min: 4, max: 10 }, nullFraction: ratio(1, 20) },
    { name: "order_date", type: types.date, distribution: { kind: "uniform", min: dayOf(2020, 1, 1), max: dayOf(2024, 12, 31) } },
  ], rows, tableSeed(seed, "shop.orders"));
}

function eventsTable(rows: number, seed: number): TableScenario {
  const ddl = `CREATE MULTISET TABLE shop.events (
  event_id BIGINT NOT NULL,
  user_id INTEGER NOT NULL,
  kind VARCHAR(12) NOT NULL,
  payload VARCHAR(40),
  ts TIMESTAMP NOT NULL,
  score FLOAT
) PRIMARY INDEX (user_id);`;
  return tableScenario("shop.events", ddl, [
    { name: "event_id", type: types.int64, distribution: { kind: "sequential", start: 1 } },
    { name: "user_id", type: types.int32, distribution: { kind: "zipf", n: Math.max(1, Math.ceil(rows / 10)), s: 1.1 } },
    { name: "kind", type: types.varchar(12), distribution: { kind: "zipf", n: 8, s: 1 }, stringLength: { min: 4, max: 12 } },
    { name: "payload", type: types.varchar(40), distribution: { kind: "uniform", min: 0, max: 2 ** 40 }, stringLength: { min: 10, max: 40 }, nullFraction: ratio(1, 4) },
    { name: "ts", type: types.timestamp, distribution: { kind: "uniform", min: dayOf(2024, 1, 1) * MS_PER_DAY, max: dayOf(2025, 1, 1) * MS_PER_DAY - 1 } },
    { name: "score", type: types.float64, distribution: { kind: "uniform", min: 0, max: 100 }, nullFraction: ratio(1, 50) },
  ], rows, tableSeed(seed, "shop.events"));
}

function productsTable(rows: number, seed: number): TableScenario {
  const ddl = `CREATE TABLE shop.products (
  product_id INTEGER NOT NULL,
  sku CHAR(10) NOT NULL,
  name VARCHAR(40) NOT NULL,
  category VARCHAR(20),
  price DECIMAL(10,2) NOT NULL,
  introduced DATE
) UNIQUE PRIMARY INDEX (product_id)
UNIQUE INDEX (sku);`;
  return tableScenario("shop.products", ddl, [
    { name: "product_id", type: types.int32, distribution: { kind: "sequential", start: 1 } },
    // Sequential values give distinct strings: a valid USI.
    { name: "sku", type: types.char(10), distribution: { kind: "sequential", start: 1_000_000 }, stringLength: { min: 10, max: 10 } },
    { name: "name", type: types.varchar(40), distribution: { kind: "uniform", min: 0, max: 2 ** 40 }, stringLength: { min: 8, max: 40 } },
    { name: "category", type: types.varchar(20), distribution: { kind: "zipf", n: 12, s: 0.8 }, stringLength: { min: 5, max: 20 }, nullFraction: ratio(1, 50) },
    { name: "price", type: types.decimal(10, 2), distribution: { kind: "uniform", min: 99, max: 99_999 } },
    { name: "introduced", type: types.date, distribution: { kind: "uniform", min: dayOf(2010, 1, 1), max: dayOf(2024, 12, 31) }, nullFraction: ratio(1, 100) },
  ], rows, tableSeed(seed, "shop.products"));
}

/** lab.uniform and lab.skewed: the same schema and data except the PI column `account`. */
function labTable(kind: "uniform" | "skewed", rows: number, seed: number): TableScenario {
  const ddl = `CREATE MULTISET TABLE lab.${kind} (
  id BIGINT NOT NULL,
  account INTEGER NOT NULL,
  balance FLOAT,
  note VARCHAR(20)
) PRIMARY INDEX (account);`;
  const account = kind === "uniform"
    ? { kind: "uniform" as const, min: 1, max: 1_000_000_000 }
    : { kind: "hot-keys" as const, keys: [1, 2, 3], hotFraction: ratio(1, 2), min: 1, max: 1_000_000_000 };
  return tableScenario(`lab.${kind}`, ddl, [
    { name: "id", type: types.int64, distribution: { kind: "sequential", start: 1 } },
    { name: "account", type: types.int32, distribution: account },
    { name: "balance", type: types.float64, distribution: { kind: "uniform", min: -1_000, max: 100_000 }, nullFraction: ratio(1, 100) },
    { name: "note", type: types.varchar(20), stringLength: { min: 3, max: 20 }, nullFraction: ratio(1, 10) },
  ], rows, tableSeed(seed, "lab"));
}

const DESCRIPTIONS: Readonly<Record<ScenarioName, string>> = Object.freeze({
  orders: "shop.orders: UPI on a sequential BIGINT, a NUSI on a Zipf-distributed customer, DECIMAL, DATE and a VARCHAR with NULLs",
  events: "shop.events: a skewed NUPI (user_id, Zipf s = 1.1), VARCHARs with NULLs, TIMESTAMP and FLOAT",
  dimension: "shop.products: a small UPI table with strings and a USI on sku",
  demo: "shop.orders, shop.events and shop.products together: what `ampsim demo` migrates",
  uniform: "lab.uniform: a NUPI with uniformly distributed values, for comparing with skewed",
  skewed: "lab.skewed: the same schema and row count, half of the rows on three hot PI values",
});

function checkOptions(name: unknown, options: ScenarioOptions): { rows: number; seed: number } {
  if (!SCENARIO_NAMES.includes(name as ScenarioName)) {
    throw new AmpsimError("BAD_ARGUMENT", `unknown scenario ${showValue(name)} (expected one of ${SCENARIO_NAMES.join(", ")})`);
  }
  if (options === null || typeof options !== "object") throw new AmpsimError("BAD_ARGUMENT", `scenario ${name}: options must be an object, but found ${showValue(options)}`);
  checkOptionNames(options, ["rows", "seed"], `scenario ${name}`, "BAD_ARGUMENT");
  const rows = options.rows ?? DEFAULT_ROWS[name as ScenarioName];
  const seed = options.seed ?? DEFAULT_SEED;
  if (!Number.isSafeInteger(rows) || rows < 0) throw new AmpsimError("BAD_ARGUMENT", `scenario ${name}: rows must be an integer >= 0, but found ${showValue(rows)}`);
  if (!Number.isSafeInteger(seed)) throw new AmpsimError("BAD_ARGUMENT", `scenario ${name}: seed must be a safe integer, but found ${showValue(seed)}`);
  return { rows, seed };
}

/**
 * A ready-made scenario; `rows` sets the row count of its main table.
 *
 * @example
 * const demo = scenario("demo");                        // shop.orders 600k, shop.events 400k, shop.products 1k
 * const small = scenario("skewed", { rows: 2_000, seed: 7 });
 * small.tables[0].name;                                  // "lab.skewed"
 */
export function scenario(name: ScenarioName, options: ScenarioOptions = {}): Scenario {
  const { rows, seed } = checkOptions(name, options);
  const tables = ((): TableScenario[] => {
    switch (name) {
      case "orders": return [ordersTable(rows, seed)];
      case "events": return [eventsTable(rows, seed)];
      case "dimension": return [productsTable(rows, seed)];
      case "demo": return [ordersTable(rows, seed), eventsTable(Math.round((rows * 2) / 3), seed), productsTable(Math.min(PRODUCT_ROWS, rows), seed)];
      case "uniform": return [labTable("uniform", rows, seed)];
      case "skewed": return [labTable("skewed", rows, seed)];
      default: {
        const unknown: never = name;
        throw new Error(`assertion failed: unhandled scenario ${showValue(unknown)}`);
      }
    }
  })();
  return Object.freeze({ name, description: DESCRIPTIONS[name], tables: Object.freeze(tables) });
}

/**
 * Creates a scenario's databases (when missing) and tables in `engine` and inserts every row,
 * `batchRows` rows per insert (default 65,536).
 *
 * @example
 * const engine = new Engine({ amps: 4 });
 * loadScenario(engine, scenario("orders", { rows: 2_000 }));
 * engine.rowCount("shop.orders"); // 2000
 */
export function loadScenario(engine: Engine, chosen: Scenario, options: { batchRows?: number } = {}): void {
  if (!(engine instanceof Engine)) throw new AmpsimError("BAD_ARGUMENT", `loadScenario(engine, scenario): engine must be an Engine, but found ${showValue(engine)}`);
  if (chosen === null || typeof chosen !== "object" || !Array.isArray(chosen.tables)) throw new AmpsimError("BAD_ARGUMENT", `loadScenario(engine, scenario): scenario must be what scenario(name, …) returns, but found ${showValue(chosen)}`);
  const batchRows = options.batchRows ?? 65_536;
  if (!Number.isSafeInteger(batchRows) || batchRows < 1) throw new AmpsimError("BAD_ARGUMENT", `loadScenario: batchRows must be an integer >= 1, but found ${showValue(batchRows)}`);
  for (const table of chosen.tables) {
    const database = table.name.slice(0, table.name.indexOf("."));
    if (!engine.databases().includes(database)) engine.sql(`CREATE DATABASE ${database};`);
    engine.sql(table.ddl);
    for (const batch of table.generator.batches(table.rows, batchRows)) engine.insert(table.name, batch);
  }
}
