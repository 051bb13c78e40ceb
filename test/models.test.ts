import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/engine/backend";
import { buildAutoencoder } from "../lib/models/autoencoder";
import { buildVae, VAE_DEFAULTS } from "../lib/models/vae";
import { buildFaceVae } from "../lib/models/face-vae";
import { binaryCrossEntropy, klDivergence, klPerExample, meanSquaredError, sampleLatent, vaeLoss } from "../lib/models/losses";

beforeAll(async () => { await initBackend({ quiet: true }); });

describe("autoencoder", () => {
  it("has the book's parameter counts and shapes", () => {
    const ae = buildAutoencoder();
    expect(ae.encoder.countParams()).toBe(96770);
    expect(ae.decoder.countParams()).toBe(246273);
    const x = tf.randomUniform([3, 32, 32, 1]) as tf.Tensor4D;
    const z = ae.encode(x);
    const y = ae.decode(z);
    const r = ae.reconstruct(x);
    expect(z.shape).toEqual([3, 2]);
    expect(y.shape).toEqual([3, 32, 32, 1]);
    expect(r.shape).toEqual([3, 32, 32, 1]);
    const [lo, hi] = [tf.min(y).dataSync()[0], tf.max(y).dataSync()[0]];
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThanOrEqual(1);
    // the combined model is encoder then decoder, sharing their weights
    expect(Array.from(r.dataSync())).toEqual(Array.from(ae.decode(ae.encode(x)).dataSync()));
    tf.dispose([x, z, y, r]);
    ae.dispose();
  });

  it("takes latent size, filters, image size and channels as options", () => {
    const ae = buildAutoencoder({ latentDim: 16, filters: [8, 16], imageSize: 16, channels: 3 });
    // encoder: conv 3*3*3*8+8, conv 3*3*8*16+16, dense 4*4*16*16+16
    expect(ae.encoder.countParams()).toBe(224 + 1168 + 4112);
    expect(ae.encoder.outputs[0].shape).toEqual([null, 16]);
    expect(ae.decoder.outputs[0].shape).toEqual([null, 16, 16, 3]);
    ae.dispose();
  });

  it("rejects an image size the conv stack cannot halve", () => {
    expect(() => buildAutoencoder({ imageSize: 28 })).toThrow(/multiple of 2\^3 = 8/);
    expect(() => buildAutoencoder({ latentDim: 0 })).toThrow(/latentDim/);
    expect(() => buildAutoencoder({ filters: [] })).toThrow(/filters/);
  });

  it("builds the same weight shapes in the same order every time (saves load by position across sessions)", () => {
    const a = buildAutoencoder();
    const b = buildAutoencoder();
    expect(a.encoder.weights.map((w) => w.shape)).toEqual(b.encoder.weights.map((w) => w.shape));
    expect(a.encoder.weights[0].shape).toEqual([3, 3, 1, 32]);
    a.dispose(); b.dispose();
  });
});

describe("VAE", () => {
  it("has two encoder heads and the AE decoder", () => {
    const vae = buildVae();
    // AE encoder without its Dense(2): 96770 - 4098, plus two Dense(2048 -> 2) heads
    expect(vae.encoder.countParams()).toBe(96770 - 4098 + 2 * 4098);
    expect(vae.decoder.countParams()).toBe(246273);
    expect(vae.encoder.outputs.map((o) => o.shape)).toEqual([[null, 2], [null, 2]]);
    expect(vae.encoder.outputNames).toEqual(["z_mean", "z_log_var"]);
    expect(VAE_DEFAULTS.loss).toEqual({ reconstruction: "bce", reduction: "mean", beta: 500 });
    vae.dispose();
  });

  it("loss returns total = beta * reconstruction + KL with separate parts", () => {
    const vae = buildVae({ imageSize: 8, filters: [4, 8], loss: { reconstruction: "bce", reduction: "mean", beta: 500 } });
    const x = tf.randomUniform([4, 8, 8, 1], 0, 1, "float32", 1);
    const r = vae.loss({ x, y: x }, { training: false, step: 0, seed: 7 });
    const total = r.loss.dataSync()[0];
    const rec = r.parts!.reconstruction.dataSync()[0];
    const kl = r.parts!.kl.dataSync()[0];
    expect(total).toBeCloseTo(500 * rec + kl, 3);
    // same seed -> same sampled z -> same loss
    const r2 = vae.loss({ x, y: x }, { training: false, step: 0, seed: 7 });
    expect(r2.loss.dataSync()[0]).toBe(total);
    tf.dispose([x, r.loss, r2.loss, ...Object.values(r.parts!), ...Object.values(r2.parts!)]);
    vae.dispose();
  });

  it("builds the face VAE from the same pieces (BatchNorm, LeakyReLU, 200-d, RGB, MSE)", () => {
    const f = buildFaceVae();
    expect(f.options.latentDim).toBe(200);
    expect(f.options.loss).toEqual({ reconstruction: "mse", reduction: "mean", beta: 2000 });
    const names = f.encoder.layers.map((l) => l.getClassName());
    expect(names.filter((n) => n === "BatchNormalization")).toHaveLength(4);
    expect(names.filter((n) => n === "LeakyReLU")).toHaveLength(4);
    expect(f.decoder.outputs[0].shape).toEqual([null, 32, 32, 3]);
    f.dispose();
    const f64 = buildFaceVae({ imageSize: 64 });
    expect(f64.decoder.outputs[0].shape).toEqual([null, 64, 64, 3]);
    const x = tf.zeros([2, 64, 64, 3]);
    const r = f64.loss({ x, y: x }, { training: true, step: 0, seed: 1 });
    expect(Number.isFinite(r.loss.dataSync()[0])).toBe(true);
    tf.dispose([x, r.loss, ...Object.values(r.parts!)]);
    f64.dispose();
  });
});

