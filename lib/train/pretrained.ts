// Shipped weights (pretrained/*): one metadata schema, and one way for a
// notebook to load them or train instead. Every weights folder holds
// training.json beside model.json/weights.bin: how the weights were trained,
// the headline numbers, and the command that made them. The scripts
// scripts/train-pretrained-*.ts write it; notebooks read it only through here.
import * as tf from "@tensorflow/tfjs";
import * as fs from "fs";
import * as path from "path";
import { markdownTable, show, withTextForm } from "../display";
import { isTask, Task } from "../models/task";
import type { TrainHistory } from "./train";
import { architectureDifferences, hasWeights, loadWeights, savedArchitecture, weightsDir } from "./weights";

export const PRETRAINED_SCHEMA = 1;
/** The metadata file in every weights folder. */
export const PRETRAINED_FILE = "training.json";

/** One measured number of the shipped weights. */
export interface PretrainedResult {
  label: string;
  value: number;
  /** Decimals to show. */
  digits: number;
  /** The book's value for the same quantity, when it reports one. */
  book?: number;
  /** Part of the one-line description (the rest shows in the table only). */
  headline?: boolean;
}

export interface PretrainedInfo {
  schema: typeof PRETRAINED_SCHEMA;
  /** What the weights are, in a sentence. */
  title: string;
  /** How to build the model the weights fit, e.g. "buildAutoencoder()". */
  model: string;
  /** The commands that produced these weights, in order (run from the project root). */
  commands: string[];
  /** How it was trained: optimizer, learning rate, batch size, loss, data, validation, seed... */
  recipe: Record<string, string | number>;
  trained: {
    /** Passes over the training set (fractional for runs stopped mid-epoch); absent when every pass saw fresh data. */
    epochs?: number;
    /** Training examples seen in total. */
    images: number;
    /** Wall-clock seconds of the training run(s). */
    seconds: number;
    backend: string;
    threads: number;
    workers: number | string;
    /** e.g. "2 x AMD EPYC, shared with other jobs". */
    machine: string;
    /** ISO date of the last save. */
    date: string;
  };
  /** The headline numbers, in display order. */
  results: Record<string, PretrainedResult>;
  /** Per-epoch (or per-chunk) log, as the script recorded it. */
  log: Record<string, number>[];
  /** Anything else a script keeps for its README (sessions, evaluation details...). */
  details?: Record<string, unknown>;
}

/** The absolute path of a weights folder's metadata file. */
export function pretrainedFile(dir: string): string {
  return path.join(weightsDir(dir), PRETRAINED_FILE);
}

/** Problems with a parsed metadata object, as "field: what is wrong" lines (empty = valid). */
export function pretrainedProblems(x: unknown): string[] {
  const p: string[] = [];
  const o = (x ?? {}) as Record<string, unknown>;
  if (typeof x !== "object" || x === null) return ["the file must hold a JSON object"];
  if (o.schema !== PRETRAINED_SCHEMA) p.push(`schema: expected ${PRETRAINED_SCHEMA}, got ${JSON.stringify(o.schema)}`);
  for (const k of ["title", "model"]) if (typeof o[k] !== "string" || o[k] === "") p.push(`${k}: expected a non-empty string`);
  if (!Array.isArray(o.commands) || o.commands.length === 0 || o.commands.some((c) => typeof c !== "string")) p.push("commands: expected a non-empty list of strings");
  if (typeof o.recipe !== "object" || o.recipe === null) p.push("recipe: expected an object");
  const t = o.trained as Record<string, unknown> | undefined;
  if (typeof t !== "object" || t === null) p.push("trained: expected an object");
  else {
    for (const k of ["images", "seconds", "threads"]) if (typeof t[k] !== "number" || !Number.isFinite(t[k])) p.push(`trained.${k}: expected a number`);
    if (t.epochs !== undefined && typeof t.epochs !== "number") p.push("trained.epochs: expected a number when present");
    for (const k of ["backend", "machine", "date"]) if (typeof t[k] !== "string") p.push(`trained.${k}: expected a string`);
  }
  const r = o.results as Record<string, Record<string, unknown>> | undefined;
  if (typeof r !== "object" || r === null || Object.keys(r).length === 0) p.push("results: expected at least one result");
  else {
    for (const [k, v] of Object.entries(r)) {
      if (typeof v?.label !== "string" || typeof v?.value !== "number" || typeof v?.digits !== "number") p.push(`results.${k}: expected { label, value, digits }`);
    }
  }
  if (!Array.isArray(o.log)) p.push("log: expected a list");
  return p;
}

