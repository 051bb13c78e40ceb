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
//   5. checks that it loads and computes, and keeps the build (binding + TensorFlow's
//      libraries) in a cache outside node_modules (scripts/native-cache.mjs), so that
//      after a fresh `npm ci` steps 3-4 become a restore of a few seconds.
// Before any of that, and also when tfjs-node already loads, it applies a small
// reviewed source patch to tfjs-node's dist/ (TFJS_NODE_PATCHES below) so that the
// same files run on Node 20 and on Node 23+ (which removed util.isNullOrUndefined).
// Nothing outside the project is written. Every failure ends in one message that
// says what is missing and how to get it; the workbook keeps working on wasm.
//
//   npm run setup:native            # idempotent: exits at once if tfjs-node loads
//   npm run setup:native -- --force # rebuild even if it loads (and renew the cache entry)
//   node scripts/setup-native.mjs --auto
//       what `npm start` and `npm test` run first (autoSetupNative): silent when tfjs-node
//       loads, a restore from the cache or the whole setup otherwise; never fails (a problem
//       is one message and the workbook stays on wasm); GDL_NATIVE=0 skips it.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensureVenv, venvPython, VENV } from "./python-env.mjs";
import { cacheRoot, findEntries, restoreEntry, storeEntry } from "./native-cache.mjs";
import { pidLock } from "./pid-lock.mjs";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const TFJS_NODE = path.join(root, "node_modules", "@tensorflow", "tfjs-node");
export const TF_REQUIREMENTS = "bench/requirements-tensorflow.txt";
const LOG = path.join(root, "build", "setup-native.log");
/** Written next to the staged library: where it came from (for messages and tests). */
export const MARKER = path.join(TFJS_NODE, "deps", "gdl-native.json");

/** Per-checkout state of the automatic setup (the lock, the last failure); npm ci clears it. */
const STATE = path.join(root, "node_modules", ".cache", "gdl-native");
const FAILED = path.join(STATE, "failed.json");

/**
 * A failure the learner can act on: `message` says what is missing and how to get it.
 * `cheap`: found before anything was installed or built (a missing tool, a wrong
 * GDL_TENSORFLOW_DIR), so the automatic setup checks it again on every start.
 */
export class SetupError extends Error {
  constructor(message, { cheap = false } = {}) {
    super(message);
    this.cheap = cheap;
  }
}

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
const k = tf.topk(tf.tensor1d([1, 5, 3]), 2).indices.dataSync().join();
if (k !== "1,2") throw new Error("topk on tfjs-node gave indices " + k + ", expected 1,2");
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

// ---------------------------------------------------------------- is oneDNN exact here?

/**
 * TensorFlow's oneDNN kernels (on by default on x86) are not exact on every CPU: on an AMD
 * EPYC 7B13 (Zen 3, AVX2) TensorFlow 2.21's oneDNN Conv2DBackpropInput was 7% off for a
 * one-channel stride-2 "valid" 3x3 convolution, while on AVX-512 EPYCs and Xeons it is exact
 * and 1.4x faster for the autoencoder's step. So it is measured, once per machine: conv2d,
 * conv2dTranspose and their gradients on tfjs-node with oneDNN on, against tfjs's plain JS
 * cpu kernels (test/kernels.test.ts's check, on its shapes). The verdict goes
 * to ONEDNN_VERDICT; lib/engine/backend.ts turns oneDNN off where it is not exact (unless
 * the learner set TF_ENABLE_ONEDNN_OPTS).
 */
