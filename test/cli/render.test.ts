/**
 * The CLI's terminal rendering: tables, number formats, histograms,
 * side-by-side blocks and progress bars (plain and TTY), against a fake
 * output stream and a fake clock so every line is known in advance.
 */
import { describe, expect, it } from "vitest";
import {
  ProgressBars, formatBytes, formatCount, formatMs, formatPercent, formatRate, renderBar, renderHistogram,
  renderSideBySide, renderTable, stripAnsi, visibleWidth,
} from "../../cli/render/index.js";
import { progressHandler } from "../../cli/migrate-command.js";

const ANSI = /\x1b/;
const FULL_BLOCK = "█";

function fullBlocks(line: string): number {
  return [...line].filter((char) => char === FULL_BLOCK).length;
}

/** A writable that records each write; `isTTY` and `columns` as a terminal or a pipe would report them. */
function fakeOutput(isTTY: boolean, columns = 100): { writes: string[]; stream: { write(text: string): boolean; isTTY: boolean; columns: number } } {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns, write: (text: string) => (writes.push(text), true) } };
}

describe("renderTable", () => {
  const rows = [
    { table: "shop.orders", rows: 1_234_567, note: "skewed" },
    { table: "shop.customers", rows: 20_000, note: null },
    { table: "\x1b[1mhr.staff\x1b[0m", rows: 7, note: "bold name" },
  ];
  const columns = [{ key: "table", title: "table" }, { key: "rows", title: "rows" }, { key: "note", title: "note" }];

  it("aligns every line to the same visible width, numbers right and text left", () => {
    const text = renderTable(rows, { columns, title: "Tables" });
    const lines = text.split("\n");
    expect(lines[0]).toBe("Tables");
    const widths = lines.slice(1).map(visibleWidth);
    expect(new Set(widths).size).toBe(1);
    expect(lines[1]).toBe("table          │      rows │ note     ");
    expect(lines[2]).toBe("───────────────┼───────────┼──────────");
    expect(lines[3]).toBe("shop.orders    │ 1,234,567 │ skewed   ");
    expect(stripAnsi(lines[5])).toBe("hr.staff       │         7 │ bold name");
  });

  it("reads array rows by position, honours align and format, and draws ASCII on request", () => {
    const text = renderTable([[0, 251_234], [11, 9_870]], {
      ascii: true,
      columns: [
        { key: "amp", title: "AMP", align: "left" },
        { key: "bytes", title: "bytes", format: (value) => formatBytes(Number(value) * 100) },
      ],
    });
    expect(text.split("\n")).toEqual([
      "AMP |     bytes",
      "----+----------",
      "0   |  24.0 MiB",
      "11  | 963.9 KiB",
    ]);
    expect(text).not.toMatch(/[│─┼]/);
  });

  it("right-aligns text that reads as a number, and only that", () => {
    const text = renderTable([
      { bytes: "94.2 MiB", time: "3 min 2 s", rate: "4.1 M rows/s", day: "2024-01-01", cluster: "AMPs 0-3" },
      { bytes: "512 B", time: "850 ms", rate: "850 rows/s", day: "2024-01-02", cluster: "AMPs 4-7" },
    ], { columns: ["bytes", "time", "rate", "day", "cluster"].map((key) => ({ key, title: key })) });
    expect(text.split("\n")[3]).toBe("   512 B │    850 ms │   850 rows/s │ 2024-01-02 │ AMPs 4-7");
  });

  it("keeps a table without rows to its header and separator", () => {
    expect(renderTable([], { columns: [{ key: "a", title: "AMP" }] })).toBe("AMP\n───");
  });
});

