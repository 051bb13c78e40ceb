import { describe, it, expect, beforeAll } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { perImageError, reconstructionError, nearestImages } from "../lib/eval/reconstruction";

beforeAll(async () => { await tf.setBackend("cpu"); });

describe("perImageError", () => {
  it("matches hand-computed BCE and MSE per pixel", () => {
    // one 1x2 image: targets [1, 0], predictions [0.8, 0.4]
    const x = tf.tensor4d([1, 0], [1, 1, 2, 1]);
    const r = tf.tensor4d([0.8, 0.4], [1, 1, 2, 1]);
    const bce = (-Math.log(0.8) - Math.log(0.6)) / 2;
    expect(perImageError(x, r, "bce").dataSync()[0]).toBeCloseTo(bce, 5);
    expect(perImageError(x, r, "mse").dataSync()[0]).toBeCloseTo((0.04 + 0.16) / 2, 6);
    // a single [h,w,c] image works too
    const one = perImageError(x.squeeze([0]), r.squeeze([0]));
    expect(one.shape).toEqual([1]);
    tf.dispose([x, r, one]);
  });

  it("one value per image, clipped (no Infinity) for confident mistakes", () => {
    const x = tf.tensor4d([1, 1, 0, 0], [2, 1, 2, 1]);
    const r = tf.tensor4d([0, 1, 0, 0], [2, 1, 2, 1]);
    const e = perImageError(x, r).dataSync();
    expect(e.length).toBe(2);
    expect(Number.isFinite(e[0])).toBe(true);
    expect(e[0]).toBeGreaterThan(5); // -log(1e-7)/2 ~ 8
    expect(e[1]).toBeLessThan(1e-5);
    tf.dispose([x, r]);
  });

  it("rejects mismatched shapes with both shapes in the message", () => {
    const a = tf.zeros([2, 4, 4, 1]), b = tf.zeros([2, 4, 4, 3]);
    expect(() => perImageError(a, b)).toThrow(/same shape, got \[2,4,4,1\] and \[2,4,4,3\]/);
    tf.dispose([a, b]);
  });
});

describe("reconstructionError", () => {
  it("batched mean equals the mean of per-image errors, leaks nothing", () => {
    const images = tf.randomUniform([11, 4, 4, 1], 0, 1, "float32", 3) as tf.Tensor4D;
    const blur = (x: tf.Tensor4D) => tf.tidy(() => tf.add(tf.mul(x, 0.5), 0.25));
    const before = tf.memory().numTensors;
    const rep = reconstructionError(blur, images, { batchSize: 4 });
    expect(tf.memory().numTensors).toBe(before);
    const direct = tf.tidy(() => perImageError(images, blur(images)));
    expect(rep.perImage.length).toBe(11);
    const d = direct.dataSync() as Float32Array;
    rep.perImage.forEach((v, i) => expect(v).toBeCloseTo(d[i], 5));
    expect(rep.mean).toBeCloseTo(d.reduce((s, v) => s + v, 0) / 11, 5);
    // a perfect reconstruction has (near) zero MSE
    expect(reconstructionError((x) => x.clone(), images, { kind: "mse" }).mean).toBe(0);
    expect(reconstructionError(blur, images, { limit: 3 }).perImage.length).toBe(3);
    tf.dispose([images, direct]);
  });
});

describe("nearestImages", () => {
  it("finds the exact copy and the closest of a set, across chunk boundaries", () => {
    const images = tf.randomUniform([50, 3, 3, 1], 0, 1, "float32", 5) as tf.Tensor4D;
    const q = tf.tidy(() => tf.concat([images.slice(37, 1), tf.add(images.slice(4, 1), 0.01)]));
    const before = tf.memory().numTensors;
    const nn = nearestImages(q, images, { batchSize: 16 });
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(nn.indices)).toEqual([37, 4]);
    expect(nn.distances[0]).toBeLessThan(1e-6);
    expect(nn.distances[1]).toBeCloseTo(1e-4, 5);
    // brute force agrees for a random query
    const r = tf.randomUniform([3, 3, 1], 0, 1, "float32", 9);
    const brute = tf.tidy(() => tf.squaredDifference(images, r.expandDims(0)).mean([1, 2, 3]).argMin().dataSync()[0]);
    expect(nearestImages(r, images, { batchSize: 7 }).indices[0]).toBe(brute);
    tf.dispose([images, q, r]);
  });

  it("says which size it expected", () => {
    const images = tf.zeros([5, 4, 4, 1]) as tf.Tensor4D;
    const q = tf.zeros([4, 5, 1]);
    expect(() => nearestImages(q, images)).toThrow(/expected shape \[any, 4, 4, 1\], got \[1, 4, 5, 1\]/);
    tf.dispose([images, q]);
  });
});

describe("shipped pretrained autoencoder (pretrained/autoencoder)", () => {
  it("loads offline from the repo and reconstructs test images as well as training.json claims", async () => {
    const path = await import("path");
    const { buildAutoencoder } = await import("../lib/models/autoencoder");
    const { loadWeights } = await import("../lib/train/weights");
    const { loadFashionMnist } = await import("../lib/data/fashion-mnist");
    const { initBackend } = await import("../lib/engine/backend");
    // the workbook's backend (wasm + conv kernels): the cpu backend's convolutions are far too slow here
    await tf.setBackend((await initBackend({ quiet: true })).name);
    const dir = path.resolve(__dirname, "..", "pretrained", "autoencoder");
    const { readPretrainedInfo } = await import("../lib/train/pretrained");
    const info = readPretrainedInfo(dir)!;
    expect(info.recipe.trainImages).toBe(60000);
    expect(info.recipe.batchSize).toBe(100);
    const ae = buildAutoencoder();
    await loadWeights(ae, dir);
    const test = await loadFashionMnist({ split: "test", limit: 500 });
    const rep = reconstructionError((x) => ae.reconstruct(x), test.images, { batchSize: 250 });
    // 500 of the 10k validation images: within 0.012 of the recorded full-set value, and book-level.
    expect(Math.abs(rep.mean - info.results.valBcePerPixel.value)).toBeLessThan(0.012);
    expect(rep.mean).toBeLessThan(0.265);
    // the encoder really uses both latent dimensions (no collapse to a line or a point)
    const z = ae.encode(test.images);
    const spread = tf.tidy(() => Array.from(tf.moments(z, 0).variance.dataSync()));
    expect(Math.min(...spread)).toBeGreaterThan(0.01);
    tf.dispose([z, test.images]);
    ae.dispose();
    await tf.setBackend("cpu");
  });
});
