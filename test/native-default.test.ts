// Native by default: `npm start` and `npm test` run `scripts/setup-native.mjs --auto` first
// (autoSetupNative). Tested in a sandbox checkout (scripts copied, node_modules linked to this
// one's, a private copy of @tensorflow/tfjs-node without its binding, a private cache via
// GDL_NATIVE_CACHE_DIR), so the shared node_modules and ~/.cache are never touched:
//  - a missing tool is one message, exit 0, nothing installed, checked again next time;
//  - GDL_NATIVE=0 skips it all (npm start still starts);
//  - build once, delete the binding (what npm ci does), and the next start restores it from
//    the cache in seconds, without a compiler, and it loads and computes;
//  - a failure that cost time is not retried on every start; npm run setup:native retries.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pathToFileURL } from "url";
import { root, run } from "./helpers/run";
import { findJupyterPython } from "../scripts/jupyter-env.mjs";

interface Candidate { dir: string; source: string }
interface SetupNative {
  TFJS_NODE: string;
  SetupError: new (message: string) => Error;
  checkBuildTools(env?: NodeJS.ProcessEnv): unknown;
  tensorflowCandidates(env?: NodeJS.ProcessEnv): Candidate[];
}

const SCRIPTS = ["setup-native.mjs", "native-cache.mjs", "pid-lock.mjs", "python-env.mjs", "jupyter-env.mjs", "start.mjs"];
const mainTfjsNode = path.join(root, "node_modules", "@tensorflow", "tfjs-node");
const hasTfjsNodeFiles = fs.existsSync(path.join(mainTfjsNode, "binding.gyp"));

/** A checkout that shares this one's node_modules except a private tfjs-node (no binding, no deps/). */
function makeSandbox(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gdl-native-default-"));
  fs.mkdirSync(path.join(dir, "scripts"));
  for (const f of SCRIPTS) fs.copyFileSync(path.join(root, "scripts", f), path.join(dir, "scripts", f));
  for (const f of ["package.json", "package-lock.json"]) fs.copyFileSync(path.join(root, f), path.join(dir, f));
  fs.mkdirSync(path.join(dir, "bench"));
  fs.copyFileSync(path.join(root, "bench", "requirements-tensorflow.txt"), path.join(dir, "bench", "requirements-tensorflow.txt"));
  fs.mkdirSync(path.join(dir, "notebooks"));
  fs.symlinkSync(path.join(root, "jupyter"), path.join(dir, "jupyter"));
  const nm = path.join(dir, "node_modules");
  fs.mkdirSync(path.join(nm, "@tensorflow"), { recursive: true });
  for (const e of fs.readdirSync(path.join(root, "node_modules"))) {
    if (e.startsWith(".") || e === "@tensorflow") continue; // .cache, .bin, the hidden lockfile: not shared
    fs.symlinkSync(path.join(root, "node_modules", e), path.join(nm, e));
  }
  for (const e of fs.readdirSync(path.join(root, "node_modules", "@tensorflow"))) {
    if (e !== "tfjs-node") fs.symlinkSync(path.join(root, "node_modules", "@tensorflow", e), path.join(nm, "@tensorflow", e));
  }
  if (hasTfjsNodeFiles) {
    const skip = new Set(["lib", "deps", "build"].map((d) => path.join(mainTfjsNode, d)));
    fs.cpSync(mainTfjsNode, path.join(nm, "@tensorflow", "tfjs-node"), { recursive: true, filter: (src) => !skip.has(src) });
  }
  return dir;
}

/** The env of a learner's shell, minus what this suite or the machine sets for the native backend. */
function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ["GDL_NATIVE", "GDL_NATIVE_STATUS", "GDL_TENSORFLOW_DIR", "GDL_PYTHON", "GDL_VENV", "CXX", "PYTHON", "GDL_BACKEND"]) delete env[k];
  return { ...env, ...extra };
}

const lines = (s: string) => s.split("\n").map((l) => l.trim()).filter(Boolean);

