// Save and load weights in the tfjs layers format (model.json + weights.bin per
// model) with plain fs - no tfjs-node. Saves are crash-safe (temp folder, then
// rename; see "crash safety"), weights.bin carries a SHA-256 checked on load,
// and loading into a different architecture fails with a list of the
// mismatched weights. Relative folders are resolved against the project root.
import * as tf from "@tensorflow/tfjs";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checksumProblem, readChecksum, SUM_SUFFIX, writeChecked } from "../data/checked-file";
import { projectRoot } from "../settings";
import { isTask, Task } from "../models/task";

type Saveable = Task | tf.LayersModel;

/** Absolute folder: relative paths are taken from the project root (same from notebooks/ and tests). */
export function weightsDir(dir: string): string {
  if (typeof dir !== "string" || dir.trim() === "") throw new Error(`weights folder must be a non-empty string, got ${JSON.stringify(dir)}`);
  return path.isAbsolute(dir) ? dir : path.resolve(projectRoot(), dir);
}

/** The models to save: a bare model goes in the folder itself, a task's models in subfolders by name. */
function parts(m: Saveable): { sub: string; model: tf.LayersModel }[] {
  if (m instanceof tf.LayersModel) return [{ sub: "", model: m }];
  if (isTask(m)) return Object.entries(m.models).map(([k, model]) => ({ sub: k, model }));
  throw new Error("saveWeights/loadWeights: expected a Task (e.g. an Autoencoder or Vae) or a tf.LayersModel.");
}

interface ModelJson {
  format: string;
  generatedBy: string;
  convertedBy: null;
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

async function artifactsOf(model: tf.LayersModel): Promise<{ json: ModelJson; bin: Buffer }> {
  let out: { json: ModelJson; bin: Buffer } | null = null;
  await model.save(tf.io.withSaveHandler(async (a) => {
    const wd = a.weightData;
    const bufs = wd === undefined ? [] : Array.isArray(wd) ? wd : [wd];
    const bin = Buffer.concat(bufs.map((b) => Buffer.from(b)));
    out = {
      json: {
        format: "layers-model",
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: null,
        modelTopology: a.modelTopology as object,
        weightsManifest: [{ paths: ["weights.bin"], weights: a.weightSpecs ?? [] }],
      },
      bin,
    };
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON", weightDataBytes: bin.length } };
  }));
  if (!out) throw new Error("saveWeights: tfjs did not hand over the model artifacts");
  return out;
}

// ---------------------------------------------------------------- crash safety
// A save writes <name>.tmp-<pid>-<time>/, moves <name>/ aside to <name>.old-*,
// moves the temp folder in, then deletes the old one. A crash between the two
// moves leaves no <name>/: loaders then restore the newest complete (checksum-
// verified) .tmp-*/.old-* with a note, and the next save deletes the leftovers.
// <name>.lock (created exclusively) keeps two processes from swapping at once.

const STRAY = /\.(tmp|old)-(\d+)-(\d+)$/;

/** Leftover temp/old folders of `target` from interrupted saves: temp (newer) before old, newest first. */
function strays(target: string): string[] {
  const parent = path.dirname(target), base = path.basename(target);
  let names: string[];
  try { names = fs.readdirSync(parent); } catch { return []; }
  return names
    .filter((f) => f.startsWith(base + ".") && STRAY.test(f.slice(base.length)))
    .map((f) => { const m = STRAY.exec(f.slice(base.length))!; return { f, tmp: m[1] === "tmp", t: Number(m[3]) }; })
    .sort((a, b) => Number(b.tmp) - Number(a.tmp) || b.t - a.t)
    .map((s) => path.join(parent, s.f));
}

/** The newest leftover of an interrupted save that holds every part, complete and checksum-verified. */
function recoverable(target: string, subs: string[]): string | null {
  for (const dir of strays(target)) {
    try {
      for (const sub of subs) readSave(path.join(dir, sub), sub || "the model", true);
      return dir;
    } catch { /* incomplete: the crash came while it was being written */ }
  }
  return null;
}

interface LockHolder { pid: number; host: string; since: string }

/** Take `<target>.lock` (O_EXCL); a lock whose process is gone is stale and taken over. Returns the release. */
function lockSave(target: string, what: string): () => void {
  const file = `${target}.lock`;
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = fs.openSync(file, "wx");
      try {
        fs.writeSync(fd, JSON.stringify({ pid: process.pid, host: os.hostname(), since: new Date().toISOString() }));
      } finally {
        fs.closeSync(fd);
      }
      return () => fs.rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 0) throw e;
      let holder: LockHolder | null = null;
      try {
        holder = JSON.parse(fs.readFileSync(file, "utf8"));
      } catch {
        // Unreadable: being written this instant (young), or left half-written by a killed process (old).
        const young = Date.now() - (fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0) < 5000;
        if (young) throw new Error(`${what}: another save to ${target} is starting (${file} was just created). Wait for it to finish, then try again.`);
      }
      if (holder && isAlive(holder)) {
        throw new Error(`${what}: another save to ${target} is in progress (process ${holder.pid} on ${holder.host}, since ${holder.since}). ` +
          `Wait for it to finish, then try again. If no save is running (its process was killed), delete ${file}.`);
      }
      fs.rmSync(file, { force: true }); // stale: the process that held it is gone
    }
  }
}

