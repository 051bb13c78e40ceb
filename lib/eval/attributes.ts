// Does a generated face have glasses? We answer with a small attribute
// classifier (3 conv layers + one sigmoid per attribute) trained on synthetic
// faces, where labels are exact. VAE outputs are blurrier than the drawings,
// so it also trains on box-blurred copies (blurred once and twice); its accuracy on clean and blurred
// held-out faces is printed by the training script and stored next to the
// weights. With it we measure how often adding an attribute vector really
// adds the attribute (the "flip rate"), and what else changes on the way.
import * as tf from "@tensorflow/tfjs";
import { FACE_ATTRIBUTES, FaceDataset, loadSyntheticFaces, withAttribute } from "../data/synthetic-faces";
import { train, TrainHistory } from "../train/train";
import { loadLayersModel } from "../train/weights";
import type { ProgressMode } from "../train/progress";

/** What the classifier predicts, in output order. */
export const CLASSIFIER_ATTRIBUTES: readonly string[] = FACE_ATTRIBUTES;
export const CLASSIFIER_DIR = "pretrained/face-vae/attribute-classifier";

/** Conv(16) -> Conv(32) -> Conv(64), stride 2, ReLU -> Dense(k, sigmoid): 12k parameters. */
export function buildAttributeClassifier(k = CLASSIFIER_ATTRIBUTES.length, size = 32): tf.LayersModel {
  const input = tf.input({ shape: [size, size, 3], name: "attr_input" });
  let x: tf.SymbolicTensor = input;
  [16, 32, 64].forEach((filters, i) => {
    x = tf.layers.conv2d({ filters, kernelSize: 3, strides: 2, padding: "same", activation: "relu", name: `attr_conv${i + 1}` }).apply(x) as tf.SymbolicTensor;
  });
  x = tf.layers.flatten({ name: "attr_flatten" }).apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: k, activation: "sigmoid", name: "attr_out" }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: "attribute_classifier" });
}

/** 3x3 box blur (edges use the pixels available), a cheap stand-in for a VAE's softness. */
export function blur(images: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.avgPool(images, 3, 1, "same") as tf.Tensor4D);
}

/** Labels of `names` as a [n, k] float tensor (1 = has it). */
export function labelMatrix(attributes: Record<string, Uint8Array>, names: readonly string[] = CLASSIFIER_ATTRIBUTES): tf.Tensor2D {
  const missing = names.filter((a) => !attributes[a]);
  if (missing.length) throw new Error(`labelMatrix: the data set has no attribute ${missing.join(", ")}; it has ${Object.keys(attributes).join(", ")}.`);
  const n = attributes[names[0]].length, k = names.length;
  const y = new Float32Array(n * k);
  names.forEach((a, j) => { const col = attributes[a]; for (let i = 0; i < n; i++) y[i * k + j] = col[i]; });
  return tf.tensor2d(y, [n, k]);
}

export interface ClassifierTraining {
  /** Synthetic faces to train on (each also used blurred once and twice). Default 6000. */
  count?: number;
  epochs?: number;
  /** Seed of the training faces (default 11; keep it apart from the VAE's). */
  seed?: number;
  progress?: ProgressMode;
}

/** Train the attribute classifier on synthetic faces and their blurred (once and twice) copies. */
export async function trainAttributeClassifier(o: ClassifierTraining = {}): Promise<{ model: tf.LayersModel; history: TrainHistory }> {
  const ds = loadSyntheticFaces({ count: o.count ?? 6000, seed: o.seed ?? 11, cache: "none" });
  const model = buildAttributeClassifier();
  // Clean, blurred and twice-blurred copies: VAE outputs range from sharp-ish to soft.
  const x = tf.tidy(() => { const b = blur(ds.images); return tf.concat([ds.images, b, blur(b)]); });
  const y = tf.tidy(() => { const l = labelMatrix(ds.attributes); return tf.concat([l, l, l]); });
  ds.images.dispose();
  try {
    const history = await train(model, { x, y }, {
      epochs: o.epochs ?? 3, batchSize: 64, learningRate: 2e-3, loss: "bce", seed: o.seed ?? 11,
      workers: 1, progress: o.progress ?? true, title: "attribute classifier",
    });
    return { model, history };
  } finally {
    tf.dispose([x, y]);
  }
}

/** The shipped classifier (pretrained/face-vae/attribute-classifier). */
export async function loadAttributeClassifier(dir = CLASSIFIER_DIR): Promise<tf.LayersModel> {
  return loadLayersModel(dir);
}

/** Probability of each attribute for each image: name -> Float32Array(n). */
export function predictAttributes(classifier: tf.LayersModel, images: tf.Tensor4D, batchSize = 256): Record<string, Float32Array> {
  const k = CLASSIFIER_ATTRIBUTES.length;
  const outShape = classifier.outputs[0].shape;
  if (outShape[outShape.length - 1] !== k) throw new Error(`predictAttributes: the classifier has ${outShape[outShape.length - 1]} outputs, expected ${k} (${CLASSIFIER_ATTRIBUTES.join(", ")}).`);
  const n = images.shape[0];
  const probs = new Float32Array(n * k);
  for (let lo = 0; lo < n; lo += batchSize) {
    const nb = Math.min(batchSize, n - lo);
    const p = tf.tidy(() => (classifier.predict(images.slice(lo, nb)) as tf.Tensor).dataSync());
    probs.set(p, lo * k);
  }
  const out: Record<string, Float32Array> = {};
  CLASSIFIER_ATTRIBUTES.forEach((a, j) => {
    const col = new Float32Array(n);
    for (let i = 0; i < n; i++) col[i] = probs[i * k + j];
    out[a] = col;
  });
  return out;
}