/** The metadata beside the weights in `dir`, or null when there is none. Invalid metadata throws, naming the file and fields. */
export function readPretrainedInfo(dir: string): PretrainedInfo | null {
  const file = pretrainedFile(dir);
  if (!fs.existsSync(file)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message}); restore it from git or retrain with the script it names.`);
  }
  const problems = pretrainedProblems(parsed);
  if (problems.length) {
    throw new Error(`${file} does not follow the pretrained metadata schema ${PRETRAINED_SCHEMA} (lib/train/pretrained.ts):\n  ${problems.join("\n  ")}\n` +
      "Rewrite it with the scripts/train-pretrained-*.ts script that trained the weights.");
  }
  return parsed as PretrainedInfo;
}

/** Write the metadata beside the weights, atomically (temp file, then rename). */
export function writePretrainedInfo(dir: string, info: PretrainedInfo): string {
  const problems = pretrainedProblems(info);
  if (problems.length) throw new Error(`writePretrainedInfo: ${problems.join("; ")}`);
  const file = pretrainedFile(dir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(info, null, 2) + "\n");
  fs.renameSync(tmp, file);
  return file;
}

const formatResult = (r: PretrainedResult) => r.value.toFixed(r.digits);

/** One line: what the weights are, how long they trained, and the headline numbers. */
export function describePretrained(dir: string, info: PretrainedInfo): string {
  const t = info.trained;
  const count = t.images.toLocaleString("en-US");
  const passes = t.epochs !== undefined ? `${Number(t.epochs.toFixed(2))} epoch${t.epochs === 1 ? "" : "s"} over ${count} images` : `${count} training images`;
  const results = Object.values(info.results).filter((r) => r.headline)
    .map((r) => `${r.label} ${formatResult(r)}${r.book !== undefined ? ` (book: ${r.book})` : ""}`);
  return `${dir}: ${passes}, ${(t.seconds / 60).toFixed(0)} min on ${t.backend}${results.length ? `; ${results.join(", ")}` : ""}.`;
}

/** Show the metadata: how the weights were trained, every result (with the book's value), and the command. */
export function showPretrained(dir: string): void {
  const info = readPretrainedInfo(dir);
  if (!info) {
    show.markdown(`\`${dir}\` has no ${PRETRAINED_FILE}: these weights were not made by a training script (trained in this notebook?).`);
    return;
  }
  const recipe = Object.entries(info.recipe).map(([k, v]) => `${k} ${v}`).join(", ");
  const rows = Object.values(info.results).map((r) => [r.label, formatResult(r), r.book === undefined ? "" : String(r.book)]);
  show.markdown(`**${info.title}** (\`${info.model}\`). ${describePretrained(dir, info)}\n\nRecipe: ${recipe}.\n\n` +
    markdownTable(["quantity", "value", "book"], rows) +
    `\n\nMade by: ${info.commands.map((c) => `\`${c}\``).join(", then ")}`);
}

type Trainable = Task | tf.LayersModel;

/** Give every model of `model` fresh random weights (its layers' initialisers, as when it was built). */
export async function reinitialise(model: Trainable): Promise<void> {
  const models = model instanceof tf.LayersModel ? [model] : isTask(model) ? Object.values(model.models) : null;
  if (!models) throw new Error("reinitialise: expected a Task (e.g. buildAutoencoder()) or a tf.LayersModel");
  for (const m of models) {
    // The same topology built again draws new initial weights; copy them over.
    const fresh = await tf.models.modelFromJSON({ modelTopology: m.toJSON(null, false) } as tf.io.ModelArtifacts as never);
    try {
      m.setWeights(fresh.getWeights());
    } finally {
      fresh.dispose();
    }
  }
}

export interface LoadOrTrainOptions {
  /**
   * The notebook's TRAIN_FROM_SCRATCH switch: true ignores the shipped weights and trains here.
   * A string does the same and says why (e.g. "there are no pretrained CelebA weights").
   */
  fromScratch: boolean | string;
  /** How to train here; called, on fresh random weights, when fromScratch is set or `dir` has no weights. */
  train: () => Promise<TrainHistory>;
}

export interface LoadOrTrainResult {
  /** "pretrained": loaded from dir; "trained": trained in this run from fresh weights. */
  source: "pretrained" | "trained";
  dir: string;
  /** The loaded weights' metadata (null when trained here or when the folder has none). */
  info: PretrainedInfo | null;
  /** The training run, when trained here. */
  history: TrainHistory | null;
}

/**
 * How the weights in `dir` were made differently from `model`: its architecture
 * (each model's saved topology, layer by layer) and, for a task with a `recipe`,
 * each recipe setting against the one recorded beside the weights (training.json's
 * recipe, else task.json's). Empty when the weights fit the model as it is set up now.
 */
export function recipeDifferences(model: Trainable, dir: string): string[] {
  const saved = savedArchitecture(model, dir);
  const models: [string, tf.LayersModel][] = model instanceof tf.LayersModel ? [["", model]] : Object.entries(model.models);
  const out = models.flatMap(([k, m]) => architectureDifferences(saved.topologies[k], m, k || m.name));
  if (isTask(model) && model.recipe) {
    const recorded = { ...(saved.recipe ?? {}), ...(readPretrainedInfo(dir)?.recipe ?? {}) };
    for (const [k, here] of Object.entries(model.recipe)) {
      const there = recorded[k];
      if (there === undefined) out.push(`${k}: not recorded there, ${here} here`);
      else if (there !== here) out.push(`${k}: ${there} there, ${here} here`);
    }
  }
  return out;
}

/** True when `dir` has a model.json for every model of `model` (a save to compare with, complete or not). */
function hasSave(model: Trainable, dir: string): boolean {
  const subs = model instanceof tf.LayersModel ? [""] : Object.keys(model.models);
  return subs.every((k) => fs.existsSync(path.join(weightsDir(dir), k, "model.json")));
}

/**
 * Load the weights in `dir` into `model`, or train it here from fresh random
 * weights: when `fromScratch` is set (whatever the model held before, so
 * re-running only the switch's cell really starts over), when `dir` has no
 * weights, or when they were trained with another architecture or recipe than
 * `model` has now (a changed knob: the line names each difference). Prints one
 * line saying which and why; the result's text form is that line.
 */
export async function loadOrTrain(model: Trainable, dir: string, opts: LoadOrTrainOptions): Promise<LoadOrTrainResult> {
  if (typeof opts?.train !== "function") throw new Error("loadOrTrain: pass { fromScratch, train: () => train(model, data, options) }");
  let why: string | null = null;
  if (opts.fromScratch) why = typeof opts.fromScratch === "string" ? opts.fromScratch : "TRAIN_FROM_SCRATCH is true";
  else if (!hasSave(model, dir)) why = `${dir} has no weights (model.json/weights.bin missing)`;
  else {
    const diffs = recipeDifferences(model, dir);
    if (diffs.length) why = `${dir} was trained with another recipe (${diffs.join("; ")})`;
    else if (!hasWeights(model, dir)) why = `${dir} holds no complete save of this model (see the note above)`;
  }
  if (why !== null) {
    const line = `${why}: training here from fresh random weights.`;
    console.log(line);
    await reinitialise(model);
    const history = await opts.train();
    return withTextForm({ source: "trained", dir, info: null, history }, `${line} ${history.message}`);
  }
  await loadWeights(model, dir);
  const info = readPretrainedInfo(dir);
  const line = info ? `Loaded ${describePretrained(dir, info)}` : `Loaded ${dir} (no ${PRETRAINED_FILE} beside the weights).`;
  console.log(line);
  return withTextForm({ source: "pretrained", dir, info, history: null }, line);
}
