import { describe, it, expect, beforeAll } from "vitest";
import * as tf from "@tensorflow/tfjs";
import {
  Rng, fitGaussian1D, fitGaussian, gaussianLogPdf, gaussianLogPdfND, gaussianLogLikelihood1D, sampleGaussian,
  fitGaussianGradientAscent, cholesky, fitBox, boxLogLikelihood, boxLikelihoodReport, boxDensity, sampleBox, sampleWorld, onLand,
  countCategories, fitCategorical, categoricalLogLikelihood, sampleCategorical, fitLogisticRegression, sigmoid,
  fitClassConditionalGaussians, classPosterior, mixtureLogDensity, sampleClass, shoeMeasurements,
  BernoulliPixelModel, GaussianPixelModel, binarize, randomBinaryImages, pixelCorrelationMap, neighbourCorrelation,
  sampleSpaceLog10, imagesOfClass, fitPca, pcaProject, pcaDecode, linePoints, topEigenvectors,
} from "../lib/probability";

beforeAll(async () => { await tf.setBackend("cpu"); });

/** Run fn twice; the second run must not leave extra tensors behind. */
function expectNoLeak(fn: () => void): void {
  fn();
  const before = tf.memory().numTensors;
  fn();
  expect(tf.memory().numTensors).toBe(before);
}

describe("Rng", () => {
  it("is reproducible per seed and differs across seeds", () => {
    const a = new Rng(5), b = new Rng(5), c = new Rng(6);
    const xa = Array.from({ length: 20 }, () => a.uniform());
    expect(Array.from({ length: 20 }, () => b.uniform())).toEqual(xa);
    expect(Array.from({ length: 20 }, () => c.uniform())).not.toEqual(xa);
    expect(xa.every((v) => v >= 0 && v < 1)).toBe(true);
  });
  it("normal() has mean 0 and std 1; categorical follows its weights", () => {
    const r = new Rng(1);
    const g = fitGaussian1D(Array.from({ length: 20000 }, () => r.normal()));
    expect(Math.abs(g.mean)).toBeLessThan(0.03);
    expect(Math.abs(g.std - 1)).toBeLessThan(0.03);
    const counts = countCategories(Array.from({ length: 20000 }, () => r.categorical([1, 0, 3])), 3);
    expect(counts[1]).toBe(0);
    expect(counts[2] / 20000).toBeCloseTo(0.75, 1);
  });
  it("rejects bad arguments with clear errors", () => {
    expect(() => new Rng(NaN)).toThrow(/seed/);
    expect(() => new Rng(1).categorical([0, 0])).toThrow(/sum to 0/);
    expect(() => new Rng(1).int(0)).toThrow(/positive integer/);
  });
});