export const ONEDNN_VERDICT = path.join(TFJS_NODE, "deps", "gdl-onednn.json");
const ONEDNN_TOL = 1e-5; // max |tensorflow - cpu| / max |cpu| per quantity (float32 sees ~1e-7)
const CONV_CASES = path.join(root, "lib", "engine", "kernels", "conv-cases.json");
// test/kernels.test.ts's quantities (the same seeds) for its shapes: conv2d, its input and filter
// gradients, conv2dTranspose and its two gradients; tfjs-node first, then tfjs's cpu kernels.
const ONEDNN_CHECK = `
process.env.TF_CPP_MIN_LOG_LEVEL = "2";
const tf = require("@tensorflow/tfjs-node");
const CASES = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).cases;
const out = (n, k, s, pad) => pad === "same" ? Math.ceil(n / s) : Math.floor((n - k) / s) + 1;
const quantities = () => CASES.map((c) => tf.tidy(() => {
  const [n, h, w, cin] = c.x;
  const seed = c.x.reduce((a, b) => a * 31 + b, c.s * 7 + c.cout);
  const x = tf.randomNormal(c.x, 0, 1, "float32", seed);
  const f = tf.randomNormal([c.k[0], c.k[1], cin, c.cout], 0, 1, "float32", seed + 1);
  const dims = [n, out(h, c.k[0], c.s, c.pad), out(w, c.k[1], c.s, c.pad), c.cout];
  const r = tf.randomNormal(dims, 0, 1, "float32", seed + 2);
  const [dx, dw] = tf.grads((a, b) => tf.conv2d(a, b, c.s, c.pad).mul(r).sum())([x, f]);
  const y = tf.randomNormal(dims, 0, 1, "float32", seed + 3), rx = tf.randomNormal(c.x, 0, 1, "float32", seed + 4);
  const [dyT, dwT] = tf.grads((a, b) => tf.conv2dTranspose(a, b, c.x, c.s, c.pad).mul(rx).sum())([y, f]);
  const q = { conv: tf.conv2d(x, f, c.s, c.pad), "conv dx": dx, "conv dw": dw, convT: tf.conv2dTranspose(y, f, c.x, c.s, c.pad), "convT dy": dyT, "convT dw": dwT };
  return Object.fromEntries(Object.entries(q).map(([k, v]) => [k, v.dataSync()]));
}));
const got = quantities();
tf.setBackend("cpu").then(() => {
  const ref = quantities();
  let worst = { relErr: 0, case: "", quantity: "" };
  ref.forEach((q, i) => { for (const [name, r] of Object.entries(q)) {
    const g = got[i][name]; let d = 0, m = 0;
    for (let j = 0; j < r.length; j++) { d = Math.max(d, Math.abs(g[j] - r[j])); m = Math.max(m, Math.abs(r[j])); }
    const c = CASES[i], e = d / Math.max(m, 1e-30);
    if (e >= worst.relErr) worst = { relErr: e, case: "x=" + c.x + " k=" + c.k + " cout=" + c.cout + " s=" + c.s + " " + c.pad, quantity: name };
  } });
  console.log("GDL_ONEDNN " + JSON.stringify({ tensorflow: tf.engine().registry.tensorflow.binding.TF_Version, worst }));
});
`;

/** This CPU, as the verdict is keyed (lib/engine/backend.ts compares the same string). */
const cpuModel = () => os.cpus()[0]?.model ?? "";

/**
 * The oneDNN verdict for this CPU: measured once (a child Node, ~2 s) and kept in
 * ONEDNN_VERDICT until npm ci or another CPU. {exact, worst, cpu, tensorflow} or null when
 * the check could not run (then TensorFlow's default stays).
 */
export async function checkOneDnn({ force = false, file = ONEDNN_VERDICT, tolerance = ONEDNN_TOL } = {}) {
  try {
    const old = JSON.parse(fs.readFileSync(file, "utf8"));
    if (!force && old.cpu === cpuModel() && old.tolerance === tolerance) return old;
  } catch {
    // none yet
  }
  const r = await run(process.execPath, ["-e", ONEDNN_CHECK, CONV_CASES], { env: { ...process.env, TF_ENABLE_ONEDNN_OPTS: "1" } });
  const line = r.out.split("\n").find((l) => l.startsWith("GDL_ONEDNN "));
  if (r.status !== 0 || !line) return null;
  const { tensorflow, worst } = JSON.parse(line.slice("GDL_ONEDNN ".length));
  const verdict = { cpu: cpuModel(), tensorflow, exact: worst.relErr <= tolerance, tolerance, worst, date: new Date().toISOString() };
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(verdict, null, 2));
  fs.renameSync(`${file}.tmp`, file);
  if (!verdict.exact) {
    say(`TensorFlow's oneDNN kernels are not exact on this CPU (${verdict.cpu}: ${worst.quantity} of ${worst.case} is ${(100 * worst.relErr).toFixed(2)}% off), so the workbook runs TensorFlow with TF_ENABLE_ONEDNN_OPTS=0 (exact, slower). Setting TF_ENABLE_ONEDNN_OPTS yourself overrides this.`);
  }
  return verdict;
}

