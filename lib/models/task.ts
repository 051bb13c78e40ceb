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
 * How a worker thread rebuilds the same task: `require(<projectRoot>/<module>)[export](options)`.
 * Options must be structured-cloneable (plain data, no functions).
 */
export interface WorkerSpec {
  module: string;
  export: string;
  options?: unknown;
}

export interface Task {
  name: string;
  /** The models whose weights are trained and saved, by name (order matters for workers). */
  models: Record<string, tf.LayersModel>;
  /** Loss of one batch. Called inside tf.tidy / tf.variableGrads: create tensors freely. */
  loss(batch: Batch, ctx: LossContext): LossResult;
  /** Present when the task can be rebuilt in a worker thread (data-parallel training). */
  spec?: WorkerSpec;
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

/**
 * A plain Keras-style model as a Task: loss(y, model(x)) averaged over the batch.
 * Standard-layer models can train in workers (rebuilt from their JSON topology).
 */
export function modelTask(model: tf.LayersModel, loss: ModelLoss = "mse"): Task {
  if (loss !== "bce" && loss !== "mse") {
    throw new Error(`modelTask: loss must be "bce" or "mse", got ${JSON.stringify(loss)}`);
  }
  const fn = loss === "bce" ? binaryCrossEntropy : meanSquaredError;
  return {
    name: model.name,
    models: { [model.name]: model },
    loss: ({ x, y }, { training }) => ({ loss: fn(y, model.apply(x, { training }) as tf.Tensor) }),
    dataRange: loss === "bce" ? bceRange("y") : undefined,
    spec: { module: "lib/models/task", export: "modelTaskFromJSON", options: { topology: model.toJSON(null, false), loss } },
  };
}

/** Worker-side twin of `modelTask`: rebuild the model from its JSON topology. */
export async function modelTaskFromJSON(o: { topology: object; loss: ModelLoss }): Promise<Task> {
  const model = await tf.models.modelFromJSON({ modelTopology: o.topology } as tf.io.ModelArtifacts as never);
  return modelTask(model, o.loss);
}

/** Accepts a Task or a bare LayersModel (trained with `defaultLoss`). */
export function asTask(t: Task | tf.LayersModel, defaultLoss: ModelLoss = "mse"): Task {
  if (isTask(t)) return t;
  if (t instanceof tf.LayersModel) return modelTask(t, defaultLoss);
  throw new Error("train: expected a Task (e.g. buildAutoencoder()/buildVae()) or a tf.LayersModel, got " + typeof t);
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