describe("Gaussian MLE", () => {
  it("closed form is the sample mean and the biased variance", () => {
    const g = fitGaussian1D([1, 2, 3, 4]);
    expect(g.mean).toBe(2.5);
    expect(g.variance).toBe(1.25); // (2.25 + 0.25 + 0.25 + 2.25) / 4, not / 3
    const nd = fitGaussian([[0, 0], [2, 0], [0, 2], [2, 2]]);
    expect(nd.mean).toEqual([1, 1]);
    expect(nd.cov).toEqual([[1, 0], [0, 1]]);
  });
  it("the MLE beats nearby parameters on log-likelihood", () => {
    const r = new Rng(3);
    const xs = Array.from({ length: 200 }, () => r.normal(4, 2));
    const g = fitGaussian1D(xs);
    const best = gaussianLogLikelihood1D(xs, g);
    for (const [dm, ds] of [[0.1, 0], [-0.1, 0], [0, 0.1], [0, -0.1]]) {
      expect(gaussianLogLikelihood1D(xs, { mean: g.mean + dm, std: g.std + ds })).toBeLessThan(best);
    }
  });
  it("log densities match the formula in 1-D and 2-D", () => {
    expect(gaussianLogPdf(0, 0, 1)).toBeCloseTo(-0.5 * Math.log(2 * Math.PI), 12);
    // Independent 2-D = sum of two 1-D terms.
    const v = gaussianLogPdfND([1, -1], { mean: [0, 0], cov: [[4, 0], [0, 1]] });
    expect(v).toBeCloseTo(gaussianLogPdf(1, 0, 2) + gaussianLogPdf(-1, 0, 1), 12);
    const L = cholesky([[4, 2], [2, 3]]);
    expect(L[0][0] * L[1][0]).toBeCloseTo(2, 12);
    expect(() => cholesky([[1, 1], [1, 1]])).toThrow(/not positive definite/);
  });
  it("sampling reproduces the covariance", () => {
    const cov = [[4, 1.5], [1.5, 2]];
    const fit = fitGaussian(sampleGaussian({ mean: [3, -2], cov }, 20000, new Rng(9)));
    expect(fit.mean[0]).toBeCloseTo(3, 1);
    expect(fit.cov[0][1]).toBeCloseTo(1.5, 1);
  });
  it("gradient ascent agrees with the closed form to 1e-3 (1-D and 2-D) and frees its tensors", () => {
    const r = new Rng(4);
    const xs = Array.from({ length: 150 }, () => r.normal(12, 5));
    const cf = fitGaussian1D(xs);
    const before = tf.memory().numTensors;
    const ga = fitGaussianGradientAscent(xs);
    expect(tf.memory().numTensors).toBe(before);
    expect(Math.abs(ga.mean[0] - cf.mean)).toBeLessThan(1e-3);
    expect(Math.abs(ga.cov[0][0] - cf.variance)).toBeLessThan(1e-3);
    // The log-likelihood goes up.
    expect(ga.history[ga.history.length - 1].meanLogLik).toBeGreaterThan(ga.history[0].meanLogLik);

    const pts = sampleGaussian({ mean: [3, -2], cov: [[4, 1.5], [1.5, 2]] }, 300, r);
    const cf2 = fitGaussian(pts);
    const ga2 = fitGaussianGradientAscent(pts, { steps: 600 });
    ga2.mean.forEach((m, i) => expect(Math.abs(m - cf2.mean[i])).toBeLessThan(1e-3));
    ga2.cov.flat().forEach((c, i) => expect(Math.abs(c - cf2.cov.flat()[i])).toBeLessThan(1e-3));
  });
});

describe("box model (world map)", () => {
  const pts: [number, number][] = [[1, 1], [3, 2], [2, 5], [0.5, 4]];
  it("the MLE box is the bounding box", () => {
    expect(fitBox(pts)).toEqual({ x0: 0.5, x1: 3, y0: 1, y1: 5 });
  });
  it("log-likelihood is -n log(area) inside and higher for the MLE box than any bigger box", () => {
    const b = fitBox(pts);
    expect(boxLogLikelihood(pts, b)).toBeCloseTo(-4 * Math.log(2.5 * 4), 12);
    expect(boxLogLikelihood(pts, { ...b, x1: 4 })).toBeLessThan(boxLogLikelihood(pts, b));
    expect(boxDensity([1, 1], b)).toBeCloseTo(1 / 10, 12);
    expect(boxDensity([9, 9], b)).toBe(0);
  });
  it("a point outside gives -Infinity (not NaN) with an explanation naming the point", () => {
    const b = { x0: 0, x1: 2, y0: 0, y1: 2 };
    const ll = boxLogLikelihood(pts, b);
    expect(ll).toBe(-Infinity);
    expect(Number.isNaN(ll)).toBe(false);
    const rep = boxLikelihoodReport(pts, b);
    expect(rep.outside).toEqual([1, 2, 3]);
    expect(rep.explanation).toMatch(/3 of 4 points lie outside.*density 0.*-Infinity/);
  });
  it("rejects zero-area boxes and malformed points", () => {
    expect(() => boxLogLikelihood(pts, { x0: 1, x1: 1, y0: 0, y1: 2 })).toThrow(/no area/);
    expect(() => fitBox([[1, 1], [1, 5]])).toThrow(/no area/);
    expect(() => fitBox([[1, 1], [2, NaN]])).toThrow(/points\[1\]/);
  });
  it("samples stay inside the box; world samples stay on land", () => {
    const b = { x0: 1, x1: 2, y0: -1, y1: 0 };
    const s = sampleBox(b, 500, new Rng(2));
    expect(boxLogLikelihood(s, b)).toBeCloseTo(-500 * Math.log(1), 9);
    const w = sampleWorld(300, new Rng(2));
    expect(w.every(onLand)).toBe(true);
    expect(sampleWorld(10, new Rng(8))).toEqual(sampleWorld(10, new Rng(8)));
  });
});

