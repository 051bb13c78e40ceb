import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/engine/backend";
import { displayed } from "../lib/display";
import { buildAutoencoder } from "../lib/models/autoencoder";
import { buildVae } from "../lib/models/vae";
import { evaluate, train, TrainingInterrupted } from "../lib/train/train";
import { Task, trainableVariables } from "../lib/models/task";

beforeAll(async () => { await initBackend({ quiet: true }); });

const small = { imageSize: 16, filters: [4, 8] };

/** Learnable images: a bright bar at a random row, plus a little noise. */
function bars(n: number, seed = 1): tf.Tensor4D {
  return tf.tidy(() => {
    const rows = tf.randomUniform([n], 0, 16, "int32", seed);
    const img = tf.oneHot(rows, 16).reshape([n, 16, 1, 1]).tile([1, 1, 16, 1]).toFloat();
    return tf.clipByValue(tf.add(tf.mul(img, 0.8), tf.randomUniform([n, 16, 16, 1], 0, 0.2, "float32", seed)), 0, 1) as tf.Tensor4D;
  });
}
const snapshot = (t: Task) => trainableVariables(t).map((v) => Array.from(v.dataSync()));

describe("train", () => {
  it("lowers the loss, reports per-epoch metrics and validation loss", async () => {
    const ae = buildAutoencoder(small);
    const x = bars(300), v = bars(60, 2);
    const h = await train(ae, x, { epochs: 3, batchSize: 30, learningRate: 1e-2, validation: v, seed: 3, progress: false, workers: 1 });
    expect(h.status).toBe("completed");
    expect(h.epochs).toBe(3);
    expect(h.steps).toBe(30);
    expect(h.metrics.loss).toHaveLength(3);
    expect(h.metrics.loss[2]).toBeLessThan(h.metrics.loss[0]);
    expect(h.metrics.val_loss).toHaveLength(3);
    expect(h.metrics.val_loss[2]).toBeCloseTo(evaluate(ae, v, { batchSize: 256 }).loss, 5);
    expect(h.imagesPerSecond).toBeGreaterThan(0);
    tf.dispose([x, v]); ae.dispose();
  });

  it("tracks VAE loss parts separately (total, reconstruction, KL)", async () => {
    const vae = buildVae(small);
    const x = bars(100);
    const h = await train(vae, x, { epochs: 2, batchSize: 50, learningRate: 5e-4, validation: x, seed: 1, progress: false });
    expect(Object.keys(h.metrics).sort()).toEqual(["kl", "loss", "reconstruction", "val_kl", "val_loss", "val_reconstruction"]);
    const i = 1;
    // per-step total = 500 * rec + kl, so the epoch means obey it too
    expect(h.metrics.loss[i]).toBeCloseTo(500 * h.metrics.reconstruction[i] + h.metrics.kl[i], 2);
    x.dispose(); vae.dispose();
  });

  it("is reproducible with a seed", async () => {
    const x = bars(80);
    const a = buildAutoencoder(small);
    const b = buildAutoencoder(small);
    b.encoder.setWeights(a.encoder.getWeights()); b.decoder.setWeights(a.decoder.getWeights());
    await train(a, x, { epochs: 2, batchSize: 16, seed: 5, progress: false });
    await train(b, x, { epochs: 2, batchSize: 16, seed: 5, progress: false });
    expect(snapshot(b)).toEqual(snapshot(a));
    x.dispose(); a.dispose(); b.dispose();
  });

  it("leaks no tensors across repeated runs", async () => {
    const ae = buildAutoencoder(small);
    const vae = buildVae(small);
    const x = bars(40);
    const opts = { epochs: 1, batchSize: 16, progress: false as const, validation: x };
    await train(ae, x, opts); await train(vae, x, opts); // warm-up
    const n0 = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) { await train(ae, x, opts); await train(vae, x, opts); }
    expect(tf.memory().numTensors).toBe(n0);
    x.dispose(); ae.dispose(); vae.dispose();
  });

  it("stops on a NaN loss, naming epoch and step, without applying that step", async () => {
    const ae = buildAutoencoder(small);
    let before: number[][] = [];
    const task: Task = {
      name: "nan-at-step-7", models: ae.models,
      loss: (b, ctx) => {
        const r = ae.loss(b, ctx);
        if (ctx.step === 6) before = snapshot(ae);
        return ctx.step === 6 ? { loss: tf.mul(r.loss, NaN) as tf.Scalar } : r;
      },
    };
    const x = bars(40);
    const h = await train(task, x, { epochs: 3, batchSize: 8, progress: false });
    expect(h.status).toBe("nan");
    expect(h.epochs).toBe(1);
    expect(h.message).toMatch(/loss became NaN at epoch 2, step 2 of 5/);
    expect(snapshot(ae)).toEqual(before);
    expect(snapshot(ae).flat().every(Number.isFinite)).toBe(true);
    x.dispose(); ae.dispose();
  });

  it("validates options up front with clear errors", async () => {
    const ae = buildAutoencoder(small);
    const x = bars(10);
    const bad = async (o: object, re: RegExp) => expect(train(ae, x, o as never)).rejects.toThrow(re);
    await bad({ epochs: 1, batchSize: 0 }, /batchSize must be a whole number >= 1, got 0/);
    await bad({ epochs: 1, batchSize: 2.5 }, /batchSize/);
    await bad({ epochs: 0, batchSize: 2 }, /epochs must be a whole number >= 1, got 0/);
    await bad({ epochs: 1, batchSize: 2, learningRate: -1 }, /learningRate must be a finite number > 0, got -1/);
    await bad({ epochs: 1, batchSize: 2, learningRate: NaN }, /learningRate/);
    await bad({ epochs: 1, batchSize: 2, learningRate: 1e-3, optimizer: tf.train.adam() }, /either learningRate or optimizer/);
    await bad({ epochs: 1, batchSize: 2, workers: 0 }, /workers must be "auto" or a whole number/);
    const mnist = tf.zeros([4, 28, 28, 1]);
    await expect(train(buildAutoencoder(), mnist, { epochs: 1, batchSize: 2 })).rejects.toThrow(/shape \[28,28,1\] but autoencoder expects \[32,32,1\].*pad/);
    await expect(train(ae, tf.zeros([4, 16, 16, 1], "int32"), { epochs: 1, batchSize: 2 })).rejects.toThrow(/float32/);
    await expect(train(ae, { x, y: tf.zeros([3, 16, 16, 1]) }, { epochs: 1, batchSize: 2 })).rejects.toThrow(/10 rows but y has 3/);
    x.dispose(); mnist.dispose(); ae.dispose();
  });

  it("calls onEpochEnd with the logs, and stops when it returns \"stop\"", async () => {
    const ae = buildAutoencoder(small);
    const x = bars(20);
    const seen: [number, number][] = [];
    const h = await train(ae, x, {
      epochs: 5, batchSize: 10, progress: false,
      onEpochEnd: (e, logs) => { seen.push([e, logs.loss]); return e === 2 ? "stop" : undefined; },
    });
    expect(seen.map((s) => s[0])).toEqual([1, 2]);
    expect(seen[1][1]).toBe(h.metrics.loss[1]);
    expect(h.status).toBe("stopped");
    expect(h.epochs).toBe(2);
    x.dispose(); ae.dispose();
  });

  it("stops cleanly on SIGINT between steps; the model stays usable and trains again", async () => {
    const ae = buildAutoencoder(small);
    const x = bars(40);
    const listeners0 = process.listeners("SIGINT").length;
    let ours: (() => void) | undefined;
    const err = await train(ae, x, {
      epochs: 4, batchSize: 8, progress: false,
      onEpochEnd: (e) => {
        const added = process.listeners("SIGINT").slice(listeners0);
        expect(added).toHaveLength(1);
        ours = added[0] as () => void;
        if (e === 1) ours(); // what a kernel interrupt does
      },
    }).then(() => null, (e) => e);
    expect(err).toBeInstanceOf(TrainingInterrupted);
    expect((err as TrainingInterrupted).message).toMatch(/interrupted after epoch 1 of 4/);
    expect((err as TrainingInterrupted).history.epochs).toBe(1);
    expect(process.listeners("SIGINT")).toHaveLength(listeners0);
    const h = await train(ae, x, { epochs: 1, batchSize: 8, progress: false });
    expect(h.status).toBe("completed");
    // mid-epoch: interrupt from a loss call (between steps), stop before the next step
    let steps = 0;
    const task: Task = { name: "t", models: ae.models, loss: (b, c) => { if (++steps === 3) process.listeners("SIGINT").slice(listeners0).forEach((l) => (l as () => void)()); return ae.loss(b, c); } };
    const err2 = await train(task, x, { epochs: 2, batchSize: 8, progress: false }).then(() => null, (e) => e);
    expect((err2 as Error).message).toMatch(/during epoch 1 after step 3 of 5/);
    expect(steps).toBe(3);
    x.dispose(); ae.dispose();
  });

  it("shows live progress updated in place (bar, losses, img/s, SVG chart)", async () => {
    const ae = buildAutoencoder(small);
    const x = bars(40);
    const start = displayed.length;
    await train(ae, x, { epochs: 2, batchSize: 10, progress: "display", validation: x, title: "AE test" });
    const mine = displayed.slice(start);
    expect(mine.length).toBeGreaterThanOrEqual(3);
    expect(new Set(mine.map((d) => d.id)).size).toBe(1); // one output, updated in place
    expect(mine.slice(1).every((d) => d.update)).toBe(true);
    const last = mine[mine.length - 1].data["text/html"];
    expect(last).toMatch(/AE test/);
    expect(last).toMatch(/epoch 2\/2/);
    expect(last).toMatch(/img\/s/);
    expect(last).toMatch(/<svg/);
    expect(last).toMatch(/<circle/); // validation points
    expect(last).toMatch(/Trained 2 epochs/);
    x.dispose(); ae.dispose();
  });

  it("trains a bare tf.LayersModel with a named loss", async () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] });
    const xs = tf.randomNormal([200, 2], 0, 1, "float32", 4);
    const ys = tf.matMul(xs, tf.tensor2d([[2], [-3]])).add(1);
    const h = await train(m, { x: xs, y: ys }, { epochs: 30, batchSize: 20, learningRate: 0.1, loss: "mse", progress: false });
    expect(h.metrics.loss[29]).toBeLessThan(0.01);
    const w = m.getWeights()[0].dataSync();
    expect(w[0]).toBeCloseTo(2, 1);
    expect(w[1]).toBeCloseTo(-3, 1);
    tf.dispose([xs, ys]); m.dispose();
  });
});
