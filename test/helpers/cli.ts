/** Running the CLI's `main` in-process with its output captured, as the CLI tests do. */
import { main } from "../../cli/main.js";

/** A writable that keeps what is written. */
export function capture(): { write(text: string): boolean; text(): string } {
  let text = "";
  return { write: (chunk: string) => { text += chunk; return true; }, text: () => text };
}

/** `ampsim <args>` in this process: its exit code, standard output and standard error. */
export async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = capture(); const err = capture();
  const code = await main(args, out, err);
  return { code, out: out.text(), err: err.text() };
}
