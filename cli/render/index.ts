/**
 * Terminal rendering for the `ampsim` CLI: text tables and number formats,
 * skew histograms, and live progress bars. Every export by name.
 */
export {
  renderTable, formatCell, formatCount, formatBytes, formatRate, formatMs, formatPercent,
  stripAnsi, visibleWidth, padVisible,
} from "./table-text.js";
export type { TableColumn, TableOptions } from "./table-text.js";
export { renderHistogram, renderSideBySide, renderBar, skewFactor } from "./histogram.js";
export type { HistogramOptions } from "./histogram.js";
export { ProgressBars } from "./progress.js";
export type { ProgressOptions, ProgressOutput, ProgressUnit } from "./progress.js";
