/**
 * Standard output and standard error as the `ampsim` process writes them.
 *
 * Owns: what a write error of either stream does to the command. A reader that
 * goes away (`ampsim migrate … | head -3`, a closed terminal) or a file that
 * cannot grow (`> full-disk/out`) mutes the stream — later writes are dropped —
 * and the command goes on: a migration writing a durable target finishes, or
 * fails and cleans up, as it would have with its reader still there. Ending
 * the process at the first failed write left a durable target holding an empty
 * table and staging tables that the next run refused (TABLE_EXISTS).
 */

/** A stream the CLI writes to: `process.stdout`, `process.stderr`. */
export interface WritableOutput {
  write(text: string, callback: (error?: Error | null) => void): boolean;
  on(event: "error", listener: (error: NodeJS.ErrnoException) => void): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/**
 * An output that drops its writes once the stream behind it failed, remembering the first error.
 *
 * @example
 * const out = new GuardedOutput(process.stdout);
 * const code = await main(args, out, err);
 * await out.settled();
 * process.exitCode = code === 0 && out.error?.code === "EPIPE" ? 141 : code;
 */
export class GuardedOutput {
  readonly #stream: WritableOutput;
  #error: NodeJS.ErrnoException | null = null;
  /** Writes whose outcome the stream has not told yet: a write to a closed pipe fails after write() returned. */
  #pending = 0;
  #settled: (() => void)[] = [];

  constructor(stream: WritableOutput) {
    this.#stream = stream;
    stream.on("error", (error) => { this.#error ??= error; });
  }

  get isTTY(): boolean {
    return this.#stream.isTTY === true;
  }

  get columns(): number | undefined {
    return this.#stream.columns;
  }

  /** The write error that muted the stream, or null while every write went through. */
  get error(): NodeJS.ErrnoException | null {
    return this.#error;
  }

  write(text: string): boolean {
    if (this.#error !== null) return true;
    this.#pending++;
    return this.#stream.write(text, (error) => {
      if (error) this.#error ??= error;
      if (--this.#pending === 0) for (const settle of this.#settled.splice(0)) settle();
    });
  }

  /** Resolves once every write so far has gone through or failed, so `error` tells the whole story. */
  settled(): Promise<void> {
    return this.#pending === 0 ? Promise.resolve() : new Promise((resolve) => this.#settled.push(resolve));
  }
}

/** SIGPIPE's status: a Unix tool whose reader stopped early ends with it, so `set -o pipefail` sees the cut. */
export const EXIT_PIPE_CLOSED = 128 + 13;

/**
 * The exit code of a command given how its outputs fared: a failed command keeps its own code (its
 * error went to stderr); one that succeeded but whose output was cut ends with 141 (a closed pipe) or
 * 1 (another write error, reported on stderr when stderr still works).
 */
export async function exitCodeAfter(code: number, outputs: { readonly out: GuardedOutput; readonly err: GuardedOutput }): Promise<number> {
  await Promise.all([outputs.out.settled(), outputs.err.settled()]);
  if (code !== 0) return code;
  const failed = [outputs.out, outputs.err].find((output) => output.error !== null);
  if (failed === undefined) return 0;
  if (failed.error!.code === "EPIPE") return EXIT_PIPE_CLOSED;
  const name = failed === outputs.out ? "standard output" : "standard error";
  outputs.err.write(`ampsim: ${name} could not be written (${failed.error!.message}); the command finished, but its output is incomplete\n`);
  return 1;
}
