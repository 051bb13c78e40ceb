// Exercise checks for chapter 1 (notebooks 01-03). In a notebook:
//   import { check } from "./lib/exercises/chapter1";
//   check.mleBox(mleBox);   // prints ✅ / ❌ + hint / ⏳ not done yet; never throws
// `evaluate.*` does the same and returns the CheckResult (used by tests).
// The hidden cases are generated from fixed seeds; the library implementations
// in lib/probability are the reference answers.
import { CheckCase, exercise, expectArrayClose, expectClose, expectTrue, Mismatch } from "./check";
import { Box, boxLogLikelihood, fitBox, sampleWorld } from "../probability/box";
import { fitCategorical } from "../probability/categorical";
import { ClassConditionalGaussians, classPosterior, shoeMeasurements, fitClassConditionalGaussians } from "../probability/classes";
import { fitGaussian1D } from "../probability/gaussian";
import { sigmoid } from "../probability/logistic";
import { sampleSpaceLog10 } from "../probability/pixels";
import { Rng } from "../probability/rng";

const round = (v: number, k = 3) => Math.round(v * 10 ** k) / 10 ** k;

// ---- Notebook 01: generative vs discriminative --------------------------------

type SigmoidFn = (w: number[], b: number, x: number[]) => number;
const sigmoidProbability = exercise<SigmoidFn>(
  "sigmoidProbability",
  "p(y = 1 | x) = 1 / (1 + exp(-(w·x + b))), where w·x = sum_i w[i] * x[i]. Use lib's sigmoid or write it.",
  (fn) => {
    const rng = new Rng(101);
    const cases: CheckCase[] = [
      { name: "w·x + b = 0 gives 0.5", run: () => expectClose(fn([1, -1], 0, [2, 2]), 0.5, 1e-9, "p") },
      { name: "large positive score", run: () => expectClose(fn([2, 0], 1, [3, 7]), sigmoid(7), 1e-9, "p") },
      { name: "large negative score stays a probability", run: () => expectClose(fn([-30], 0, [2]), sigmoid(-60), 1e-9, "p") },
    ];
    for (let t = 0; t < 5; t++) {
      const d = 1 + rng.int(4);
      const w = Array.from({ length: d }, () => round(rng.normal(0, 2)));
      const x = Array.from({ length: d }, () => round(rng.normal(0, 2)));
      const b = round(rng.normal());
      cases.push({ name: `w=${JSON.stringify(w)}, b=${b}, x=${JSON.stringify(x)}`, run: () => expectClose(fn(w, b, x), sigmoid(w.reduce((s, v, i) => s + v * x[i], b)), 1e-9, "p") });
    }
    return cases;
  },
);

type PosteriorFn = (likelihoods: number[], priors: number[]) => number[];
const bayesPosterior = exercise<PosteriorFn>(
  "bayesPosterior",
  "p(y | x) = p(x | y) p(y) / p(x), and p(x) = sum over y of p(x | y) p(y). The answers must sum to 1.",
  (fn) => {
    const rng = new Rng(202);
    const ref = (l: number[], p: number[]) => {
      const j = l.map((v, i) => v * p[i]);
      const z = j.reduce((a, b) => a + b, 0);
      return j.map((v) => v / z);
    };
    const cases: CheckCase[] = [
      { name: "equal priors: posterior proportional to likelihood", run: () => expectArrayClose(fn([0.2, 0.6], [0.5, 0.5]), [0.25, 0.75], 1e-9, "posterior") },
      { name: "a rare class stays unlikely", run: () => expectArrayClose(fn([0.9, 0.3], [0.01, 0.99]), ref([0.9, 0.3], [0.01, 0.99]), 1e-9, "posterior") },
    ];
    for (let t = 0; t < 4; t++) {
      const k = 2 + rng.int(4);
      const l = Array.from({ length: k }, () => round(rng.uniform() * 3 + 0.01));
      const raw = Array.from({ length: k }, () => rng.uniform() + 0.05);
      const s = raw.reduce((a, b) => a + b, 0);
      const p = raw.map((v) => v / s);
      cases.push({ name: `likelihoods ${JSON.stringify(l)}`, run: () => expectArrayClose(fn(l, p), ref(l, p), 1e-9, "posterior") });
    }
    return cases;
  },
);

