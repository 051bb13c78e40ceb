import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Notebook and kernel tests start real Jupyter kernels; two heavy files at
    // once on a 2-core machine only slows both down.
    maxWorkers: 2,
    minWorkers: 1,
    pool: "forks",
    // Provisions Jupyter into .venv/ on the first run (scripts/jupyter-env.mjs).
    globalSetup: ["./test/helpers/jupyter-setup.ts"],
    reporters: ["default", "./test/summary-reporter.ts"],
  },
});
