import { describe, it, expect } from "vitest";
import * as fs from "fs";
import * as path from "path";
import { root, run, runNotebook, writeNotebook } from "./helpers/run";

const tsx = path.join(root, "node_modules", ".bin", "tsx");
const backendTs = path.join(root, "lib", "engine", "backend.ts");

describe("backend selection", () => {
  it("falls back to wasm without tfjs-node, prints the choice and installs the training kernels", async () => {
    const r = await run(tsx, ["-e", `require(${JSON.stringify(backendTs)}).initBackend().then((i) => console.log(JSON.stringify(i)))`], { env: { ...process.env, GDL_BACKEND: "" } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^tfjs backend: (tensorflow|wasm) \(\d+ threads?/m);
    const info = JSON.parse(r.stdout.trim().split("\n").pop()!);
    if (info.name === "wasm") {
      expect(info.extraKernels).toContain("Conv2DBackpropFilter");
      expect(info.skipped.join()).toMatch(/tensorflow/);
    }
  }, 120_000);

  it("rejects an unknown GDL_BACKEND with the allowed values", async () => {
    const r = await run(tsx, ["-e", `require(${JSON.stringify(backendTs)}).initBackend().catch((e) => { console.error(e.message); process.exit(3); })`], { env: { ...process.env, GDL_BACKEND: "gpu" } });
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/GDL_BACKEND=gpu is not a backend; use one of tensorflow, wasm, cpu/);
  }, 120_000);

  it("a stray async error after initBackend() is reported, and the kernel survives", async () => {
    // The wasm glue re-throws uncaught exceptions; initBackend removes that handler.
    // Under the project, so tslab finds node_modules for the lib's imports.
    fs.mkdirSync(path.join(root, "build"), { recursive: true });
    const dir = fs.mkdtempSync(path.join(root, "build", "nb-late-"));
    fs.symlinkSync(path.join(root, "lib"), path.join(dir, "lib"));
    writeNotebook(path.join(dir, "late.ipynb"), [
      'import { initBackend } from "./lib/engine/backend";\nawait initBackend();\nsetTimeout(() => { throw new Error("late boom"); }, 10);',
      'await new Promise((r) => setTimeout(r, 300));\nconsole.log("still alive");',
    ]);
    const out = path.join(dir, "out");
    const r = await runNotebook(path.join(dir, "late.ipynb"), { GDL_NOTEBOOK_OUT: out, GDL_BACKEND: "wasm" });
    expect(r.status, r.stderr).toBe(0);
    const text = fs.readFileSync(path.join(out, "late.ipynb"), "utf8");
    expect(text).toContain("late boom");
    expect(text).toContain("still alive");
    fs.rmSync(dir, { recursive: true, force: true });
  }, 300_000);
});