type ClassifyFn = (model: ClassConditionalGaussians, x: number[]) => number;
const generativeClassifier = exercise<ClassifyFn>(
  "generativeClassifier",
  "Return the class y with the largest p(y) * p(x | y) (equivalently log p(y) + log p(x | y)); gaussianLogPdfND(x, model.classes[y]) gives log p(x | y).",
  (fn) => {
    const rng = new Rng(303);
    const data = shoeMeasurements(200, rng);
    const model = fitClassConditionalGaussians(data.points, data.labels, 2);
    const skewed: ClassConditionalGaussians = { priors: [0.97, 0.03], classes: model.classes };
    const argmax = (v: number[]) => v.indexOf(Math.max(...v));
    const qs = [[9, 0.28], [16, 0.47], [12.5, 0.37], [13, 0.36], [11, 0.4], [14.5, 0.33]];
    return [
      ...qs.map((q) => ({ name: `shoe at ${JSON.stringify(q)}`, run: () => expectClose(fn(model, q), argmax(classPosterior(model, q)), 0, "class") })),
      ...qs.map((q) => ({ name: `shoe at ${JSON.stringify(q)} with priors [0.97, 0.03] (the prior matters)`, run: () => expectClose(fn(skewed, q), argmax(classPosterior(skewed, q)), 0, "class") })),
    ];
  },
);

type DiagSampleFn = (mean: number[], std: number[], n: number, rng: Rng) => number[][];
const sampleDiagonalGaussian = exercise<DiagSampleFn>(
  "sampleDiagonalGaussian",
  "Each of the n points has coordinate i = mean[i] + std[i] * rng.normal(). Draw randomness only from `rng` (not Math.random) so a seed reproduces the samples.",
  (fn) => {
    const mean = [2, -1, 0.5], std = [0.5, 3, 1];
    let a: number[][] = [];
    return [
      { name: "returns n points of the right dimension", run: () => {
        a = fn(mean, std, 4000, new Rng(7));
        expectTrue(Array.isArray(a) && a.length === 4000, `expected an array of 4000 points, got ${Array.isArray(a) ? a.length + " points" : typeof a}`);
        a.forEach((p, i) => { if (!Array.isArray(p) || p.length !== 3) throw new Mismatch(`point ${i} should be an array of 3 numbers, got ${JSON.stringify(p)}`); });
      } },
      { name: "sample mean and std match", run: () => {
        for (let j = 0; j < 3; j++) {
          const col = a.map((p) => p[j]);
          const g = fitGaussian1D(col);
          expectClose(g.mean, mean[j], (4 * std[j]) / Math.sqrt(4000), `sample mean of coordinate ${j}`);
          expectClose(g.std, std[j], 0.06 * std[j], `sample std of coordinate ${j}`);
        }
      } },
      { name: "same seed, same samples (uses rng)", run: () => {
        const b = fn(mean, std, 5, new Rng(11)), c = fn(mean, std, 5, new Rng(11));
        expectArrayClose(b.flat(), c.flat(), 0, "second run with the same seed");
      } },
      { name: "different seeds, different samples (stochastic)", run: () => {
        const b = fn(mean, std, 5, new Rng(11)), c = fn(mean, std, 5, new Rng(12));
        expectTrue(b.flat().some((v, i) => v !== c.flat()[i]), "two different seeds gave identical samples: the sampler has no stochastic element");
      } },
    ];
  },
);

// ---- Notebook 02: maximum likelihood ----------------------------------------