/** Fraction of images whose thresholded prediction matches the label, per attribute. */
export function classifierAccuracy(classifier: tf.LayersModel, ds: Pick<FaceDataset, "images" | "attributes">, o: { blur?: boolean } = {}): Record<string, number> {
  const x = o.blur ? blur(ds.images) : ds.images;
  try {
    const p = predictAttributes(classifier, x);
    const acc: Record<string, number> = {};
    for (const a of CLASSIFIER_ATTRIBUTES) {
      const lab = ds.attributes[a];
      if (!lab) continue;
      let ok = 0;
      for (let i = 0; i < lab.length; i++) if ((p[a][i] > 0.5 ? 1 : 0) === lab[i]) ok++;
      acc[a] = ok / lab.length;
    }
    return acc;
  } finally {
    if (x !== ds.images) x.dispose();
  }
}

export interface FlipMeasurement {
  attribute: string;
  strength: number;
  /** Faces measured (all without the attribute when adding, with it when subtracting). */
  n: number;
  /** Fraction whose edited decoding the classifier calls "has the attribute". */
  present: number;
  /** Among the other attributes, the fraction of (face, attribute) decisions unchanged vs strength 0. */
  othersUnchanged: number;
}

/**
 * For codes `z` [n, d], decode z + s * vector for each strength s and ask the
 * classifier whether `attribute` is present. Strength 0 is the control (plain
 * reconstructions); `present` at s > 0 minus the control is the flip rate.
 */
export function measureAttributeEdit(
  decode: (z: tf.Tensor2D) => tf.Tensor4D, classifier: tf.LayersModel, z: tf.Tensor2D, vector: tf.Tensor1D,
  attribute: string, strengths: readonly number[],
): FlipMeasurement[] {
  if (!CLASSIFIER_ATTRIBUTES.includes(attribute)) throw new Error(`measureAttributeEdit: the classifier knows ${CLASSIFIER_ATTRIBUTES.join(", ")}, not ${JSON.stringify(attribute)}.`);
  if (vector.shape[0] !== z.shape[1]) throw new Error(`measureAttributeEdit: vector has ${vector.shape[0]} dimensions but the codes have ${z.shape[1]}.`);
  const predict = (s: number) => {
    const imgs = tf.tidy(() => decode(tf.add(z, tf.mul(s, vector)) as tf.Tensor2D));
    try { return predictAttributes(classifier, imgs); } finally { imgs.dispose(); }
  };
  const base = predict(0);
  const others = CLASSIFIER_ATTRIBUTES.filter((a) => a !== attribute);
  const n = z.shape[0];
  return strengths.map((s) => {
    const p = s === 0 ? base : predict(s);
    let present = 0, same = 0;
    for (let i = 0; i < n; i++) {
      if (p[attribute][i] > 0.5) present++;
      for (const a of others) if ((p[a][i] > 0.5) === (base[a][i] > 0.5)) same++;
    }
    return { attribute, strength: s, n, present: present / n, othersUnchanged: same / (n * others.length) };
  });
}

/**
 * The edit experiment of notebook 06 as a table (header, rows) for show.table:
 * for each attribute, add its vector to up to `perRow` faces that lack it and
 * subtract it from up to `perRow` faces that have it, at strengths 0 (the
 * control), 1 and 2; the columns are the share the classifier calls "has it"
 * and, at strength 1, the share of the other attributes' decisions unchanged.
 */
export function attributeEditTable(
  decode: (z: tf.Tensor2D) => tf.Tensor4D, classifier: tf.LayersModel, codes: tf.Tensor2D,
  vectors: Record<string, tf.Tensor1D>, faces: Pick<FaceDataset, "attributes">, attributes: readonly string[], perRow: number,
): [string[], string[][]] {
  const pct = (v: number) => `${(100 * v).toFixed(0)}%`;
  const rows: string[][] = [];
  for (const a of attributes) {
    if (!vectors[a]) throw new Error(`attributeEditTable: no vector for ${JSON.stringify(a)}; compute it with attributeVectors(codes, labels, [..., "${a}"]).`);
    for (const has of [0, 1] as const) {
      const idx = withAttribute(faces, a, has).slice(0, perRow);
      if (idx.length === 0) continue;
      const sign = has ? -1 : 1;
      const z = tf.gather(codes, idx) as tf.Tensor2D;
      try {
        const r = measureAttributeEdit(decode, classifier, z, vectors[a], a, [0, sign, 2 * sign]);
        rows.push([a, has ? "subtract" : "add", String(idx.length), pct(r[0].present), pct(r[1].present), pct(r[2].present), pct(r[1].othersUnchanged)]);
      } finally {
        z.dispose();
      }
    }
  }
  return [["attribute", "edit", "faces", "has it at s = 0", "s = 1", "s = 2", "other attributes unchanged (s = 1)"], rows];
}
