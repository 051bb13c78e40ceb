import { describe, it, expect } from "vitest";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { root, run, runNotebook, writeNotebook } from "./helpers/run";
import { nativeStatus } from "./helpers/native";

const tsx = path.join(root, "node_modules", ".bin", "tsx");
const backendTs = path.join(root, "lib", "engine", "backend.ts");

// Runs initBackend() in a fresh process. `tfjsNode` simulates that machine state:
// "missing" (npm dropped the optional package), "broken" (installed, its library gone).
async function init(env: NodeJS.ProcessEnv, tfjsNode: "as-is" | "missing" | "broken" = "as-is") {
  const thrown = tfjsNode === "missing"
    ? `Object.assign(new Error("Cannot find module '@tensorflow/tfjs-node'"), { code: "MODULE_NOT_FOUND" })`
    : `new Error("libtensorflow_cc.so.2: cannot open shared object file: No such file or directory")`;
  const hook = tfjsNode === "as-is" ? "" : `
    const M = require("module"); const load = M._load;
    M._load = function (req, ...a) {
      if (req === "@tensorflow/tfjs-node") throw ${thrown};
      return load.call(this, req, ...a);
    };`;
  const code = `${hook}
    const util = require("util");
    require(${JSON.stringify(backendTs)}).initBackend().then((i) => {
      console.log("INFO " + JSON.stringify(i));
      console.log("INSPECT " + util.inspect(i));
    }, (e) => { console.error(e.message); process.exit(3); });`;
  const r = await run(tsx, ["-e", code], { env: { ...process.env, ...env } });
  const lines = r.stdout.trim().split("\n");
  const printed = lines.filter((l) => !/^(INFO|INSPECT) /.test(l));
  const info = lines.find((l) => l.startsWith("INFO "));
  return { ...r, printed, info: info ? JSON.parse(info.slice(5)) : null, inspect: lines.find((l) => l.startsWith("INSPECT "))?.slice(8) };
}

