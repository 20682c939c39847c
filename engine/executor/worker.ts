/**
 * What a kernel module uses to run on a pool worker as well as inline:
 *
 * - `defineKernel(fn)`: in a piscina worker, an error thrown by `fn` becomes a plain record
 *   (code, message, details) that the executor turns back into the same AmpsimError
 *   (structured clone would drop an error's code and details); inline it is thrown as is.
 * - `transferResult(value, buffers)`: in a worker, `value` goes back with `buffers` moved,
 *   not copied; inline it is `value` itself.
 *
 * The pool loads a kernel module by its file URL (piscina's `filename`) and calls the named
 * export, so a kernel module must be importable on its own (under tsx for TypeScript).
 */
import { Piscina } from "piscina";

export const KERNEL_ERROR = "$ampsimKernelError";

export interface KernelFailure {
  readonly [KERNEL_ERROR]: { readonly code?: string; readonly message: string; readonly details?: Record<string, unknown> };
}

/** The value, typed as itself; in a worker it carries the buffers to move. */
export type Transferring<T> = T;

export function transferResult<T>(value: T, transfer: readonly ArrayBuffer[]): Transferring<T> {
  if (!Piscina.isWorkerThread) return value;
  const moved = [...new Set(transfer)];
  if (moved.length === 0) return value;
  // A Transferable wrapper piscina understands: its transfer list is concatenated, its value sent.
  const wrapper = {
    get [Piscina.transferableSymbol]() { return moved; },
    get [Piscina.valueSymbol]() { return value; },
  };
  return Piscina.move(wrapper as never) as unknown as T;
}

export function defineKernel<I, O>(fn: (input: I) => O | Promise<O>): (input: I) => Promise<O> {
  return async (input: I) => {
    if (!Piscina.isWorkerThread) return fn(input);
    try {
      return await fn(input);
    } catch (error) {
      const e = error as { code?: string; message?: string; details?: Record<string, unknown> };
      const code = typeof e?.code === "string" ? e.code : undefined;
      // An AmpsimError's message starts with its code, which the executor's AmpsimError adds again.
      let message = String(e?.message ?? error);
      if (code !== undefined && message.startsWith(`${code}: `)) message = message.slice(code.length + 2);
      const failure: KernelFailure = { [KERNEL_ERROR]: { code, message, details: e?.details } };
      return failure as unknown as O;
    }
  };
}
