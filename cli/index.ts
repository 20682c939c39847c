/**
 * The CLI's public surface: the entry point and the renderers notebooks can reuse.
 */
export { main, MAIN_HELP } from "./main.js";
export { renderMigrationReport, compactList } from "./report-text.js";
export { ProgressBars, renderTable, renderHistogram, renderSideBySide, formatBytes, formatCount, formatMs, formatRate, formatPercent } from "./render/index.js";
