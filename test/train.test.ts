import { beforeAll, describe, expect, it, vi } from "vitest";
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

  it("rejects data outside [0, 1] for a BCE-trained task up front, saying how to scale (this thread and workers)", async () => {
    const ae = buildAutoencoder(small);
    const x = bars(40);
    const x255 = tf.mul(x, 255);
    for (const workers of [1, 2]) {
      const err = await train(ae, x255, { epochs: 1, batchSize: 10, progress: false, workers }).then(() => null, (e: Error) => e);
      expect(err?.message).toMatch(/^train: the training data has values from 0\.\d+ to 2\d\d\.\d+, but autoencoder is trained with binary cross-entropy, which needs its inputs \(the images it reconstructs\) in \[0, 1\]\. Scale them first, e\.g\. images\.div\(255\) for 8-bit pixels \(loadFashionMnist/);
    }
    await expect(train(ae, x, { epochs: 1, batchSize: 10, progress: false, validation: x255 })).rejects.toThrow(/the validation set has values from .* to 2\d\d.*binary cross-entropy.*div\(255\)/);
    const vae = buildVae(small), centred = tf.sub(x, 0.5);
    await expect(train(vae, centred, { epochs: 1, batchSize: 10, progress: false })).rejects.toThrow(/values from -0\.\d+ to 0\.\d+, but vae is trained with binary cross-entropy/);
    // MSE has no range: the same data trains; a BCE model checks only its targets y
    const mse = buildAutoencoder({ ...small, loss: "mse" });
    expect((await train(mse, x255, { epochs: 1, batchSize: 20, progress: false, workers: 1 })).status).toBe("completed");
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2], activation: "sigmoid" })] });
    const xs = tf.randomNormal([20, 2], 0, 50, "float32", 1);
    const ones = tf.ones([20, 1]), twos = tf.fill([20, 1], 2);
    expect((await train(m, { x: xs, y: ones }, { epochs: 1, batchSize: 10, loss: "bce", progress: false })).status).toBe("completed");
    await expect(train(m, { x: xs, y: twos }, { epochs: 1, batchSize: 10, loss: "bce", progress: false }))
      .rejects.toThrow(/the training data y has values from 2 to 2, but .* binary cross-entropy, which needs the targets y in \[0, 1\]/);
    tf.dispose([x, x255, xs, centred, ones, twos]); ae.dispose(); vae.dispose(); mse.dispose(); m.dispose();
  });

  it("stops on NaN/Inf in the validation (or training) data up front, naming the set and the example", async () => {
    const ae = buildAutoencoder(small);
    const x = bars(30);
    const buf = x.bufferSync();
    buf.set(NaN, 7, 3, 3, 0);
    buf.set(Infinity, 9, 0, 0, 0);
    const bad = buf.toTensor();
    for (const workers of [1, 2]) {
      await expect(train(ae, x, { epochs: 1, batchSize: 10, progress: false, validation: bad, workers }))
        .rejects.toThrow(/^train: the validation set holds 2 NaN\/Inf values \(the first in example 7\), which would make the loss NaN\. Remove or repair/);
    }
    await expect(train(ae, bad, { epochs: 1, batchSize: 10, progress: false })).rejects.toThrow(/the training data holds 2 NaN\/Inf values \(the first in example 7\)/);
    tf.dispose([x, bad]); ae.dispose();
  });

  it("stops when the validation loss becomes NaN, naming the validation set (not status \"completed\")", async () => {
    const ae = buildAutoencoder(small);
    const task: Task = { name: "nan-on-validation", models: ae.models, loss: (b, c) => (c.training ? ae.loss(b, c) : { loss: tf.scalar(NaN) }) };
    const x = bars(30);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const h = await train(task, x, { epochs: 3, batchSize: 10, progress: false, validation: x });
    const warned = warn.mock.calls.map((c) => c.join(" "));
    warn.mockRestore();
    expect(h.status).toBe("nan");
    expect(h.epochs).toBe(1);
    expect(h.message).toMatch(/^Stopped after epoch 1 of 3: on the validation set the loss became val_loss=NaN while the training loss is 0\.\d+\./);
    expect(warned).toEqual([h.message]);
    x.dispose(); ae.dispose();
  });

  it("shows \"validating…\" while the validation set is evaluated, then the epoch line", async () => {
    const ae = buildAutoencoder(small);
    const x = bars(40), v = bars(60, 2);
    const seen: string[] = [];
    const task: Task = {
      name: "watched", models: ae.models, dataRange: ae.dataRange,
      loss: (b, c) => {
        if (!c.training) seen.push(displayed[displayed.length - 1].data["text/html"] as string);
        return ae.loss(b, c);
      },
    };
    const start = displayed.length;
    await train(task, x, { epochs: 2, batchSize: 10, progress: "display", validation: v, workers: 1 });
    expect(seen.length).toBe(2); // one validation batch per epoch
    for (const [i, html] of seen.entries()) {
      expect(html).toMatch(new RegExp(`epoch ${i + 1}/2 · step 4/4`));
      expect(html).toMatch(/validating on 60 examples…/);
    }
    const last = displayed[displayed.length - 1].data["text/html"] as string;
    expect(last).not.toMatch(/validating/);
    expect(last).toMatch(/Trained 2 epochs/);
    expect(displayed.slice(start).every((d) => d.id === displayed[start].id)).toBe(true);
    tf.dispose([x, v]); ae.dispose();
  });
});
