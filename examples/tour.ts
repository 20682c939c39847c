// The README's five-minute tour, runnable: npx tsx examples/tour.ts
import { Engine, HashMap, movedBuckets, rowHash, rowsOf, types } from "../engine/index.js";
import { migrate } from "../migrator/index.js";

// 1. A system of 4 AMPs with 16-bit hash buckets, and a table defined in Teradata SQL.
const source = new Engine({ name: "old", amps: 4 });
source.sql(`
  CREATE DATABASE shop;
  CREATE MULTISET TABLE shop.orders (
    id INTEGER NOT NULL,
    customer INTEGER,
    amount DECIMAL(10,2),
    note VARCHAR(20)
  ) UNIQUE PRIMARY INDEX (id)
  INDEX (customer);
`);

// 2. Rows go to the AMP their primary index's row hash assigns.
const rows = Array.from({ length: 10_000 }, (_, i) => ({ id: i, customer: i % 97, amount: (i % 500) / 4, note: i % 10 === 0 ? null : `order ${i}` }));
source.insert("shop.orders", rows);
console.log("rows per AMP:", source.ampRowCounts("shop.orders"));
console.log("skew factor:", source.skewFactor("shop.orders").toFixed(2), "%");
console.log("row hash of id 42:", rowHash([42], [types.int32]).toString(16), "→ AMP", source.ampOf("shop.orders", 42));
console.log(source.showTable("shop.orders"));

// 3. Steps: a single-AMP lookup, an all-AMP scan with a predicate, an aggregate.
console.log(rowsOf(source.lookup("shop.orders", 42)));
console.log("big orders:", source.scan("shop.orders", { where: "amount >= 120 AND customer = 3" }).numRows);
console.log(rowsOf(source.aggregate("shop.orders", { groupBy: ["customer"], aggregates: [{ fn: "count" }, { fn: "sum", column: "amount" }] })).slice(0, 3));

// 4. An insert-select into a table with another primary index redistributes through the interconnect.
source.sql("CREATE MULTISET TABLE shop.by_customer (id INTEGER NOT NULL, customer INTEGER, amount DECIMAL(10,2), note VARCHAR(20)) PRIMARY INDEX (customer);");
source.insertSelect("shop.by_customer", "shop.orders");
const step = source.trace.steps.at(-1)!;
console.log(`${step.step}: ${step.rows} rows, ${step.transfers.length} AMP-to-AMP transfers, ${step.transfers.reduce((s, t) => s + t.bytes, 0)} bytes`);

// 5. A grown system: 6 AMPs whose hash map moves the fewest buckets.
const grown = HashMap.rebalance(source.hashMap, 6);
console.log(`rebalance 4 → 6 AMPs moves ${movedBuckets(source.hashMap, grown)} of ${grown.buckets.length} buckets`);

// 6. Migrate both tables to a differently configured system: 6 AMPs, 20-bit buckets, 3 streams over an OS pipe.
const target = new Engine({ name: "new", amps: 6, hashBits: 20 });
const report = await migrate({ source, target, streams: 3, medium: "pipe" });
for (const t of report.tables) console.log(t.table, t.rows, "rows, verified:", t.verified, "target AMPs:", t.targetAmpRows.join(" "));
console.log("phases:", report.phases.map((p) => p.phase).join(" → "));
console.log("target tables:", target.tables());
