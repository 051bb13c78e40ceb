// Latent arithmetic with labelled faces (book ch. 3, "latent space arithmetic"):
// an attribute vector is the mean code of faces WITH the attribute minus the
// mean code of faces WITHOUT it; adding s times it to a face's code adds the
// attribute with strength s, subtracting removes it. Morphing walks the
// straight line between two faces' codes. Model-agnostic: codes in, codes out
// (decode them with any decoder); built on lib/latent/explore's primitives.
import * as tf from "@tensorflow/tfjs";
import { checkShape } from "../checks";
import { directionBetween, interpolate, moveAlong } from "./explore";

/**
 * mean(z | label = 1) - mean(z | label = 0) for codes z [n, d] and 0/1 labels
 * (e.g. ds.attributes.Smiling): a [d] tensor the caller disposes.
 */
export function attributeVector(z: tf.Tensor2D, labels: ArrayLike<number>, name = "attribute"): tf.Tensor1D {
  checkShape(z, [null, null], "attributeVector: z", "pass the codes of many faces as [n, latentDim]");
  if (labels.length !== z.shape[0]) {
    throw new Error(`attributeVector: ${labels.length} labels for ${z.shape[0]} codes; pass one 0/1 label per face (the first ${z.shape[0]} of the data set's ${name} column).`);
  }
  const mask = new Array<boolean>(labels.length);
  let ones = 0;
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (v !== 0 && v !== 1) throw new Error(`attributeVector: labels must be 0 or 1, got ${v} at index ${i}.`);
    mask[i] = v === 1;
    ones += v;
  }
  if (ones === 0 || ones === labels.length) {
    throw new Error(`attributeVector: ${name} needs faces with and without it, got ${ones} with and ${labels.length - ones} without; embed more faces.`);
  }
  return directionBetween(z, mask);
}

/**
 * One attribute vector per name from the same codes: name -> [d] tensor
 * (free them with tf.dispose(Object.values(v)) or keep()). Longer label
 * columns are cut to the first n = z.shape[0] faces.
 */
export function attributeVectors(z: tf.Tensor2D, attributes: Record<string, ArrayLike<number>>, names: readonly string[] = Object.keys(attributes)): Record<string, tf.Tensor1D> {
  const out: Record<string, tf.Tensor1D> = {};
  try {
    for (const a of names) {
      const labels = attributes[a];
      if (!labels) throw new Error(`attributeVectors: no attribute ${JSON.stringify(a)}; the data set has ${Object.keys(attributes).join(", ")}.`);
      // Codes of the first n faces pair with the first n labels (embed often uses a prefix).
      out[a] = attributeVector(z, labels.length > z.shape[0] ? Array.prototype.slice.call(labels, 0, z.shape[0]) as number[] : labels, a);
    }
    return out;
  } catch (e) {
    tf.dispose(Object.values(out));
    throw e;
  }
}

/** One face's code moved by each strength: z + s * vector for s in strengths, [strengths.length, d]. */
export function addAttribute(z: tf.Tensor1D | tf.Tensor2D | ArrayLike<number>, vector: tf.Tensor1D, strengths: readonly number[]): tf.Tensor2D {
  return moveAlong(z, vector, strengths);
}

/** Every code moved by the same strength: z + s * vector, [n, d]. */
export function editCodes(z: tf.Tensor2D, vector: tf.Tensor1D, strength: number): tf.Tensor2D {
  checkShape(z, [null, null], "editCodes: z");
  if (vector.rank !== 1 || vector.shape[0] !== z.shape[1]) throw new Error(`editCodes: vector must have shape [${z.shape[1]}], got [${vector.shape}].`);
  if (!Number.isFinite(strength)) throw new Error(`editCodes: strength must be a finite number, got ${strength}.`);
  return tf.tidy(() => tf.add(z, tf.mul(strength, vector)) as tf.Tensor2D);
}

/** `steps` codes on the straight line from face A's code to face B's (both included). */
export function morph(zA: tf.Tensor1D | tf.Tensor2D | ArrayLike<number>, zB: tf.Tensor1D | tf.Tensor2D | ArrayLike<number>, steps: number): tf.Tensor2D {
  return interpolate(zA, zB, steps);
}

/**
 * Images for a manipulation figure: one row per face in `z` [rows, d], one
 * column per strength, decoded z + s * vector. Returns [rows * k, h, w, c]
 * in row-major order, ready for showImages(images, { cols: k }).
 */
export function attributeStrip(decode: (z: tf.Tensor2D) => tf.Tensor4D, z: tf.Tensor2D, vector: tf.Tensor1D, strengths: readonly number[]): tf.Tensor4D {
  checkShape(z, [null, null], "attributeStrip: z", "pass the codes of the faces to edit as [rows, latentDim]");
  const rows = z.shape[0];
  const codes = tf.tidy(() => {
    const parts: tf.Tensor2D[] = [];
    for (let r = 0; r < rows; r++) parts.push(moveAlong(z.slice([r, 0], [1, -1]), vector, strengths));
    return tf.concat(parts, 0) as tf.Tensor2D;
  });
  try { return decode(codes); } finally { codes.dispose(); }
}

/** Images for a morph figure: one row per pair (A[i] -> B[i]), `steps` columns. [pairs * steps, h, w, c]. */
export function morphStrip(decode: (z: tf.Tensor2D) => tf.Tensor4D, zA: tf.Tensor2D, zB: tf.Tensor2D, steps: number): tf.Tensor4D {
  checkShape(zA, [null, null], "morphStrip: zA");
  checkShape(zB, [zA.shape[0], zA.shape[1]], "morphStrip: zB", "pass as many B codes as A codes");
  const codes = tf.tidy(() => {
    const parts: tf.Tensor2D[] = [];
    for (let r = 0; r < zA.shape[0]; r++) parts.push(interpolate(zA.slice([r, 0], [1, -1]), zB.slice([r, 0], [1, -1]), steps));
    return tf.concat(parts, 0) as tf.Tensor2D;
  });
  try { return decode(codes); } finally { codes.dispose(); }
}
