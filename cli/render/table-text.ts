/**
 * Text tables and the number formats every `ampsim` report shares.
 *
 * Owns: laying out rows as an aligned table (Unicode light box-drawing lines,
 * or plain ASCII for logs that mangle UTF-8), measuring text by its visible
 * characters (ANSI colour codes take no room), and the formats for counts,
 * bytes, rates, durations and percentages. Pure functions: no I/O, no terminal
 * queries, so the same output lands in a terminal, a CI log or a test.
 * Wide (East Asian) characters are counted as one column; reports use none.
 */

/** One column of a text table. */
export interface TableColumn {
  /** Property name in object rows. Array rows are read by column position instead. */
  readonly key: string;
  readonly title: string;
  /**
   * Default: right when every non-empty cell of the column is a number or
   * text that starts with one ("1,234", "94.2 MiB", "12.4 s"), else left.
   */
  readonly align?: "left" | "right";
  /** Default: {@link formatCell} (counts grouped, null and undefined empty). */
  readonly format?: (value: unknown) => string;
}

export interface TableOptions {
  readonly columns: readonly TableColumn[];
  /** A line above the table. */
  readonly title?: string;
  /** Plain ASCII separators (`|`, `-`, `+`) instead of box-drawing lines. */
  readonly ascii?: boolean;
}

// Control Sequence Introducer codes (colours, cursor moves) and OSC sequences.
const ANSI_PATTERN = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g;

/** `text` without ANSI escape sequences. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI_PATTERN, "");
}

/**
 * The number of terminal columns `text` takes: code points, ANSI codes excluded.
 *
 * @example visibleWidth("\x1b[1mAMP\x1b[0m │") // 5
 */
export function visibleWidth(text: string): number {
  let width = 0;
  for (const _ of stripAnsi(text)) width += 1;
  return width;
}

/** `text` padded with spaces to `width` visible columns, on the right (left align) or the left. */
export function padVisible(text: string, width: number, align: "left" | "right" = "left"): string {
  const fill = " ".repeat(Math.max(0, width - visibleWidth(text)));
  return align === "left" ? text + fill : fill + text;
}

/**
 * Lays out rows as an aligned table: an optional title line, a header, a
 * separator line and one line per row. Every line but the title has the same
 * visible width.
 *
 * @example
 * renderTable([{ amp: 0, rows: 251234 }, { amp: 1, rows: 9870 }], {
 *   columns: [{ key: "amp", title: "AMP" }, { key: "rows", title: "rows" }],
 * });
 * // AMP │    rows
 * // ────┼────────
 * //   0 │ 251,234
 * //   1 │   9,870
 */
export function renderTable(
  rows: readonly Record<string, unknown>[] | readonly unknown[][],
  options: TableOptions,
): string {
  const { columns } = options;
  const values = rows.map((row) => columns.map((column, index) => cellValue(row, column, index)));
  const cells = values.map((row) => row.map((value, index) => cellText(value, columns[index])));
  const aligns = columns.map((column, index) => column.align ?? defaultAlign(values.map((row) => row[index])));
  const titles = columns.map((column) => oneLine(column.title));
  const widths = titles.map((title, index) =>
    Math.max(visibleWidth(title), ...cells.map((row) => visibleWidth(row[index]))),
  );
  const glyphs = options.ascii ? { join: " | ", rule: "-", cross: "-+-" } : { join: " │ ", rule: "─", cross: "─┼─" };
  const line = (texts: readonly string[]): string =>
    texts.map((text, index) => padVisible(text, widths[index], aligns[index])).join(glyphs.join);
  const lines = [
    line(titles),
    widths.map((width) => glyphs.rule.repeat(width)).join(glyphs.cross),
    ...cells.map(line),
  ];
  if (options.title !== undefined) lines.unshift(options.title);
  return lines.join("\n");
}

function cellValue(row: Record<string, unknown> | readonly unknown[], column: TableColumn, index: number): unknown {
  return Array.isArray(row) ? row[index] : (row as Record<string, unknown>)[column.key];
}

function cellText(value: unknown, column: TableColumn): string {
  return oneLine(column.format ? column.format(value) : formatCell(value));
}

// A newline or tab inside a cell would break the alignment of every line.
function oneLine(text: string): string {
  return text.replace(/\r?\n|\t/g, " ");
}

// A number, or text that reads as one: "1,234", "94.2 MiB", "12.3%", "3 min 2 s", "4.1 M rows/s".
const NUMERIC_TEXT = /^[-+]?\d[\d,]*(\.\d+)?( ?[\w%/ .]*)?$/;

function defaultAlign(values: readonly unknown[]): "left" | "right" {
  const present = values.filter((value) => value !== null && value !== undefined && value !== "");
  const numeric = present.every((value) =>
    typeof value === "number" || typeof value === "bigint" || (typeof value === "string" && NUMERIC_TEXT.test(value)));
  return present.length > 0 && numeric ? "right" : "left";
}

