// `npm run setup:native`: make @tensorflow/tfjs-node load here, so initBackend()
// picks the native TensorFlow backend instead of wasm.
//
// tfjs-node's install script downloads libtensorflow, which fails behind proxies
// and on offline lab machines; npm then drops the optional package. This script
//   1. keeps tfjs-node as it is when it already loads (its own prebuilt files);
//   2. installs the package's files without that script (npm, lockfile versions);
//   3. finds a TensorFlow C library: tfjs-node's own deps/, $GDL_TENSORFLOW_DIR,
//      a Python whose `tensorflow` package ships libtensorflow_cc.so.2 + include/,
//      else pip installs tensorflow-cpu into the project venv (.venv);
//   4. builds tfjs-node's N-API binding against it with npm's own node-gyp and the
//      Node installation's headers, into the folder tfjs-node loads it from;
//   5. checks that it loads and computes.
// Nothing outside the project is written. Every failure ends in one message that
// says what is missing and how to get it; the workbook keeps working on wasm.
//
//   npm run setup:native            # idempotent: exits at once if tfjs-node loads
//   npm run setup:native -- --force # rebuild even if it loads
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensureVenv, venvPython, VENV } from "./python-env.mjs";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const TFJS_NODE = path.join(root, "node_modules", "@tensorflow", "tfjs-node");
export const TF_REQUIREMENTS = "bench/requirements-tensorflow.txt";
const LOG = path.join(root, "build", "setup-native.log");
/** Written next to the staged library: where it came from (for messages and tests). */
export const MARKER = path.join(TFJS_NODE, "deps", "gdl-native.json");

/** A failure the learner can act on: `message` says what is missing and how to get it. */
export class SetupError extends Error {}

const say = (s) => console.error(`setup:native: ${s}`);

function log(text) {
  fs.mkdirSync(path.dirname(LOG), { recursive: true });
  fs.appendFileSync(LOG, text.endsWith("\n") ? text : `${text}\n`);
}

/** Run a command, its output to build/setup-native.log (or inherited); resolves {status, out}. */
function run(cmd, args, { cwd = root, env = process.env, inherit = false } = {}) {
  log(`\n$ ${cmd} ${args.join(" ")}`);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", inherit ? "inherit" : "pipe", inherit ? "inherit" : "pipe"] });
    let out = "";
    const take = (d) => { out += d; log(String(d)); };
    child.stdout?.on("data", take);
    child.stderr?.on("data", take);
    child.on("error", (e) => resolve({ status: 127, out: `${out}${e.message}` }));
    child.on("exit", (code, signal) => resolve({ status: code ?? (signal ? 1 : 0), out }));
  });
}

/** The lines of a build log worth showing in a one-message failure. */
function excerpt(out, n = 6) {
  const lines = out.split("\n").map((l) => l.trimEnd()).filter(Boolean);
  const errs = lines.filter((l) => /error|undefined reference|cannot find|not found|No such file/i.test(l));
  return (errs.length ? errs : lines).slice(-n).map((l) => `    ${l.slice(0, 240)}`).join("\n");
}

// ---------------------------------------------------------------- does it load?

const LOAD_CHECK = `
process.env.TF_CPP_MIN_LOG_LEVEL ??= "2";
const tf = require("@tensorflow/tfjs-node");
const x = tf.ones([1, 8, 8, 1]);
const y = tf.conv2d(x, tf.ones([3, 3, 1, 2]), 1, "same").sum().dataSync()[0];
if (y !== 968) throw new Error("conv2d on tfjs-node gave " + y + ", expected 968");
console.log("GDL_NATIVE_OK " + JSON.stringify({ backend: tf.getBackend(), tensorflow: tf.backend().binding.TF_Version }));
`;