describe("losses", () => {
  it("KL matches the closed form of KL(N(mu, s^2) || N(0, 1)) summed over dims", () => {
    const mu = [[0.5, -1.2, 0], [2, 0.1, -0.3]];
    const lv = [[0.3, -0.7, 0], [-2, 1.1, 0.4]];
    const kl = klPerExample(tf.tensor2d(mu), tf.tensor2d(lv)).arraySync();
    const closed = mu.map((row, i) => row.reduce((s, m, j) => {
      const v = Math.exp(lv[i][j]);
      return s + 0.5 * (v + m * m - 1 - Math.log(v)); // log(1/s) + (s^2 + m^2)/2 - 1/2
    }, 0));
    kl.forEach((k, i) => expect(k).toBeCloseTo(closed[i], 5));
    expect(klDivergence(tf.tensor2d(mu), tf.tensor2d(lv)).dataSync()[0]).toBeCloseTo((closed[0] + closed[1]) / 2, 5);
    expect(klDivergence(tf.zeros([3, 4]) as tf.Tensor2D, tf.zeros([3, 4]) as tf.Tensor2D).dataSync()[0]).toBe(0);
  });

  it("sampling has mean mu and variance exp(logVar) (Monte Carlo, fixed seed) and is reproducible", () => {
    const n = 20000;
    const mu = tf.tile(tf.tensor2d([[1.5, -2, 0]]), [n, 1]) as tf.Tensor2D;
    const lv = tf.tile(tf.tensor2d([[0, Math.log(4), Math.log(0.25)]]), [n, 1]) as tf.Tensor2D;
    const z = sampleLatent(mu, lv, 42);
    const { mean, variance } = tf.moments(z, 0);
    const m = mean.arraySync() as number[];
    const v = variance.arraySync() as number[];
    [1.5, -2, 0].forEach((want, i) => expect(Math.abs(m[i] - want)).toBeLessThan(4 * Math.sqrt([1, 4, 0.25][i] / n)));
    [1, 4, 0.25].forEach((want, i) => expect(Math.abs(v[i] - want) / want).toBeLessThan(0.05));
    const again = sampleLatent(mu, lv, 42);
    expect(tf.equal(z, again).all().dataSync()[0]).toBe(1);
    const other = sampleLatent(mu, lv, 43);
    expect(tf.equal(z, other).all().dataSync()[0]).toBe(0);
    tf.dispose([mu, lv, z, mean, variance, again, other]);
  });

  it("sampling passes gradients to mu and logVar (reparameterisation)", () => {
    const mu = tf.tensor2d([[0.2, -0.1]]);
    const lv = tf.tensor2d([[0.0, 0.5]]);
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(sampleLatent(a as tf.Tensor2D, b as tf.Tensor2D, 3)))([mu, lv]);
    expect(Array.from(g[0].dataSync())).toEqual([1, 1]);
    expect(Math.abs(g[1].dataSync()[0])).toBeGreaterThan(0);
  });

  it("BCE and MSE reduce over pixels by mean (book) or sum (ELBO), then average the batch", () => {
    const y = tf.tensor4d([1, 0, 1, 0, 0, 1, 1, 1], [2, 2, 2, 1]);
    const p = tf.tensor4d([0.9, 0.2, 0.6, 0.1, 0.3, 0.8, 0.5, 0.99], [2, 2, 2, 1]);
    const yv = y.dataSync(), pv = p.dataSync();
    const e = Array.from(yv, (t, i) => -(t * Math.log(pv[i]) + (1 - t) * Math.log(1 - pv[i])));
    const meanBce = (e.slice(0, 4).reduce((a, b) => a + b) / 4 + e.slice(4).reduce((a, b) => a + b) / 4) / 2;
    expect(binaryCrossEntropy(y, p).dataSync()[0]).toBeCloseTo(meanBce, 5);
    expect(binaryCrossEntropy(y, p, "sum").dataSync()[0]).toBeCloseTo(meanBce * 4, 4);
    const se = Array.from(yv, (t, i) => (t - pv[i]) ** 2);
    expect(meanSquaredError(y, p).dataSync()[0]).toBeCloseTo(se.reduce((a, b) => a + b) / 8, 6);
    // probabilities 0 and 1 are clipped: finite loss
    expect(Number.isFinite(binaryCrossEntropy(y, tf.onesLike(y)).dataSync()[0])).toBe(true);
    expect(() => binaryCrossEntropy(y, tf.zeros([2, 2]))).toThrow(/same shape/);
    const parts = vaeLoss(y, p, tf.zeros([2, 3]) as tf.Tensor2D, tf.zeros([2, 3]) as tf.Tensor2D, { reconstruction: "bce", reduction: "sum", beta: 1 });
    expect(parts.total.dataSync()[0]).toBeCloseTo(meanBce * 4, 4);
  });
});

describe("worker specs", () => {
  it("every builder's spec names a registered factory that rebuilds the same architecture", async () => {
    const { buildTaskFromSpec } = await import("../lib/models/builders");
    const { disposeTask } = await import("../lib/models/task");
    const { buildWorkbookFaceVae } = await import("../lib/models/face-vae");
    const models = [buildAutoencoder({ imageSize: 16, filters: [4, 8] }), buildVae({ latentDim: 3 }),
      buildFaceVae({ imageSize: 16, filters: [4, 8] }), buildWorkbookFaceVae()];
    for (const m of models) {
      const twin = await buildTaskFromSpec(m.spec);
      for (const [k, model] of Object.entries(m.models)) {
        expect(twin.models[k].weights.map((w: tf.LayerVariable) => w.shape)).toEqual(model.weights.map((w) => w.shape));
      }
      disposeTask(twin); m.dispose();
    }
  });
});
