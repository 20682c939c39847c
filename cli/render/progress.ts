/**
 * Progress bars for several concurrent tasks (one per migration stream).
 *
 * Owns: the task states, their rates and ETAs, and how progress reaches the
 * output. On a terminal the bars are redrawn in place, at most once per
 * interval, each frame as one `write` so frames never interleave, and every
 * line cut to the terminal width so no line wraps (a wrapped line would
 * break the cursor-up count). Elsewhere (CI logs, pipes, `plain`) it writes
 * no ANSI codes at all, only one line at start, per 25% step and when done.
 * Time comes from an injectable clock, so tests are deterministic.
 */
import { renderBar } from "./histogram.js";
import { formatBytes, formatCount, formatMs, formatRate, padVisible, stripAnsi, visibleWidth } from "./table-text.js";

/** What a task counts. */
export type ProgressUnit = "rows";

/** Where progress goes: `process.stdout`, `process.stderr`, or anything with `write`. */
export type ProgressOutput = NodeJS.WriteStream | { write(text: string): boolean; isTTY?: boolean; columns?: number };

export interface ProgressOptions {
  /** Least time between two redraws on a terminal. Default 100 ms. */
  readonly intervalMs?: number;
  /** Plain lines even on a terminal. Default: plain unless the output is a TTY. */
  readonly plain?: boolean;
  /** The clock in milliseconds. Default `performance.now`. */
  readonly now?: () => number;
}

interface Sample {
  readonly ms: number;
  readonly done: number;
}

interface Task {
  readonly label: string;
  readonly total: number;
  readonly unit: ProgressUnit;
  readonly startedMs: number;
  /** Units done before the task started here (a resumed stream's earlier rows): not counted in its rate. */
  readonly doneBefore: number;
  done: number;
  bytesDone: number | undefined;
  finishedMs: number | undefined;
  /** Recent (time, done) pairs; the first is the last one at or before a second ago. */
  samples: Sample[];
  /** Plain mode: the highest 25% step already printed (0 = the start line). */
  quarterPrinted: number;
}

const RATE_WINDOW_MS = 1000;
const SAMPLE_SPACING_MS = 50;
const LABEL_WIDTH_MAX = 40;
const LABEL_WIDTH_MIN = 20;
const BAR_WIDTH_MAX = 30;
const BAR_WIDTH_WANTED = 12;
const BAR_WIDTH_MIN = 5;

const CURSOR_UP = (lines: number): string => `\x1b[${lines}A`;
const CLEAR_LINE = "\r\x1b[2K";

/**
 * Live progress of concurrent tasks: bars on a terminal, sparse lines in logs.
 * While bars are live, send other output through {@link ProgressBars.log};
 * a direct write to the same terminal would be overdrawn by the next frame.
 *
 * @example
 * const bars = new ProgressBars(process.stderr);
 * bars.add("s1", "stream 1 of shop.orders", 250_000);
 * bars.update("s1", 125_000, { bytesDone: 48 << 20 });   // 30 ms after add
 * bars.log("stream 2 retried after a checksum error");
 * bars.finish("s1");                                        // 60 ms after add
 * bars.stop();
 * // in a CI log:
 * // [stream 1 of shop.orders] start 0/250,000 rows
 * // [stream 1 of shop.orders] 50% 125,000/250,000 rows 4.2 M rows/s 48.0 MiB
 * // stream 2 retried after a checksum error
 * // [stream 1 of shop.orders] done 250,000/250,000 rows in 60 ms (4.2 M rows/s) 48.0 MiB
 * // on a terminal, one live line per task:
 * // stream 1 of shop.orders │███████████████               │  50% 125,000/250,000  48.0 MiB  4.2 M rows/s  ETA 30 ms
 */
export class ProgressBars {
  private readonly stream: ProgressOutput;
  private readonly plain: boolean;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly tasks = new Map<string, Task>();
  private linesDrawn = 0;
  private lastDrawMs = Number.NEGATIVE_INFINITY;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(stream: ProgressOutput, options: ProgressOptions = {}) {
    this.stream = stream;
    this.plain = options.plain ?? stream.isTTY !== true;
    this.intervalMs = options.intervalMs ?? 100;
    this.now = options.now ?? (() => performance.now());
  }

  /**
   * Starts a task of `total` units, `doneBefore` of them already done elsewhere (a resumed
   * stream's rows from the interrupted run): they count towards the percentage, not the rate.
   *
   * @example bars.add("orders/2", "stream 2 of shop.orders", 250_000);
   * bars.add("orders/3", "stream 3 of shop.orders", 250_000, "rows", { doneBefore: 65_536 });
   */
  add(key: string, label: string, total: number, unit: ProgressUnit = "rows", options: { doneBefore?: number } = {}): void {
    if (this.tasks.has(key)) throw new Error(`Expected a new progress task key, but "${key}" is already in use`);
    const startedMs = this.now();
    const doneBefore = Math.max(0, options.doneBefore ?? 0);
    const task: Task = {
      label: stripAnsi(label).replace(/\s+/g, " "), total: Math.max(0, total), unit, startedMs, doneBefore,
      done: doneBefore, bytesDone: undefined, finishedMs: undefined, samples: [{ ms: startedMs, done: doneBefore }], quarterPrinted: 0,
    };
    task.quarterPrinted = Math.min(3, quarterOf(task));
    this.tasks.set(key, task);
    if (this.stopped) return;
    if (this.plain) this.writeLines([`[${task.label}] ${doneBefore > 0 ? "resumed at" : "start"} ${formatCount(task.done)}/${formatCount(task.total)} ${unit}`]);
    else this.draw([]);
  }