/** Does tfjs-node load and compute in a fresh Node? {ok, tensorflow?, error?} */
export async function loadCheck() {
  if (!fs.existsSync(path.join(TFJS_NODE, "package.json"))) return { ok: false, error: "@tensorflow/tfjs-node is not installed" };
  const r = await run(process.execPath, ["-e", LOAD_CHECK]);
  const line = r.out.split("\n").find((l) => l.startsWith("GDL_NATIVE_OK "));
  if (r.status === 0 && line) return { ok: true, ...JSON.parse(line.slice("GDL_NATIVE_OK ".length)) };
  const err = r.out.split("\n").find((l) => /^\w*Error\b|Error: |cannot open|undefined symbol/.test(l)) ?? `exit ${r.status}`;
  return { ok: false, error: err.trim().slice(0, 300) };
}

// ---------------------------------------------------------------- build tools

function probe(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  return r.error || r.status !== 0 ? null : `${r.stdout}${r.stderr}`.trim().split("\n")[0];
}

/** node-gyp: the one npm runs scripts with, else npm's bundled copy next to this Node. */
export function findNodeGyp(env = process.env) {
  const tried = [env.npm_config_node_gyp, path.resolve(path.dirname(process.execPath), "..", "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js")];
  const npm = probe("npm", ["root", "-g"]);
  if (npm) tried.push(path.join(npm, "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"));
  return tried.filter(Boolean).find((p) => fs.existsSync(p)) ?? null;
}

/** Node's own C headers (node_api.h), so node-gyp need not download them. */
export function nodeHeadersDir() {
  const dir = path.resolve(path.dirname(process.execPath), "..");
  return fs.existsSync(path.join(dir, "include", "node", "node_api.h")) ? dir : null;
}

/** Everything the build needs besides TensorFlow; throws one SetupError naming what is missing. */
export function checkBuildTools(env = process.env) {
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new SetupError(`building tfjs-node against a local TensorFlow is supported on Linux x64 only (this is ${process.platform}-${process.arch}). tfjs-node's own install (npm install @tensorflow/tfjs-node) downloads prebuilt files where it can reach storage.googleapis.com; otherwise the workbook runs on wasm.`);
  }
  const missing = [];
  const cxx = env.CXX || "g++";
  if (!probe(cxx, ["--version"])) missing.push(`a C++ compiler (${cxx}${env.CXX ? " from $CXX" : ""} not found)`);
  if (!probe("make", ["--version"])) missing.push("make");
  const py = env.PYTHON || "python3";
  if (!probe(py, ["--version"])) missing.push(`Python 3 for node-gyp (${py} not found)`);
  if (missing.length) {
    throw new SetupError(`cannot build tfjs-node's binding: missing ${missing.join(", ")}. Debian/Ubuntu: apt-get install g++ make python3; macOS: xcode-select --install.`);
  }
  const gyp = findNodeGyp(env);
  if (!gyp) throw new SetupError("cannot build tfjs-node's binding: npm's node-gyp was not found next to this Node. Run the command through npm (npm run setup:native), or install node-gyp (npm install -g node-gyp) and set npm_config_node_gyp=/path/to/node-gyp.js.");
  return { cxx, python: py, nodeGyp: gyp, nodedir: nodeHeadersDir() };
}

// ---------------------------------------------------------------- the package

async function ensurePackage() {
  if (fs.existsSync(path.join(TFJS_NODE, "binding.gyp"))) return;
  say("installing @tensorflow/tfjs-node's files (npm, without its libtensorflow download)…");
  // The lockfile pins it; --no-save leaves package.json and the lockfile alone.
  const npm = process.env.npm_execpath && fs.existsSync(process.env.npm_execpath) ? [process.execPath, [process.env.npm_execpath]] : ["npm", []];
  const r = await run(npm[0], [...npm[1], "install", "--no-save", "--ignore-scripts", "--no-audit", "--no-fund"]);
  if (r.status !== 0 || !fs.existsSync(path.join(TFJS_NODE, "binding.gyp"))) {
    throw new SetupError(`npm could not install @tensorflow/tfjs-node's files (exit ${r.status}):\n${excerpt(r.out)}\nCheck that the npm registry is reachable (npm ping), then run npm run setup:native again.`);
  }
}