describe("backend selection", () => {
  it("picks tfjs-node when it loads, else wasm; prints one line, the info object shows as that line", async () => {
    const r = await init({ GDL_BACKEND: "" });
    expect(r.status, r.stderr).toBe(0);
    const line = r.printed[0];
    expect(r.inspect).toBe(line);
    expect(line).not.toMatch(/skipped|Cannot find module/);
    if (r.info.name === "tensorflow") {
      expect(line).toMatch(/^tfjs backend: tensorflow \(TensorFlow 2\.\d+\.\d+\S* C library \(tfjs-node(, oneDNN off)?\), \d+ threads?\)$/);
      expect(r.printed).toHaveLength(1);
      // tfjs-node has its own conv gradient kernels: lib/engine/kernels must not replace them
      // (it only adds TensorFlow's one-op activation gradients).
      expect(r.info.extraKernels).toEqual(["ReluGrad", "LeakyReluGrad"]);
    } else {
      expect(r.info.name).toBe("wasm");
    }
  }, 120_000);

  it("without tfjs-node: wasm, how many workers train, and one line suggesting npm run setup:native", async () => {
    const r = await init({ GDL_BACKEND: "", GDL_WORKERS: "" }, "missing");
    expect(r.status, r.stderr).toBe(0);
    const cores = require("os").availableParallelism();
    const workers = Math.min(cores, 8);
    expect(r.printed[0]).toBe(workers > 1
      ? `tfjs backend: wasm (WebAssembly, trains on ${workers} data-parallel workers of 1 thread each)`
      : "tfjs backend: wasm (WebAssembly, 1 thread)");
    expect(r.printed[1]).toBe("For the native TensorFlow backend (about 2x faster training, 5x faster inference): npm run setup:native");
    expect(r.printed).toHaveLength(2);
    expect(r.info.trainWorkers).toBe(workers);
    expect(r.info.extraKernels).toContain("Conv2DBackpropFilter");
    expect(r.info.skipped.join()).toMatch(/tensorflow: Cannot find module/);
  }, 120_000);

  it("a tfjs-node that is installed but does not load is named in the hint; GDL_WORKERS=1 trains on one thread", async () => {
    const r = await init({ GDL_BACKEND: "", GDL_WORKERS: "1" }, "broken");
    expect(r.status, r.stderr).toBe(0);
    expect(r.printed[0]).toBe("tfjs backend: wasm (WebAssembly, 1 thread)");
    expect(r.printed[1]).toMatch(/npm run setup:native \(tfjs-node did not load: libtensorflow_cc\.so\.2: cannot open shared object file/);
  }, 120_000);

  it("a forced backend gets no hint; a forced tensorflow that does not load says how to set it up", async () => {
    const wasm = await init({ GDL_BACKEND: "wasm" });
    expect(wasm.printed).toHaveLength(1);
    expect(wasm.printed[0]).toMatch(/^tfjs backend: wasm \(WebAssembly, /);
    const tf = await init({ GDL_BACKEND: "tensorflow" }, "missing");
    expect(tf.status).toBe(3);
    expect(tf.stderr).toMatch(/GDL_BACKEND=tensorflow was requested but failed to load: Cannot find module '@tensorflow\/tfjs-node' \(.*npm run setup:native\)/);
  }, 120_000);

  it("oneDNN is off where the native setup measured it inexact on this CPU, else TensorFlow's default; a learner's setting wins", async () => {
    const { oneDnnDefault } = await import("../lib/engine/backend");
    const cpu = "AMD EPYC 7B13 64-Core Processor";
    expect(oneDnnDefault({ cpu, exact: false }, cpu)).toBe("0");
    expect(oneDnnDefault({ cpu, exact: true }, cpu)).toBeUndefined();
    expect(oneDnnDefault({ cpu, exact: false }, "Intel(R) Xeon(R) Processor")).toBeUndefined(); // measured on another CPU
    expect(oneDnnDefault(null, cpu)).toBeUndefined();
    if (!nativeStatus().ok) return;
    // npm test's native setup measured this CPU (scripts/setup-native.mjs checkOneDnn): the verdict is
    // for this CPU, and initBackend applies it unless TF_ENABLE_ONEDNN_OPTS is set.
    const verdictFile = path.join(root, "node_modules", "@tensorflow", "tfjs-node", "deps", "gdl-onednn.json");
    const verdict = JSON.parse(fs.readFileSync(verdictFile, "utf8"));
    expect(verdict.cpu).toBe(os.cpus()[0].model);
    expect(verdict.exact).toBe(verdict.worst.relErr <= verdict.tolerance);
    const probe = async (value: string | undefined) => {
      const env = { ...process.env, GDL_BACKEND: "tensorflow", TF_ENABLE_ONEDNN_OPTS: value };
      if (value === undefined) delete env.TF_ENABLE_ONEDNN_OPTS;
      const code = `require(${JSON.stringify(backendTs)}).initBackend({ quiet: true }).then(() => console.log("ONEDNN=" + process.env.TF_ENABLE_ONEDNN_OPTS))`;
      return (await run(tsx, ["-e", code], { env })).stdout;
    };
    expect(await probe(undefined)).toContain(`ONEDNN=${verdict.exact ? "undefined" : "0"}`);
    expect(await probe("1")).toContain("ONEDNN=1");
  }, 120_000);

  it("the oneDNN check finds an error above its tolerance and says so once", async () => {
    if (!nativeStatus().ok) return;
    // With a tolerance of 0, float32 round-off (~1e-7) counts as inexact: the verdict, its file and the message.
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "onednn-")), "verdict.json");
    const code = `import(${JSON.stringify(path.join(root, "scripts", "setup-native.mjs"))}).then(async (m) => console.log("V=" + JSON.stringify(await m.checkOneDnn({ file: ${JSON.stringify(file)}, tolerance: 0 }))))`;
    const r = await run(process.execPath, ["-e", code]);
    const v = JSON.parse(/^V=(.*)$/m.exec(r.stdout)![1]);
    expect(v).toMatchObject({ cpu: os.cpus()[0].model, exact: false, tolerance: 0 });
    expect(v.worst.relErr).toBeGreaterThan(0);
    expect(v.worst.relErr).toBeLessThan(1e-5);
    expect(JSON.parse(fs.readFileSync(file, "utf8"))).toEqual(v);
    expect(r.stderr).toMatch(/oneDNN kernels are not exact on this CPU \(.*off\), so the workbook runs TensorFlow with TF_ENABLE_ONEDNN_OPTS=0/);
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
      'import { initBackend } from "./lib/engine/backend";\nawait initBackend();\nsetTimeout(() => { throw new Error("late boom"); }, 200);',
      'await new Promise((r) => setTimeout(r, 1000));\nconsole.log("still alive");',
    ]);
    const out = path.join(dir, "out");
    const r = await runNotebook(path.join(dir, "late.ipynb"), { GDL_NOTEBOOK_OUT: out, GDL_BACKEND: "wasm" });
    // The kernel charges the error to cell 1 and fails the notebook (issue 16 item 5); cell 2 still ran.
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/work started by cell 1 \(code cell 1\)/);
    const text = fs.readFileSync(path.join(out, "late.ipynb"), "utf8");
    expect(text).toContain("late boom");
    expect(text).toContain("still alive");
    fs.rmSync(dir, { recursive: true, force: true });
  }, 300_000);
});
