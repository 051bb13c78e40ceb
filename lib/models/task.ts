// What the training loop trains: a Task = named models + a loss of a batch.
// tfjs has no Keras `train_step`; a Task's `loss` plays that role and may
// report named parts (e.g. VAE reconstruction and KL) next to the total.
// The contract lives here, in models/, because models build tasks and train/
// (one layer up) runs them: neither imports the other both ways.
import * as tf from "@tensorflow/tfjs";
import { binaryCrossEntropy, meanSquaredError } from "./losses";

/** One mini-batch. `y` is the target (for autoencoders the same tensor as `x`). */
export interface Batch {
  x: tf.Tensor;
  y: tf.Tensor;
}

export interface LossContext {
  /** True while training (dropout/BatchNorm in training mode), false for validation. */
  training: boolean;
  /** Global step (0-based, counts batches across epochs and train() calls of this run). */
  step: number;
  /** A seed for randomness in the loss (e.g. VAE noise), distinct per step and per worker. */
  seed: number;
}

export interface LossResult {
  /** The scalar that is minimised. Must be a mean over the batch's examples. */
  loss: tf.Scalar;
  /** Named scalar parts to track (e.g. { reconstruction, kl }); not differentiated. */
  parts?: Record<string, tf.Scalar>;
}

/**
 * How a worker thread rebuilds the same task: `TASK_BUILDERS[builder](options)`
 * (lib/models/builders.ts, a registry of named factories, so no module paths travel).
 * Options must be structured-cloneable (plain data, no functions).
 */
export interface WorkerSpec {
  builder: string;
  options?: unknown;
}

/**
 * The settings trained weights depend on beyond the architecture, by knob name
 * (e.g. { reconstruction: "bce" } or { reconstruction: "bce", beta: 500 }).
 * loadOrTrain compares them with the recipe saved beside the weights.
 */
export type Recipe = Record<string, string | number | boolean>;

export interface Task {
  name: string;
  /** The models whose weights are trained and saved, by name (order matters for workers). */
  models: Record<string, tf.LayersModel>;
  /** Loss of one batch. Called inside tf.tidy / tf.variableGrads: create tensors freely. */
  loss(batch: Batch, ctx: LossContext): LossResult;
  /** Present when the task can be rebuilt in a worker thread (data-parallel training). */
  spec?: WorkerSpec;
  /** What the weights depend on besides the architecture (loss kind, beta...), compared on load. */
  recipe?: Recipe;
  /** Where the loss needs the data to lie; train() checks it once per data set, before the first step. */
  dataRange?: DataRange;
}

/** A value range the loss needs, e.g. binary cross-entropy reads its targets as probabilities in [0, 1]. */
export interface DataRange {
  /** Which tensor: "x" (autoencoders reconstruct their input) or "y" (a supervised model's targets). */
  of: "x" | "y";
  min: number;
  max: number;
  /** The loss that needs it, for the error message. */
  loss: string;
}

/** The range binary cross-entropy needs of its targets. */
export function bceRange(of: "x" | "y"): DataRange {
  return { of, min: 0, max: 1, loss: "binary cross-entropy" };
}

export function isTask(x: unknown): x is Task {
  return typeof x === "object" && x !== null && typeof (x as Task).loss === "function" &&
    typeof (x as Task).models === "object" && (x as Task).models !== null;
}

export type ModelLoss = "bce" | "mse";