// ---------------------------------------------------------------- TensorFlow C library

/**
 * A TensorFlow C library in `dir`: the `tensorflow` folder of a Python install
 * (libtensorflow_cc.so.2, libtensorflow_framework.so.2, include/) or an unpacked
 * libtensorflow archive (lib/libtensorflow.so.2, lib/libtensorflow_framework.so.2,
 * include/). Returns {lib, framework, include, libDir} or {problem}.
 */
export function tensorflowLayout(dir) {
  if (!fs.existsSync(dir)) return { problem: `${dir} does not exist` };
  for (const [libDir, main] of [[dir, "libtensorflow_cc.so.2"], [path.join(dir, "lib"), "libtensorflow.so.2"], [path.join(dir, "lib"), "libtensorflow_cc.so.2"], [dir, "libtensorflow.so.2"]]) {
    const lib = path.join(libDir, main);
    const framework = path.join(libDir, "libtensorflow_framework.so.2");
    if (!fs.existsSync(lib)) continue;
    if (!fs.existsSync(framework)) return { problem: `${lib} is there but ${framework} is missing` };
    const include = path.join(dir, "include");
    if (!fs.existsSync(path.join(include, "tensorflow", "c", "c_api.h"))) return { problem: `${include}/tensorflow/c/c_api.h is missing (TensorFlow's C headers)` };
    return { lib, framework, include, libDir };
  }
  return { problem: `${dir} has neither libtensorflow_cc.so.2 (a Python tensorflow folder) nor lib/libtensorflow.so.2 (a libtensorflow archive)` };
}

// find_spec locates the package without importing it (importing TensorFlow takes seconds).
const PY_FIND_TF = `
import importlib.util, importlib.metadata as md, json, os
s = importlib.util.find_spec("tensorflow")
v = None
for n in ("tensorflow", "tensorflow-cpu", "tensorflow-intel", "tf-nightly"):
    try:
        v = md.version(n); break
    except Exception:
        pass
print(json.dumps({"dir": os.path.dirname(s.origin) if s and s.origin else None, "version": v}))
`;

/** Pythons to ask for an installed TensorFlow, first wins. */
function pythons(env) {
  const list = [env.GDL_PYTHON, "python3", "/usr/bin/python3", "python", fs.existsSync(venvPython) ? venvPython : null].filter(Boolean);
  return [...new Set(list)];
}

function tensorflowOfPython(py) {
  const r = spawnSync(py, ["-c", PY_FIND_TF], { encoding: "utf8" });
  if (r.error || r.status !== 0) return null;
  try {
    const found = JSON.parse(r.stdout.trim().split("\n").pop());
    return found.dir ? found : null;
  } catch {
    return null;
  }
}

/**
 * Candidate TensorFlow C libraries in the order they are tried. GDL_TENSORFLOW_DIR,
 * when set, is the only one (a wrong value fails naming it, it never falls back).
 */