describe("number formats", () => {
  it("groups counts", () => {
    expect(formatCount(1_234_567)).toBe("1,234,567");
    expect(formatCount(-1234)).toBe("-1,234");
    expect(formatCount(999)).toBe("999");
    expect(formatCount(0)).toBe("0");
    expect(formatCount(12_345_678_901_234_567_890n)).toBe("12,345,678,901,234,567,890");
  });

  it("writes bytes in binary units with one decimal", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(1_048_575)).toBe("1.0 MiB");
    expect(formatBytes(5 * 1024 ** 3)).toBe("5.0 GiB");
  });

  it("writes rates with a decimal prefix", () => {
    expect(formatRate(12_345_678)).toBe("12.3 M rows/s");
    expect(formatRate(850)).toBe("850 rows/s");
    expect(formatRate(2.5)).toBe("2.5 rows/s");
    expect(formatRate(999_960)).toBe("1.0 M rows/s");
    expect(formatRate(4_100, "batches")).toBe("4.1 k batches/s");
    expect(formatRate(Number.NaN)).toBe("-- rows/s");
  });

  it("writes durations for people", () => {
    expect(formatMs(850)).toBe("850 ms");
    expect(formatMs(2.54)).toBe("2.5 ms");
    expect(formatMs(999.6)).toBe("1.0 s");
    expect(formatMs(12_400)).toBe("12.4 s");
    expect(formatMs(59_960)).toBe("1 min 0 s");
    expect(formatMs(182_000)).toBe("3 min 2 s");
    expect(formatMs(3_723_000)).toBe("1 h 2 min");
  });

  it("writes fractions as percentages", () => {
    expect(formatPercent(0.1234)).toBe("12.3%");
    expect(formatPercent(0.5, 0)).toBe("50%");
    expect(formatPercent(0)).toBe("0.0%");
  });
});

describe("renderHistogram", () => {
  it("draws bars proportional to the values, with eighth blocks for the remainder", () => {
    const lines = renderHistogram([100, 50, 25, 0, 12.5], { width: 20 }).split("\n");
    expect(lines.slice(0, 5).map(fullBlocks)).toEqual([20, 10, 5, 0, 2]);
    expect(lines[4]).toContain("██▌");
    expect(lines[0].startsWith("AMP 0 │")).toBe(true);
    expect(new Set(lines.slice(0, 5).map(visibleWidth)).size).toBe(1);
  });

  it("shares one scale between two histograms through max", () => {
    const before = renderHistogram([100, 20], { width: 20, max: 100 });
    const after = renderHistogram([60, 60], { width: 20, max: 100 });
    expect(before.split("\n").slice(0, 2).map(fullBlocks)).toEqual([20, 4]);
    expect(after.split("\n").slice(0, 2).map(fullBlocks)).toEqual([12, 12]);
  });

  it("ends with min, mean, max and the skew factor", () => {
    const text = renderHistogram([100, 50, 50, 0], { unit: "rows", title: "rows per AMP" });
    const lines = text.split("\n");
    expect(lines[0]).toBe("rows per AMP");
    expect(lines.at(-1)).toBe("min 0  mean 50  max 100 rows  skew 50.0%");
    expect(lines[1]).toMatch(/│ 100 rows$/);
    expect(renderHistogram([7, 7, 7]).split("\n").at(-1)).toContain("skew 0.0%");
  });

  it("uses the given labels and pads default AMP numbers", () => {
    const values = Array.from({ length: 12 }, (_, amp) => amp);
    expect(renderHistogram(values).split("\n")[3].startsWith("AMP  3 │")).toBe(true);
    const labelled = renderHistogram([1, 2], { labels: ["orders", "items"], ascii: true, width: 4 });
    expect(labelled.split("\n").slice(0, 2)).toEqual(["orders |##  | 1", "items  |####| 2"]);
    expect(() => renderHistogram([1, 2], { labels: ["one"] })).toThrow(/Expected 2 histogram labels/);
  });

  it("draws a sliver for a small non-zero value", () => {
    expect(renderBar(0.001, 10)).toBe("▏         ");
    expect(renderBar(0, 10)).toBe(" ".repeat(10));
  });
});

describe("renderSideBySide", () => {
  it("places blocks of unequal height next to each other, measuring visible width", () => {
    const left = "\x1b[1mbefore\x1b[0m\nlonger line";
    const right = "after\nA\nB\nC";
    const lines = renderSideBySide(left, right, 2).split("\n");
    expect(lines.map(stripAnsi)).toEqual(["before       after", "longer line  A", "             B", "             C"]);
  });

  it("leaves no trailing spaces where the right block is shorter", () => {
    expect(renderSideBySide("a\nb\nc", "x")).toBe("a    x\nb\nc");
  });

  it("puts two histograms with one scale side by side", () => {
    const max = 300;
    const text = renderSideBySide(
      renderHistogram([300, 100], { max, width: 10, title: "before" }),
      renderHistogram([200, 200, 0], { max, width: 10, title: "after" }),
    );
    const lines = text.split("\n");
    expect(lines).toHaveLength(5);
    const rightStart = visibleWidth(lines[3].split("    ")[0]) + 4;
    expect(lines[0].indexOf("after")).toBe(rightStart);
    expect(lines[4].startsWith(" ".repeat(rightStart) + "min 0")).toBe(true);
  });
});

