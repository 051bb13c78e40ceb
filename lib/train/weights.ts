// Save and load weights in the tfjs layers format (model.json + weights.bin per
// model) with plain fs - no tfjs-node. Writes are atomic (temp folder, then
// rename), and loading into a different architecture fails with a list of the
// mismatched weights. Relative folders are resolved against the project root.
import * as tf from "@tensorflow/tfjs";
import * as fs from "fs";
import * as path from "path";
import { projectRoot } from "../settings";
import { isTask, Task } from "./task";

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

/**
 * Save `model`'s weights (and topology) to `dir`: model.json + weights.bin, one
 * subfolder per model for a task (e.g. dir/encoder, dir/decoder), plus task.json.
 * Atomic: a crash leaves the previous save intact; other files already in the
 * folder (README.md, training.json) are kept. Returns the absolute folder.
 */
export async function saveWeights(model: Saveable, dir: string): Promise<string> {
  const target = weightsDir(dir);
  const list = parts(model);
  const arts = [];
  for (const p of list) arts.push({ sub: p.sub, ...(await artifactsOf(p.model)) });
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = `${target}.tmp-${process.pid}-${Date.now()}`;
  fs.mkdirSync(tmp, { recursive: true });
  try {
    for (const a of arts) {
      const d = path.join(tmp, a.sub);
      fs.mkdirSync(d, { recursive: true });
      fs.writeFileSync(path.join(d, "model.json"), JSON.stringify(a.json));
      fs.writeFileSync(path.join(d, "weights.bin"), a.bin);
    }
    if (isTask(model)) {
      fs.writeFileSync(path.join(tmp, "task.json"), JSON.stringify({ name: model.name, models: Object.keys(model.models), spec: model.spec ?? null }, null, 1));
    }
    let old: string | null = null;
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
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return target;
}

/** True when `dir` holds a complete save for `model` (use it to skip training). */
export function hasWeights(model: Saveable, dir: string): boolean {
  const target = weightsDir(dir);
  return parts(model).every((p) => fs.existsSync(path.join(target, p.sub, "model.json")) && fs.existsSync(path.join(target, p.sub, "weights.bin")));
}

function readSave(dir: string, what: string): { json: ModelJson; bin: Buffer; specs: tf.io.WeightsManifestEntry[] } {
  const jsonPath = path.join(dir, "model.json");
  const binPath = path.join(dir, "weights.bin");
  if (!fs.existsSync(jsonPath)) {
    throw new Error(`loadWeights: no saved weights for ${what} at ${dir} (model.json missing). ` +
      "Create them by training and saving, e.g. `await train(model, images, { epochs, batchSize }); await saveWeights(model, \"weights/name\")`.");
  }
  const json = JSON.parse(fs.readFileSync(jsonPath, "utf8")) as ModelJson;
  if (!fs.existsSync(binPath)) throw new Error(`loadWeights: ${binPath} is missing (an incomplete save?); save the model again.`);
  const bin = fs.readFileSync(binPath);
  const specs = (json.weightsManifest ?? []).flatMap((g) => g.weights);
  const bytes = specs.reduce((s, w) => s + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
  if (bytes !== bin.length) throw new Error(`loadWeights: ${binPath} has ${bin.length} bytes but model.json describes ${bytes}; the save is corrupt, save again.`);
  return { json, bin, specs };
}

/** Differences between a save's weight list and a model's, as readable lines (empty when they fit). */
export function weightMismatches(specs: { name: string; shape: number[] }[], model: tf.LayersModel): string[] {
  const want = model.weights.map((w) => ({ name: w.originalName, shape: w.shape as number[] }));
  const lines: string[] = [];
  const fileBy = new Map(specs.map((s) => [s.name, s.shape]));
  const modelBy = new Map(want.map((s) => [s.name, s.shape]));
  for (const w of want) {
    const f = fileBy.get(w.name);
    if (!f) lines.push(`  ${w.name}: in the model [${w.shape}], not in the save`);
    else if (f.length !== w.shape.length || f.some((d, i) => d !== w.shape[i])) lines.push(`  ${w.name}: saved [${f}], model [${w.shape}]`);
  }
  for (const s of specs) if (!modelBy.has(s.name)) lines.push(`  ${s.name}: in the save [${s.shape}], not in the model`);
  return lines;
}

/** Load weights saved by saveWeights into an existing model/task of the same architecture. */
export async function loadWeights(model: Saveable, dir: string): Promise<void> {
  const target = weightsDir(dir);
  if (!fs.existsSync(target)) {
    throw new Error(`loadWeights: folder ${target} does not exist. Create it by training and saving: ` +
      "`await train(model, images, { epochs, batchSize }); await saveWeights(model, \"" + dir + "\")`.");
  }
  const list = parts(model);
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
      l.model.setWeights(l.model.weights.map((w) => named[w.originalName]));
    } finally {
      tf.dispose(Object.values(named));
    }
  }
}

/** Rebuild a whole tf.LayersModel (topology + weights) from a folder written by saveWeights. */
export async function loadLayersModel(dir: string): Promise<tf.LayersModel> {
  const target = weightsDir(dir);
  const { json, bin, specs } = readSave(target, "the model");
  const ab = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer;
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData: ab }));
}
