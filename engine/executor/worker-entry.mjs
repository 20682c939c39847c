// The pool's worker entry (plain JavaScript, so that it loads anywhere): runs the kernel
// `name` of the module at the file URL `module`. A kernel module written in TypeScript is
// loaded through tsx's ESM loader, registered in this worker on first need (a worker does
// not get the parent's loader hooks, and a CommonJS fallback would make every call across
// modules go through getters, about ten times slower). Built JavaScript needs no loader.
//
// Each module is imported once per worker and kept: with loader hooks registered, even a
// cached import() asks the hooks thread to resolve it again, measured at 0.4–1 ms a task.
let typescript = null;
const modules = new Map();

export async function runKernel({ module, name, input }) {
  let loaded = modules.get(module);
  if (loaded === undefined) {
    if (module.endsWith(".ts")) {
      typescript ??= import("tsx/esm/api").then((api) => api.register());
      await typescript;
    }
    loaded = await import(module);
    modules.set(module, loaded);
  }
  const kernel = loaded[name];
  if (typeof kernel !== "function") {
    // The record executor.ts turns into AmpsimError BAD_ARGUMENT (as KERNEL_ERROR in worker.ts).
    return { $ampsimKernelError: { code: "BAD_ARGUMENT", message: `kernel ${name} is not a function exported by ${module}` } };
  }
  return kernel(input);
}