describe("categorical model", () => {
  it("counting is the MLE; unseen categories get probability 0 and data with them -Infinity", () => {
    const counts = countCategories([0, 0, 1, 0], 3);
    expect(counts).toEqual([3, 1, 0]);
    const p = fitCategorical(counts);
    expect(p).toEqual([0.75, 0.25, 0]);
    expect(categoricalLogLikelihood([0, 1], p)).toBeCloseTo(Math.log(0.75) + Math.log(0.25), 12);
    expect(categoricalLogLikelihood([2], p)).toBe(-Infinity);
  });
  it("additive smoothing: (count + alpha) / (N + alpha K)", () => {
    const p = fitCategorical([3, 1, 0], 1);
    expect(p[0]).toBeCloseTo(4 / 7, 12);
    expect(p[2]).toBeCloseTo(1 / 7, 12);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(Number.isFinite(categoricalLogLikelihood([2], p))).toBe(true);
    // Large alpha pulls towards uniform.
    fitCategorical([3, 1, 0], 1e6).forEach((v) => expect(v).toBeCloseTo(1 / 3, 4));
  });
  it("sampling matches the probabilities; bad input is named", () => {
    const s = sampleCategorical([0.2, 0.8], 10000, new Rng(1));
    expect(s.filter((v) => v === 1).length / 10000).toBeCloseTo(0.8, 1);
    expect(() => countCategories([0, 3], 3)).toThrow(/observations\[1\] = 3/);
    expect(() => fitCategorical([0, 0])).toThrow(/alpha > 0/);
  });
});

describe("discriminative vs generative on 2-D data", () => {
  const data = shoeMeasurements(400, new Rng(21));
  it("logistic regression separates the classes and frees its tensors", () => {
    let acc = 0;
    expectNoLeak(() => {
      const m = fitLogisticRegression(data.points, data.labels, { steps: 200 });
      const p = m.predict(data.points);
      acc = p.filter((v, i) => (v > 0.5 ? 1 : 0) === data.labels[i]).length / p.length;
      expect(m.losses[m.losses.length - 1].loss).toBeLessThan(m.losses[0].loss);
    });
    expect(acc).toBeGreaterThan(0.85);
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(-800)).toBe(0); // no NaN from exp overflow
  });
  it("class-conditional Gaussians: posterior sums to 1, mixture density is consistent, class samples look like the class", () => {
    const m = fitClassConditionalGaussians(data.points, data.labels, 2);
    expect(m.priors).toEqual([0.5, 0.5]);
    const post = classPosterior(m, [15, 0.45]);
    expect(post[0] + post[1]).toBeCloseTo(1, 12);
    expect(post[1]).toBeGreaterThan(0.9);
    const x = [12, 0.35];
    const direct = Math.log(0.5 * Math.exp(gaussianLogPdfND(x, m.classes[0])) + 0.5 * Math.exp(gaussianLogPdfND(x, m.classes[1])));
    expect(mixtureLogDensity(m, x)).toBeCloseTo(direct, 9);
    const boots = sampleClass(m, 1, 2000, new Rng(3));
    expect(fitGaussian(boots).mean[0]).toBeCloseTo(m.classes[1].mean[0], 0);
  });
});