type Pt = [number, number];
type MleBoxFn = (points: Pt[]) => Box;
const mleBox = exercise<MleBoxFn>(
  "mleBox",
  "The likelihood of a box is (1/area)^n if it holds every point and 0 otherwise, so the best box is the smallest one holding them all: x0 = min x, x1 = max x, y0 = min y, y1 = max y.",
  (fn) => {
    const rng = new Rng(404);
    const sets: Pt[][] = [
      [[0, 0], [1, 2], [3, 1]],
      [[-5, 2], [-1, -3], [4, 4], [0, 0]],
      sampleWorld(50, rng),
      Array.from({ length: 30 }, () => [rng.normal(100, 20), rng.normal(-40, 5)] as Pt),
    ];
    return sets.map((pts, i) => ({
      name: `point set ${i + 1} (${pts.length} points)`,
      run: () => {
        const b = fn(pts.map((p) => [p[0], p[1]] as Pt));
        const e = fitBox(pts);
        if (!b || typeof b !== "object") throw new Mismatch(`expected a box {x0, x1, y0, y1}, got ${JSON.stringify(b)}`);
        for (const k of ["x0", "x1", "y0", "y1"] as const) expectClose(b[k], e[k], 1e-12, `box.${k}`);
      },
    }));
  },
);

type BoxLLFn = (points: Pt[], box: Box) => number;
const boxLogLikelihoodEx = exercise<BoxLLFn>(
  "boxLogLikelihood",
  "Inside the box each point has density 1/area, so log L = -n * log(area). If any point is outside, its density is 0 and log L = -Infinity (return -Infinity explicitly; n * log(0) style code can produce NaN).",
  (fn) => {
    const box: Box = { x0: 0, x1: 4, y0: 0, y1: 2 };
    const inside: Pt[] = [[1, 1], [3, 0.5], [0, 2], [4, 0]];
    const rng = new Rng(505);
    const many = Array.from({ length: 40 }, () => [rng.between(-1, 9), rng.between(-1, 4)] as Pt);
    const big: Box = { x0: -2, x1: 10, y0: -2, y1: 5 };
    return [
      { name: "4 points inside a 4 x 2 box", run: () => expectClose(fn(inside, box), -4 * Math.log(8), 1e-9, "log-likelihood") },
      { name: "one point outside", run: () => expectClose(fn([...inside, [5, 1]], box), -Infinity, 0, "log-likelihood (a point outside makes the data impossible)") },
      { name: "40 points in a big box", run: () => expectClose(fn(many, big), boxLogLikelihood(many, big), 1e-9, "log-likelihood") },
      { name: "the same 40 points, box too small", run: () => expectClose(fn(many, box), -Infinity, 0, "log-likelihood") },
      { name: "a box smaller than 1 x 1 (log-likelihood > 0 is fine for densities)", run: () => expectClose(fn([[0.1, 0.1], [0.2, 0.3]], { x0: 0, x1: 0.5, y0: 0, y1: 0.5 }), -2 * Math.log(0.25), 1e-9, "log-likelihood") },
    ];
  },
);

type GaussMleFn = (xs: number[]) => { mean: number; variance: number };
const gaussianMle = exercise<GaussMleFn>(
  "gaussianMle",
  "The MLE is the sample mean and the average squared deviation from it, dividing by n (not n - 1: that is the unbiased estimator, not the maximum-likelihood one).",
  (fn) => {
    const rng = new Rng(606);
    const sets = [[1, 2, 3, 4], [5, 5, 5, 6], Array.from({ length: 7 }, () => round(rng.normal(10, 3))), Array.from({ length: 500 }, () => rng.normal(-2, 0.5))];
    return sets.map((xs, i) => ({
      name: `data set ${i + 1}: ${xs.length} values`,
      run: () => {
        const g = fn([...xs]);
        const e = fitGaussian1D(xs);
        if (!g || typeof g !== "object") throw new Mismatch(`expected {mean, variance}, got ${JSON.stringify(g)}`);
        expectClose(g.mean, e.mean, 1e-9, "mean");
        expectClose(g.variance, e.variance, 1e-9, "variance");
      },
    }));
  },
);