  /**
   * Reports that `done` units of the task are complete (a running total, not
   * an increment), optionally with the bytes moved so far.
   *
   * @example bars.update("orders/2", 125_000, { bytesDone: 50_331_648 });
   */
  update(key: string, done: number, extra: { bytesDone?: number } = {}): void {
    const task = this.task(key);
    if (task.finishedMs !== undefined) return;
    const nowMs = this.now();
    task.done = Math.max(0, done);
    if (extra.bytesDone !== undefined) task.bytesDone = extra.bytesDone;
    recordSample(task, nowMs);
    if (this.stopped) return;
    if (this.plain) this.printQuarter(task, nowMs);
    else this.requestDraw(nowMs);
  }

  /**
   * Marks the task complete; its done count becomes at least its total.
   *
   * @example bars.finish("orders/2");
   */
  finish(key: string): void {
    const task = this.task(key);
    if (task.finishedMs !== undefined) return;
    task.finishedMs = this.now();
    task.done = Math.max(task.done, task.total);
    if (this.stopped) return;
    if (this.plain) this.writeLines([doneLine(task)]);
    else this.draw([]);
  }

  /**
   * Prints a line (or several, split at newlines) above the bars without
   * breaking them.
   *
   * @example bars.log("stream 2: checksum mismatch in batch 7, retrying");
   */
  log(line: string): void {
    const lines = line.split(/\r?\n/);
    if (this.plain || this.stopped) this.writeLines(this.plain ? lines.map(stripAnsi) : lines);
    else this.draw(lines);
  }

  /**
   * Draws the final state and stops redrawing; in plain mode reports every
   * unfinished task where it stopped. Later updates only change state;
   * log() still writes its lines.
   *
   * @example bars.stop();
   */
  stop(): void {
    if (this.stopped) return;
    this.clearTimer();
    if (this.plain) {
      const unfinished = [...this.tasks.values()].filter((task) => task.finishedMs === undefined);
      this.writeLines(unfinished.map((task) => progressLine(task, this.now(), "stopped at ")));
    } else if (this.tasks.size > 0) {
      this.draw([]);
    }
    this.stopped = true;
  }

  private task(key: string): Task {
    const task = this.tasks.get(key);
    if (task === undefined) {
      throw new Error(`Expected a progress task with key "${key}", but found none (known: ${[...this.tasks.keys()].join(", ") || "none"})`);
    }
    return task;
  }

  // Plain mode: one line per task per 25% step; reaching 100% waits for finish().
  private printQuarter(task: Task, nowMs: number): void {
    const quarter = quarterOf(task);
    if (quarter <= task.quarterPrinted || quarter >= 4) return;
    task.quarterPrinted = quarter;
    this.writeLines([progressLine(task, nowMs, "")]);
  }

  private writeLines(lines: readonly string[]): void {
    if (lines.length > 0) this.stream.write(lines.map((line) => `${line}\n`).join(""));
  }

  private requestDraw(nowMs: number): void {
    const waitMs = this.lastDrawMs + this.intervalMs - nowMs;
    if (waitMs <= 0) {
      this.draw([]);
      return;
    }
    if (this.timer !== undefined) return;
    // A trailing redraw, so the last update before a pause is shown too.
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.stopped) this.draw([]);
    }, waitMs);
    this.timer.unref?.();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  // One write per frame: up over the old bars, then the log lines and the bars, each line cleared first.
  private draw(logLines: readonly string[]): void {
    this.clearTimer();
    const nowMs = this.now();
    const bars = barLines([...this.tasks.values()], nowMs, this.stream.columns || 80); // a terminal of unknown size reports 0 columns
    const lines = [...logLines, ...bars];
    const up = this.linesDrawn > 0 ? CURSOR_UP(this.linesDrawn) : "";
    this.stream.write(up + lines.map((line) => `${CLEAR_LINE}${line}\n`).join(""));
    this.linesDrawn = bars.length;
    this.lastDrawMs = nowMs;
  }
}

/** The 25% steps done: 0 to 4. */
function quarterOf(task: Task): number {
  return task.total > 0 ? Math.floor((Math.min(task.done, task.total) / task.total) * 4) : 0;
}

function recordSample(task: Task, nowMs: number): void {
  const last = task.samples[task.samples.length - 1];
  if (nowMs - last.ms >= SAMPLE_SPACING_MS) task.samples.push({ ms: nowMs, done: task.done });
  while (task.samples.length > 1 && task.samples[1].ms <= nowMs - RATE_WINDOW_MS) task.samples.shift();
}

