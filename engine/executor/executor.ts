/**
 * Executors: where the heavy per-AMP and per-batch work of a step runs.
 *
 * - `inline`: on the calling thread (deterministic; the default for tests and notebooks);
 * - `pool`: on a piscina pool of worker threads (default size: the machine's cores).
 *
 * A task names a kernel — an exported function of a module, by file URL — and its
 * input. Both executors run the very same kernel code, so results are identical;
 * only where it runs differs. Inputs and results reach a worker by transfer
 * (`transfer` lists the ArrayBuffers that move; the sender loses them) or as
 * SharedArrayBuffers, never by a structured clone of rows: kernels take and
 * return typed arrays (see transport.ts), not row objects.
 *
 * Errors: an AmpsimError thrown by a kernel in a worker comes back as the same
 * AmpsimError (code, message, details); a worker that cannot start is
 * BAD_CONFIG naming the worker file.
 */
import os from "node:os";
import { Piscina } from "piscina";
import { AmpsimError, ERROR_CODES, showValue, type ErrorCode } from "../errors.js";
import { KERNEL_ERROR, type KernelFailure } from "./worker.js";

export type ExecutorKind = "inline" | "pool";

/** A kernel: an exported function `name` of the module at `module` (a file URL, e.g. import.meta.url). */
export interface KernelRef {
  readonly module: string;
  readonly name: string;
}

export interface Executor {
  readonly kind: ExecutorKind;
  /** Worker threads (1 for inline). */
  readonly threads: number;
  /** Runs `kernel(input)`; the buffers in `transfer` move to the worker (do not use them afterwards). */
  run<I, O>(kernel: KernelRef, input: I, transfer?: readonly ArrayBuffer[]): Promise<O>;
  /** Stops the workers (a no-op inline); an executor is unusable afterwards. */
  close(): Promise<void>;
  /** True once a pool is closed (its kernels no longer run); absent or false otherwise. */
  readonly closed?: boolean;
}

/**
 * True when kernels can run on `executor`'s workers: a pool not yet closed. Callers fall back to
 * the calling thread otherwise (an engine stays usable after close(): its statements never need the workers).
 */
export function workersAvailable(executor: Executor): boolean {
  return executor.kind !== "inline" && executor.closed !== true;
}

/** `executor` option of an Engine: a kind, a pool size, or an executor to share between systems. */
export type ExecutorSpec = ExecutorKind | { readonly kind: "pool"; readonly threads?: number } | Executor;

const modules = new Map<string, Promise<Record<string, unknown>>>();

/** The kernel function (modules are imported once). */
async function loadKernel(kernel: KernelRef): Promise<(input: unknown) => unknown> {
  let loading = modules.get(kernel.module);
  if (!loading) { loading = import(kernel.module) as Promise<Record<string, unknown>>; modules.set(kernel.module, loading); }
  const fn = (await loading)[kernel.name];
  if (typeof fn !== "function") throw new AmpsimError("BAD_ARGUMENT", `kernel ${kernel.name} is not a function exported by ${kernel.module}`);
  return fn as (input: unknown) => unknown;
}

class InlineExecutor implements Executor {
  readonly kind = "inline";
  readonly threads = 1;

  async run<I, O>(kernel: KernelRef, input: I): Promise<O> {
    return await (await loadKernel(kernel))(input) as O;
  }

  async close(): Promise<void> {}
}

/** The worker entry: plain JavaScript beside this file, loading TypeScript kernels through tsx when needed. */
const WORKER_ENTRY = new URL("./worker-entry.mjs", import.meta.url).href;

class PoolExecutor implements Executor {
  readonly kind = "pool";
  readonly threads: number;
  readonly #pool: Piscina;
  #closed = false;

  constructor(threads: number) {
    this.threads = threads;
    this.#pool = new Piscina({ filename: WORKER_ENTRY, name: "runKernel", execArgv: [], minThreads: threads, maxThreads: threads, idleTimeout: 1000, concurrentTasksPerWorker: 1 });
  }