export function tensorflowCandidates(env = process.env) {
  if (env.GDL_TENSORFLOW_DIR) {
    const dir = path.resolve(env.GDL_TENSORFLOW_DIR);
    const l = tensorflowLayout(dir);
    if (l.problem) {
      throw new SetupError(`GDL_TENSORFLOW_DIR=${env.GDL_TENSORFLOW_DIR} is not a TensorFlow C library: ${l.problem}. Point it at the tensorflow folder of a Python installation (python3 -c "import tensorflow, os; print(os.path.dirname(tensorflow.__file__))") or at an unpacked libtensorflow archive, or unset it.`);
    }
    return [{ ...l, source: `GDL_TENSORFLOW_DIR=${env.GDL_TENSORFLOW_DIR}` }];
  }
  const found = [];
  // tfjs-node's own download (not one of our earlier stagings, which carry MARKER).
  const own = tensorflowLayout(path.join(TFJS_NODE, "deps"));
  if (!own.problem && !fs.existsSync(MARKER) && !fs.lstatSync(own.include).isSymbolicLink()) found.push({ ...own, source: "tfjs-node's own libtensorflow (deps/)" });
  for (const py of pythons(env)) {
    const tf = tensorflowOfPython(py);
    if (!tf) continue;
    const l = tensorflowLayout(tf.dir);
    if (l.problem) {
      say(`${py} has TensorFlow ${tf.version ?? ""} at ${tf.dir} but not its C library (${l.problem}); skipping it.`);
      continue;
    }
    const who = py === venvPython ? `the project venv (${path.relative(root, VENV) || VENV})` : py;
    if (!found.some((f) => f.lib === l.lib)) found.push({ ...l, version: tf.version, source: `TensorFlow ${tf.version ?? "?"} of ${who}` });
  }
  return found;
}

// ---------------------------------------------------------------- build

/** Link the library into tfjs-node's deps/ under the names the binding links and loads. */
function stage(tf) {
  const deps = path.join(TFJS_NODE, "deps");
  const libDir = path.join(deps, "lib");
  if (path.resolve(tf.libDir) === path.resolve(libDir)) return; // tfjs-node's own files
  fs.rmSync(deps, { recursive: true, force: true });
  fs.mkdirSync(libDir, { recursive: true });
  fs.symlinkSync(tf.include, path.join(deps, "include"));
  // binding.gyp links -ltensorflow -ltensorflow_framework with rpath $ORIGIN/../../deps/lib;
  // at run time the loader asks for each library's own name (its SONAME, e.g. libtensorflow_cc.so.2).
  const links = new Map([["libtensorflow.so", tf.lib], ["libtensorflow_framework.so", tf.framework]]);
  for (const f of fs.readdirSync(tf.libDir)) {
    if (/^libtensorflow.*\.so(\.\d+)*$/.test(f) && !links.has(f)) links.set(f, path.join(tf.libDir, f));
  }
  for (const [name, target] of links) fs.symlinkSync(target, path.join(libDir, name));
}

function napiVersion() {
  const pkg = JSON.parse(fs.readFileSync(path.join(TFJS_NODE, "package.json"), "utf8"));
  const supported = (pkg.binary?.napi_versions ?? [8]).filter((v) => v <= Number(process.versions.napi));
  return { version: Math.max(...supported), modulePath: path.join(TFJS_NODE, "lib", `napi-v${Math.max(...supported)}`), pkg };
}

async function build(tf, tools) {
  stage(tf);
  const napi = napiVersion();
  // The module path node-pre-gyp computes (binary.module_path with {napi_build_version}).
  fs.rmSync(napi.modulePath, { recursive: true, force: true });
  const args = [
    tools.nodeGyp, "rebuild",
    `--module_name=${napi.pkg.binary?.module_name ?? "tfjs_binding"}`, `--module_path=${napi.modulePath}`, `--napi_build_version=${napi.version}`,
    // Headers of this Node installation when it has them; otherwise node-gyp downloads them into the project.
    ...(tools.nodedir ? [`--nodedir=${tools.nodedir}`] : []), `--devdir=${path.join(root, "build", "node-gyp")}`,
    `--python=${tools.python}`,
  ];
  const r = await run(process.execPath, args, { cwd: TFJS_NODE, env: { ...process.env, CXX: tools.cxx } });
  if (r.status !== 0) {
    const headers = tools.nodedir ? "" : ` Node's C headers are not installed next to ${process.execPath} and could not be downloaded (Debian: apt-get install libnode-dev, or use Node from nodejs.org).`;
    throw new SetupError(`node-gyp could not build tfjs-node's binding against ${tf.source} (exit ${r.status}):\n${excerpt(r.out)}\n${headers}Full log: ${path.relative(process.cwd(), LOG)}.`);
  }
}