const NAMED_LOSSES: Record<ModelLoss, (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar> = {
  bce: (t, p) => binaryCrossEntropy(t, p), mse: (t, p) => meanSquaredError(t, p),
};

function namedLoss(loss: unknown, who: string): (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar {
  if (loss !== "bce" && loss !== "mse") throw new Error(`${who}: loss must be "bce" or "mse" (or, for autoencoderTask, a function (x, xHat) => scalar), got ${JSON.stringify(loss)}`);
  return NAMED_LOSSES[loss];
}

/** Each model's layers JSON (its topology without weights), for rebuilding it elsewhere. */
export function modelTopologies(models: Record<string, tf.LayersModel>): Record<string, object> {
  return Object.fromEntries(Object.entries(models).map(([k, m]) => [k, m.toJSON(null, false) as object]));
}

/** Rebuild models from modelTopologies() output (standard tf.layers only; fresh weights). */
export async function modelsFromTopologies(t: Record<string, object>): Promise<Record<string, tf.LayersModel>> {
  const out: Record<string, tf.LayersModel> = {};
  for (const [k, topology] of Object.entries(t)) {
    out[k] = await tf.models.modelFromJSON({ modelTopology: topology } as tf.io.ModelArtifacts as never);
  }
  return out;
}

/**
 * A plain Keras-style model as a Task: loss(y, model(x)) averaged over the batch.
 * Standard-layer models can train in workers (rebuilt from their JSON topology).
 */
export function modelTask(model: tf.LayersModel, loss: ModelLoss = "mse"): Task {
  const fn = namedLoss(loss, "modelTask");
  return {
    name: model.name,
    models: { [model.name]: model },
    loss: ({ x, y }, { training }) => ({ loss: fn(y, model.apply(x, { training }) as tf.Tensor) }),
    dataRange: loss === "bce" ? bceRange("y") : undefined,
    recipe: { loss },
    spec: { builder: "modelTask", options: { topology: model.toJSON(null, false), loss } },
  };
}

/** Worker-side twin of `modelTask`: rebuild the model from its JSON topology. */
export async function modelTaskFromJSON(o: { topology: object; loss: ModelLoss }): Promise<Task> {
  const model = await tf.models.modelFromJSON({ modelTopology: o.topology } as tf.io.ModelArtifacts as never);
  return modelTask(model, o.loss);
}

/** A reconstruction loss written in a notebook: targets x, reconstructions xHat, one scalar (batch mean). */
export type ReconstructionLoss = (x: tf.Tensor, xHat: tf.Tensor) => tf.Scalar;

/**
 * An autoencoder as a Task from any encoder and decoder (e.g. built in a
 * notebook cell): loss(x, decoder(encoder(x))). With a named loss ("bce",
 * "mse") workers rebuild it from the layers JSON and train data-parallel on
 * wasm; a loss function written in the notebook trains on this thread.
 */
export function autoencoderTask(encoder: tf.LayersModel, decoder: tf.LayersModel, loss: ModelLoss | ReconstructionLoss = "bce", name = "autoencoder"): Task {
  if (!(encoder instanceof tf.LayersModel) || !(decoder instanceof tf.LayersModel)) {
    throw new Error("autoencoderTask(encoder, decoder, loss): encoder and decoder must be tf.LayersModel (tf.sequential(...) or tf.model(...))");
  }
  const own = typeof loss === "function";
  const fn = own ? loss : namedLoss(loss, "autoencoderTask");
  const models = { encoder, decoder };
  return {
    name, models,
    loss: ({ x }, { training }) => ({ loss: fn(x, decoder.apply(encoder.apply(x, { training }), { training }) as tf.Tensor) }),
    dataRange: loss === "bce" ? bceRange("x") : undefined,
    recipe: { reconstruction: own ? `function ${loss.name || "(anonymous)"}` : loss },
    spec: own ? undefined : { builder: "autoencoderTask", options: { topologies: modelTopologies(models), loss, name } },
  };
}

/** Worker-side twin of `autoencoderTask` with a named loss. */
export async function autoencoderTaskFromJSON(o: { topologies: Record<string, object>; loss: ModelLoss; name: string }): Promise<Task> {
  const m = await modelsFromTopologies(o.topologies);
  return autoencoderTask(m.encoder, m.decoder, o.loss, o.name);
}

/** Accepts a Task or a bare LayersModel (trained with `defaultLoss`). */
export function asTask(t: Task | tf.LayersModel, defaultLoss: ModelLoss = "mse"): Task {
  if (isTask(t)) return t;
  if (t instanceof tf.LayersModel) return modelTask(t, defaultLoss);
  throw new Error("train: expected a Task (e.g. autoencoderTask(encoder, decoder, \"bce\"), buildVae()) or a tf.LayersModel, got " + typeof t);
}

/** The trainable variables of a task, in a fixed order (models in key order, then layer order). */
export function trainableVariables(task: Task): tf.Variable[] {
  return Object.values(task.models).flatMap((m) => m.trainableWeights.map((w) => w.read() as tf.Variable));
}

/** All weights (trainable and not, e.g. BatchNorm statistics) in a fixed order. */
export function allWeights(task: Task): tf.Tensor[] {
  return Object.values(task.models).flatMap((m) => m.getWeights());
}

export function setAllWeights(task: Task, values: tf.Tensor[]): void {
  let i = 0;
  for (const m of Object.values(task.models)) {
    const n = m.weights.length;
    m.setWeights(values.slice(i, i + n));
    i += n;
  }
  if (i !== values.length) throw new Error(`setAllWeights: task ${task.name} has ${i} weights, got ${values.length}`);
}

/** Free a task's models (their weights). */
export function disposeTask(task: Task): void {
  for (const m of Object.values(task.models)) m.dispose();
}