  async run<I, O>(kernel: KernelRef, input: I, transfer: readonly ArrayBuffer[] = []): Promise<O> {
    if (this.#closed) throw new AmpsimError("BAD_ARGUMENT", `the worker pool is closed: kernel ${kernel.name} cannot run`);
    let result: unknown;
    try {
      result = await this.#pool.run({ module: kernel.module, name: kernel.name, input }, { transferList: [...new Set(transfer)] });
    } catch (error) {
      if (this.#closed) throw new AmpsimError("BAD_ARGUMENT", `the worker pool was closed while kernel ${kernel.name} ran`, {}, { cause: error });
      throw new AmpsimError("BAD_CONFIG", `a pool worker failed running kernel ${kernel.name} of ${kernel.module} (${(error as Error).message})`, { file: kernel.module }, { cause: error });
    }
    const failure = (result as KernelFailure | null)?.[KERNEL_ERROR];
    if (failure) {
      if (failure.code && Object.hasOwn(ERROR_CODES, failure.code)) throw new AmpsimError(failure.code as ErrorCode, failure.message, failure.details);
      throw new Error(failure.message);
    }
    return result as O;
  }

  get closed(): boolean {
    return this.#closed;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.destroy();
  }
}

export const INLINE: Executor = new InlineExecutor();

/**
 * An executor from its option: "inline" (the shared inline executor), "pool" (the machine's
 * cores), { kind: "pool", threads }, or an executor to share.
 */
export function createExecutor(spec: ExecutorSpec | undefined): Executor {
  if (spec === undefined || spec === "inline") return INLINE;
  if (typeof spec === "object" && spec !== null && typeof (spec as Executor).run === "function") return spec as Executor;
  if (spec !== "pool" && (typeof spec !== "object" || spec === null || (spec as { kind?: unknown }).kind !== "pool")) {
    const shown = typeof spec === "function" ? "a function" : showValue(spec);
    throw new AmpsimError("BAD_CONFIG", `executor must be "inline", "pool", { kind: "pool", threads } or an Executor, but found ${shown}`);
  }
  const given = spec === "pool" ? undefined : (spec as { threads?: number }).threads;
  const threads = given === undefined ? defaultThreads() : given;
  if (!Number.isInteger(threads) || threads < 1 || threads > 256) throw new AmpsimError("BAD_CONFIG", `executor threads must be an integer in 1..256, but found ${showValue(threads)}`);
  return new PoolExecutor(threads);
}

function defaultThreads(): number {
  return Math.max(1, typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length);
}

/**
 * At most `width` tasks in flight. `add` waits for room first (the pool hands queued tasks to
 * workers from this thread's event loop, so a producer must yield to it); every failure is
 * caught as it happens (no unhandled rejection), new tasks are refused after the first one, and
 * `drain` waits for all started tasks and throws that first failure.
 *
 * @example
 * const window = new TaskWindow(4);
 * for (const chunk of chunks) await window.add(() => executor.run(kernel, chunk));
 * await window.drain();
 */
export class TaskWindow {
  readonly #width: number;
  readonly #inFlight = new Set<Promise<void>>();
  #failure: { readonly error: unknown } | null = null;

  constructor(width: number) {
    if (!Number.isInteger(width) || width < 1) throw new AmpsimError("BAD_ARGUMENT", `a task window needs a positive integer width, not ${String(width)}`);
    this.#width = width;
  }

  /** True once a task failed: stop producing and call drain(). */
  get failed(): boolean { return this.#failure !== null; }

  /** True while `width` tasks run: `add` would wait. */
  get full(): boolean { return this.#inFlight.size >= this.#width; }

  /** Starts `task` once fewer than `width` run; returns false (starting nothing) after a failure. */
  async add(task: () => Promise<unknown>): Promise<boolean> {
    while (this.#inFlight.size >= this.#width && this.#failure === null) await Promise.race(this.#inFlight);
    if (this.#failure !== null) return false;
    const settled: Promise<void> = Promise.resolve().then(task).then(() => undefined, (error: unknown) => { this.#failure ??= { error }; })
      .finally(() => { this.#inFlight.delete(settled); });
    this.#inFlight.add(settled);
    return true;
  }

  /** Waits for every started task; throws the first failure. */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
    if (this.#failure !== null) throw this.#failure.error;
  }
}