describe("pixel models", () => {
  // 4 images of 2x2: pixel 0 always on, pixel 3 never, pixels 1,2 identical (perfectly correlated).
  const imgs = () => tf.tensor4d([
    1, 0, 0, 0,
    1, 1, 1, 0,
    0.9, 0.8, 0.7, 0.1,
    1, 0, 0, 0,
  ], [4, 2, 2, 1]);

  it("Bernoulli MLE is the on-fraction; impossible pixels give -Infinity, never NaN", () => {
    const x = imgs();
    const m = BernoulliPixelModel.fit(x);
    expect(Array.from(m.probs)).toEqual([1, 0.5, 0.5, 0]);
    const ll = m.logLikelihood(x);
    expect(ll[0]).toBeCloseTo(2 * Math.log(0.5), 6);
    const odd = tf.tensor4d([0, 0, 0, 1], [1, 2, 2, 1]);
    expect(m.logLikelihood(odd)[0]).toBe(-Infinity);
    const smooth = BernoulliPixelModel.fit(x, { alpha: 1 });
    expect(smooth.probs[0]).toBeCloseTo(5 / 6, 6);
    expect(Number.isFinite(smooth.logLikelihood(odd)[0])).toBe(true);
    tf.dispose([x, odd]);
  });
  it("samples and likelihoods free their tensors; random images score far below real ones", () => {
    const x = imgs();
    const m = BernoulliPixelModel.fit(x, { alpha: 0.5 });
    expectNoLeak(() => {
      const s = m.sample(3, new Rng(1));
      m.logLikelihood(s);
      s.dispose();
      BernoulliPixelModel.fit(x);
      const b = binarize(x); b.dispose();
    });
    const rnd = randomBinaryImages(50, [2, 2, 1], new Rng(2));
    const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(m.logLikelihood(rnd))).toBeLessThan(mean(m.logLikelihood(x)));
    tf.dispose([x, rnd]);
  });
  it("Gaussian pixel model: the mean image is fixed, samples vary", () => {
    const x = imgs();
    const m = GaussianPixelModel.fit(x);
    expect(m.mean[0]).toBeCloseTo(0.975, 6);
    expect(m.std[3]).toBeCloseTo(Math.sqrt(0.1 * 0.1 * 0.25 - (0.025) ** 2), 6);
    expectNoLeak(() => {
      const a = m.meanImage(), b = m.meanImage();
      expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
      const s = m.sample(2, new Rng(1));
      const d = s.dataSync();
      expect(Array.from(d.slice(0, 4))).not.toEqual(Array.from(d.slice(4, 8)));
      expect(d.every((v) => v >= 0 && v <= 1)).toBe(true);
      tf.dispose([a, b, s]);
    });
    x.dispose();
  });
  it("correlations: identical pixels 1, constant pixels 0; independent samples near 0", () => {
    const x = imgs();
    let map: Float32Array = new Float32Array(0);
    expectNoLeak(() => { map = pixelCorrelationMap(x, 1); neighbourCorrelation(x); });
    expect(map[1]).toBeCloseTo(1, 5);
    expect(map[2]).toBeGreaterThan(0.95);
    // Pixel 3 (0, 0, 0.1, 0) against pixel 1 (0, 1, 0.8, 0): Pearson by hand.
    const p1 = [0, 1, 0.8, 0], p3 = [0, 0, 0.1, 0];
    const m1 = 0.45, m3 = 0.025;
    const cov = p1.reduce((s, v, i) => s + (v - m1) * (p3[i] - m3), 0);
    const corr = cov / Math.sqrt(p1.reduce((s, v) => s + (v - m1) ** 2, 0) * p3.reduce((s, v) => s + (v - m3) ** 2, 0));
    expect(map[3]).toBeCloseTo(corr, 4);
    const rnd = randomBinaryImages(4000, [4, 4, 1], new Rng(3));
    expect(Math.abs(neighbourCorrelation(rnd))).toBeLessThan(0.05);
    const sel = imagesOfClass(x, [0, 1, 0, 1], 1);
    expect(sel.shape[0]).toBe(2);
    tf.dispose([x, rnd, sel]);
    expect(() => pixelCorrelationMap(x, 9)).toThrow(/pixel must be/);
  });
  it("sample space size in log10", () => {
    expect(sampleSpaceLog10(4, 2)).toBeCloseTo(Math.log10(16), 12);
    expect(sampleSpaceLog10(784, 2)).toBeCloseTo(236.0, 0);
    expect(() => sampleSpaceLog10(10, 1)).toThrow(/levels/);
  });
});

