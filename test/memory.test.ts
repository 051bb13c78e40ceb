import { it, expect, beforeAll } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/engine/backend";
import { loadFashionMnist } from "../lib/data/fashion-mnist";
import { buildAutoencoder } from "../lib/models/autoencoder";
import { train } from "../lib/train/train";
import { embed, codesToXY } from "../lib/latent/embed";
import { showScatter, showPlotlyScatter } from "../lib/plot/scatter";
import { latentExplorer } from "../lib/plot/explorer";
import { showImages } from "../lib/plot/image-grid";
import { keep, releaseAll } from "../lib/keep";

// A chapter's cells run three times in one process, as a learner re-running
// them would: tensors must not grow, and the process's memory must settle.
const RSS_GROWTH_BOUND_MB = 300;

beforeAll(async () => { await initBackend({ quiet: true }); });

it("train, embed and plot cells re-run three times: no tensor growth, bounded RSS", async () => {
  const rounds: { tensors: number; rssMb: number }[] = [];
  for (let round = 0; round < 3; round++) {
    const data = keep("data", await loadFashionMnist({ split: "test", limit: 300 }));
    const ae = keep("ae", buildAutoencoder());
    await train(ae, data.images, { epochs: 1, batchSize: 100, progress: false, workers: 1 });
    const codes = keep("codes", embed(ae.encoder, data.images));
    const { x, y } = codesToXY(codes);
    const labels = Array.from(data.labels);
    showScatter({ x, y, label: labels, classNames: data.classNames });
    showPlotlyScatter({ x, y, label: labels, classNames: data.classNames });
    latentExplorer({ points: { x: x, y: y, labels: labels, classNames: data.classNames }, decode: (z) => ae.decode(z), gridSize: 6, maxPoints: 100 });
    const few = data.images.slice(0, 8);
    showImages(few, { cols: 8 });
    few.dispose();
    if (global.gc) global.gc();
    rounds.push({ tensors: tf.memory().numTensors, rssMb: process.memoryUsage().rss / 2 ** 20 });
  }
  console.log(`tensors per round: ${rounds.map((r) => r.tensors).join(", ")}; RSS (MB): ${rounds.map((r) => r.rssMb.toFixed(0)).join(", ")}`);
  expect(rounds[1].tensors).toBe(rounds[0].tensors);
  expect(rounds[2].tensors).toBe(rounds[0].tensors);
  expect(rounds[2].rssMb - rounds[0].rssMb, `RSS per round (MB): ${rounds.map((r) => r.rssMb.toFixed(0)).join(", ")}`).toBeLessThan(RSS_GROWTH_BOUND_MB);
  releaseAll();
}, 600_000);
