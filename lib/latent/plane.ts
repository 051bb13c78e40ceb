// Planes through a latent space of more than 2 dimensions: a 2-D view to plot
// and explore (lib/plot/explorer.ts takes a plane's `lift`). pcaPlane is the
// plane of largest spread, found with the one PCA solver in lib/probability/pca.ts;
// slicePlane moves two chosen coordinates.
import * as tf from "@tensorflow/tfjs";
import { checkShape } from "../checks";
import { topEigenvectors } from "../probability/pca";

/** A 2-D plane in latent space: project z -> plane coords, lift plane coords -> z. Holds no tensors. */
export interface LatentPlane {
  latentDim: number;
  /** z [n, latentDim] -> plane coordinates [n, 2]. */
  project(z: tf.Tensor2D): tf.Tensor2D;
  /** plane coordinates [n, 2] -> z [n, latentDim] = origin + a*axis1 + b*axis2. */
  lift(p: tf.Tensor2D): tf.Tensor2D;
  origin: Float32Array;
  axes: [Float32Array, Float32Array];
  /** PCA only: fraction of the total variance along each axis. */
  explained?: [number, number];
}

function plane(origin: Float32Array, a1: Float32Array, a2: Float32Array, explained?: [number, number]): LatentPlane {
  const D = origin.length;
  const basis = new Float32Array(2 * D); // [2, D]
  basis.set(a1, 0); basis.set(a2, D);
  return {
    latentDim: D, origin, axes: [a1, a2], explained,
    project: (z) => { checkShape(z, [null, D], "LatentPlane.project: z", "pass codes [n, latentDim]"); return tf.tidy(() => z.sub(tf.tensor1d(origin)).matMul(tf.tensor2d(basis, [2, D]), false, true)) as tf.Tensor2D; },
    lift: (p) => { checkShape(p, [null, 2], "LatentPlane.lift: p", "pass plane coordinates [n, 2]"); return tf.tidy(() => p.matMul(tf.tensor2d(basis, [2, D])).add(tf.tensor1d(origin))) as tf.Tensor2D; },
  };
}

/**
 * The plane through the mean of z spanned by its two principal axes (largest
 * spread): the most informative 2-D view of a high-dimensional latent space,
 * and the one the faces notebook should explore. Pass z = encoder means of a
 * few thousand images.
 */
export function pcaPlane(z: tf.Tensor2D): LatentPlane {
  if (z.rank !== 2 || z.shape[0] < 3 || z.shape[1] < 2) throw new Error(`pcaPlane: expected z of shape [n >= 3, latentDim >= 2], got [${z.shape.join(",")}]`);
  const [n, D] = z.shape;
  const [meanT, covT] = tf.tidy(() => {
    const m = z.mean(0);
    const c = z.sub(m);
    return [m, c.transpose().matMul(c).div(n - 1)];
  });
  const mean = Float32Array.from(meanT.dataSync()), cov = Float64Array.from(covT.dataSync());
  tf.dispose([meanT, covT]);
  let total = 0;
  for (let i = 0; i < D; i++) total += cov[i * D + i];
  // Iterate until the axes stop moving (a latent covariance is small: D x D with D of a few dozen).
  const { vectors, values } = topEigenvectors(cov, D, 2, { iterations: 1000, tolerance: 2e-9 * D });
  const axes = vectors.map((v) => {
    // Deterministic orientation: largest component positive.
    let big = 0;
    for (let i = 1; i < D; i++) if (Math.abs(v[i]) > Math.abs(v[big])) big = i;
    return Float32Array.from(v, (x) => (v[big] < 0 ? -x : x));
  });
  return plane(mean, axes[0], axes[1], total > 0 ? [values[0] / total, values[1] / total] : undefined);
}

/** The axis-aligned plane of latent dims `dims`, other dims fixed at `origin` (default 0: the prior mean). */
export function slicePlane(latentDim: number, dims: [number, number] = [0, 1], origin?: ArrayLike<number>): LatentPlane {
  if (!Number.isInteger(latentDim) || latentDim < 2) throw new Error(`slicePlane: latentDim must be an integer >= 2, got ${latentDim}`);
  const [i, j] = dims;
  if (!(i >= 0 && i < latentDim && j >= 0 && j < latentDim && i !== j)) throw new Error(`slicePlane: dims must be two different indices in 0..${latentDim - 1}, got [${dims.join(",")}]`);
  if (origin && origin.length !== latentDim) throw new Error(`slicePlane: origin has ${origin.length} values, expected latentDim = ${latentDim}`);
  const o = origin ? Float32Array.from(origin) : new Float32Array(latentDim);
  const a1 = new Float32Array(latentDim), a2 = new Float32Array(latentDim);
  a1[i] = 1; a2[j] = 1;
  o[i] = 0; o[j] = 0; // the plane coordinates carry these two dims
  return plane(o, a1, a2);
}

/** A 2-D view of latent codes for plots and the explorer: which plane, its coordinates and axis labels. */
export interface LatentView {
  /** The plane the view shows: the two coordinates themselves for 2-D codes, the PCA plane otherwise. */
  plane: LatentPlane;
  /** Plane coordinates of each code. */
  x: Float32Array;
  y: Float32Array;
  xLabel: string;
  yLabel: string;
  /** One sentence saying what the plot shows. */
  note: string;
}

/**
 * The view every 2-D plot of a latent space uses, whatever its size: 2-D codes as they are
 * ("z[0]", "z[1]"); more dimensions through the PCA plane of the codes (axes "PC 1 (62% of
 * variance)"), with `plane.lift` to decode points of the plot. Holds no tensors.
 */
export function latentView(codes: tf.Tensor2D): LatentView {
  checkShape(codes, [null, null], "latentView: codes", "pass codes [n, latentDim]");
  const d = codes.shape[1];
  if (d < 2) throw new Error(`latentView: a plot needs at least 2 latent dimensions, got ${d}; use LATENT_DIM >= 2.`);
  const plane = d === 2 ? slicePlane(2) : pcaPlane(codes);
  const p = plane.project(codes);
  const data = p.dataSync();
  p.dispose();
  const n = codes.shape[0];
  const x = new Float32Array(n), y = new Float32Array(n);
  for (let i = 0; i < n; i++) { x[i] = data[2 * i]; y[i] = data[2 * i + 1]; }
  if (d === 2) return { plane, x, y, xLabel: "z[0]", yLabel: "z[1]", note: "The latent space is 2-D: the plot shows it whole." };
  const [e1, e2] = (plane.explained ?? [NaN, NaN]).map((e) => Math.round(100 * e));
  return {
    plane, x, y, xLabel: `PC 1 (${e1}% of variance)`, yLabel: `PC 2 (${e2}% of variance)`,
    note: `The latent space has ${d} dimensions: the plot shows the plane of its two principal axes through the codes' mean, which holds ${e1 + e2}% of their variance.`,
  };
}