function isAlive(h: LockHolder): boolean {
  if (typeof h.pid !== "number") return false;
  if (h.host !== os.hostname()) return true; // another machine (shared folder): cannot tell, assume so
  try {
    process.kill(h.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * When `target` is missing after an interrupted save, move the newest complete
 * leftover back under its name (with a note). Returns true when it did.
 */
function restoreInterrupted(target: string, subs: string[], what: string, locked = false): boolean {
  if (fs.existsSync(target)) return false;
  const from = recoverable(target, subs);
  if (!from) return false;
  const release = locked ? () => {} : lockSave(target, what);
  try {
    if (fs.existsSync(target)) return false; // a save finished meanwhile
    fs.renameSync(from, target);
  } finally {
    release();
  }
  console.warn(`${what}: note: ${target} was missing after an interrupted save; restored it from ${path.basename(from)} ` +
    `(${/\.tmp-/.test(from) ? "the save that was being written" : "the previous save"}; complete, checksums verified).`);
  return true;
}

/**
 * Save `model`'s weights (and topology) to `dir`: model.json + weights.bin (+ its
 * checksum weights.bin.sha256.json), one subfolder per model for a task (e.g.
 * dir/encoder, dir/decoder), plus task.json. Crash-safe: at every moment either
 * the previous save or the new one is complete on disk (see above); other files
 * already in the folder (README.md, training.json) are kept. Returns the absolute folder.
 */
export async function saveWeights(model: Saveable, dir: string): Promise<string> {
  const target = weightsDir(dir);
  const list = parts(model);
  const arts = [];
  for (const p of list) arts.push({ sub: p.sub, ...(await artifactsOf(p.model)) });
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const release = lockSave(target, "saveWeights");
  try {
    restoreInterrupted(target, list.map((p) => p.sub), "saveWeights", true);
    for (const s of strays(target)) fs.rmSync(s, { recursive: true, force: true });
    const tmp = `${target}.tmp-${process.pid}-${Date.now()}`;
    fs.mkdirSync(tmp, { recursive: true });
    let old: string | null = null;
    try {
      for (const a of arts) {
        const d = path.join(tmp, a.sub);
        fs.mkdirSync(d, { recursive: true });
        fs.writeFileSync(path.join(d, "model.json"), JSON.stringify(a.json));
        writeChecked(path.join(d, "weights.bin"), a.bin, { atomic: false });
      }
      if (isTask(model)) {
        fs.writeFileSync(path.join(tmp, "task.json"), JSON.stringify({ name: model.name, models: Object.keys(model.models), recipe: model.recipe ?? null, spec: model.spec ?? null }, null, 1));
      }
      if (fs.existsSync(target)) {
        // Keep what else lives in the folder (README.md, training.json...): only the models are replaced.
        for (const f of fs.readdirSync(target)) {
          if (!fs.existsSync(path.join(tmp, f))) fs.cpSync(path.join(target, f), path.join(tmp, f), { recursive: true });
        }
        old = `${target}.old-${process.pid}-${Date.now()}`;
        fs.renameSync(target, old);
      }
      fs.renameSync(tmp, target);
      if (old) fs.rmSync(old, { recursive: true, force: true });
    } catch (e) {
      if (old && !fs.existsSync(target)) fs.renameSync(old, target); // put the previous save back
      fs.rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
  } finally {
    release();
  }
  return target;
}

/**
 * True when `dir` holds a save of `model` that loadWeights will load: complete,
 * checksums intact, the same architecture (use it to skip training). When a
 * save is there but cannot load, it says why (on stderr) and answers false.
 */
export function hasWeights(model: Saveable, dir: string): boolean {
  const target = weightsDir(dir);
  const list = parts(model);
  const from = fs.existsSync(target) ? target : recoverable(target, list.map((p) => p.sub));
  if (!from) return false;
  try {
    const problems = list.flatMap((p) => weightMismatches(readSave(path.join(from, p.sub), p.sub || "the model").specs, p.model));
    if (problems.length) throw new Error(`the saved weights do not fit this model (a different architecture or options):\n${problems.join("\n")}`);
    return true;
  } catch (e) {
    console.warn(`hasWeights: ${target} holds a save that cannot be loaded, so the answer is false: ${(e as Error).message.replace(/^loadWeights: /, "")}`);
    return false;
  }
}

/** How to get a damaged save back: git for the shipped pretrained weights, else save again. */
function rebuildHint(dir: string): string {
  const rel = path.relative(path.join(projectRoot(), "pretrained"), dir);
  if (!rel.startsWith("..") && !path.isAbsolute(rel) && rel !== "") {
    const name = rel.split(path.sep)[0];
    const script = path.join("scripts", `train-pretrained-${name}.ts`);
    const retrain = fs.existsSync(path.join(projectRoot(), script)) ? ` (or retrain them: npx tsx ${script})` : "";
    return `These are shipped pretrained weights: restore them with \`git checkout -- pretrained/${name}\`${retrain}.`;
  }
  return "Train the model again and save it with saveWeights(model, folder) to rebuild it.";
}

function readSave(dir: string, what: string, requireChecksum = false): { json: ModelJson; bin: Buffer; specs: tf.io.WeightsManifestEntry[] } {
  const jsonPath = path.join(dir, "model.json");
  const binPath = path.join(dir, "weights.bin");
  if (!fs.existsSync(jsonPath)) {
    throw new Error(`loadWeights: no saved weights for ${what} at ${dir} (model.json missing). ` +
      "Create them by training and saving, e.g. `await train(model, images, { epochs, batchSize }); await saveWeights(model, \"weights/name\")`.");
  }
  let json: ModelJson;
  try {
    json = JSON.parse(fs.readFileSync(jsonPath, "utf8"));
  } catch (e) {
    throw new Error(`loadWeights: ${jsonPath} is not valid JSON (${(e as Error).message}); the file is damaged. ${rebuildHint(dir)}`);
  }
  const manifest = json && typeof json === "object" ? json.weightsManifest : undefined;
  if (!json || typeof json !== "object" || typeof json.modelTopology !== "object" || json.modelTopology === null ||
      !Array.isArray(manifest) || !manifest.every((g) => g && Array.isArray(g.weights))) {
    throw new Error(`loadWeights: ${jsonPath} is not a tfjs layers model.json (expected an object with modelTopology and weightsManifest, ` +
      `got ${json === null ? "null" : Array.isArray(json) ? "an array" : typeof json === "object" ? `keys ${Object.keys(json).join(", ") || "(none)"}` : typeof json}); ` +
      `the file is damaged. ${rebuildHint(dir)}`);
  }
  if (!fs.existsSync(binPath)) throw new Error(`loadWeights: ${binPath} is missing (an incomplete save?); save the model again.`);
  const bin = fs.readFileSync(binPath);
  const specs = manifest.flatMap((g) => g.weights);
  const bytes = specs.reduce((s, w) => s + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
  if (bytes !== bin.length) throw new Error(`loadWeights: ${binPath} has ${bin.length} bytes but model.json describes ${bytes}; the save is corrupt, save again.`);
  const sum = readChecksum(binPath);
  if (sum !== null || requireChecksum) {
    const problem = sum === null ? `it has no checksum file ${binPath}${SUM_SUFFIX}` : typeof sum === "string" ? sum : checksumProblem(binPath, bin, sum);
    if (problem) throw new Error(`loadWeights: ${binPath} is corrupt: ${problem}. ${rebuildHint(dir)}`);
  } else {
    // Saved before checksums existed: garbage bytes nearly always hold NaN/Inf patterns.
    const f = new Float32Array(bin.buffer, bin.byteOffset, bin.byteLength >> 2);
    const bad = f.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new Error(`loadWeights: ${binPath} is corrupt: value ${bad} is ${f[bad]} (and it has no checksum file to check against). ${rebuildHint(dir)}`);
  }
  return { json, bin, specs };
}

/**
 * Differences between a save's weight list and a model's, as readable lines
 * (empty when they fit). Weights are matched by position, as Keras' load_weights
 * does: layer names do not matter (tfjs numbers unnamed layers globally, so the
 * same notebook cell names them differently in every session), shapes must agree.
 */
export function weightMismatches(specs: { name: string; shape: number[] }[], model: tf.LayersModel): string[] {
  const want = model.weights.map((w) => ({ name: w.originalName, shape: w.shape as number[] }));
  const lines: string[] = [];
  const same = (a: number[], b: number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
  for (let i = 0; i < Math.max(want.length, specs.length); i++) {
    const w = want[i], f = specs[i];
    if (!f) lines.push(`  weight ${i + 1}: in the model (${w.name} [${w.shape}]), not in the save`);
    else if (!w) lines.push(`  weight ${i + 1}: in the save (${f.name} [${f.shape}]), not in the model`);
    else if (!same(f.shape, w.shape)) lines.push(`  weight ${i + 1}: saved ${f.name} [${f.shape}], model ${w.name} [${w.shape}]`);
  }
  return lines;
}

// Config keys that do not change what trained weights compute: names, how fresh
// weights are drawn, dtype; the input shape is compared once per model instead.
const IGNORED_CONFIG = new Set(["name", "trainable", "dtype", "batch_input_shape", "batchInputShape", "input_shape",
  "kernel_initializer", "bias_initializer", "depthwise_initializer", "pointwise_initializer", "embeddings_initializer",
  "gamma_initializer", "beta_initializer", "moving_mean_initializer", "moving_variance_initializer", "seed"]);

interface LayerJson { class_name: string; config: Record<string, unknown> }

/** A topology's layers (InputLayer left out) and its input shape, for Sequential and functional models alike. */
function layersOf(topology: unknown): { input: unknown; layers: LayerJson[] } {
  const t = (topology ?? {}) as { config?: { layers?: LayerJson[] } | LayerJson[] };
  const all = (Array.isArray(t.config) ? t.config : t.config?.layers ?? []) as LayerJson[];
  const inputLayer = all.find((l) => l.class_name === "InputLayer");
  const layers = all.filter((l) => l.class_name !== "InputLayer");
  const input = inputLayer?.config?.batch_input_shape ?? layers[0]?.config?.batch_input_shape ?? null;
  return { input, layers };
}

const show = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));

/**
 * How a saved model's architecture differs from `model`'s, layer by layer (class
 * and config, names ignored), as short phrases like
 * `layer 5 (Dense) units: 2 there, 3 here`. Empty when they compute the same function.
 */
export function architectureDifferences(savedTopology: unknown, model: tf.LayersModel, label = model.name): string[] {
  const a = layersOf(savedTopology), b = layersOf(model.toJSON(null, false));
  const out: string[] = [];
  if (show(a.input) !== show(b.input)) out.push(`${label} input shape: ${show(a.input)} there, ${show(b.input)} here`);
  const n = Math.max(a.layers.length, b.layers.length);
  for (let i = 0; i < n && out.length < 4; i++) {
    const x = a.layers[i], y = b.layers[i];
    if (!x || !y) { out.push(`${label} has ${a.layers.length} layers there, ${b.layers.length} here`); break; }
    if (x.class_name !== y.class_name) { out.push(`${label} layer ${i + 1}: ${x.class_name} there, ${y.class_name} here`); continue; }
    for (const k of new Set([...Object.keys(x.config), ...Object.keys(y.config)])) {
      if (IGNORED_CONFIG.has(k) || show(x.config[k]) === show(y.config[k])) continue;
      out.push(`${label} layer ${i + 1} (${x.class_name}) ${k}: ${show(x.config[k])} there, ${show(y.config[k])} here`);
    }
  }
  return out;
}

/** What a folder's save says about itself: each model's topology and the task's recipe (task.json), when present. */
export function savedArchitecture(model: Saveable, dir: string): { topologies: Record<string, unknown>; recipe: Record<string, unknown> | null } {
  const target = weightsDir(dir);
  const topologies: Record<string, unknown> = {};
  for (const p of parts(model)) topologies[p.sub] = readSave(path.join(target, p.sub), p.sub || "the model").json.modelTopology;
  let recipe: Record<string, unknown> | null = null;
  const taskFile = path.join(target, "task.json");
  if (fs.existsSync(taskFile)) {
    try {
      recipe = (JSON.parse(fs.readFileSync(taskFile, "utf8")) as { recipe?: Record<string, unknown> }).recipe ?? null;
    } catch (e) {
      throw new Error(`${taskFile}: not valid JSON (${(e as Error).message}); save the model again or restore the folder from git.`);
    }
  }
  return { topologies, recipe };
}

/** Load weights saved by saveWeights into an existing model/task of the same architecture. */
export async function loadWeights(model: Saveable, dir: string): Promise<void> {
  const target = weightsDir(dir);
  const list = parts(model);
  restoreInterrupted(target, list.map((p) => p.sub), "loadWeights");
  if (!fs.existsSync(target)) {
    throw new Error(`loadWeights: folder ${target} does not exist. Create it by training and saving: ` +
      "`await train(model, images, { epochs, batchSize }); await saveWeights(model, \"" + dir + "\")`.");
  }
  const loaded = list.map((p) => ({ ...p, ...readSave(path.join(target, p.sub), p.sub || model.constructor.name) }));
  const problems = loaded.flatMap((l) => {
    const m = weightMismatches(l.specs, l.model);
    return m.length ? [`${path.join(target, l.sub, "model.json")} vs ${l.sub || l.model.name}:`, ...m] : [];
  });
  if (problems.length) {
    throw new Error(`loadWeights: the saved weights do not fit this model (a different architecture or options):\n${problems.join("\n")}\n` +
      "Build the model with the options it was saved with, or train and save this one.");
  }
  for (const l of loaded) {
    const ab = l.bin.buffer.slice(l.bin.byteOffset, l.bin.byteOffset + l.bin.byteLength) as ArrayBuffer;
    const named = tf.io.decodeWeights(ab, l.specs);
    try {
      l.model.setWeights(l.specs.map((s) => named[s.name])); // by position: see weightMismatches
    } finally {
      tf.dispose(Object.values(named));
    }
  }
}

/** Rebuild a whole tf.LayersModel (topology + weights) from a folder written by saveWeights. */
export async function loadLayersModel(dir: string): Promise<tf.LayersModel> {
  const target = weightsDir(dir);
  restoreInterrupted(target, [""], "loadLayersModel");
  const { json, bin, specs } = readSave(target, "the model");
  const ab = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer;
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData: ab }));
}
