// Class-conditional Gaussians: a generative classifier. It models p(x | y)
// and p(y), so it can both classify (Bayes' rule gives p(y | x)) and generate
// new points of a chosen class - the thing a discriminative model cannot do.
import { GaussianND, fitGaussian, gaussianLogPdfND, sampleGaussian } from "./gaussian";
import { Rng } from "./rng";

export interface ClassConditionalGaussians {
  /** p(y) per class. */
  priors: number[];
  /** p(x | y) per class. */
  classes: GaussianND[];
}

export function fitClassConditionalGaussians(
  points: readonly (readonly number[])[],
  labels: ArrayLike<number>,
  numClasses: number,
): ClassConditionalGaussians {
  if (labels.length !== points.length) {
    throw new Error(`fitClassConditionalGaussians: ${points.length} points but ${labels.length} labels; pass one label per point`);
  }
  const groups: number[][][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < points.length; i++) {
    const y = labels[i];
    if (!Number.isInteger(y) || y < 0 || y >= numClasses) {
      throw new Error(`fitClassConditionalGaussians: labels[${i}] = ${y}; labels must be integers 0..${numClasses - 1}`);
    }
    groups[y].push([...points[i]]);
  }
  groups.forEach((g, c) => {
    if (g.length < 2) throw new Error(`fitClassConditionalGaussians: class ${c} has ${g.length} points; need at least 2 to fit a Gaussian`);
  });
  return { priors: groups.map((g) => g.length / points.length), classes: groups.map((g) => fitGaussian(g)) };
}

/** log p(x) = log sum_y p(y) p(x | y) (a Gaussian mixture density). */
export function mixtureLogDensity(m: ClassConditionalGaussians, x: readonly number[]): number {
  const terms = m.classes.map((g, c) => Math.log(m.priors[c]) + gaussianLogPdfND(x, g));
  const top = Math.max(...terms);
  if (top === -Infinity) return -Infinity;
  return top + Math.log(terms.reduce((s, t) => s + Math.exp(t - top), 0)); // log-sum-exp: no underflow
}

/** p(y | x) for every class by Bayes' rule. */
export function classPosterior(m: ClassConditionalGaussians, x: readonly number[]): number[] {
  const logJoint = m.classes.map((g, c) => Math.log(m.priors[c]) + gaussianLogPdfND(x, g));
  const top = Math.max(...logJoint);
  const e = logJoint.map((t) => Math.exp(t - top));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}

/** n new points of class y: samples from p(x | y). */
export function sampleClass(m: ClassConditionalGaussians, y: number, n: number, rng: Rng): number[][] {
  if (!m.classes[y]) throw new Error(`sampleClass: class ${y} does not exist; classes are 0..${m.classes.length - 1}`);
  return sampleGaussian(m.classes[y], n, rng);
}

/** n points from p(x): pick a class by p(y), then a point from p(x | y). Returns labels too. */
export function sampleMixture(m: ClassConditionalGaussians, n: number, rng: Rng): { points: number[][]; labels: number[] } {
  const labels = Array.from({ length: n }, () => rng.categorical(m.priors));
  const points = labels.map((y) => sampleGaussian(m.classes[y], 1, rng)[0]);
  return { points, labels };
}

/**
 * Toy 2-D data for chapter 1: two kinds of shoe measured by height (cm) and
 * weight (kg). Boots are taller and heavier, with overlap, and within a class
 * taller shoes weigh more (correlated features).
 */
export function shoeMeasurements(n: number, rng: Rng): { points: number[][]; labels: number[]; classNames: string[] } {
  const classes: GaussianND[] = [
    { mean: [10, 0.3], cov: [[2.2, 0.045], [0.045, 0.0025]] },
    { mean: [15, 0.45], cov: [[4, 0.09], [0.09, 0.005]] },
  ];
  const labels = Array.from({ length: n }, (_, i) => i % 2);
  const points = labels.map((y) => sampleGaussian(classes[y], 1, rng)[0]);
  return { points, labels, classNames: ["Sneaker", "Ankle boot"] };
}