describe("PCA", () => {
  it("finds the direction of largest variance; project and decode invert on the span", () => {
    // 2x1 "images" along the direction (1, 1)/sqrt 2 plus small noise in (1, -1).
    const r = new Rng(5);
    const vals: number[] = [];
    for (let i = 0; i < 300; i++) {
      const t = r.normal(0, 0.2), e = r.normal(0, 0.02);
      vals.push(0.5 + t + e, 0.5 + t - e);
    }
    const x = tf.tensor4d(vals, [300, 1, 2, 1]);
    let p = fitPca(x, 1);
    expectNoLeak(() => { p = fitPca(x, 1); });
    // Closed form for 2x2: the top eigenvector of [[a, b], [b, c]] is at angle atan2(2b, a - c) / 2.
    const cov = fitGaussian(Array.from({ length: 300 }, (_, i) => [vals[2 * i], vals[2 * i + 1]])).cov;
    const angle = 0.5 * Math.atan2(2 * cov[0][1], cov[0][0] - cov[1][1]);
    const sign = Math.sign(p.components[0][0]);
    expect(sign * p.components[0][0]).toBeCloseTo(Math.cos(angle), 4);
    expect(sign * p.components[0][1]).toBeCloseTo(Math.sin(angle), 4);
    expect(p.explained[0]).toBeGreaterThan(0.98);
    const z = pcaProject(p, x);
    const dec = pcaDecode(p, [[0]]);
    expect(Array.from(dec.dataSync())[0]).toBeCloseTo(p.mean[0], 6);
    const two = fitPca(x, 2);
    expect(two.variances[0]).toBeGreaterThan(two.variances[1]);
    const back = pcaDecode(two, pcaProject(two, x.slice(0, 1)));
    expect(back.dataSync()[0]).toBeCloseTo(vals[0], 4);
    expect(z.length).toBe(300);
    expect(linePoints([0, 0], [1, 2], 3)).toEqual([[0, 0], [0.5, 1], [1, 2]]);
    tf.dispose([x, dec, back]);
  });

  it("topEigenvectors (the one solver behind fitPca and pcaPlane): eigenpairs of a known matrix, early stop, rank-deficient input", () => {
    // [[4, 1, 0], [1, 3, 0], [0, 0, 1]]: eigenvalues (7 ± sqrt 5) / 2 in the top block, then 1.
    const m = [4, 1, 0, 1, 3, 0, 0, 0, 1];
    const top = topEigenvectors(m, 3, 2, { iterations: 500, tolerance: 1e-12 });
    expect(top.values[0]).toBeCloseTo((7 + Math.sqrt(5)) / 2, 8);
    expect(top.values[1]).toBeCloseTo((7 - Math.sqrt(5)) / 2, 8);
    for (const [i, v] of top.vectors.entries()) {
      const mv = [0, 1, 2].map((r) => m[3 * r] * v[0] + m[3 * r + 1] * v[1] + m[3 * r + 2] * v[2]);
      mv.forEach((x, r) => expect(x).toBeCloseTo(top.values[i] * v[r], 6)); // M v = λ v
    }
    // A rank-1 matrix still yields k orthonormal unit vectors (the second with eigenvalue 0).
    const r1 = topEigenvectors([1, 1, 1, 1], 2, 2);
    expect(r1.values[0]).toBeCloseTo(2, 8);
    expect(r1.values[1]).toBeCloseTo(0, 8);
    const [a, b] = r1.vectors;
    expect(Math.hypot(b[0], b[1])).toBeCloseTo(1, 8);
    expect(a[0] * b[0] + a[1] * b[1]).toBeCloseTo(0, 8);
    expect(() => topEigenvectors([1, 2, 3], 2, 1)).toThrow(/3 entries, expected 2x2/);
  });
});