// ---------------------------------------------------------------- Node 23+ patch

/**
 * tfjs-node 4.22.0 calls util.isNullOrUndefined, which Node 23 removed (DEP0051), and
 * util.isArray (deprecated, DEP0044): on Node 23+ every op that builds a dtype attribute
 * (conv2d, topk, ...) throws "TypeError: (0 , util_1.isNullOrUndefined) is not a function".
 * Upstream fixed it in tensorflow/tfjs#8425 (merged, not released in any 4.22.x), with
 * the plain-JS equivalents below; we apply the same change to the installed dist/, the
 * only place these calls are (the scan below checks the whole dist/ for the rest of
 * Node's removed util.is* functions). Not a polyfill of util: a learner's own code
 * sees Node's util as it is.
 * Each entry: the exact compiled text in tfjs-node 4.22.0 and how often it occurs.
 */
export const TFJS_NODE_PATCHED_VERSION = "4.22.0";
export const TFJS_NODE_PATCHES = [
  { file: "dist/nodejs_kernel_backend.js", from: "(0, util_1.isNullOrUndefined)(tensorsOrDtype)", to: "(tensorsOrDtype == null)", count: 2 },
  { file: "dist/nodejs_kernel_backend.js", from: "(0, util_1.isNullOrUndefined)(tensors)", to: "(tensors == null)", count: 1 },
  { file: "dist/nodejs_kernel_backend.js", from: "(0, util_1.isArray)(tensors)", to: "Array.isArray(tensors)", count: 1 },
  { file: "dist/kernels/TopK.js", from: "(0, util_1.isNullOrUndefined)(k) ? 1 : k", to: "(k == null) ? 1 : k", count: 1 },
  { file: "dist/kernels/TopK.js", from: "(0, util_1.isNullOrUndefined)(sorted) ? true : sorted", to: "(sorted == null) ? true : sorted", count: 1 },
];

/** Node's util functions removed in Node 23 (isArray, _extend: deprecated, still there). */
export const REMOVED_UTIL = ["isBoolean", "isBuffer", "isDate", "isError", "isFunction", "isNull", "isNullOrUndefined", "isNumber", "isObject", "isPrimitive", "isRegExp", "isString", "isSymbol", "isUndefined", "log", "isArray", "_extend"];

const occurrences = (text, s) => text.split(s).length - 1;

function jsFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? jsFiles(p) : e.isFile() && e.name.endsWith(".js") ? [p] : [];
  });
}

/**
 * Calls of removed/deprecated util functions in a package's dist/: through a name bound
 * to require("util") (`util_1.isNull(`, `util.isString(`), a destructured import, or
 * require("util").isX directly. [{file, line, name}], file relative to `pkgDir`.
 */
