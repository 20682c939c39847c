/**
 * Horizontal bar histograms for skew: one bar per entry (usually per AMP),
 * drawn with eighth-block characters so a bar has 1/8-character resolution,
 * and a footer with min / mean / max and the skew factor.
 *
 * Owns: the bar glyphs (also used by the progress bars) and placing two
 * rendered blocks side by side ("before" and "after" a migration), measured
 * by visible characters so coloured text lines up too. Pure functions.
 */
import { formatCount, formatPercent, padVisible, visibleWidth } from "./table-text.js";

export interface HistogramOptions {
  /** One label per value. Default: `AMP 0`, `AMP 1` … with the numbers aligned. */
  readonly labels?: readonly string[];
  /** Bar width in characters at the scale's maximum. Default 40. */
  readonly width?: number;
  /** A line above the bars. */
  readonly title?: string;
  /** Appended to every value and to the footer, e.g. "rows". */
  readonly unit?: string;
  /**
   * The value that fills a whole bar. Default: the largest value. Pass the
   * same `max` to two histograms so they share one scale.
   */
  readonly max?: number;
  /** Text of a value. Default: {@link formatCount}. */
  readonly format?: (value: number) => string;
  /** `#` bars and `|` edges instead of block characters. */
  readonly ascii?: boolean;
}

// Left-aligned partial blocks: index k is k/8 of a character.
const EIGHTHS = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"] as const;
const FULL_BLOCK = "█";

/**
 * A bar of exactly `width` characters filled to `fraction` (clamped to 0…1)
 * with 1/8-character resolution; ASCII bars round to whole characters. A
 * non-zero fraction always shows at least a sliver, so "a few" differs from
 * "none".
 *
 * @example renderBar(0.3125, 8) // "██▌     "
 */
export function renderBar(fraction: number, width: number, ascii = false): string {
  const clamped = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const resolution = ascii ? 1 : 8;
  let steps = Math.round(clamped * width * resolution);
  if (steps === 0 && clamped > 0) steps = 1;
  const full = Math.floor(steps / resolution);
  const bar = ascii ? "#".repeat(full) : FULL_BLOCK.repeat(full) + EIGHTHS[steps % resolution];
  return padVisible(bar, width);
}

/**
 * One horizontal bar per value on a shared scale, then a footer with min,
 * mean, max and the skew factor `100 × (1 − mean/max)`%: 0% when every AMP
 * holds the same, near 100% when one AMP holds nearly everything. Negative
 * values draw as empty bars.
 *
 * @example
 * renderHistogram([251234, 248766, 125000], { width: 20, unit: "rows", title: "before" });
 * // before
 * // AMP 0 │████████████████████│ 251,234 rows
 * // AMP 1 │███████████████████▊│ 248,766 rows
 * // AMP 2 │██████████          │ 125,000 rows
 * // min 125,000  mean 208,333  max 251,234 rows  skew 17.1%
 */
export function renderHistogram(values: readonly number[], options: HistogramOptions = {}): string {
  const width = Math.max(1, Math.floor(options.width ?? 40));
  const format = options.format ?? formatCount;
  const suffix = options.unit ? ` ${options.unit}` : "";
  const edge = options.ascii ? "|" : "│";
  const lines: string[] = options.title === undefined ? [] : [options.title];
  if (values.length === 0) return [...lines, "(no values)"].join("\n");
  const labels = histogramLabels(values.length, options.labels);
  const labelWidth = Math.max(...labels.map(visibleWidth));
  const texts = values.map(format);
  const textWidth = Math.max(...texts.map(visibleWidth));
  const scaleMax = options.max ?? Math.max(...values);
  values.forEach((value, index) => {
    const bar = renderBar(scaleMax > 0 ? value / scaleMax : 0, width, options.ascii);
    const label = padVisible(labels[index], labelWidth);
    lines.push(`${label} ${edge}${bar}${edge} ${padVisible(texts[index], textWidth, "right")}${suffix}`);
  });
  lines.push(histogramFooter(values, format, suffix));
  return lines.join("\n");
}

function histogramLabels(count: number, labels: readonly string[] | undefined): string[] {
  if (labels !== undefined && labels.length !== count) {
    throw new RangeError(`Expected ${count} histogram labels, one per value, but found ${labels.length}`);
  }
  if (labels !== undefined) return [...labels];
  const digits = String(count - 1).length;
  return Array.from({ length: count }, (_, amp) => `AMP ${String(amp).padStart(digits)}`);
}

function histogramFooter(values: readonly number[], format: (value: number) => string, suffix: string): string {
  const min = Math.min(...values);
  const max = Math.max(...values);
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  return `min ${format(min)}  mean ${format(mean)}  max ${format(max)}${suffix}  skew ${formatPercent(skewFactor(mean, max))}`;
}

/**
 * The skew factor as a fraction: `1 − mean/max`, 0 when max is 0 or less.
 *
 * @example skewFactor(50, 100) // 0.5
 */
export function skewFactor(mean: number, max: number): number {
  return max > 0 ? 1 - mean / max : 0;
}

/**
 * Two multi-line blocks next to each other, `gap` spaces apart. The left block
 * is padded to its widest visible line (ANSI codes take no room); a block
 * shorter than the other is padded with empty lines at the bottom.
 *
 * @example
 * renderSideBySide(renderHistogram(before, { max, title: "before" }),
 *                  renderHistogram(after, { max, title: "after" }));
 */
export function renderSideBySide(left: string, right: string, gap = 4): string {
  const leftLines = left.split("\n");
  const rightLines = right.split("\n");
  const leftWidth = Math.max(...leftLines.map(visibleWidth));
  const height = Math.max(leftLines.length, rightLines.length);
  const lines: string[] = [];
  for (let index = 0; index < height; index += 1) {
    const leftLine = leftLines[index] ?? "";
    const rightLine = rightLines[index] ?? "";
    // No trailing spaces where the right block has ended.
    lines.push(rightLine === "" ? leftLine : padVisible(leftLine, leftWidth) + " ".repeat(gap) + rightLine);
  }
  return lines.join("\n");
}