// ---------------------------------------------------------------- main

export async function setupNative({ force = false, env = process.env } = {}) {
  fs.rmSync(LOG, { force: true });
  if (!force) {
    const now = await loadCheck();
    if (now.ok) {
      const how = fs.existsSync(MARKER) ? JSON.parse(fs.readFileSync(MARKER, "utf8")).source : "tfjs-node's own prebuilt files";
      say(`@tensorflow/tfjs-node already loads TensorFlow ${now.tensorflow} (${how}); nothing to do (--force rebuilds).`);
      return now;
    }
  }
  const tools = checkBuildTools(env);
  if (env.GDL_TENSORFLOW_DIR) tensorflowCandidates(env); // a wrong value fails before anything is installed
  await ensurePackage();
  let candidates = tensorflowCandidates(env);
  if (candidates.length === 0) {
    say(`no TensorFlow for Python found (${pythons(env).join(", ")}); installing tensorflow-cpu into ${path.relative(process.cwd(), VENV) || VENV} (${TF_REQUIREMENTS}, once; ~1 min)…`);
    try {
      await ensureVenv([TF_REQUIREMENTS], { log: say });
    } catch (e) {
      throw new SetupError(`no TensorFlow found, and installing it failed: ${e.message}\nAlternatives: install TensorFlow for Python (pip install tensorflow-cpu) and run this again, or set GDL_TENSORFLOW_DIR to a libtensorflow folder.`);
    }
    candidates = tensorflowCandidates(env);
    if (candidates.length === 0) throw new SetupError(`pip installed ${TF_REQUIREMENTS} into ${VENV}, but its tensorflow package has no C library (libtensorflow_cc.so.2 + include/). Set GDL_TENSORFLOW_DIR to a libtensorflow folder.`);
  }
  const failures = [];
  for (const tf of candidates) {
    say(`building tfjs-node's binding against ${tf.source} (${tf.libDir}; node-gyp, ~10 s)…`);
    try {
      await build(tf, tools);
    } catch (e) {
      if (!(e instanceof SetupError) || candidates.length === 1) throw e;
      failures.push(e.message);
      continue;
    }
    const check = await loadCheck();
    if (check.ok) {
      const marker = { source: tf.source, library: tf.lib, tensorflow: check.tensorflow, node: process.version, date: new Date().toISOString() };
      fs.writeFileSync(`${MARKER}.tmp`, JSON.stringify(marker, null, 2));
      fs.renameSync(`${MARKER}.tmp`, MARKER);
      say(`ok: tfjs-node loads TensorFlow ${check.tensorflow} from ${tf.source}; initBackend() now picks the tensorflow backend (GDL_BACKEND=wasm still forces wasm).`);
      return check;
    }
    // Built but does not load or compute: an ABI mismatch (e.g. a TensorFlow 1.x or a much newer C API).
    failures.push(`built against ${tf.source}, but it does not load: ${check.error}`);
    fs.rmSync(napiVersion().modulePath, { recursive: true, force: true });
  }
  throw new SetupError(`tfjs-node ${napiVersion().pkg.version} could not use any TensorFlow found here:\n  ${failures.join("\n  ")}\ntfjs-node needs TensorFlow 2.x's C API; set GDL_TENSORFLOW_DIR to a TensorFlow 2 folder, or remove the failing one so tensorflow-cpu from ${TF_REQUIREMENTS} is installed into ${VENV}.`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const bad = args.find((a) => a !== "--force");
  if (bad) {
    console.error(`setup:native: unknown option ${bad} (only --force)`);
    process.exit(2);
  }
  setupNative({ force: args.includes("--force") }).catch((e) => {
    const msg = e instanceof SetupError ? e.message : `unexpected error: ${e.stack ?? e}`;
    console.error(`setup:native failed: ${msg}\nThe workbook keeps working on the wasm backend.`);
    process.exit(1);
  });
}
