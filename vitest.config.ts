import { defineConfig } from "vitest/config";
import { ensureNativeSetup, nativeStatus } from "./test/helpers/native";

// Two projects: every test on wasm (the default that works everywhere), and the
// backend-dependent ones (kernels and gradients, training, models, every notebook)
// again on tensorflow (tfjs-node). Before choosing, the native backend is set up as
// `npm start` does it (scripts/setup-native.mjs --auto: nothing when it loads, a
// restore from the cache after npm ci, else the build; GDL_NATIVE=0 skips it). Where
// tfjs-node still does not load, the tensorflow project is one test that says so:
// skipped, or failed under GDL_REQUIRE_NATIVE=1 (CI).
const BOTH_BACKENDS = ["test/kernels.test.ts", "test/train.test.ts", "test/memory.test.ts", "test/models.test.ts", "test/notebooks.test.ts"];
const NOT_SET_UP = "test/native-not-set-up.test.ts";
ensureNativeSetup();
const native = nativeStatus();

export default defineConfig({
  test: {
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
    projects: [
      { extends: true, test: { name: "wasm", include: ["test/**/*.test.ts"], exclude: [NOT_SET_UP], env: { GDL_BACKEND: "wasm" } } },
      { extends: true, test: { name: "tensorflow", include: native.ok ? BOTH_BACKENDS : [NOT_SET_UP], env: { GDL_BACKEND: "tensorflow" } } },
    ],
  },
});