export function removedUtilCalls(pkgDir) {
  const found = [];
  const fn = REMOVED_UTIL.join("|");
  for (const file of jsFiles(path.join(pkgDir, "dist"))) {
    const text = fs.readFileSync(file, "utf8");
    if (!/require\(\s*["'](?:node:)?util["']\s*\)/.test(text)) continue;
    const names = [...text.matchAll(/\b(?:var|let|const)\s+([\w$]+)\s*=\s*require\(\s*["'](?:node:)?util["']\s*\)/g)].map((m) => m[1]);
    const res = [new RegExp(`require\\(\\s*["'](?:node:)?util["']\\s*\\)\\.(${fn})\\b`, "g"),
      new RegExp(`\\{[^}]*\\b(${fn})\\b[^}]*\\}\\s*=\\s*require\\(\\s*["'](?:node:)?util["']\\s*\\)`, "g")];
    if (names.length) res.push(new RegExp(`(?<![\\w$.])(?:${names.map((n) => n.replace(/\$/g, "\\$")).join("|")})\\.(${fn})\\b`, "g"));
    for (const re of res) {
      for (const m of text.matchAll(re)) {
        found.push({ file: path.relative(pkgDir, file), line: text.slice(0, m.index).split("\n").length, name: m[1] });
      }
    }
  }
  return found;
}

/**
 * Apply TFJS_NODE_PATCHES to the tfjs-node package in `pkgDir` (idempotent: patched
 * text is left as it is). Throws a SetupError naming the file and the fix when a file
 * has neither the expected text nor its replacement (another tfjs-node version), or
 * when dist/ still calls a removed util function afterwards. Returns {changed: [files]}.
 */
export function patchTfjsNode(pkgDir = TFJS_NODE) {
  const version = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8")).version;
  const texts = new Map();
  const problems = [];
  for (const p of TFJS_NODE_PATCHES) {
    const file = path.join(pkgDir, p.file);
    if (!texts.has(p.file)) texts.set(p.file, { original: fs.existsSync(file) ? fs.readFileSync(file, "utf8") : null });
    const t = texts.get(p.file);
    if (t.original === null) {
      problems.push(`${p.file} does not exist`);
      continue;
    }
    t.text ??= t.original;
    const from = occurrences(t.text, p.from);
    if (from === p.count) t.text = t.text.split(p.from).join(p.to);
    else if (from !== 0 || occurrences(t.text, p.to) < p.count) {
      problems.push(`${p.file}: expected ${p.count}× \`${p.from}\` (to become \`${p.to}\`), found ${from}×${from === 0 ? " and not the patched text either" : ""}`);
    }
  }
  const dist = path.join(pkgDir, "dist");
  const shown = path.relative(root, dist).startsWith("..") ? dist : path.relative(root, dist);
  const fix = `scripts/setup-native.mjs patches tfjs-node ${TFJS_NODE_PATCHED_VERSION} for Node 23+ (the change of tensorflow/tfjs#8425); if this tfjs-node already contains that fix (no util.is* calls: grep -rn "util_1\\.is" ${shown}), delete the entries of TFJS_NODE_PATCHES, otherwise update their from/to to this version's text`;
  if (problems.length) throw new SetupError(`tfjs-node ${version} is not the text the Node 23+ patch expects:\n  ${problems.join("\n  ")}\nFix: ${fix}.`);
  const changed = [];
  for (const [rel, t] of texts) {
    if (t.text === t.original) continue;
    const file = path.join(pkgDir, rel);
    fs.writeFileSync(`${file}.tmp`, t.text, { mode: fs.statSync(file).mode });
    fs.renameSync(`${file}.tmp`, file);
    changed.push(rel);
  }
  const left = removedUtilCalls(pkgDir);
  if (left.length) {
    throw new SetupError(`tfjs-node ${version} still calls util functions that Node 23+ removed or deprecates: ${left.map((c) => `${c.file}:${c.line} util.${c.name}`).join(", ")}.\nFix: add an entry {file, from, to, count} for each to TFJS_NODE_PATCHES in scripts/setup-native.mjs (util.isNullOrUndefined(x) → (x == null), util.isArray(x) → Array.isArray(x), ...; see tensorflow/tfjs#8425).`);
  }
  return { changed };
}

/** patchTfjsNode() on the installed tfjs-node, if its files are there; tells what it changed. */
function patchInstalled() {
  if (!fs.existsSync(path.join(TFJS_NODE, "package.json"))) return;
  const { changed } = patchTfjsNode(TFJS_NODE);
  if (changed.length) say(`patched tfjs-node for Node 23+ (util.isNullOrUndefined/util.isArray → plain JS, as in tensorflow/tfjs#8425): ${changed.join(", ")}.`);
}

// ---------------------------------------------------------------- build tools

function probe(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  return r.error || r.status !== 0 ? null : `${r.stdout}${r.stderr}`.trim().split("\n")[0];
}

/** The first `name` on PATH, its symlinks resolved; null if none. */
function onPath(name, env = process.env) {
  for (const dir of (env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return fs.realpathSync(p);
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * node-gyp: the one npm runs scripts with, else npm's bundled copy next to this Node, beside
 * the npm on PATH (.../npm/bin/npm-cli.js; a Node from npm's `node` package has no npm of
 * its own), or in npm's global root.
 */
export function findNodeGyp(env = process.env) {
  const gypOfNpm = (npmDir) => path.join(npmDir, "node_modules", "node-gyp", "bin", "node-gyp.js");
  const tried = [env.npm_config_node_gyp, gypOfNpm(path.resolve(path.dirname(process.execPath), "..", "lib", "node_modules", "npm"))];
  const npmCli = onPath("npm", env);
  if (npmCli) tried.push(gypOfNpm(path.resolve(path.dirname(npmCli), "..")));
  const found = tried.filter(Boolean).find((p) => fs.existsSync(p));
  if (found) return found;
  const npm = probe("npm", ["root", "-g"]);
  const global = npm ? gypOfNpm(path.join(npm, "npm")) : null;
  return global && fs.existsSync(global) ? global : null;
}

/**
 * Node's own C headers (node_api.h), so node-gyp need not download them: next to this Node
 * (nodejs.org archives, Debian's libnode-dev at /usr), or, for a Node from npm's `node`
 * package (node_modules/node/bin/node), in its platform package node-<platform>-<arch>.
 */
export function nodeHeadersDir() {
  const dir = path.resolve(path.dirname(process.execPath), "..");
  const platformPkg = `node-${process.platform}-${process.arch}`;
  return [dir, path.join(dir, "node_modules", platformPkg), path.join(dir, "..", platformPkg)]
    .find((d) => fs.existsSync(path.join(d, "include", "node", "node_api.h"))) ?? null;
}

/** Everything the build needs besides TensorFlow; throws one SetupError naming what is missing. */
export function checkBuildTools(env = process.env) {
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new SetupError(`building tfjs-node against a local TensorFlow is supported on Linux x64 only (this is ${process.platform}-${process.arch}). tfjs-node's own install (npm install @tensorflow/tfjs-node) downloads prebuilt files where it can reach storage.googleapis.com; otherwise the workbook runs on wasm.`, { cheap: true });
  }
  const missing = [];
  const cxx = env.CXX || "g++";
  if (!probe(cxx, ["--version"])) missing.push(`a C++ compiler (${cxx}${env.CXX ? " from $CXX" : ""} not found)`);
  if (!probe("make", ["--version"])) missing.push("make");
  const py = env.PYTHON || "python3";
  if (!probe(py, ["--version"])) missing.push(`Python 3 for node-gyp (${py} not found)`);
  if (missing.length) {
    throw new SetupError(`cannot build tfjs-node's binding: missing ${missing.join(", ")}. Debian/Ubuntu: apt-get install g++ make python3; macOS: xcode-select --install.`, { cheap: true });
  }
  const gyp = findNodeGyp(env);
  if (!gyp) throw new SetupError("cannot build tfjs-node's binding: npm's node-gyp was not found next to this Node. Run the command through npm (npm run setup:native), or install node-gyp (npm install -g node-gyp) and set npm_config_node_gyp=/path/to/node-gyp.js.", { cheap: true });
  return { cxx, python: py, nodeGyp: gyp, nodedir: nodeHeadersDir() };
}

// ---------------------------------------------------------------- the package

async function ensurePackage() {
  if (fs.existsSync(path.join(TFJS_NODE, "binding.gyp"))) return;
  say("installing @tensorflow/tfjs-node's files (npm, without its libtensorflow download)…");
  // The lockfile pins it; --no-save leaves package.json and the lockfile alone.
  const npm = process.env.npm_execpath && fs.existsSync(process.env.npm_execpath) ? [process.execPath, [process.env.npm_execpath]] : ["npm", []];
  const r = await run(npm[0], [...npm[1], "install", "--no-save", "--ignore-scripts", "--prefer-offline", "--no-audit", "--no-fund"]);
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
    return { lib, framework, include, libDir, dir };
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
      throw new SetupError(`GDL_TENSORFLOW_DIR=${env.GDL_TENSORFLOW_DIR} is not a TensorFlow C library: ${l.problem}. Point it at the tensorflow folder of a Python installation (python3 -c "import tensorflow, os; print(os.path.dirname(tensorflow.__file__))") or at an unpacked libtensorflow archive, or unset it.`, { cheap: true });
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

// ---------------------------------------------------------------- the cache

/** The tfjs-node version: the installed package's, else the lockfile's (npm ci dropped it). */
function tfjsNodeVersion() {
  for (const [file, get] of [[path.join(TFJS_NODE, "package.json"), (j) => j.version], [path.join(root, "package-lock.json"), (j) => j.packages?.["node_modules/@tensorflow/tfjs-node"]?.version]]) {
    try {
      const v = get(JSON.parse(fs.readFileSync(file, "utf8")));
      if (v) return v;
    } catch {
      // not there
    }
  }
  return null;
}

/** The TensorFlow version bench/requirements-tensorflow.txt pins (cache entries of it come first). */
function pinnedTensorflow() {
  try {
    return /^tensorflow(?:-cpu)?==(\S+)/m.exec(fs.readFileSync(path.join(root, TF_REQUIREMENTS), "utf8"))?.[1] ?? null;
  } catch {
    return null;
  }
}

/** Cache entries that fit this checkout and Node (GDL_TENSORFLOW_DIR: only builds from that folder). */
export function usableCacheEntries(env = process.env) {
  const tfjsNode = tfjsNodeVersion();
  if (!tfjsNode) return [];
  const tensorflowDir = env.GDL_TENSORFLOW_DIR ? path.resolve(env.GDL_TENSORFLOW_DIR) : null;
  return findEntries({ tfjsNode, maxNapi: Number(process.versions.napi), tensorflowDir, preferTensorflow: pinnedTensorflow() }, env);
}

const seconds = (t0) => `${((Date.now() - t0) / 1000).toFixed(1)} s`;

function writeMarker(marker) {
  fs.writeFileSync(`${MARKER}.tmp`, JSON.stringify({ ...marker, node: process.version, date: new Date().toISOString() }, null, 2));
  fs.renameSync(`${MARKER}.tmp`, MARKER);
}

/** Restore the best usable cache entry; the load check result, or null when none (or none loads). */
async function restoreFromCache(env) {
  const entries = usableCacheEntries(env);
  if (entries.length === 0) return null;
  const t0 = Date.now();
  say(`restoring the native backend from the cache (${entries[0].dir}: ${entries[0].source}; no build needed)…`);
  await ensurePackage();
  patchInstalled();
  const napi = napiVersion();
  for (const entry of entries.filter((e) => e.napi === napi.version)) {
    restoreEntry(entry, { tfjsNodeDir: TFJS_NODE, modulePath: napi.modulePath });
    const check = await loadCheck();
    if (check.ok) {
      writeMarker({ source: `${entry.source}, built on Node ${entry.builtWith}, restored from ${entry.dir}`, library: path.join(entry.dir, "lib", entry.main), tensorflow: check.tensorflow, cache: entry.dir });
      say(`ok: restored in ${seconds(t0)}; tfjs-node loads TensorFlow ${check.tensorflow}, initBackend() picks the tensorflow backend (GDL_BACKEND=wasm still forces wasm).`);
      return { ...check, how: "cache", cache: entry.dir };
    }
    say(`the cached build in ${entry.dir} does not load here (${check.error}); trying the next way.`);
    fs.rmSync(path.join(TFJS_NODE, "deps"), { recursive: true, force: true });
    fs.rmSync(napi.modulePath, { recursive: true, force: true });
  }
  return null;
}

/** Keep a working build in the cache; a failure to cache is a note, not an error. */
function cacheBuild(tf, check, env) {
  const napi = napiVersion();
  try {
    const c = storeEntry({ binding: path.join(napi.modulePath, `${napi.pkg.binary?.module_name ?? "tfjs_binding"}.node`), tf, napi: napi.version, tfjsNode: napi.pkg.version, tensorflow: check.tensorflow }, env);
    const how = c.copied ? `${Math.round(c.bytes / 1e6)} MB of TensorFlow libraries copied` : "TensorFlow's libraries as hard links, no extra space";
    say(`cached in ${c.dir} (${how}): after a fresh npm ci, and in other checkouts, it is restored in seconds.`);
  } catch (e) {
    say(`note: could not cache the build in ${cacheRoot(env)} (${e.message}); a fresh npm ci will build it again.`);
  }
}

// ---------------------------------------------------------------- main

/**
 * Make tfjs-node load: nothing when it does, else restore the cached build, else build it.
 * `auto` (npm start, npm test): quiet when nothing is to do, and one progress line before a
 * build. Throws a SetupError saying what is missing.
 */
export async function setupNative({ force = false, auto = false, env = process.env } = {}) {
  fs.rmSync(LOG, { force: true });
  // First, so the files that load here (Node 20) are the ones that load on Node 23+.
  patchInstalled();
  if (!force) {
    const now = await loadCheck();
    if (now.ok) {
      if (!auto) {
        const how = fs.existsSync(MARKER) ? JSON.parse(fs.readFileSync(MARKER, "utf8")).source : "tfjs-node's own prebuilt files";
        say(`@tensorflow/tfjs-node already loads TensorFlow ${now.tensorflow} (${how}); nothing to do (--force rebuilds). Its Node 23+ patch (tensorflow/tfjs#8425) is in place.`);
      }
      const oneDnn = await checkOneDnn();
      if (!auto && oneDnn?.exact) say(`TensorFlow's oneDNN kernels are exact on this CPU (${oneDnn.cpu}; worst conv-gradient error ${oneDnn.worst.relErr.toExponential(1)}), so they stay on.`);
      return { ...now, how: "loaded" };
    }
    const restored = await restoreFromCache(env);
    if (restored) {
      await checkOneDnn();
      return restored;
    }
  }
  const tools = checkBuildTools(env);
  if (env.GDL_TENSORFLOW_DIR) tensorflowCandidates(env); // a wrong value fails before anything is installed
  const t0 = Date.now();
  if (auto) say("setting up the native TensorFlow backend (tfjs-node) once: ~1-2 min (TensorFlow from pip if none is found, then a ~10 s build); later starts reuse it. GDL_NATIVE=0 skips this.");
  await ensurePackage();
  patchInstalled(); // a freshly installed package
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
      writeMarker({ source: tf.source, library: tf.lib, tensorflow: check.tensorflow });
      say(`ok: tfjs-node loads TensorFlow ${check.tensorflow} from ${tf.source} (set up in ${seconds(t0)}); initBackend() now picks the tensorflow backend (GDL_BACKEND=wasm still forces wasm).`);
      cacheBuild(tf, check, env);
      await checkOneDnn({ force: true });
      return { ...check, how: "built" };
    }
    // Built but does not load or compute: an ABI mismatch (e.g. a TensorFlow 1.x or a much newer C API).
    failures.push(`built against ${tf.source}, but it does not load: ${check.error}`);
    fs.rmSync(napiVersion().modulePath, { recursive: true, force: true });
  }
  throw new SetupError(`tfjs-node ${napiVersion().pkg.version} could not use any TensorFlow found here:\n  ${failures.join("\n  ")}\ntfjs-node needs TensorFlow 2.x's C API; set GDL_TENSORFLOW_DIR to a TensorFlow 2 folder, or remove the failing one so tensorflow-cpu from ${TF_REQUIREMENTS} is installed into ${VENV}.`);
}

// ---------------------------------------------------------------- automatic (npm start, npm test)

/** One automatic setup per checkout at a time (npm start beside npm test); a dead owner's lock is taken over. */
const lock = () => pidLock(path.join(STATE, "lock"), (pid) => say(`waiting for the native setup of another process (pid ${pid}) to finish…`));

/** What a failure depended on: when this changes, the automatic setup tries again. */
function fingerprint(env) {
  const keys = ["GDL_TENSORFLOW_DIR", "GDL_PYTHON", "GDL_VENV", "CXX", "PYTHON"];
  return JSON.stringify({ node: process.version, tfjsNode: tfjsNodeVersion(), env: keys.map((k) => env[k] ?? null), cache: usableCacheEntries(env).map((e) => `${e.dir} ${e.date}`) });
}

/**
 * What `npm start` and `npm test` run before anything else. Never throws, never fails:
 *  - GDL_NATIVE=0: nothing (one line says so);
 *  - tfjs-node loads: nothing, silently (about a second: one load check in a child Node);
 *  - a cached build fits: restores it (a few seconds);
 *  - else the whole setup, with a progress line first.
 * A problem is one message naming what is missing; the workbook stays on wasm. A failure
 * that cost time (a build, a pip install) is remembered in node_modules/.cache/gdl-native
 * and not retried on every start until something it depended on changes, `npm run
 * setup:native` runs by hand, or `npm ci` clears node_modules. A missing tool is checked
 * again every time (it costs nothing). Resolves {ok, how?, tensorflow?, error?}.
 */
export async function autoSetupNative({ env = process.env } = {}) {
  if (env.GDL_NATIVE === "0") {
    say("GDL_NATIVE=0: not setting up the native backend (npm run setup:native does it by hand; GDL_BACKEND=wasm forces wasm).");
    return { ok: false, skipped: true };
  }
  let fp = null;
  try {
    patchInstalled();
    const now = await loadCheck();
    if (now.ok) {
      await checkOneDnn();
      return { ...now, how: "loaded" };
    }
    fp = fingerprint(env);
    const failed = fs.existsSync(FAILED) ? JSON.parse(fs.readFileSync(FAILED, "utf8")) : null;
    if (failed?.fingerprint === fp) {
      console.error(`setup:native: the native backend is not set up (the automatic setup failed on ${failed.date}: ${failed.message.split("\n")[0]})\nThe workbook runs on the wasm backend; npm run setup:native tries again and shows the whole message.`);
      return { ok: false, error: failed.message };
    }
    const unlock = await lock();
    try {
      const r = await setupNative({ auto: true, env });
      fs.rmSync(FAILED, { force: true });
      return r;
    } finally {
      unlock();
    }
  } catch (e) {
    const msg = e instanceof SetupError ? e.message : `unexpected error: ${e.stack ?? e}`;
    if (!(e instanceof SetupError && e.cheap)) {
      try {
        fs.mkdirSync(STATE, { recursive: true });
        fs.writeFileSync(FAILED, JSON.stringify({ fingerprint: fp ?? fingerprint(env), message: msg, date: new Date().toISOString() }, null, 2));
      } catch {
        // no node_modules to remember it in
      }
    }
    console.error(`setup:native: the native backend is not set up: ${msg}\nThe workbook runs on the wasm backend. Fix that and start again, or run npm run setup:native.`);
    return { ok: false, error: msg };
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const bad = args.find((a) => a !== "--force" && a !== "--auto");
  if (bad) {
    console.error(`setup:native: unknown option ${bad} (only --force, --auto)`);
    process.exit(2);
  }
  if (args.includes("--auto")) {
    await autoSetupNative();
    process.exit(0);
  }
  fs.rmSync(FAILED, { force: true });
  setupNative({ force: args.includes("--force") }).catch((e) => {
    const msg = e instanceof SetupError ? e.message : `unexpected error: ${e.stack ?? e}`;
    console.error(`setup:native failed: ${msg}\nThe workbook keeps working on the wasm backend.`);
    process.exit(1);
  });
}