describe("native by default (setup-native.mjs --auto, run by npm start and npm test)", () => {
  let box: string;
  let cache: string;
  const auto = (env: NodeJS.ProcessEnv = {}) => run(process.execPath, [path.join(box, "scripts", "setup-native.mjs"), "--auto"], { cwd: box, env: cleanEnv({ GDL_NATIVE_CACHE_DIR: cache, ...env }), timeoutMs: 300_000 });
  const binding = () => path.join(box, "node_modules", "@tensorflow", "tfjs-node", "lib", "napi-v8", "tfjs_binding.node");
  const jupyter = findJupyterPython(["jupyterlab"]);
  // `npm start -- --version`: everything npm start does, then Jupyter prints its version and exits.
  const start = (env: NodeJS.ProcessEnv = {}) => run(process.execPath, [path.join(box, "scripts", "start.mjs"), "--version"], { cwd: box, env: cleanEnv({ GDL_NATIVE_CACHE_DIR: cache, GDL_PYTHON: jupyter!.python, ...env }), timeoutMs: 300_000 });

  beforeAll(() => {
    box = makeSandbox();
    cache = path.join(box, "cache");
  });
  afterAll(() => {
    if (box) fs.rmSync(box, { recursive: true, force: true });
  });

  it("a missing compiler and Python: one message naming both, exit 0, nothing installed; checked again next time", async () => {
    const env = { CXX: "/nonexistent/c++", PYTHON: "/nonexistent/python3" };
    const r = await auto(env);
    expect(r.status, r.stderr).toBe(0);
    const out = lines(r.stderr);
    const named = out.filter((l) => /missing/.test(l));
    expect(named, r.stderr).toHaveLength(1);
    expect(named[0]).toMatch(/^setup:native: the native backend is not set up: cannot build tfjs-node's binding: missing a C\+\+ compiler \(\/nonexistent\/c\+\+ from \$CXX not found\), Python 3 for node-gyp \(\/nonexistent\/python3 not found\)\. Debian\/Ubuntu: apt-get install g\+\+ make python3/);
    expect(out[out.length - 1]).toMatch(/^The workbook runs on the wasm backend\./);
    expect(out, "no progress line: nothing was started").not.toContainEqual(expect.stringMatching(/setting up|installing|building/));
    expect(fs.existsSync(binding())).toBe(false);
    expect(fs.existsSync(path.join(box, ".venv"))).toBe(false);
    // Not remembered as a failure: a missing tool costs nothing to check, so the next start checks again.
    expect(fs.existsSync(path.join(box, "node_modules", ".cache", "gdl-native", "failed.json"))).toBe(false);
    const again = await auto(env);
    expect(lines(again.stderr).filter((l) => /missing a C\+\+ compiler/.test(l))).toHaveLength(1);
  }, 120_000);

  it.skipIf(!jupyter)("npm start with a compiler missing still starts Jupyter, after that one message", async () => {
    const r = await start({ CXX: "/nonexistent/c++" });
    expect(r.status, r.stderr).toBe(0);
    expect(lines(r.stderr).filter((l) => /missing a C\+\+ compiler/.test(l))).toHaveLength(1);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+$/m); // jupyter --version
  }, 120_000);

  it("GDL_NATIVE=0 skips the setup: one line, no checks, nothing built, exit 0", async () => {
    const r = await auto({ GDL_NATIVE: "0", CXX: "/nonexistent/c++" });
    expect(r.status).toBe(0);
    expect(lines(r.stderr)).toEqual([expect.stringMatching(/^setup:native: GDL_NATIVE=0: not setting up the native backend \(npm run setup:native does it by hand; GDL_BACKEND=wasm forces wasm\)\.$/)]);
    expect(fs.existsSync(binding())).toBe(false);
  }, 60_000);

  describe("the cache (needs a compiler, make, Python and a TensorFlow with its C library)", () => {
    let setup: SetupNative;
    let tf: Candidate | undefined;
    let why = "";
    beforeAll(async () => {
      setup = (await import(pathToFileURL(path.join(root, "scripts", "setup-native.mjs")).href)) as SetupNative;
      try {
        setup.checkBuildTools(process.env);
        tf = setup.tensorflowCandidates(cleanEnv({})).find((c) => !/tfjs-node's own/.test(c.source))
          ?? setup.tensorflowCandidates(cleanEnv({ GDL_PYTHON: path.join(root, ".venv", "bin", "python") }))[0];
        if (!tf) why = "no TensorFlow for Python here";
      } catch (e) {
        why = (e as Error).message;
      }
      if (!hasTfjsNodeFiles) why = "@tensorflow/tfjs-node's files are not installed";
      if (why) console.warn(`native-default: cache tests skipped: ${why}`);
    });

    it("build once, delete the binding (as npm ci does), restore from the cache: it loads and computes; GDL_NATIVE=0 leaves it alone", async (ctx) => {
      if (why) return ctx.skip();
      const env = { GDL_TENSORFLOW_DIR: tf!.dir };
      const built = await run(process.execPath, [path.join(box, "scripts", "setup-native.mjs"), "--force"], { cwd: box, env: cleanEnv({ GDL_NATIVE_CACHE_DIR: cache, ...env }), timeoutMs: 600_000 });
      expect(built.status, built.stderr).toBe(0);
      expect(built.stderr).toMatch(/ok: tfjs-node loads TensorFlow 2\.\d+/);
      const entry = /cached in (\S+) \(/.exec(built.stderr)?.[1];
      expect(entry, built.stderr).toMatch(new RegExp(`^${cache}/linux-x64-napi-v8-tf2\\.\\d+\\.\\d+\\S*-tfjs-node4\\.22\\.0$`));
      const meta = JSON.parse(fs.readFileSync(path.join(entry!, "entry.json"), "utf8")) as { main: string; framework: string; tensorflowDir: string };
      expect(meta.tensorflowDir).toBe(path.resolve(tf!.dir));
      for (const f of ["tfjs_binding.node", path.join("lib", meta.main), path.join("lib", meta.framework)]) expect(fs.existsSync(path.join(entry!, f)), f).toBe(true);

      // What npm ci does to the package: the binding and deps/ are gone.
      const pkg = path.join(box, "node_modules", "@tensorflow", "tfjs-node");
      const wipe = () => ["lib", "deps"].forEach((d) => fs.rmSync(path.join(pkg, d), { recursive: true, force: true }));
      wipe();
      // The opt-out restores nothing either.
      const off = await auto({ ...env, GDL_NATIVE: "0" });
      expect(off.status).toBe(0);
      expect(fs.existsSync(binding())).toBe(false);
      expect(fs.existsSync(path.join(pkg, "deps"))).toBe(false);

      // Restored without a compiler: the cache needs none.
      const t0 = Date.now();
      const restored = await auto({ ...env, CXX: "/nonexistent/c++" });
      const took = (Date.now() - t0) / 1000;
      expect(restored.status, restored.stderr).toBe(0);
      expect(restored.stderr).toMatch(/ok: restored in \d+\.\d s; tfjs-node loads TensorFlow 2\.\d+/);
      expect(restored.stderr).not.toMatch(/building|missing/);
      expect(took, restored.stderr).toBeLessThan(30); // ~1 s idle; the machine may be busy
      expect(fs.existsSync(binding())).toBe(true);
      const marker = JSON.parse(fs.readFileSync(path.join(pkg, "deps", "gdl-native.json"), "utf8")) as { source: string; cache: string };
      expect(marker.cache).toBe(entry);
      // deps/lib points into the cache, not at the TensorFlow it was built from.
      expect(fs.realpathSync(path.join(pkg, "deps", "lib", "libtensorflow_framework.so"))).toBe(fs.realpathSync(path.join(entry!, "lib", meta.framework)));

      // It loads and computes, in a fresh Node, from the sandbox.
      const use = await run(process.execPath, ["-e", `process.env.TF_CPP_MIN_LOG_LEVEL = "2";
        const tf = require("@tensorflow/tfjs-node");
        console.log("RESULT", tf.getBackend(), tf.conv2d(tf.ones([1, 8, 8, 1]), tf.ones([3, 3, 1, 2]), 1, "same").sum().dataSync()[0]);`], { cwd: box, env: cleanEnv({}), timeoutMs: 120_000 });
      expect(use.stdout, use.stderr).toMatch(/^RESULT tensorflow 968$/m);

      // Later starts: silent.
      const later = await auto(env);
      expect(later.status).toBe(0);
      expect(later.stderr.trim()).toBe("");

      // npm start restores it too, before Jupyter answers.
      if (jupyter) {
        wipe();
        const s = await start(env);
        expect(s.status, s.stderr).toBe(0);
        expect(s.stderr).toMatch(/ok: restored in/);
        expect(s.stdout).toMatch(/^\d+\.\d+\.\d+$/m);
        expect(fs.existsSync(binding())).toBe(true);
      }
    }, 900_000);
  });

  it("a failure that cost time (pip could not install TensorFlow) is said once per start, not retried; npm run setup:native retries", async (ctx) => {
    const box2 = makeSandbox();
    try {
      const setup = (await import(pathToFileURL(path.join(root, "scripts", "setup-native.mjs")).href)) as SetupNative;
      try {
        setup.checkBuildTools(process.env);
      } catch (e) {
        return ctx.skip(`needs the build tools: ${(e as Error).message}`);
      }
      if (!hasTfjsNodeFiles) return ctx.skip("@tensorflow/tfjs-node's files are not installed");
      // A sandbox whose TensorFlow requirement pip cannot satisfy, and no TensorFlow anywhere it looks.
      fs.writeFileSync(path.join(box2, "bench", "requirements-tensorflow.txt"), "gdl-no-such-package==0\n");
      const env = cleanEnv({ GDL_NATIVE_CACHE_DIR: path.join(box2, "cache"), GDL_VENV: path.join(box2, ".venv"), PIP_DEFAULT_TIMEOUT: "3", PIP_RETRIES: "0" });
      // Asked in the sandbox (its .venv, GDL_VENV), not in this process (this checkout's .venv has TensorFlow).
      const ask = await run(process.execPath, ["--input-type=module", "-e", `const m = await import(${JSON.stringify(pathToFileURL(path.join(box2, "scripts", "setup-native.mjs")).href)}); console.log("FOUND " + m.tensorflowCandidates(process.env).map((c) => c.source).join("; "))`], { cwd: box2, env });
      const found = /^FOUND (.*)$/m.exec(ask.stdout)?.[1];
      expect(found, ask.stderr).toBeDefined();
      if (found) return ctx.skip(`a Python here has TensorFlow (${found}), so nothing needs pip`);
      const go = (args: string[]) => run(process.execPath, [path.join(box2, "scripts", "setup-native.mjs"), ...args], { cwd: box2, env, timeoutMs: 300_000 });
      const first = await go(["--auto"]);
      expect(first.status, first.stderr).toBe(0);
      expect(first.stderr).toMatch(/setting up the native TensorFlow backend \(tfjs-node\) once/);
      expect(first.stderr).toMatch(/the native backend is not set up: no TensorFlow found, and installing it failed/);
      expect(fs.existsSync(path.join(box2, "node_modules", ".cache", "gdl-native", "failed.json"))).toBe(true);
      const t0 = Date.now();
      const second = await go(["--auto"]);
      expect(second.status).toBe(0);
      expect(lines(second.stderr)).toEqual([
        expect.stringMatching(/^setup:native: the native backend is not set up \(the automatic setup failed on \S+: no TensorFlow found, and installing it failed/),
        "The workbook runs on the wasm backend; npm run setup:native tries again and shows the whole message.",
      ]);
      expect(Date.now() - t0).toBeLessThan(20_000);
      // By hand it tries again (and fails again, with the whole message and exit 1).
      const byHand = await go([]);
      expect(byHand.status).toBe(1);
      expect(byHand.stderr).toMatch(/setup:native failed: no TensorFlow found, and installing it failed/);
    } finally {
      fs.rmSync(box2, { recursive: true, force: true });
    }
  }, 300_000);
});
