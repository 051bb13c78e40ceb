import { describe, it, expect, beforeAll } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/engine/backend";
import { GaussianNaiveBayes, Rng, gaussianLogPdf } from "../lib/probability";

beforeAll(async () => { await initBackend({ quiet: true }); });

// Six 1x2 "images" (two pixels), three per class, values chosen so the MLE is easy by hand.
const PIXELS = [
  [0.1, 0.9], [0.3, 0.9], [0.2, 0.9], // class 0: means [0.2, 0.9], variances [0.02/3, 0]
  [0.8, 0.0], [0.6, 0.4], [0.7, 0.2], // class 1: means [0.7, 0.2], variances [0.02/3, 0.08/3]
];
const LABELS = [0, 0, 0, 1, 1, 1];
const images = (rows: number[][]) => tf.tensor4d(rows.flat(), [rows.length, 1, 2, 1]);

describe("GaussianNaiveBayes", () => {
  it("fits per-class means, biased variances with the floor, and class priors", () => {
    const x = images([...PIXELS, [0.2, 0.9]]);
    const nb = GaussianNaiveBayes.fit(x, [...LABELS, 0], { varFloor: 0.001 });
    x.dispose();
    expect(nb.priors).toEqual([4 / 7, 3 / 7]);
    // Class 0 now has 0.1, 0.3, 0.2, 0.2: mean 0.2, variance (0.01 + 0.01 + 0 + 0) / 4 (divide by n).
    expect(Array.from(nb.means[0])).toEqual([expect.closeTo(0.2, 6), expect.closeTo(0.9, 6)]);
    expect(nb.variances[0][0]).toBeCloseTo(0.005, 6);
    expect(nb.variances[0][1]).toBeCloseTo(0.001, 7); // constant pixel: variance 0, raised to the floor
    expect(Array.from(nb.means[1])).toEqual([expect.closeTo(0.7, 6), expect.closeTo(0.2, 6)]);
    expect(nb.variances[1][0]).toBeCloseTo(0.02 / 3, 6);
    expect(nb.variances[1][1]).toBeCloseTo(0.08 / 3, 6);
    expect(nb.shape).toEqual([1, 2, 1]);
  });

  it("the default floor is 0.01 and it applies to every variance below it", () => {
    const x = images(PIXELS);
    const nb = GaussianNaiveBayes.fit(x, LABELS);
    x.dispose();
    expect(nb.varFloor).toBe(0.01);
    expect(Array.from(nb.variances[0])).toEqual([expect.closeTo(0.01, 7), expect.closeTo(0.01, 7)]);
    expect(nb.variances[1][0]).toBeCloseTo(0.01, 7);
    expect(nb.variances[1][1]).toBeCloseTo(0.08 / 3, 6); // above the floor: the MLE is kept
  });

  it("log joint and posterior match Bayes' rule computed by hand; posteriors normalise", () => {
    const x = images(PIXELS);
    const nb = GaussianNaiveBayes.fit(x, LABELS, { varFloor: 0.001 });
    x.dispose();
    const queries = [[0.25, 0.8], [0.65, 0.3], [0.5, 0.5]];
    const q = images(queries);
    const joint = nb.logJoint(q);
    const post = nb.predictLogPosterior(q);
    const density = nb.logDensity(q);
    q.dispose();
    queries.forEach((pt, i) => {
      const hand = [0, 1].map((y) => Math.log(nb.priors[y]) +
        pt.reduce((s, v, j) => s + gaussianLogPdf(v, nb.means[y][j], Math.sqrt(nb.variances[y][j])), 0));
      const logPx = Math.log(Math.exp(hand[0]) + Math.exp(hand[1]));
      expect(joint[i][0]).toBeCloseTo(hand[0], 3);
      expect(joint[i][1]).toBeCloseTo(hand[1], 3);
      expect(density[i]).toBeCloseTo(logPx, 3);
      expect(post[i][0]).toBeCloseTo(hand[0] - logPx, 3);
      expect(Math.exp(post[i][0]) + Math.exp(post[i][1])).toBeCloseTo(1, 5);
    });
  });

  it("recovers known class means on synthetic data and classifies held-out points correctly", () => {
    const rng = new Rng(11);
    const centres = [[0.1, 0.5, 0.5, 0.5], [0.9, 0.5, 0.5, 0.5], [0.5, 0.1, 0.9, 0.1]]; // 0 and 1 differ in one pixel
    const make = (perClass: number) => {
      const rows: number[][] = [], labels: number[] = [];
      for (let i = 0; i < perClass * 3; i++) {
        const y = i % 3;
        rows.push(centres[y].map((m) => rng.normal(m, 0.05)));
        labels.push(y);
      }
      return { x: tf.tensor4d(rows.flat(), [rows.length, 2, 2, 1]), labels };
    };
    const tr = make(200), te = make(50);
    const nb = GaussianNaiveBayes.fit(tr.x, tr.labels, { varFloor: 1e-4 });
    nb.means.forEach((m, y) => m.forEach((v, j) => expect(Math.abs(v - centres[y][j])).toBeLessThan(0.02)));
    nb.variances.forEach((v) => v.forEach((s) => expect(Math.abs(s - 0.0025)).toBeLessThan(0.001)));
    expect(nb.predict(te.x)).toEqual(te.labels);
    expect(nb.accuracy(te.x, te.labels)).toBe(1);
    // The prior matters: with equal variances, a point halfway between the class 0 and class 1
    // means is equally likely under both, so the more frequent class wins.
    const shared = nb.means.map(() => nb.variances[0]);
    const withPriors = (priors: number[]) => new GaussianNaiveBayes(priors, nb.means, shared, nb.shape, nb.varFloor);
    const middle = tf.tensor4d(Array.from(nb.means[0], (v, j) => (v + nb.means[1][j]) / 2), [1, 2, 2, 1]);
    expect(withPriors([0.6, 0.3, 0.1]).predict(middle)).toEqual([0]);
    expect(withPriors([0.3, 0.6, 0.1]).predict(middle)).toEqual([1]);
    tf.dispose([tr.x, te.x, middle]);
  });

  it("samples images of the chosen class around its mean, clipped to [0, 1]", () => {
    const x = images(PIXELS);
    const nb = GaussianNaiveBayes.fit(x, LABELS, { varFloor: 0.001 });
    x.dispose();
    const s = nb.sample(1, 2000, new Rng(3));
    expect(s.shape).toEqual([2000, 1, 2, 1]);
    const v = Array.from(s.dataSync());
    s.dispose();
    const mean0 = v.filter((_, i) => i % 2 === 0).reduce((a, b) => a + b, 0) / 2000;
    expect(mean0).toBeCloseTo(0.7, 1.5);
    expect(Math.min(...v)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...v)).toBeLessThanOrEqual(1);
    const means = nb.meanImages();
    expect(means.shape).toEqual([2, 1, 2, 1]);
    expect(Array.from(means.dataSync())).toEqual([0.2, 0.9, 0.7, 0.2].map((m) => expect.closeTo(m, 6)));
    means.dispose();
  });

  it("leaves no tensors behind: fit, predict, posterior, density, accuracy", () => {
    const x = images(PIXELS);
    const run = () => {
      const nb = GaussianNaiveBayes.fit(x, LABELS);
      nb.predict(x);
      nb.predictLogPosterior(x);
      nb.logDensity(x);
      nb.logJoint(x);
      nb.accuracy(x, LABELS);
    };
    run();
    const before = tf.memory().numTensors;
    run();
    run();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it("rejects bad arguments with errors that name them", () => {
    const x = images(PIXELS);
    const nb = GaussianNaiveBayes.fit(x, LABELS);
    const before = tf.memory().numTensors;
    expect(() => GaussianNaiveBayes.fit(x, [0, 1])).toThrow(/images has 6 images but labels has 2/);
    expect(() => GaussianNaiveBayes.fit(x, [0, 0, 0, 1, 1, 1.5])).toThrow(/labels\[5\] = 1\.5/);
    expect(() => GaussianNaiveBayes.fit(x, [0, 0, 0, 1, 1, -1])).toThrow(/labels\[5\] = -1/);
    expect(() => GaussianNaiveBayes.fit(x, LABELS, { varFloor: 0 })).toThrow(/varFloor must be .* > 0, got 0/);
    expect(() => GaussianNaiveBayes.fit(x, LABELS, { numClasses: 3 })).toThrow(/class 2 has no image/);
    expect(() => GaussianNaiveBayes.fit(x, LABELS, { numClasses: 0 })).toThrow(/numClasses must be a positive integer/);
    const flat = tf.zeros([6, 2]);
    expect(() => GaussianNaiveBayes.fit(flat as tf.Tensor4D, LABELS)).toThrow(/images must be a 4-D tensor .*got shape \[6, 2\]/);
    const wrongSize = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D;
    expect(() => nb.predict(wrongSize)).toThrow(/predict: images are 2x2x1, the model was fitted on 1x2x1/);
    expect(() => nb.accuracy(x, [0, 1])).toThrow(/accuracy: images has 6 images but labels has 2/);
    expect(() => nb.sample(2, 1, new Rng(1))).toThrow(/class y = 2 does not exist; classes are 0\.\.1/);
    tf.dispose([flat, wrongSize]);
    expect(tf.memory().numTensors).toBe(before); // failed calls free what they made too
    x.dispose();
  });
});