describe("ProgressBars in plain mode", () => {
  it("prints start, one line per 25% step reached, done, and where unfinished tasks stopped", () => {
    const { writes, stream } = fakeOutput(false);
    let nowMs = 0;
    const bars = new ProgressBars(stream, { now: () => nowMs });
    bars.add("s1", "stream 1 of shop.orders", 250_000);
    bars.add("s2", "stream 2 of shop.orders", 100_000);
    nowMs = 100;
    bars.update("s1", 50_000);
    bars.update("s2", 30_000);
    nowMs = 200;
    bars.update("s1", 62_500);
    bars.update("s2", 35_000);
    nowMs = 300;
    bars.update("s1", 200_000, { bytesDone: 20_000_000 });
    nowMs = 400;
    bars.update("s1", 210_000);
    bars.update("s2", 100_000);
    nowMs = 500;
    bars.finish("s2");
    bars.log("stream 2 verified");
    nowMs = 1500;
    bars.update("s1", 240_000);
    bars.stop();
    const text = writes.join("");
    expect(text.split("\n")).toEqual([
      "[stream 1 of shop.orders] start 0/250,000 rows",
      "[stream 2 of shop.orders] start 0/100,000 rows",
      "[stream 2 of shop.orders] 30% 30,000/100,000 rows 300.0 k rows/s",
      "[stream 1 of shop.orders] 25% 62,500/250,000 rows 312.5 k rows/s",
      "[stream 1 of shop.orders] 80% 200,000/250,000 rows 666.7 k rows/s 19.1 MiB",
      "[stream 2 of shop.orders] done 100,000/100,000 rows in 500 ms (200.0 k rows/s)",
      "stream 2 verified",
      // The rate covers the last second: 30,000 rows from 400 ms to 1500 ms.
      "[stream 1 of shop.orders] stopped at 96% 240,000/250,000 rows 27.3 k rows/s 19.1 MiB",
      "",
    ]);
    expect(text).not.toMatch(ANSI);
  });

  it("never prints more than one line per task per 25% step, even on a TTY with plain", () => {
    const { writes, stream } = fakeOutput(true);
    let nowMs = 0;
    const bars = new ProgressBars(stream, { plain: true, now: () => nowMs });
    bars.add("s1", "\x1b[32mstream 1\x1b[0m", 1000);
    for (let done = 1; done <= 1000; done += 1) {
      nowMs += 1;
      bars.update("s1", done);
    }
    bars.finish("s1");
    bars.stop();
    const lines = writes.join("").trimEnd().split("\n");
    expect(lines.map((line) => line.split(" ")[2])).toEqual(["start", "25%", "50%", "75%", "done"]);
    expect(writes.join("")).not.toMatch(ANSI);
  });

  it("throws on an unknown or repeated key", () => {
    const bars = new ProgressBars(fakeOutput(false).stream);
    bars.add("s1", "stream 1", 10);
    expect(() => bars.add("s1", "again", 10)).toThrow(/already in use/);
    expect(() => bars.update("s9", 1)).toThrow(/key "s9", but found none/);
  });
});