type SmoothFn = (counts: number[], alpha: number) => number[];
const smoothedCategorical = exercise<SmoothFn>(
  "smoothedCategorical",
  "p_k = (count_k + alpha) / (N + alpha * K), with N the total count and K the number of categories. alpha = 0 is plain counting.",
  (fn) => {
    const rng = new Rng(707);
    const cases: [number[], number][] = [[[3, 1, 0], 0], [[3, 1, 0], 1], [[0, 0, 5, 0], 0.5], [Array.from({ length: 8 }, () => rng.int(20)), 2]];
    return [
      ...cases.map(([c, a]) => ({
        name: `counts ${JSON.stringify(c)}, alpha ${a}`,
        run: () => {
          const p = fn([...c], a);
          expectArrayClose(p, fitCategorical(c, a), 1e-9, "probabilities");
        },
      })),
      { name: "smoothing leaves no category impossible", run: () => {
        const p = fn([10, 0, 0], 1);
        expectTrue(Array.isArray(p) && p.every((v) => v > 0), `with alpha = 1 every probability must be > 0, got ${JSON.stringify(p)}`);
      } },
    ];
  },
);

// ---- Notebook 03: the challenges of high dimensions ---------------------------

type BernMleFn = (binaryImages: number[][]) => number[];
const bernoulliMle = exercise<BernMleFn>(
  "bernoulliMle",
  "For each pixel j, p_j = (number of images with pixel j = 1) / (number of images).",
  (fn) => {
    const rng = new Rng(808);
    const sets = [
      [[1, 0, 1], [1, 1, 0]],
      Array.from({ length: 50 }, () => Array.from({ length: 16 }, (_, j) => rng.bernoulli(j / 16))),
    ];
    return sets.map((imgs, i) => ({
      name: `${imgs.length} images of ${imgs[0].length} pixels`,
      run: () => {
        const expect = imgs[0].map((_, j) => imgs.reduce((s, im) => s + im[j], 0) / imgs.length);
        expectArrayClose(fn(imgs.map((r) => [...r])), expect, 1e-9, "pixel probabilities");
      },
    }));
  },
);

type BernLLFn = (x: number[], probs: number[]) => number;
const bernoulliLogLikelihood = exercise<BernLLFn>(
  "bernoulliLogLikelihood",
  "log p(x) = sum_j [x_j = 1 ? log p_j : log(1 - p_j)]. Choose the term per pixel instead of computing x*log(p) + (1-x)*log(1-p): with p_j = 0 that is 0 * -Infinity = NaN.",
  (fn) => {
    const ref = (x: number[], p: number[]) => x.reduce((s, v, j) => s + (v ? Math.log(p[j]) : Math.log(1 - p[j])), 0);
    const rng = new Rng(909);
    const p = Array.from({ length: 64 }, () => 0.05 + 0.9 * rng.uniform());
    const x = p.map((q) => rng.bernoulli(q));
    return [
      { name: "two pixels", run: () => expectClose(fn([1, 0], [0.8, 0.3]), Math.log(0.8) + Math.log(0.7), 1e-9, "log p(x)") },
      { name: "64 random pixels", run: () => expectClose(fn(x, p), ref(x, p), 1e-9, "log p(x)") },
      { name: "pixel off where p = 0 (certain): adds log 1 = 0", run: () => expectClose(fn([0, 1], [0, 0.5]), Math.log(0.5), 1e-9, "log p(x)") },
      { name: "pixel on where p = 0: impossible image", run: () => expectClose(fn([1, 1], [0, 0.5]), -Infinity, 0, "log p(x)") },
    ];
  },
);

