import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Worker threads (piscina) load TypeScript workers through tsx.
    execArgv: ["--import", "tsx"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