/** Units per second done here: overall once finished, else over about the last second (overall while younger). */
function taskRate(task: Task, nowMs: number): number | undefined {
  if (task.finishedMs !== undefined) {
    const elapsedMs = task.finishedMs - task.startedMs;
    return elapsedMs > 0 ? ((task.done - task.doneBefore) / elapsedMs) * 1000 : undefined;
  }
  const oldest = task.samples[0];
  const elapsedMs = nowMs - oldest.ms;
  return elapsedMs > 0 ? ((task.done - oldest.done) / elapsedMs) * 1000 : undefined;
}

function fractionDone(task: Task): number {
  if (task.finishedMs !== undefined) return 1;
  return task.total > 0 ? Math.min(task.done, task.total) / task.total : 0;
}

// Rounded down, so 99.7% does not read as 100%.
function percentDone(task: Task): number {
  return Math.floor(fractionDone(task) * 100);
}

function rateText(task: Task, nowMs: number): string {
  return formatRate(taskRate(task, nowMs) ?? Number.NaN, task.unit);
}

function bytesText(task: Task): string {
  return task.bytesDone === undefined ? "" : ` ${formatBytes(task.bytesDone)}`;
}

function progressLine(task: Task, nowMs: number, prefix: string): string {
  const counts = `${formatCount(task.done)}/${formatCount(task.total)} ${task.unit}`;
  return `[${task.label}] ${prefix}${percentDone(task)}% ${counts} ${rateText(task, nowMs)}${bytesText(task)}`;
}

function doneLine(task: Task): string {
  const finishedMs = task.finishedMs ?? task.startedMs;
  const counts = `${formatCount(task.done)}/${formatCount(task.total)} ${task.unit}`;
  const elapsed = formatMs(finishedMs - task.startedMs);
  return `[${task.label}] done ${counts} in ${elapsed} (${rateText(task, finishedMs)})${bytesText(task)}`;
}

function etaText(task: Task, nowMs: number): string {
  if (task.finishedMs !== undefined) return `done in ${formatMs(task.finishedMs - task.startedMs)}`;
  const rate = taskRate(task, nowMs);
  const remaining = Math.max(0, task.total - task.done);
  if (remaining === 0) return "ETA 0 ms";
  return rate !== undefined && rate > 0 ? `ETA ${formatMs((remaining / rate) * 1000)}` : "ETA --";
}

/** Terminal lines, one per task, all fitting in `columns - 1` visible characters. */
function barLines(tasks: readonly Task[], nowMs: number, columns: number): string[] {
  if (tasks.length === 0) return [];
  const lineWidthMax = Math.max(20, columns - 1);
  const labelWidthWanted = Math.min(LABEL_WIDTH_MAX, Math.max(...tasks.map((task) => visibleWidth(task.label))));
  let tails = tasks.map((task) => barTail(task, tasks, nowMs, true));
  // Bytes are the first thing to go on a narrow terminal: the label says which stream a bar is.
  if (lineWidthMax - Math.max(...tails.map(visibleWidth)) - 4 < labelWidthWanted + BAR_WIDTH_WANTED) {
    tails = tasks.map((task) => barTail(task, tasks, nowMs, false));
  }
  const { labelWidth, barWidth } = barLayout(labelWidthWanted, Math.max(...tails.map(visibleWidth)), lineWidthMax);
  return tasks.map((task, index) => {
    const label = padVisible(truncate(task.label, labelWidth), labelWidth);
    const bar = barWidth >= BAR_WIDTH_MIN ? ` │${renderBar(fractionDone(task), barWidth)}│ ` : " ";
    return truncate(`${label}${bar}${tails[index]}`, lineWidthMax);
  });
}

// The numbers after a bar; counts padded alike in every line so the columns line up.
function barTail(task: Task, tasks: readonly Task[], nowMs: number, withBytes: boolean): string {
  const totalWidth = Math.max(...tasks.map((other) => formatCount(other.total).length));
  const counts = `${formatCount(task.done).padStart(totalWidth)}/${formatCount(task.total)}`;
  const percent = `${percentDone(task)}%`.padStart(4);
  const bytes = withBytes && task.bytesDone !== undefined ? ` ${bytesText(task)}` : "";
  return `${percent} ${counts}${bytes}  ${rateText(task, nowMs)}  ${etaText(task, nowMs)}`;
}

// A narrow terminal shortens the labels before the bars, and drops the bars before the numbers.
function barLayout(labelWidthWanted: number, tailWidth: number, lineWidthMax: number): { labelWidth: number; barWidth: number } {
  let labelWidth = labelWidthWanted;
  // label, space, two bar edges, space, tail
  const room = (): number => lineWidthMax - labelWidth - tailWidth - 4;
  if (room() < BAR_WIDTH_WANTED) labelWidth = Math.max(Math.min(labelWidth, LABEL_WIDTH_MIN), labelWidth - (BAR_WIDTH_WANTED - room()));
  return { labelWidth, barWidth: Math.min(BAR_WIDTH_MAX, room()) };
}

// Labels and lines here carry no ANSI codes (labels are stripped in add()).
function truncate(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text : `${chars.slice(0, Math.max(0, width - 1)).join("")}…`;
}