type SpaceFn = (pixels: number, levels: number) => number;
const sampleSpaceDigits = exercise<SpaceFn>(
  "sampleSpaceDigits",
  "There are levels^pixels images; that overflows a number, so return its log10: pixels * log10(levels).",
  (fn) => [
    { name: "4 binary pixels (16 images)", run: () => expectClose(fn(4, 2), Math.log10(16), 1e-9, "log10 count") },
    { name: "28 x 28 binary", run: () => expectClose(fn(784, 2), sampleSpaceLog10(784, 2), 1e-9, "log10 count") },
    { name: "32 x 32 with 256 grey levels", run: () => expectClose(fn(1024, 256), sampleSpaceLog10(1024, 256), 1e-9, "log10 count") },
    { name: "64 x 64 RGB (3 channels per pixel)", run: () => expectClose(fn(64 * 64 * 3, 256), sampleSpaceLog10(64 * 64 * 3, 256), 1e-9, "log10 count") },
  ],
);

type CorrFn = (a: number[], b: number[]) => number;
const pearsonCorrelation = exercise<CorrFn>(
  "pearsonCorrelation",
  "corr = cov(a, b) / (std(a) * std(b)), with cov(a, b) = mean((a - mean a) * (b - mean b)). Independent features give about 0.",
  (fn) => {
    const rng = new Rng(111);
    const a = Array.from({ length: 300 }, () => rng.normal());
    const noise = a.map(() => rng.normal());
    const ref = (u: number[], v: number[]) => {
      const mu = fitGaussian1D(u).mean, mv = fitGaussian1D(v).mean;
      let c = 0, su = 0, sv = 0;
      u.forEach((x, i) => { c += (x - mu) * (v[i] - mv); su += (x - mu) ** 2; sv += (v[i] - mv) ** 2; });
      return c / Math.sqrt(su * sv);
    };
    return [
      { name: "identical features: 1", run: () => expectClose(fn(a, [...a]), 1, 1e-9, "correlation") },
      { name: "negated: -1", run: () => expectClose(fn(a, a.map((v) => -v)), -1, 1e-9, "correlation") },
      { name: "scale and shift do not matter", run: () => expectClose(fn(a, a.map((v) => 3 * v + 7)), 1, 1e-9, "correlation") },
      { name: "partly related", run: () => expectClose(fn(a, a.map((v, i) => v + noise[i])), ref(a, a.map((v, i) => v + noise[i])), 1e-9, "correlation") },
    ];
  },
);

type ProjectFn = (x: number[], mean: number[], components: number[][]) => number[];
const pcaProjectEx = exercise<ProjectFn>(
  "pcaProject",
  "z_k = sum_j (x_j - mean_j) * components[k][j]: subtract the mean image, then take the dot product with each component.",
  (fn) => {
    const rng = new Rng(222);
    const d = 10;
    const mean = Array.from({ length: d }, () => rng.uniform());
    const comps = [0, 1].map(() => Array.from({ length: d }, () => rng.normal()));
    const x = Array.from({ length: d }, () => rng.uniform());
    const ref = comps.map((c) => c.reduce((s, v, j) => s + v * (x[j] - mean[j]), 0));
    return [
      { name: "the mean image projects to the origin", run: () => expectArrayClose(fn([...mean], mean, comps), [0, 0], 1e-9, "z") },
      { name: "a random image", run: () => expectArrayClose(fn(x, mean, comps), ref, 1e-9, "z") },
      { name: "one component gives one number", run: () => expectArrayClose(fn(x, mean, [comps[0]]), [ref[0]], 1e-9, "z") },
    ];
  },
);

const all = {
  sigmoidProbability, bayesPosterior, generativeClassifier, sampleDiagonalGaussian,
  mleBox, boxLogLikelihood: boxLogLikelihoodEx, gaussianMle, smoothedCategorical,
  bernoulliMle, bernoulliLogLikelihood, sampleSpaceDigits, pearsonCorrelation, pcaProject: pcaProjectEx,
};
type All = typeof all;

/** check.NAME(yourFunction): prints the verdict, returns nothing. */
export const check = Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v.check])) as { [K in keyof All]: All[K]["check"] };
/** evaluate.NAME(yourFunction): prints and returns the CheckResult. */
export const evaluate = Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v.evaluate])) as { [K in keyof All]: All[K]["evaluate"] };

export { todo } from "./check";