describe("ProgressBars on a TTY", () => {
  function runScripted(columns: number): string[] {
    const { writes, stream } = fakeOutput(true, columns);
    let nowMs = 0;
    const bars = new ProgressBars(stream, { now: () => nowMs, intervalMs: 100 });
    bars.add("s1", "stream 1 of shop.orders", 250_000);
    bars.add("s2", "stream 2 of shop.customers", 20_000);
    for (let step = 1; step <= 50; step += 1) {
      nowMs += 10;
      bars.update("s1", step * 4_000, { bytesDone: step * 800_000 });
      bars.update("s2", step * 400);
    }
    bars.log("stream 2: checksum mismatch in batch 7, retrying");
    bars.finish("s2");
    nowMs += 100;
    bars.update("s1", 250_000);
    bars.finish("s1");
    bars.stop();
    return writes;
  }

  it("redraws in place with cursor movement, throttled, ending at 100%", () => {
    const writes = runScripted(100);
    // 2 adds, 5 throttled redraws in 500 ms (of 100 updates), log, finish, update 100 ms later, finish, stop.
    expect(writes).toHaveLength(12);
    for (const write of writes.slice(1)) expect(write.startsWith(write === writes[1] ? "\x1b[1A" : "\x1b[2A")).toBe(true);
    expect(writes.join("")).toContain("\x1b[2K");
    const finalLines = writes.at(-1)!.replace(/^\x1b\[2A/, "").split("\r\x1b[2K").filter(Boolean);
    expect(finalLines).toHaveLength(2);
    for (const line of finalLines) {
      expect(line).toContain(" 100% ");
      expect(line).toContain("done in");
      expect(line).toMatch(/│█+│/);
    }
  });

  it("writes log lines above the bars within one frame", () => {
    const writes = runScripted(100);
    const logFrame = writes.find((write) => write.includes("checksum mismatch"))!;
    const lines = logFrame.replace(/^\x1b\[2A/, "").split("\r\x1b[2K").filter(Boolean);
    expect(lines[0]).toBe("stream 2: checksum mismatch in batch 7, retrying\n");
    expect(lines.slice(1).map((line) => line.split(" │")[0].trim())).toEqual(["stream 1 of shop.orders", "stream 2 of shop.customers"]);
  });

  it("draws on a terminal that reports 0 columns (unknown size) as on one of 80", () => {
    const unknown = runScripted(0);
    expect(unknown).toEqual(runScripted(80));
    expect(unknown.join("")).toMatch(/│█+│/);
  });

  it("keeps every bar line within the terminal width so nothing wraps", () => {
    for (const columns of [40, 80, 100, 160]) {
      for (const write of runScripted(columns)) {
        const lines = stripAnsi(write).split(/[\r\n]+/).filter((line) => line !== "" && !line.startsWith("stream 2:"));
        for (const line of lines) expect(visibleWidth(line)).toBeLessThan(columns);
      }
    }
  });
});

describe("the migrate command's progress handler", () => {
  it("draws a bar per stream and a plain line for a stream the interrupted run finished (no made-up rate)", () => {
    const { writes, stream } = fakeOutput(false);
    const bars = new ProgressBars(stream, { now: () => 0 });
    const handle = progressHandler(bars);
    handle({ kind: "stream", table: "shop.orders", stream: 0, rowsDone: 748, rowsTotal: 748, bytesDone: 10, bytesTotal: 10, finishedBefore: true });
    handle({ kind: "stream", table: "shop.orders", stream: 1, rowsDone: 0, rowsTotal: 500 });
    handle({ kind: "stream", table: "shop.orders", stream: 1, rowsDone: 500, rowsTotal: 500 });
    bars.stop();
    const text = writes.join("");
    expect(text).toContain("shop.orders stream 0: done before the resume (748 rows)");
    expect(text).not.toMatch(/stream 0 .*rows\/s/);
    expect(text).toMatch(/shop\.orders stream 1.*500/);
  });

  it("gives a resumed stream the rate of the rows this run moved, over this run's time", () => {
    const { writes, stream } = fakeOutput(false);
    let nowMs = 0;
    const bars = new ProgressBars(stream, { now: () => nowMs });
    const handle = progressHandler(bars);
    handle({ kind: "stream", table: "shop.orders", stream: 2, rowsDone: 212_927, rowsTotal: 749_602 });
    nowMs = 1000;
    handle({ kind: "stream", table: "shop.orders", stream: 2, rowsDone: 412_927, rowsTotal: 749_602 });
    nowMs = 2000;
    handle({ kind: "stream", table: "shop.orders", stream: 2, rowsDone: 749_602, rowsTotal: 749_602 });
    bars.stop();
    expect(writes.join("").trimEnd().split("\n")).toEqual([
      "[shop.orders stream 2] resumed at 212,927/749,602 rows",
      "[shop.orders stream 2] 55% 412,927/749,602 rows 200.0 k rows/s",
      "[shop.orders stream 2] done 749,602/749,602 rows in 2.0 s (268.3 k rows/s)",
    ]);
  });
});
