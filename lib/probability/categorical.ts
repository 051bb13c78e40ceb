// Categorical distributions fitted by counting, and the zero-probability
// problem that additive (Laplace) smoothing fixes.
import { Rng } from "./rng";

/** How often each of the K categories 0..K-1 occurs in the observations. */
export function countCategories(observations: readonly number[], k: number): number[] {
  if (!Number.isInteger(k) || k < 1) throw new Error(`countCategories: k must be a positive integer, got ${k}`);
  const counts = new Array<number>(k).fill(0);
  observations.forEach((o, i) => {
    if (!Number.isInteger(o) || o < 0 || o >= k) {
      throw new Error(`countCategories: observations[${i}] = ${o}; categories must be integers 0..${k - 1}`);
    }
    counts[o]++;
  });
  return counts;
}

/**
 * Category probabilities from counts. alpha = 0 is the MLE (count / N): a
 * category never seen gets probability 0. alpha > 0 is additive smoothing,
 * (count + alpha) / (N + alpha K): every category keeps some probability.
 */
export function fitCategorical(counts: readonly number[], alpha = 0): number[] {
  if (counts.length < 1) throw new Error("fitCategorical: counts is empty; need one count per category");
  if (!(alpha >= 0)) throw new Error(`fitCategorical: alpha must be >= 0, got ${alpha}`);
  counts.forEach((c, i) => {
    if (!(c >= 0) || !Number.isFinite(c)) throw new Error(`fitCategorical: counts[${i}] = ${c}; counts must be finite and >= 0`);
  });
  const total = counts.reduce((a, b) => a + b, 0) + alpha * counts.length;
  if (total === 0) throw new Error("fitCategorical: no observations and alpha = 0; pass alpha > 0 for a uniform guess");
  return counts.map((c) => (c + alpha) / total);
}

/** Sum of log p(observation); -Infinity if an observation has probability 0. */
export function categoricalLogLikelihood(observations: readonly number[], probs: readonly number[]): number {
  let s = 0;
  observations.forEach((o, i) => {
    if (!Number.isInteger(o) || o < 0 || o >= probs.length) {
      throw new Error(`categoricalLogLikelihood: observations[${i}] = ${o}; categories must be integers 0..${probs.length - 1}`);
    }
    s += Math.log(probs[o]); // log(0) = -Infinity: one impossible observation makes the data impossible
  });
  return s;
}

export function sampleCategorical(probs: readonly number[], n: number, rng: Rng): number[] {
  return Array.from({ length: n }, () => rng.categorical(probs));
}
