import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/engine/backend";
import { buildAutoencoder } from "../lib/models/autoencoder";
import { buildVae } from "../lib/models/vae";
import { buildFaceVae } from "../lib/models/face-vae";
import { chooseWorkers, evaluate, train, TrainingInterrupted } from "../lib/train/train";
import { allWeights, autoencoderTask, disposeTask, setAllWeights, Task, trainableVariables } from "../lib/models/task";
import { barrier, shard } from "../lib/train/parallel/shared";
import { failingTask, SMALL } from "./fixtures/failing-task";

beforeAll(async () => { await initBackend({ quiet: true }); });

function bars(n: number, seed = 1): tf.Tensor4D {
  return tf.tidy(() => {
    const rows = tf.randomUniform([n], 0, 16, "int32", seed);
    const img = tf.oneHot(rows, 16).reshape([n, 16, 1, 1]).tile([1, 1, 16, 1]).toFloat();
    return tf.clipByValue(tf.add(tf.mul(img, 0.8), tf.randomUniform([n, 16, 16, 1], 0, 0.2, "float32", seed)), 0, 1) as tf.Tensor4D;
  });
}
const flat = (t: Task) => Float32Array.from(trainableVariables(t).flatMap((v) => Array.from(v.dataSync())));
function twins() {
  const a = buildAutoencoder(SMALL), b = buildAutoencoder(SMALL);
  b.encoder.setWeights(a.encoder.getWeights()); b.decoder.setWeights(a.decoder.getWeights());
  return [a, b] as const;
}

describe("shared-memory helpers", () => {
  it("shards a batch without gaps or overlap", () => {
    for (const [lo, hi, n] of [[0, 100, 2], [100, 101, 2], [7, 30, 3], [0, 1, 4]]) {
      const parts = Array.from({ length: n }, (_, r) => shard(lo, hi, r, n));
      expect(parts[0][0]).toBe(lo);
      expect(parts[n - 1][1]).toBe(hi);
      for (let r = 1; r < n; r++) expect(parts[r][0]).toBe(parts[r - 1][1]);
    }
    expect(shard(100, 101, 0, 2)).toEqual([100, 101]); // rank 0 always has rows when any exist
  });
  it("a one-party barrier snapshots the stop request", () => {
    const c = new Int32Array(new SharedArrayBuffer(32));
    c[2] = 1;
    barrier(c, 1);
    expect(c[3]).toBe(1);
    expect(c[0]).toBe(1);
  });
});

