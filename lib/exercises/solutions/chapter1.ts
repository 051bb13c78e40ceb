// Reference solutions for chapter 1's exercises (notebooks 01-03). Try the
// exercise first; the check's hint usually suffices.
import type { Box } from "../../probability/box";
import type { ClassConditionalGaussians } from "../../probability/classes";
import { gaussianLogPdfND } from "../../probability/gaussian";
import type { Rng } from "../../probability/rng";

// 01 -----------------------------------------------------------------------
export function sigmoidProbability(w: number[], b: number, x: number[]): number {
  const score = w.reduce((s, wi, i) => s + wi * x[i], b);
  return 1 / (1 + Math.exp(-score));
}

export function bayesPosterior(likelihoods: number[], priors: number[]): number[] {
  const joint = likelihoods.map((l, y) => l * priors[y]);
  const evidence = joint.reduce((a, b) => a + b, 0); // p(x)
  return joint.map((j) => j / evidence);
}

export function generativeClassifier(model: ClassConditionalGaussians, x: number[]): number {
  const scores = model.classes.map((g, y) => Math.log(model.priors[y]) + gaussianLogPdfND(x, g));
  return scores.indexOf(Math.max(...scores));
}

export function sampleDiagonalGaussian(mean: number[], std: number[], n: number, rng: Rng): number[][] {
  return Array.from({ length: n }, () => mean.map((m, i) => m + std[i] * rng.normal()));
}

// 02 -----------------------------------------------------------------------
export function mleBox(points: [number, number][]): Box {
  const xs = points.map((p) => p[0]), ys = points.map((p) => p[1]);
  return { x0: Math.min(...xs), x1: Math.max(...xs), y0: Math.min(...ys), y1: Math.max(...ys) };
}

export function boxLogLikelihood(points: [number, number][], box: Box): number {
  const inside = points.every(([x, y]) => x >= box.x0 && x <= box.x1 && y >= box.y0 && y <= box.y1);
  if (!inside) return -Infinity;
  return -points.length * Math.log((box.x1 - box.x0) * (box.y1 - box.y0));
}

export function gaussianMle(xs: number[]): { mean: number; variance: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
  return { mean, variance };
}

export function smoothedCategorical(counts: number[], alpha: number): number[] {
  const total = counts.reduce((a, b) => a + b, 0) + alpha * counts.length;
  return counts.map((c) => (c + alpha) / total);
}

// 03 -----------------------------------------------------------------------
export function bernoulliMle(binaryImages: number[][]): number[] {
  const n = binaryImages.length;
  return binaryImages[0].map((_, j) => binaryImages.reduce((s, img) => s + img[j], 0) / n);
}

export function bernoulliLogLikelihood(x: number[], probs: number[]): number {
  let s = 0;
  for (let j = 0; j < x.length; j++) s += x[j] === 1 ? Math.log(probs[j]) : Math.log(1 - probs[j]);
  return s;
}

export function sampleSpaceDigits(pixels: number, levels: number): number {
  return pixels * Math.log10(levels);
}

export function pearsonCorrelation(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n, mb = b.reduce((s, v) => s + v, 0) / n;
  let cov = 0, va = 0, vb = 0;
  for (let i = 0; i < n; i++) {
    cov += (a[i] - ma) * (b[i] - mb);
    va += (a[i] - ma) ** 2;
    vb += (b[i] - mb) ** 2;
  }
  return cov / Math.sqrt(va * vb);
}

export function pcaProject(x: number[], mean: number[], components: number[][]): number[] {
  return components.map((c) => c.reduce((s, w, j) => s + w * (x[j] - mean[j]), 0));
}