/**
 * The default text of a table cell: integers grouped (`1,234`), other numbers
 * with two decimals, null and undefined empty, dates as ISO text.
 *
 * @example formatCell(1234567) // "1,234,567"
 */
export function formatCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "bigint") return formatCount(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value) || Number.isInteger(value)) return formatCount(value);
    return formatDecimal(value, 2);
  }
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "object") return JSON.stringify(value, (_, inner) => (typeof inner === "bigint" ? String(inner) : inner));
  return String(value);
}

/**
 * A count with thousands separators, rounded to a whole number.
 *
 * @example formatCount(1234567) // "1,234,567"
 */
export function formatCount(n: number | bigint): string {
  if (typeof n === "number" && !Number.isFinite(n)) return String(n);
  const whole = typeof n === "bigint" ? n : BigInt(Math.round(n));
  const sign = whole < 0n ? "-" : "";
  return sign + groupDigits(String(whole < 0n ? -whole : whole));
}

function groupDigits(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

function formatDecimal(n: number, fractionDigits: number): string {
  const [whole, fraction] = Math.abs(n).toFixed(fractionDigits).split(".");
  const sign = n < 0 && Number(`${whole}.${fraction ?? 0}`) !== 0 ? "-" : "";
  return `${sign}${groupDigits(whole)}${fraction === undefined ? "" : `.${fraction}`}`;
}

function roundTo(n: number, fractionDigits: number): number {
  return Number(n.toFixed(fractionDigits));
}

const BYTE_UNITS = ["KiB", "MiB", "GiB", "TiB", "PiB"] as const;

/**
 * Bytes in binary units with one decimal; below 1 KiB, whole bytes.
 *
 * @example formatBytes(1536) // "1.5 KiB"
 * @example formatBytes(5 * 1024 ** 3) // "5.0 GiB"
 */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return `${n} B`;
  if (Math.abs(n) < 1024) return `${Math.round(n)} B`;
  let unit = 0;
  let scaled = n / 1024;
  // Pick the unit after rounding, so 1,048,575 bytes reads "1.0 MiB", not "1024.0 KiB".
  while (Math.abs(roundTo(scaled, 1)) >= 1024 && unit < BYTE_UNITS.length - 1) {
    scaled /= 1024;
    unit += 1;
  }
  return `${scaled.toFixed(1)} ${BYTE_UNITS[unit]}`;
}

const RATE_PREFIXES = ["k", "M", "G", "T"] as const;

/**
 * A rate per second with a decimal prefix (k, M, G, T) and one decimal.
 *
 * @example formatRate(12_345_678) // "12.3 M rows/s"
 * @example formatRate(850) // "850 rows/s"
 * @example formatRate(2.5e6, "batches") // "2.5 M batches/s"
 */
export function formatRate(perSecond: number, unit = "rows"): string {
  if (!Number.isFinite(perSecond) || perSecond < 0) return `-- ${unit}/s`;
  if (roundTo(perSecond, 0) < 1000) {
    const text = perSecond < 10 ? String(roundTo(perSecond, 1)) : String(Math.round(perSecond));
    return `${text} ${unit}/s`;
  }
  let prefix = 0;
  let scaled = perSecond / 1000;
  while (roundTo(scaled, 1) >= 1000 && prefix < RATE_PREFIXES.length - 1) {
    scaled /= 1000;
    prefix += 1;
  }
  return `${scaled.toFixed(1)} ${RATE_PREFIXES[prefix]} ${unit}/s`;
}

/**
 * A duration for people: milliseconds below a second, seconds with one
 * decimal below a minute, then minutes and seconds, then hours and minutes.
 *
 * @example formatMs(850) // "850 ms"
 * @example formatMs(12_400) // "12.4 s"
 * @example formatMs(182_000) // "3 min 2 s"
 */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return "--";
  if (ms < 0) return `-${formatMs(-ms)}`;
  const milliseconds = ms < 10 ? roundTo(ms, 1) : Math.round(ms);
  if (milliseconds < 1000) return `${milliseconds} ms`;
  const seconds = roundTo(ms / 1000, 1);
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const wholeSeconds = Math.round(ms / 1000);
  if (wholeSeconds < 3600) return `${Math.floor(wholeSeconds / 60)} min ${wholeSeconds % 60} s`;
  const wholeMinutes = Math.round(ms / 60_000);
  return `${Math.floor(wholeMinutes / 60)} h ${wholeMinutes % 60} min`;
}

/**
 * A fraction (0.123) as a percentage ("12.3%").
 *
 * @example formatPercent(0.1234) // "12.3%"
 * @example formatPercent(0.5, 0) // "50%"
 */
export function formatPercent(fraction: number, fractionDigits = 1): string {
  if (!Number.isFinite(fraction)) return "--%";
  return `${formatDecimal(fraction * 100, fractionDigits)}%`;
}