describe("data-parallel training (2 workers)", () => {
  it("matches single-thread training up to float summation order; replicas stay identical", async () => {
    const [a, b] = twins();
    const x = bars(200);
    const o = { epochs: 2, batchSize: 50, learningRate: 1e-2, seed: 11, progress: false as const, validation: x };
    const h1 = await train(a, x, { ...o, workers: 1 });
    const start = flat(b); // b starts where a started
    const n0 = tf.memory().numTensors;
    const h2 = await train(b, x, { ...o, workers: 2 });
    expect(tf.memory().numTensors).toBe(n0); // no tensors left behind on the main thread
    expect(h2.workers).toBe(2);
    expect(h2.parallel!.replicasIdentical).toBe(true);
    expect(h2.parallel!.computeMs.length).toBe(2);
    expect(h2.metrics.loss[1]).toBeLessThan(h2.metrics.loss[0]);
    h1.metrics.loss.forEach((l, i) => expect(Math.abs(h2.metrics.loss[i] - l)).toBeLessThan(1e-4));
    h1.metrics.val_loss.forEach((l, i) => expect(Math.abs(h2.metrics.val_loss[i] - l)).toBeLessThan(1e-4));
    const wa = flat(a), wb = flat(b);
    let maxDiff = 0;
    for (let i = 0; i < wa.length; i++) maxDiff = Math.max(maxDiff, Math.abs(wa[i] - wb[i]));
    expect(maxDiff).toBeLessThan(1e-3);
    // the main-thread model got the trained weights: it moved away from the start, by far more than
    // the two runs differ (a no-op sync, or workers that never step, would leave it at the start)
    let moved = 0;
    for (let i = 0; i < wb.length; i++) moved = Math.max(moved, Math.abs(wb[i] - start[i]));
    expect(moved).toBeGreaterThan(1e-2);
    expect(moved).toBeGreaterThan(100 * maxDiff);
    x.dispose(); a.dispose(); b.dispose();
  });

  it("carries a caller's Adam state to the workers and back", async () => {
    const [a, b] = twins();
    const x = bars(120);
    const oa = tf.train.adam(1e-2), ob = tf.train.adam(1e-2);
    for (let e = 0; e < 2; e++) {
      await train(a, x, { epochs: 1, batchSize: 40, optimizer: oa, seed: e, progress: false, workers: 1 });
      await train(b, x, { epochs: 1, batchSize: 40, optimizer: ob, seed: e, progress: false, workers: 2 });
    }
    expect(oa.iterations).toBe(6);
    expect(ob.iterations).toBe(6);
    const [ma, mb] = [(await oa.getWeights())[1].tensor.dataSync(), (await ob.getWeights())[1].tensor.dataSync()];
    for (let i = 0; i < ma.length; i++) expect(Math.abs(ma[i] - mb[i])).toBeLessThan(1e-4);
    const wa = flat(a), wb = flat(b);
    for (let i = 0; i < wa.length; i += 7) expect(Math.abs(wa[i] - wb[i])).toBeLessThan(1e-3);
    oa.dispose(); ob.dispose(); x.dispose(); a.dispose(); b.dispose();
  });

  it("trains a VAE (random noise per worker) with its loss parts; validates in the workers", async () => {
    const vae = buildVae(SMALL);
    const x = bars(100);
    const v = bars(600, 5); // 3 validation batches of 256: workers take batches 0,2 and 1
    const h = await train(vae, x, { epochs: 1, batchSize: 50, learningRate: 5e-4, progress: false, workers: 2, validation: v, seed: 4 });
    expect(h.workers).toBe(2);
    expect(Object.keys(h.metrics).sort()).toEqual(["kl", "loss", "reconstruction", "val_kl", "val_loss", "val_reconstruction"]);
    expect(h.metrics.loss[0]).toBeCloseTo(500 * h.metrics.reconstruction[0] + h.metrics.kl[0], 1);
    // validation split over the workers = validation in this thread (same per-batch noise seeds)
    const here = evaluate(vae, v, { batchSize: 256, seed: 4 });
    for (const k of ["loss", "reconstruction", "kl"]) expect(Math.abs(h.metrics[`val_${k}`][0] - here[k]) / Math.abs(here[k])).toBeLessThan(1e-5);
    x.dispose(); v.dispose(); vae.dispose();
  });

  it("trains the face VAE (BatchNorm statistics come home from worker 0)", async () => {
    const f = buildFaceVae({ imageSize: 16, filters: [4, 8], latentDim: 4, channels: 3 });
    const x = tf.randomUniform([80, 16, 16, 3], 0, 1, "float32", 8);
    const movingMean = () => Array.from(f.encoder.getLayer("encoder_conv1_bn").getWeights()[2].dataSync());
    const before = movingMean();
    const h = await train(f, x, { epochs: 1, batchSize: 40, progress: false, workers: 2 });
    expect(h.parallel!.replicasIdentical).toBe(true);
    expect(h.parallel!.startupMs).toBeGreaterThan(0);
    expect(movingMean()).not.toEqual(before);
    expect(Number.isFinite(h.metrics.loss[0])).toBe(true);
    x.dispose(); f.dispose();
  });

  it("stops all workers on SIGINT; the main model has the trained weights and trains again", async () => {
    const ae = buildAutoencoder(SMALL);
    const x = bars(200);
    const w0 = flat(ae);
    const n0 = process.listeners("SIGINT").length;
    let calls = 0;
    const err = await train(ae, x, {
      epochs: 3, batchSize: 20, progress: false, workers: 2,
      onEpochEnd: () => { calls++; process.listeners("SIGINT").slice(n0).forEach((l) => (l as () => void)()); },
    }).then(() => null, (e) => e);
    expect(err).toBeInstanceOf(TrainingInterrupted);
    expect(calls).toBe(1);
    expect(flat(ae)).not.toEqual(w0);
    expect(process.listeners("SIGINT")).toHaveLength(n0);
    const h = await train(ae, x, { epochs: 1, batchSize: 20, progress: false, workers: 2 });
    expect(h.status).toBe("completed");
    x.dispose(); ae.dispose();
  });

  it("stops on a NaN loss in the workers, naming epoch and step; the model keeps finite weights", async () => {
    const t = failingTask("nanInLoss", { step: 6 });
    const x = bars(100);
    const h = await train(t, x, { epochs: 3, batchSize: 20, progress: false, workers: 2 });
    expect(h.status).toBe("nan");
    expect(h.message).toMatch(/loss became NaN at epoch 2, step 2 of 5/);
    expect(flat(t).every(Number.isFinite)).toBe(true);
    x.dispose(); t.dispose();
  });

  it("trains a bare tf.LayersModel in workers (rebuilt from its JSON topology)", async () => {
    const mk = () => tf.sequential({ layers: [tf.layers.dense({ units: 8, inputShape: [4], activation: "relu" }), tf.layers.dense({ units: 1 })] });
    const a = mk(), b = mk();
    b.setWeights(a.getWeights());
    const xs = tf.randomNormal([200, 4], 0, 1, "float32", 3);
    const ys = tf.sum(xs, 1, true);
    const o = { epochs: 3, batchSize: 20, learningRate: 1e-2, loss: "mse" as const, seed: 2, progress: false as const };
    const h1 = await train(a, { x: xs, y: ys }, { ...o, workers: 1 });
    const h2 = await train(b, { x: xs, y: ys }, { ...o, workers: 2 });
    expect(h2.workers).toBe(2);
    h1.metrics.loss.forEach((l, i) => expect(Math.abs(h2.metrics.loss[i] - l)).toBeLessThan(1e-4 * Math.max(1, l)));
    const pa = (a.predict(xs) as tf.Tensor).dataSync(), pb = (b.predict(xs) as tf.Tensor).dataSync();
    for (let i = 0; i < pa.length; i += 10) expect(Math.abs(pa[i] - pb[i])).toBeLessThan(1e-3);
    tf.dispose([xs, ys]); a.dispose(); b.dispose();
  });

  it("trains a notebook-built autoencoderTask in workers (layers JSON + the named loss)", async () => {
    const enc = () => tf.sequential({ layers: [
      tf.layers.conv2d({ inputShape: [16, 16, 1], filters: 4, kernelSize: 3, strides: 2, padding: "same", activation: "relu" }),
      tf.layers.flatten(), tf.layers.dense({ units: 2 })] });
    const dec = () => tf.sequential({ layers: [
      tf.layers.dense({ inputShape: [2], units: 8 * 8 * 4 }), tf.layers.reshape({ targetShape: [8, 8, 4] }),
      tf.layers.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: "same", activation: "relu" }),
      tf.layers.conv2d({ filters: 1, kernelSize: 3, padding: "same", activation: "sigmoid" })] });
    const a = autoencoderTask(enc(), dec(), "bce"), b = autoencoderTask(enc(), dec(), "bce");
    setAllWeights(b, allWeights(a));
    const x = bars(120, 6);
    const o = { epochs: 2, batchSize: 20, seed: 3, progress: false as const };
    const h1 = await train(a, x, { ...o, workers: 1 });
    const h2 = await train(b, x, { ...o, workers: 2 });
    expect(h2.workers).toBe(2);
    h1.metrics.loss.forEach((l, i) => expect(Math.abs(h2.metrics.loss[i] - l)).toBeLessThan(1e-4 * Math.max(1, l)));
    const fa = flat(a), fb = flat(b);
    for (let i = 0; i < fa.length; i += 7) expect(Math.abs(fa[i] - fb[i])).toBeLessThan(1e-3);
    x.dispose(); disposeTask(a); disposeTask(b);
  });

  it("surfaces a worker's build error with its message and stack", async () => {
    const t = failingTask("throwOnBuild");
    const x = bars(40);
    const err = await train(t, x, { epochs: 1, batchSize: 20, progress: false, workers: 2 }).then(() => null, (e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(/worker \d failed: fixture: cannot build this task/);
    expect(err.stack).toMatch(/failing-task/);
    x.dispose(); t.dispose();
  });

  it("surfaces an error thrown in a worker's step, and the model stays usable", async () => {
    const t = failingTask("throwInLoss", { step: 2 });
    const x = bars(100);
    const err = await train(t, x, { epochs: 2, batchSize: 20, progress: false, workers: 2 }).then(() => null, (e) => e);
    expect(err?.message).toMatch(/worker 1 failed: fixture: loss failure at step 2/);
    const h = await train(t, x, { epochs: 1, batchSize: 20, progress: false, workers: 1 });
    expect(h.status).toBe("completed");
    x.dispose(); t.dispose();
  });

  it("rejects (never hangs) when a worker dies", async () => {
    const t = failingTask("exitInLoss", { step: 1 });
    const x = bars(100);
    await expect(train(t, x, { epochs: 1, batchSize: 20, progress: false, workers: 2 })).rejects.toThrow(/worker 0 exited unexpectedly \(code 3\)/);
    x.dispose(); t.dispose();
  });

  it("chooses workers: auto only for wasm, a rebuildable task and a real dataset", () => {
    const ae = buildAutoencoder(SMALL);
    const custom: Task = { name: "c", models: ae.models, loss: (b, c) => ae.loss(b, c) };
    const env = process.env.GDL_WORKERS;
    delete process.env.GDL_WORKERS;
    try {
      expect(chooseWorkers(ae, { workers: "auto" }, 10).workers).toBe(1);
      expect(chooseWorkers(custom, { workers: "auto" }, 60000).workers).toBe(1);
      if (tf.getBackend() === "wasm") expect(chooseWorkers(ae, { workers: "auto" }, 60000).workers).toBeGreaterThanOrEqual(Math.min(2, require("os").cpus().length));
      expect(() => chooseWorkers(custom, { workers: 2 }, 100)).toThrow(/task.spec/);
      expect(() => chooseWorkers(ae, { workers: 2, optimizer: tf.train.sgd(0.1) }, 100)).toThrow(/Adam only/);
      process.env.GDL_WORKERS = "1";
      expect(chooseWorkers(ae, { workers: "auto" }, 60000).workers).toBe(1);
    } finally {
      if (env === undefined) delete process.env.GDL_WORKERS; else process.env.GDL_WORKERS = env;
      ae.dispose();
    }
  });
});
